/**
 * What the real lib/test_hmm.c gets wrong, found by `check` on the
 * configurations that ship in model/configs (kernel-audit.md section 3; the
 * README's "What lib/test_hmm.c gets wrong" reads as the bug report). Each
 * test pins the shortest counterexample and the order of steps that makes it
 * the race the audit confirms from source; the presets' own test_hmm
 * findings (migrate, small) are in drivers.test.ts.
 */
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { check } from '../../checker/index.js';
import { applyStep, buildWorld, hmmModel, initialState, invariants, parseConfig, type HmmAction, type World } from '../../model/index.js';

const shipped = (name: string): World => {
  const file = new URL(`../../../model/configs/${name}.json`, import.meta.url);
  return buildWorld(parseConfig(JSON.parse(readFileSync(file, 'utf8')), name));
};
const steps = (w: World, path: readonly HmmAction[]): string[] => path.map((a) => `${w.actors[a.t]!.name}:${a.k}${a.event ? `(${a.event})` : ''}`);
const first = (w: World) => {
  const r = check(hmmModel(w, { freeze: false }));
  assert.is(r.outcome, 'violated');
  return { r, v: r.violations[0]!, path: steps(w, r.violations[0]!.path.actions) };
};

test('race 1: finalize_and_map maps without read_retry; a MADV_DONTNEED zap of the migration entry in between leaves a writable device mapping over an empty PTE (INV-3, 17 steps)', () => {
  const w = shipped('test_hmm-dontneed');
  assert.equal(w.driverNames, ['test_hmm']);
  const { r, v, path } = first(w);
  assert.equal([v.id, v.path.actions.length, r.stats.states], ['INV-3', 17, 341]);
  // collect put the migration entry; the zap removes it (memory.c zap_pte_range, no folio lock); the driver maps anyway.
  const at = (s: string): number => path.indexOf(s);
  assert.ok(at('mig0:migrate_vma_collect') < at('cpu0:zap_pte_range'));
  assert.ok(at('cpu0:zap_pte_range') < at('mig0:migrate_vma_pages'));
  assert.equal(path.slice(-2), ['mig0:driver_lock', 'mig0:devpt_map']);
  assert.not.ok(path.includes('mig0:mmu_interval_read_retry'), 'dmirror_migrate_finalize_and_map checks no sequence (test_hmm.c:804-828)');
});

test("race 2: dmirror_exclusive maps ATOMIC without a sequence check; a MADV_DONTNEED after make_device_exclusive leaves an atomic mapping of a page the CPU no longer maps (INV-4 at the map, the state breaking INV-2 and INV-13; 12 steps)", () => {
  const w = shipped('test_hmm-exclusive');
  const { v, path } = first(w);
  assert.equal([v.id, v.path.actions.length], ['INV-4', 12]);
  assert.ok(path.indexOf('gpu0:make_device_exclusive') < path.indexOf('cpu0:zap_pte_range'));
  assert.equal(path.slice(-2), ['gpu0:driver_lock', 'gpu0:devpt_map']);
  let s = initialState(w);
  for (const a of v.path.actions) s = applyStep(w, s, a);
  const broken = invariants(w).filter((i) => !i.holds(s)).map((i) => i.id);
  assert.ok(broken.includes('INV-13') && broken.includes('INV-2'), broken.join(' '));
});

test('race 3 with a coherent device: the own-MIGRATE skip lets the zero-page (or source) mapping outlive the migration; under test_hmm the use-after-free of the source comes first (INV-2, 19), and the stale read of race 3 is the next race (INV-7, 20 with the callback setting its sequence)', () => {
  const w = shipped('test_hmm-coherent');
  const { v, path } = first(w);
  assert.equal([v.id, v.path.actions.length], ['INV-2', 19]);
  assert.ok(path.indexOf('gpu0:hmm_range_fault') < path.indexOf('mig0:invalidate(migrate)'));
  assert.ok(path.indexOf('mig0:migrate_vma_pages') < path.indexOf('gpu0:mmu_interval_read_retry'));
  // The sequence set on its own MIGRATE events (the reference callback) closes that window; the stale zero page stays.
  const seq: World = { ...w, drivers: w.drivers.map((d) => ({ ...d, ownMigrateSetsSeq: true })) };
  const stale = first(seq);
  assert.equal([stale.v.id, stale.v.path.actions.length], ['INV-7', 20]);
  assert.equal(stale.path.slice(-2), ['cpu0:cpu_write', 'gpu0:device_read']);
});

test.run();
