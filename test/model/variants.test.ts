/**
 * Every variant makes the exhaustive check find a counterexample that breaks
 * one of its listed invariants, and BFS finds it at a pinned, shortest length.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { VARIANTS, type VariantId } from '../../model/index.js';
import { checkWorld, presetWorld } from '../helpers/hmm.js';

const PINNED: Record<string, { preset: string; invariant: string; steps: number; others?: string[] }> = {
  D1: { preset: 'small', invariant: 'INV-4', steps: 8 },
  D2: { preset: 'small', invariant: 'INV-2', steps: 12, others: ['INV-1'] },
  B3: { preset: 'small', invariant: 'INV-4', steps: 11 },
  // CPU write, pin, then migrate: collect, the callback, unmap check skipped, alloc, copy, commit.
  D3: { preset: 'migrate', invariant: 'INV-6', steps: 11 },
  // An empty page migrated straight into device memory (10 steps), then GUP pins the device page.
  D5: { preset: 'migrate', invariant: 'INV-5', steps: 11 },
  D4: { preset: 'migrate', invariant: 'INV-11', steps: 26 },
  H1: { preset: 'migrate', invariant: 'INV-2', steps: 19, others: ['INV-9', 'INV-1'] },
  // The child's page migrated to the device, freed at the child's exit, recycled for the parent's empty page.
  B6: { preset: 'fork', invariant: 'INV-15', steps: 31 },
  // The parent faults on its device page without a reference; the driver's eviction frees it first.
  B12: { preset: 'fork', invariant: 'INV-9', steps: 25 },
};

for (const v of VARIANTS) {
  test(`variant ${v.id} breaks ${v.expected.join(' or ')} on ${v.preset}`, () => {
    const want = PINNED[v.id];
    assert.ok(want, `variant ${v.id} has a pinned counterexample`);
    const r = checkWorld(presetWorld(want.preset, [v.id as VariantId]));
    assert.is(r.outcome, 'violated');
    const first = r.violations[0]!;
    assert.ok((v.expected as readonly string[]).includes(first.id), `${first.id} is one of ${v.expected.join(', ')}`);
    assert.is(first.id, want.invariant);
    assert.is(first.path.actions.length, want.steps);
    assert.equal(r.violations.slice(1).map((x) => x.id), want.others ?? []);
  });
}

test('D1 on tiny: the driver maps a page after its own MIGRATE callback moved the sequence', () => {
  const r = checkWorld(presetWorld('tiny', ['D1']));
  const v = r.violations[0]!;
  assert.is(v.id, 'INV-4');
  assert.equal(
    v.path.actions.map((a) => `${a.t}:${a.k}`),
    [
      '0:handle_mm_fault',
      '0:do_anonymous_page',
      '1:mmu_interval_read_begin',
      '1:hmm_range_fault',
      '2:invalidate_range_start',
      '2:invalidate',
      '1:driver_lock',
      '1:devpt_map',
    ],
  );
});

test('B3: the valid flag is reset by invalidate_range_end, so the ABA race passes the check', () => {
  const v = checkWorld(presetWorld('small', ['B3'])).violations[0]!;
  const kinds = v.path.actions.map((a) => a.k);
  // The snapshot is taken before the invalidation and installed after its end.
  assert.ok(kinds.indexOf('hmm_range_fault') < kinds.indexOf('invalidate'));
  assert.ok(kinds.indexOf('invalidate_range_end') < kinds.indexOf('devpt_map'));
  const retry = v.path.actions.find((a) => a.k === 'mmu_interval_read_retry')!;
  assert.is(retry.retry, false);
});

test.run();
