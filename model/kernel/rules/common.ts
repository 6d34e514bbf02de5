/**
 * Helpers the rules share: taking and dropping page references, starting and
 * finishing a thread's operation, returning from a nested kernel path.
 */
import type { Draft } from 'immer';
import type { HmmAction } from '../../actions.js';
import type { FrameState, HmmState, OpKind } from '../../state.js';
import { copyFrame, ZERO_PFN } from '../../state.js';
import { tableOf } from '../../queries.js';
import { zoneDevice, type World } from '../../world.js';

export type D = Draft<HmmState>;

/** A rule: what one step does to the state. The step's guard lives in the programs (and in replay). */
export type Rule = (d: D, a: HmmAction, w: World) => void;

/**
 * Copy-on-write frames. applyStepCopy (hmmModel.ts) hands a rule a copy of
 * the state whose frames array is new but whose frames are still the source
 * state's own (most steps change one frame or none, and copying all of them
 * was a third of a step's allocation); `cow.from` is the source's array
 * while the rule runs. A rule changes a frame only through `fw`, which
 * copies it first if it is still shared. Under immer (applyStep) `cow.from`
 * is unset and `fw` returns the draft's frame. copy.test.ts runs every rule
 * on frozen source states: a write past `fw` throws there.
 */
export const cow: { from: readonly FrameState[] | undefined } = { from: undefined };

/** Frame `pfn` of `d`, safe to change. */
export function fw(d: D, pfn: number): Draft<FrameState> {
  const f = d.frames[pfn]!;
  const from = cow.from;
  if (from === undefined || f !== from[pfn]) return f;
  const c = copyFrame(f);
  d.frames[pfn] = c;
  return c;
}

/**
 * folio_put: drops one reference. At zero the frame is free; its content is
 * forgotten (a new owner zero-fills or copies into it), which also keeps free
 * frames identical to one another.
 */
export function putPage(d: D, pfn: number): void {
  if (pfn === ZERO_PFN) return;
  const f = fw(d, pfn);
  f.ref--;
  if (f.ref <= 0) {
    f.ref = 0;
    f.val = 0;
    f.dirty = false;
    f.anon = -1;
    // mem_cgroup_uncharge: in free_zone_device_folio for a device page, in
    // the folio's release otherwise; here at refcount zero for both.
    if (f.memcg >= 0) {
      d.mms[f.memcg]!.charged--;
      f.memcg = -1;
    }
  }
}

/** mem_cgroup_charge of page `pfn` to the memcg process `mm` belongs to. */
export function charge(d: D, pfn: number, mm: number): void {
  const cg = d.mms[mm]!.cg;
  fw(d, pfn).memcg = cg;
  d.mms[cg]!.charged++;
}

/**
 * folio_put by thread `t`: a device page whose count reaches zero goes
 * through free_zone_device_folio, whose folio_free callback the thread runs
 * as its next step (and until then the page cannot be reallocated).
 */
export function putPageBy(d: D, w: World, t: number, pfn: number): void {
  if (pfn === ZERO_PFN) return;
  const anon = d.frames[pfn]!.anon;
  putPage(d, pfn);
  const f = fw(d, pfn);
  if (f.ref === 0) {
    f.lock = -1;
    if (zoneDevice(w, pfn)) {
      d.threads[t]!.frees.push(pfn);
      // Variant B6: free_zone_device_folio leaves folio->mapping as it was.
      if (w.variants.has('B6')) f.anon = anon;
    }
  }
}

/**
 * A page freshly allocated, charged to process `mm` and mapped once
 * (do_anonymous_page, wp_page_copy, copy_present_page): folio_add_new_anon_rmap
 * points its mapping at the process's anon_vma.
 */
export function allocMapped(d: D, pfn: number, val: number, mm: number): void {
  const f = fw(d, pfn);
  f.ref = 1;
  f.map = 1;
  f.val = val;
  f.anon = mm;
  charge(d, pfn, mm);
}

/** Counts one operation of the thread's budget as started. */
export function startOp(d: D, a: HmmAction, w: World, kind: OpKind): void {
  const idx = w.actors[a.t]!.ops.findIndex((o) => o.kind === kind);
  const th = d.threads[a.t]!;
  if (idx >= 0 && th.left[idx]! > 0) th.left[idx]!--;
}

/** The operation is over (completed or failed): drop its mmap_lock and go idle. */
export function finishOp(d: D, t: number, w: World): void {
  const th = d.threads[t]!;
  const mm = d.mms[opMm(d, t, w)]!;
  if (th.mmap === 1) mm.mmapReaders--;
  if (th.mmap === 2) mm.mmapWriter = -1;
  th.mmap = 0;
  th.op = null;
  th.pc = 'idle';
}

/** The mm a thread works on. */
export function opMm(_d: D, t: number, w: World): number {
  return w.actors[t]!.mm;
}

/** handle_mm_fault returned: drop the lock it took and resume the caller. */
export function finishFault(d: D, t: number): void {
  const th = d.threads[t]!;
  const f = th.fault!;
  if (f.tookLock) d.mms[f.mm]!.mmapReaders--;
  th.pc = f.ret === 'hrf' ? 'hrf' : 'access';
  th.fault = null;
}

/**
 * A step that completes an access: from `idle` it is a whole operation (one
 * more of the budget used), from `access` it ends the operation a fault
 * interrupted.
 */
export function completeAccess(d: D, a: HmmAction, w: World): void {
  const th = d.threads[a.t]!;
  if (th.pc === 'idle') {
    startOp(d, a, w, a.op!);
    th.op = null;
  } else finishOp(d, a.t, w);
}

/**
 * pte_alloc under the fault (do_anonymous_page) or migrate_vma_insert_page
 * (and pmd_alloc above it): the page table over `page` exists from now on,
 * whatever becomes of the PTE (MmState.tables).
 */
export function populateTable(d: D, w: World, mm: number, page: number): void {
  if (w.tables) d.mms[mm]!.tables |= 1 << tableOf(w, page);
}

/**
 * free_pgtables after munmap's zap (mm/mmap.c unmap_region): a table goes
 * once no VMA is left under it. Its floor and ceiling are the neighbouring
 * VMAs, and nothing but the model's pages is under the model's tables, so
 * that is exactly the tables with no page mapped.
 */
export function freeTables(d: D, w: World, mm: number): void {
  const m = d.mms[mm]!;
  let keep = 0;
  for (let p = 0; p < m.vma.length; p++) if (m.vma[p] !== 'none') keep |= 1 << tableOf(w, p);
  m.tables &= keep;
}
