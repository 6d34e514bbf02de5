/**
 * Every variant makes the exhaustive check find a counterexample that breaks
 * one of its listed invariants, and BFS finds it at a pinned, shortest length.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BIG_PRESETS, fullTest, tieredTest } from '../helpers/tier.js';
import { sameUpToQuotient } from '../../checker/index.js';
import { hmmModel, VARIANTS, type VariantId } from '../../model/index.js';
import { checkWorld, presetWorld, Script } from '../helpers/hmm.js';

const PINNED: Record<string, { preset: string; invariant: string; steps: number; loop?: number; others?: string[] }> = {
  D1: { preset: 'small', invariant: 'INV-4', steps: 8 },
  D2: { preset: 'small', invariant: 'INV-2', steps: 12, others: ['INV-1'] },
  B3: { preset: 'small', invariant: 'INV-4', steps: 11 },
  // The migration's MIGRATE callback keeps L(d) inside its bracket.
  B5: { preset: 'small', invariant: 'INV-14', steps: 2 },
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
  // gpu1's hmm_range_fault takes mig0's device page as its own and maps it.
  B8: { preset: 'two-devices', invariant: 'INV-16', steps: 18 },
  // Livelocks are lassos: the steps to the cycle, then the cycle (loop).
  // gpu1's read of the page on dmirror0: read_begin, -EFAULT, replay, for ever.
  B9: { preset: 'two-devices', invariant: 'LIVE-1', steps: 29, loop: 27 },
  // cpu0 and cpu1 each hold a reference that fails the other's migration:
  // setup lets one such reference through on a device page
  // (migrate_vma_check_page's ZONE_DEVICE extra), migrate_vma_pages does not.
  B17: { preset: 'cpu-faults', invariant: 'LIVE-1', steps: 58, loop: 36 },
  // A CPU fault's migration back returns; before its folio_put, the driver's
  // next migration to the device allocates the same device page by pfn.
  B19: { preset: 'cpu-faults', invariant: 'INV-9', steps: 34 },
  // gpu1 maps the page and holds L(d); the reaper's callback refuses, is
  // taken for a success, and the zap frees the page the device maps.
  B1: { preset: 'oom-reaper', invariant: 'INV-2', steps: 11, others: ['INV-3', 'INV-9', 'INV-1'] },
  // The refused start leaves the interval tree inside an invalidation.
  B4: { preset: 'oom-reaper', invariant: 'INV-14', steps: 8 },
  // cpu0 revokes gpu0's exclusive access while cpu1 waits for the page lock
  // without a reference; mig0 migrates the page away, freeing it; cpu1 locks it.
  B14: { preset: 'exclusive', invariant: 'INV-9', steps: 30 },
  // The exclusive entry stands without a mapcount.
  B16: { preset: 'exclusive', invariant: 'INV-15', steps: 5 },
  // gpu0 alone: read_begin, make_device_exclusive (its own EXCLUSIVE
  // callback moves the sequence), read_retry fails, and round again.
  H2: { preset: 'exclusive', invariant: 'LIVE-1', steps: 31, loop: 16 },
  // The page moved to device memory, then the task moves to memcg1: the
  // device-private entry is skipped and its charge stays with memcg0.
  B13: { preset: 'memcg', invariant: 'INV-11', steps: 16 },
  // The write fault maps the page dirty; the migration's collect takes the PTE down without passing the bit on.
  B10: { preset: 'dirty-tlb', invariant: 'INV-8', steps: 5 },
  // cpu0's store caches the translation; collect installs the migration
  // entry and drops the PTL unflushed; cpu1's MADV_DONTNEED zaps the entry
  // (nothing present, no flush) while the TLB still reaches pfn1.
  B11: { preset: 'dirty-tlb', invariant: 'INV-2', steps: 10 },
  // mig0's mixed migration holds its device page locked and waits in
  // lru_add_drain_all for the system page; gpu1, faulting the child's
  // mapping of that page, fails do_swap_page's trylock and walks again.
  B18: { preset: 'mixed-migration', invariant: 'LIVE-1', steps: 31, loop: 29 },
  // mig0 and mig1 each collect one of the two page-table pages, fail the
  // other's trylock, get -EBUSY, evict (nothing to evict) and try again.
  B20: { preset: 'racing-migrations', invariant: 'LIVE-1', steps: 48, loop: 26 },
};

for (const v of VARIANTS) {
  tieredTest(BIG_PRESETS.has(PINNED[v.id]?.preset ?? v.preset), `variant ${v.id} breaks ${v.expected.join(' or ')} on ${v.preset}`, () => {
    const want = PINNED[v.id];
    assert.ok(want, `variant ${v.id} has a pinned counterexample`);
    const r = checkWorld(presetWorld(want.preset, [v.id as VariantId]));
    assert.is(r.outcome, 'violated');
    const first = r.violations[0]!;
    assert.ok((v.expected as readonly string[]).includes(first.id), `${first.id} is one of ${v.expected.join(', ')}`);
    assert.is(first.id, want.invariant);
    assert.is(first.path.actions.length, want.steps);
    assert.is(first.loopStart, want.loop);
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

test('B17: the cycle is both CPU threads aborting each other, and the first cycle state comes back', () => {
  const w = presetWorld('cpu-faults', ['B17']);
  const v = checkWorld(w).violations[0]!;
  assert.is(v.kind, 'liveness');
  const cycle = v.path.actions.slice(v.loopStart);
  assert.equal([...new Set(cycle.map((a) => w.actors[a.t]!.name))].sort(), ['cpu0', 'cpu1']);
  // Each takes its reference (do_swap_page), and the migrations it starts restore the entry.
  assert.is(cycle.filter((a) => a.k === 'do_swap_page').length, 2);
  assert.ok(cycle.every((a) => a.k !== 'migrate_vma_pages' || (a.mig ?? []).every((e) => !e.migrate)), 'no migration commits on the cycle');
  // Equal up to the model's quotient: the sequence counts grow on every turn and are renamed.
  assert.ok(sameUpToQuotient(hmmModel(w), v.path.states[v.path.states.length - 1]!, v.path.states[v.loopStart!]!));
  assert.not.ok(sameUpToQuotient(hmmModel(w), v.path.states[v.path.states.length - 2]!, v.path.states[v.loopStart!]!));
});

fullTest('B18: the cycle is gpu1 alone, faulting a page mig0 holds locked while mig0 waits for the drain', () => {
  const w = presetWorld('mixed-migration', ['B18']);
  const v = checkWorld(w).violations[0]!;
  const cycle = v.path.actions.slice(v.loopStart);
  assert.equal(cycle.map((a) => `${w.actors[a.t]!.name}:${a.k}${a.result ? `=${a.result}` : ''}`), ['gpu1:do_swap_page=EBUSY', 'gpu1:handle_mm_fault']);
  const at = v.path.states[v.loopStart!]!;
  const mig0 = at.threads[1]!;
  assert.is(mig0.pc, 'mig_setup', 'mig0 is in migrate_device_unmap');
  // It holds both pages: the system page it must drain for, and the device page gpu1 faults on.
  const locked = (mig0.mig!.src ?? []).filter((e) => e.pfn !== null && at.frames[e.pfn]!.lock === 1).map((e) => w.zone[e.pfn!]);
  assert.equal(locked.sort(), ['device', 'system']);
});

fullTest('B20: on the cycle both migrations collect half the range and give up; with the rwsem the second try runs alone', () => {
  const w = presetWorld('racing-migrations', ['B20']);
  const v = checkWorld(w).violations[0]!;
  const cycle = v.path.actions.slice(v.loopStart);
  const setups = cycle.filter((a) => a.k === 'migrate_vma_setup');
  assert.equal(setups.map((a) => w.actors[a.t]!.name).sort(), ['mig0', 'mig1']);
  for (const a of setups) assert.equal((a.mig ?? []).filter((e) => e.migrate).length, 1, 'each collected one page of two');
  assert.ok(cycle.every((a) => a.k !== 'migrate_lock'));
  // Unmodified: every state where a migration retries under the write side has no other holder.
  const base = checkWorld(presetWorld('racing-migrations'));
  assert.is(base.outcome, 'ok');
  assert.ok(base.coverage.some((c) => c.kind === 'migrate_lock' && c.count > 0));
});

test('the unmodified cpu-faults preset has no livelock: the second fault sleeps on the page lock', () => {
  const r = checkWorld(presetWorld('cpu-faults'));
  assert.is(r.outcome, 'ok');
  assert.is(r.progress!.checked, true);
});

test('the OOM reaper: a callback that would sleep refuses, and the reaper leaves the page mapped', () => {
  const w = presetWorld('oom-reaper');
  const r = checkWorld(w);
  assert.is(r.outcome, 'ok');
  const kinds = r.coverage.filter((c) => c.count > 0).map((c) => c.kind);
  assert.ok(kinds.includes('zap_pte_range'), 'some reaps succeed');
  // A reap refused: after the refusal the reaper is idle, the page still mapped.
  const sc = new Script(w);
  sc.step(0, 'handle_mm_fault');
  sc.step(0, 'do_anonymous_page');
  sc.step(1, 'mmu_interval_read_begin');
  sc.step(1, 'hmm_range_fault');
  sc.step(1, 'driver_lock');
  sc.step(2, 'invalidate_range_start', { blockable: false });
  sc.step(2, 'invalidate', { dev: 0 });
  const refusal = sc.step(2, 'invalidate', { dev: 1 });
  assert.is(refusal.refused, true);
  const s = sc.state;
  assert.is(s.threads[2]!.pc, 'idle');
  assert.is(s.mms[0]!.pte[0]!.k, 'present');
  assert.is(s.mms[0]!.active, 0);
  assert.is(s.mms[0]!.seq % 2, 0, 'the interval tree left its invalidation (mn_itree_inv_end)');
});

test('INV-13: a callback that leaves its page table alone (D2) keeps an atomic mapping over the restored PTE', () => {
  const w = presetWorld('exclusive', ['D2']);
  const v = checkWorld(w).violations[0]!;
  assert.is(v.id, 'INV-13');
  assert.is(v.path.actions.length, 15);
  const kinds = v.path.actions.map((a) => a.k);
  // Taken exclusive and mapped ATOMIC, then a CPU fault restores the PTE.
  assert.ok(kinds.indexOf('make_device_exclusive') < kinds.indexOf('devpt_map'));
  assert.is(kinds[kinds.length - 1], 'restore_exclusive_pte');
  assert.ok(v.path.actions.some((a) => a.k === 'devpt_map' && a.atomic === true));
});

test('exclusive access: revoked by a CPU fault, the page is present again and no atomic entry is left', () => {
  const w = presetWorld('exclusive');
  const sc = new Script(w);
  sc.runAlone(0);
  assert.is(sc.state.mms[0]!.pte[0]!.k, 'devexcl');
  assert.equal(sc.state.mirrors[0]!.pt[0], { pfn: 1, w: true, atomic: true });
  assert.is(sc.state.frames[1]!.map, 1, 'the entry keeps its mapcount (v6.15)');
  assert.is(sc.state.frames[1]!.lock, -1);
  sc.runAlone(1);
  assert.is(sc.state.mms[0]!.pte[0]!.k, 'present');
  assert.is(sc.state.mirrors[0]!.pt[0], null);
  assert.is(sc.state.frames[1]!.ref, 1);
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
