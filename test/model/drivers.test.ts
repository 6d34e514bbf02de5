/**
 * The driver axis (model/drivers): how a device's driver is resolved, the
 * driver-mistake variants as aliases of one option, and what lib/test_hmm.c
 * as shipped gets wrong where the reference protocol does not.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { check } from '../../checker/index.js';
import { buildWorld, configSchema, DRIVER_NAMES, DRIVER_VARIANTS, DRIVERS, findPreset, hmmModel, type Config, type DriverBehaviour, type HmmAction, type VariantId, type World } from '../../model/index.js';

const cfg = (name: string, extra: Partial<Config> = {}): Config => ({ ...findPreset(name)!.config, ...extra });
const run = (w: World) => check(hmmModel(w, { freeze: false }));
const firsts = (w: World): [string, number][] => run(w).violations.map((v) => [v.id, v.path.actions.length]);
/** The world with one behaviour of every device's driver changed: to test that behaviour alone. */
const withDriver = (w: World, patch: Partial<DriverBehaviour>): World => ({ ...w, drivers: w.drivers.map((d) => ({ ...d, ...patch })) });

test('a device runs the reference driver unless the configuration says otherwise, per device or for all', () => {
  const two = cfg('two-devices');
  assert.equal(buildWorld(two).driverNames, ['reference', 'reference']);
  assert.equal(buildWorld({ ...two, driver: 'test_hmm' }).driverNames, ['test_hmm', 'test_hmm']);
  const mixed = buildWorld({ ...two, driver: 'test_hmm', devices: [{ ...two.devices[0]!, driver: 'reference' }, two.devices[1]!] });
  assert.equal(mixed.driverNames, ['reference', 'test_hmm']);
  assert.is(mixed.drivers[0]!.ownMigrateSetsSeq, true);
  assert.is(mixed.drivers[1]!.ownMigrateSetsSeq, false);
  // allOrNothing and selectOwn are options of the device's driver.
  const racing = buildWorld(cfg('racing-migrations'));
  assert.equal(racing.drivers.map((d) => d.allOrNothing), [true, true]);
  assert.equal(buildWorld(cfg('tiny')).drivers.map((d) => d.allOrNothing), [false]);
});

test('the configuration schema names exactly the drivers the model has, for all devices and per device', () => {
  const schema = configSchema as { properties: { driver: { enum: string[] } }; $defs: { device: { properties: { driver: { enum: string[] } } } } };
  assert.equal(schema.properties.driver.enum, [...DRIVER_NAMES]);
  assert.equal(schema.$defs.device.properties.driver.enum, [...DRIVER_NAMES]);
});

test('lib/test_hmm.c differs from the reference driver in exactly its two places', () => {
  const [reference, testHmm] = DRIVERS.map((d) => d.behaviour('latest'));
  const differs = Object.keys(reference!).filter((k) => reference![k as keyof DriverBehaviour] !== testHmm![k as keyof DriverBehaviour]);
  assert.equal(differs, ['ownMigrateSetsSeq', 'eraseBeforeCopy']);
  assert.is(testHmm!.ownMigrateSetsSeq, false, 'dmirror_interval_invalidate returns before mmu_interval_set_seq (test_hmm.c:316-318)');
  assert.is(testHmm!.eraseBeforeCopy, false, 'dmirror_migrate_alloc_and_copy has no xa_erase (test_hmm.c:694-746)');
});

test('each driver-mistake variant is one option of the driver, set on every device', () => {
  const base = buildWorld(cfg('two-devices'));
  for (const [id, option] of Object.entries(DRIVER_VARIANTS)) {
    const w = buildWorld(cfg('two-devices'), [id as VariantId]);
    assert.equal(w.drivers, base.drivers.map((d) => ({ ...d, ...option })), id);
  }
  // Over test_hmm too: D1 there is test_hmm without its read_retry.
  const t = buildWorld(cfg('tiny', { driver: 'test_hmm' }), ['D1']);
  assert.equal([t.drivers[0]!.readRetry, t.drivers[0]!.ownMigrateSetsSeq], [false, false]);
});

