/**
 * The kernel version axis (model/kernel/versions.ts): each version's choice
 * of every rule that changed, the older-kernel variants as aliases of one
 * rule, and for each versioned behaviour a pair of checks on a small
 * configuration, the older kernel's against the newer one's.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { check } from '../../checker/index.js';
import { Script, shortestTo } from '../helpers/hmm.js';
import {
  buildWorld,
  choiceIn,
  DEFAULT_KERNEL,
  findPreset,
  hmmModel,
  invariants,
  KERNEL_RULES,
  kernelBehaviour,
  KERNELS,
  type HmmAction,
  type HmmState,
  type KernelBehaviour,
  type KernelRule,
  type KernelVersion,
  type VariantId,
  type World,
} from '../../model/index.js';

const preset = (name: string, kernel: KernelVersion, variants: VariantId[] = []): World => buildWorld({ ...findPreset(name)!.config, kernel }, variants);

/** A world whose kernel is `kernel` with one rule changed: to test that rule alone. */
const withRule = (w: World, patch: Partial<KernelBehaviour>): World => ({ ...w, kernel: { ...w.kernel, ...patch } });

test('every rule has one choice per version, from its newest change at or before it; latest is the default', () => {
  assert.is(DEFAULT_KERNEL, 'latest');
  const table = Object.fromEntries(KERNELS.map((v) => [v, kernelBehaviour(v)]));
  assert.equal(
    KERNELS.map((v) => [
      table[v]!.do_swap_page,
      table[v]!.collectFaultFolio,
      table[v]!.exclusiveMapcount,
      table[v]!.exclusiveLock,
      table[v]!.revokeEvent,
      table[v]!.memcgMigrate,
      table[v]!.mprotectNotifier,
    ]),
    [
      ['get', 'trylock', 'drop', 'trylock', 'exclusive', 'force-charge', 'pmd'],
      ['get', 'trylock', 'drop', 'trylock', 'exclusive', 'move', 'pud'],
      ['trylock', 'fault-locked', 'keep', 'lock', 'clear', 'move', 'pud'],
      ['sleep', 'fault-locked', 'keep', 'lock', 'clear', 'move', 'pud'],
    ],
  );
  for (const r of KERNEL_RULES as readonly KernelRule[]) {
    for (const h of r.history) {
      assert.ok(r.choices[h.choice], `${r.id}: ${h.choice} is described`);
      if (h.since !== undefined) assert.ok(h.commit?.subject, `${r.id}: the change to ${h.choice} names its commit`);
    }
    for (const v of KERNELS) assert.ok(choiceIn(r, v) in r.choices);
  }
});

test('the older-kernel variants set their one rule back, whatever the version; collect follows do_swap_page', () => {
  const base = preset('tiny', 'latest');
  assert.equal(buildWorld(base.config, ['B17']).kernel, { ...base.kernel, do_swap_page: 'get', collectFaultFolio: 'trylock' });
  assert.equal(buildWorld(base.config, ['B12']).kernel, { ...base.kernel, do_swap_page: 'none', collectFaultFolio: 'trylock' });
  assert.equal(buildWorld(base.config, ['B18']).kernel, { ...base.kernel, do_swap_page: 'trylock' });
  assert.equal(buildWorld(base.config, ['B16']).kernel, { ...base.kernel, exclusiveMapcount: 'drop' });
  const old = preset('tiny', '6.1', ['B18']);
  assert.is(old.kernel.do_swap_page, 'trylock');
  assert.is(old.kernel.collectFaultFolio, 'fault-locked');
  assert.is(old.kernel.memcgMigrate, 'force-charge', 'the other rules stay 6.1');
});

test('do_swap_page: two CPU threads faulting one device page livelock on 6.1 (a reference each, no lock: B17), not on latest', () => {
  const latest = check(hmmModel(preset('cpu-faults', 'latest'), { freeze: false }));
  assert.is(latest.outcome, 'ok');
  const old = check(hmmModel(preset('cpu-faults', '6.1'), { freeze: false }));
  assert.is(old.outcome, 'violated');
  assert.equal(old.violations.map((v) => [v.id, v.path.actions.length, v.loopStart]), [['LIVE-1', 58, 36]]);
});

test('device-exclusive mapcount: dropped before v6.15 (INV-15 at once), kept since', () => {
  const old = check(hmmModel(preset('exclusive', '6.12'), { freeze: false }));
  assert.equal(old.violations.map((v) => [v.id, v.path.actions.length]), [['INV-15', 5]]);
  assert.is(check(hmmModel(preset('exclusive', '6.15'), { freeze: false })).outcome, 'ok');
});

test('make_device_exclusive of a page another thread holds locked: fails on the trylock before v6.15, waits since', () => {
  const failsOnLock = (b: HmmState, a: HmmAction): boolean => a.k === 'make_device_exclusive' && a.pfn === null && b.mms[a.mm!]!.vma[a.page!] === 'rw';
  // Two devices ask for one page: the first holds it locked from its GUP to its unlock.
  const w = buildWorld({
    pages: 1,
    systemFrames: 2,
    devices: [{ frames: 1, owner: 'dmirror0' }, { frames: 1, owner: 'dmirror1' }],
    actors: [
      { kind: 'cpu', ops: { cpu_write: 1 } },
      { kind: 'device', mirror: 0, ops: { device_atomic: 1 } },
      { kind: 'device', mirror: 1, ops: { device_atomic: 1 } },
    ],
  });
  const trylock = shortestTo(withRule(w, { exclusiveLock: 'trylock' }), failsOnLock);
  assert.ok(trylock, 'reachable with the trylock');
  assert.is(trylock!.filter((a) => a.k === 'invalidate_range_start' && a.event === 'exclusive').length, 1, "the other device's request holds the lock");
  assert.is(shortestTo(w, failsOnLock), null, 'never with folio_lock');
  // Failing, the request maps nothing, and the rest of the model still verifies.
  assert.is(check(hmmModel(withRule(w, { exclusiveLock: 'trylock' }), { freeze: false })).outcome, 'ok');
});

