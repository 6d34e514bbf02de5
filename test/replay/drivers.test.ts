/**
 * Replay uses the driver axis (MODEL.md section 7): a trace that names no
 * driver is judged under `any`, whose steps are taken as recorded; a header
 * or --driver naming test_hmm judges it as lib/test_hmm.c would run; a name
 * hmmcheck does not know is bad input at the header.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { replayFile } from '../../traces/hmm/replayFile.js';
import { TraceInputError } from '../../traces/errors.js';
import { run } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('drivers-test');
/** A migrating driver that neither locks nor maps between migrate_vma_pages and migrate_vma_finalize (a device fault before it does both). */
const fixture = fileURLToPath(new URL('../../../test/fixtures/traces/driver-maps-nothing.jsonl', import.meta.url));
const lines = readFileSync(fixture, 'utf8').trim().split('\n');

/** The fixture with its header changed. */
function withHeader(name: string, patch: Record<string, unknown>): string {
  const path = join(dir, name);
  writeFileSync(path, [JSON.stringify({ ...JSON.parse(lines[0]!), ...patch }), ...lines.slice(1)].join('\n') + '\n');
  return path;
}

test('a header without a driver: judged under any, and valid, since no invariant breaks', async () => {
  const { report } = await replayFile(fixture);
  assert.equal([report.outcome, report.driver, report.kernel], ['valid', 'any', 'latest']);
});

test('the same trace under test_hmm: invalid at migrate_vma_finalize, where dmirror_migrate_finalize_and_map takes its lock', async () => {
  const { report } = await replayFile(withHeader('test_hmm.jsonl', { driver: 'test_hmm' }));
  assert.equal([report.outcome, report.line, report.driver], ['invalid', 15, 'test_hmm']);
  assert.match(report.reason, /next step in the model is driver_lock, not migrate_vma_finalize/);
  // --driver overrides the header, for every device.
  const { report: over } = await replayFile(withHeader('test_hmm2.jsonl', { driver: 'test_hmm' }), { driver: 'any' });
  assert.equal([over.outcome, over.driver], ['valid', 'any']);
  // A list names one driver per device.
  const { report: list } = await replayFile(withHeader('list.jsonl', { driver: ['test_hmm'] }));
  assert.equal([list.outcome, list.line], ['invalid', 15]);
});

test('a driver hmmcheck does not know, or a list of the wrong length, is bad input at the header naming the known ones', async () => {
  for (const [driver, found] of [['nvidia', '"nvidia"'], [['test_hmm', 'reference'], 'a list of 2'], [[], '[]']] as const) {
    try {
      await replayFile(withHeader(`bad-${found.length}.jsonl`, { driver }));
      assert.unreachable(`driver ${JSON.stringify(driver)} accepted`);
    } catch (e) {
      assert.instance(e, TraceInputError);
      const err = e as TraceInputError;
      assert.equal([err.line, err.field], [1, 'driver']);
      assert.match(err.message, found);
      assert.match(err.message, /reference, test_hmm, any|one driver per device/);
    }
  }
});

test('a driver that skips mmu_interval_read_retry where nothing invalidated is judged by the invariants, not by its order: valid under any and test_hmm', async () => {
  const safe = fileURLToPath(new URL('../../../test/fixtures/traces/map-without-retry-safe.jsonl', import.meta.url));
  for (const driver of [undefined, 'test_hmm']) {
    const { report } = await replayFile(safe, driver ? { driver } : {});
    assert.equal([report.outcome, report.driver], ['valid', driver ?? 'any']);
  }
});

test("a callback that skips set_seq on its own MIGRATE event (test_hmm's): valid under any and test_hmm, invalid under reference at the read_retry it would have failed", async () => {
  const own = fileURLToPath(new URL('../../../test/fixtures/traces/own-migrate-no-setseq.jsonl', import.meta.url));
  for (const driver of [undefined, 'test_hmm']) {
    const { report } = await replayFile(own, driver ? { driver } : {});
    assert.equal([report.outcome, report.driver], ['valid', driver ?? 'any']);
  }
  const { report } = await replayFile(own, { driver: 'reference' });
  assert.equal([report.outcome, report.line], ['invalid', 18]);
  assert.match(report.reason, /mmu_interval_read_retry returns true in the model, the trace says false: the invalidate at line 7 changed the sequence/);
});

test('the command line: --driver on replay and check, any refused by check, the drivers verb', async () => {
  const r = await run('replay', fixture, '--driver', 'test_hmm', '--quiet');
  assert.is(r.code, 1);
  assert.match(r.out, /judged under kernel latest and driver test_hmm/);
  const bad = await run('check', '--preset', 'tiny', '--driver', 'any');
  assert.is(bad.code, 2);
  assert.match(bad.err, /--driver any is for replay only/);
  const unknown = await run('simulate', '--driver', 'nouveau');
  assert.is(unknown.code, 2);
  assert.match(unknown.err, /unknown driver "nouveau"; drivers are reference, test_hmm, any/);
  const cfg = join(dir, 'any.json');
  writeFileSync(cfg, JSON.stringify({ pages: 1, systemFrames: 1, driver: 'any', devices: [{ frames: 1 }], actors: [{ kind: 'device', ops: { device_read: 1 } }] }));
  const anyCfg = await run('check', '--config', cfg);
  assert.is(anyCfg.code, 2);
  assert.match(anyCfg.err, /driver: expected a driver check can enumerate \(reference, test_hmm; any is for replay only\), found "any"/);
  const list = await run('drivers', '--json');
  assert.is(list.code, 0);
  const items = JSON.parse(list.out).items as { name: string; replayOnly: boolean; behaviour: Record<string, unknown> }[];
  assert.equal(items.map((d) => [d.name, d.replayOnly]), [['reference', false], ['test_hmm', false], ['any', true]]);
  assert.is(items[1]!.behaviour['ownMigrateSetsSeq'], false);
  const checked = await run('check', '--preset', 'migrate', '--driver', 'test_hmm', '--quiet');
  assert.is(checked.code, 1);
  assert.match(checked.out, /^hmmcheck check: preset migrate, driver test_hmm\noutcome: violated\n\nINV-2/);
});

test.run();