test('the variant and the option it stands for give the same search', () => {
  const byVariant = run(buildWorld(cfg('tiny'), ['D1']));
  const byOption = run(withDriver(buildWorld(cfg('tiny')), { readRetry: false }));
  assert.equal([byOption.outcome, byOption.stats.states, byOption.violations.map((v) => [v.id, v.path.actions.length])], [byVariant.outcome, byVariant.stats.states, byVariant.violations.map((v) => [v.id, v.path.actions.length])]);
});

test('test_hmm on migrate: the own-MIGRATE early return lets a racing device fault map the page the migration frees (INV-2, then INV-9)', () => {
  const r = run(buildWorld(cfg('migrate', { driver: 'test_hmm' })));
  assert.is(r.outcome, 'violated');
  assert.equal(r.violations.map((v) => [v.id, v.path.actions.length]), [['INV-2', 19], ['INV-9', 19], ['INV-1', 19]]);
  const path = r.violations[0]!.path.actions as readonly HmmAction[];
  // The fault read its sequence before the migration's invalidation, and read_retry still passes after it.
  const begin = path.findIndex((a) => a.k === 'mmu_interval_read_begin');
  const inv = path.findIndex((a) => a.k === 'invalidate' && a.event === 'migrate');
  const retry = path.findIndex((a) => a.k === 'mmu_interval_read_retry');
  assert.ok(begin >= 0 && begin < inv && inv < retry, 'read_begin, own MIGRATE callback, read_retry');
  assert.is(path[retry]!.retry, false);
  assert.is(path[path.length - 1]!.k, 'migrate_vma_finalize', 'finalize frees the source the device still maps');
  // The reference driver sets the sequence there: the same preset verifies.
  assert.is(run(buildWorld(cfg('migrate'))).outcome, 'ok');
});

test('test_hmm on small: a device write between the copy to device memory and the commit is lost (INV-7), with no erase before the copy', () => {
  assert.equal(firsts(buildWorld(cfg('small', { driver: 'test_hmm' }))), [['INV-7', 21]]);
  // The missing erase alone is enough: the device's own mapping of the source takes the write after the copy.
  const r = run(withDriver(buildWorld(cfg('small')), { eraseBeforeCopy: false }));
  assert.equal(r.violations.map((v) => [v.id, v.path.actions.length]), [['INV-7', 21]]);
  const path = r.violations[0]!.path.actions as readonly HmmAction[];
  const copy = path.findIndex((a) => a.k === 'migrate_copy');
  const write = path.findIndex((a) => a.k === 'device_write');
  const pages = path.findIndex((a) => a.k === 'migrate_vma_pages');
  assert.ok(copy >= 0 && copy < write && write < pages, 'copy, device write to the old page, commit');
  assert.not.ok(path.some((a) => a.k === 'devpt_unmap'), 'the driver never erased its entry');
});

test('test_hmm on the other presets: the same two races where a device maps what a migration moves, and the rest verify', () => {
  const found = (name: string): [string, number, number] => {
    const r = run(buildWorld(cfg(name, { driver: 'test_hmm' })));
    return [r.violations[0]?.id ?? r.outcome, r.violations[0]?.path.actions.length ?? 0, r.stats.states];
  };
  assert.equal(found('tiny'), ['INV-2', 19, 1581]);
  assert.equal(found('two-devices'), ['INV-2', 20, 27794]);
  assert.equal(found('coherent'), ['INV-7', 17, 3781]);
  for (const name of ['cpu-faults', 'oom-reaper', 'memcg', 'dirty-tlb', 'exclusive']) assert.is(run(buildWorld(cfg(name, { driver: 'test_hmm' }))).outcome, 'ok', name);
});

test.run();