test('the revocation of device-exclusive access: an EXCLUSIVE invalidation before v6.15, CLEAR since; owner NULL both', () => {
  const revocation = (event: string) => (_b: HmmState, a: HmmAction, s: HmmState): boolean => a.k === 'invalidate_range_start' && s.threads[a.t]!.inv?.then === 'restore_exclusive_pte' && s.threads[a.t]!.inv?.event === event;
  const w = preset('exclusive', 'latest');
  assert.ok(shortestTo(w, revocation('clear')));
  assert.is(shortestTo(w, revocation('exclusive')), null);
  const old = withRule(w, { revokeEvent: 'exclusive' });
  assert.ok(shortestTo(old, revocation('exclusive')));
  assert.is(shortestTo(old, revocation('clear')), null);
});

test('mem_cgroup_migrate: before v6.7 the new folio is force-charged and both are charged until the old is freed; since, the charge moves', () => {
  // One page in the process: two frames charged to its memcg are the migration's source and destination.
  const bothCharged = (_b: HmmState, a: HmmAction, s: HmmState): boolean => a.k === 'migrate_vma_pages' && s.mms.some((_m, i) => s.frames.filter((f) => f.memcg === i).length >= 2);
  const w = preset('memcg', 'latest');
  assert.is(shortestTo(w, bothCharged), null, 'moved: one page holds the charge');
  const old = withRule(w, { memcgMigrate: 'force-charge' });
  assert.ok(shortestTo(old, bothCharged), 'force-charged: the source and the destination both');
  // INV-11 (usage equals the pages charged) holds either way.
  assert.is(check(hmmModel(preset('memcg', '6.1'), { freeze: false })).outcome, 'ok');
  assert.equal([check(hmmModel(w, { freeze: false })).stats.states, check(hmmModel(preset('memcg', '6.1'), { freeze: false })).stats.states], [982, 1465]);
});

test("mprotect's invalidation: from the first populated PMD on 6.1, the first populated PUD since v6.12 (test/model/fidelity.test.ts has the rest)", () => {
  // Page 1 written, page 0 never: one PTE table each (pmdPages 1), both under one PUD.
  const w = buildWorld({
    pages: 2,
    pmdPages: 1,
    systemFrames: 2,
    devices: [{ frames: 1 }],
    actors: [{ kind: 'cpu', ops: { cpu_write: 1, mprotect: 1 }, pages: [1], ranges: [[0, 2]] }],
  });
  const startsAt = (page: number) => (_b: HmmState, a: HmmAction, s: HmmState): boolean => a.k === 'mprotect' && s.threads[a.t]!.inv?.start === page;
  assert.ok(shortestTo(withRule(w, { mprotectNotifier: 'pmd' }), startsAt(1)));
  assert.is(shortestTo(withRule(w, { mprotectNotifier: 'pmd' }), startsAt(0)), null);
  assert.ok(shortestTo(w, startsAt(0)));
  assert.is(shortestTo(w, startsAt(1)), null);
});

test('do_swap_page before v6.1 (B12): no PTL and no pte_same check, so a fault whose page another fault migrated back and freed calls migrate_to_ram on it (INV-9); since, it sees the entry changed and returns', () => {
  // cpu-faults: mig0 moves the page to the device, cpu0 and cpu1 both fault on
  // the device-private entry, cpu0 migrates it back (freeing the device page)
  // before cpu1 reaches do_swap_page.
  const run = (w: World): Script => {
    const sc = new Script(w);
    sc.runAlone(2);
    sc.step(0, 'handle_mm_fault');
    sc.step(1, 'handle_mm_fault');
    sc.step(0, 'do_swap_page');
    for (const k of ['migrate_to_ram', 'invalidate_range_start', 'invalidate', 'migrate_vma_collect', 'invalidate_range_end', 'migrate_vma_setup', 'alloc_page', 'devpt_unmap', 'migrate_copy', 'migrate_vma_pages', 'migrate_vma_finalize'] as const) sc.step(0, k);
    sc.step(0, 'folio_free');
    assert.is(sc.state.mms[0]!.pte[0]!.k, 'present', "cpu0's migration back committed");
    sc.step(1, 'do_swap_page');
    return sc;
  };
  const inv9 = (w: World) => invariants(w).find((i) => i.id === 'INV-9')!;
  const old = preset('cpu-faults', 'latest', ['B12']);
  const before = run(old);
  // mm/memory.c before 16ce101db85d: vmf->page->pgmap->ops->migrate_to_ram(vmf) on the page it read.
  assert.is(before.state.threads[1]!.pc, 'swap');
  const pfn = (before.state.threads[1]!.fault!.orig as { pfn: number }).pfn;
  assert.is(before.state.frames[pfn]!.ref, 0, 'the device page is free');
  assert.not.ok(inv9(old).holds(before.state), 'INV-9: the fault goes on with a freed page');
  // v6.1 (16ce101db85d): pte_offset_map_lock, !pte_same, return; the access faults again.
  const fixed = preset('cpu-faults', '6.1');
  const after = run(fixed);
  assert.is(after.state.threads[1]!.pc, 'access');
  assert.ok(inv9(fixed).holds(after.state));
});

test.run();
