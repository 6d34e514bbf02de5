/**
 * Device-exclusive (atomic) access, level L4: mm/rmap.c make_device_exclusive
 * (v6.15; make_device_exclusive_range before it), lib/test_hmm.c
 * dmirror_exclusive and dmirror_atomic_map, and the revocation on a CPU or
 * device fault, mm/memory.c do_swap_page -> remove_device_exclusive_entry ->
 * restore_exclusive_pte.
 *
 * The driver's request takes the page writable and referenced (GUP) and
 * locked, opens an EXCLUSIVE invalidation, swaps the present PTE for a
 * device-exclusive entry, and after the end maps the page ATOMIC in its page
 * table under L(d), then unlocks and puts the page. Any fault on the entry
 * takes a reference (folio_try_get, since B14's fix), locks the page, and
 * restores the PTE inside a CLEAR invalidation, whose callbacks drop the
 * atomic mappings first. Since v6.15 the entry keeps the page's mapcount
 * (variant B16: the code before, a reference without a mapcount).
 */
import type { HmmAction } from '../../actions.js';
import { devexcl, mkInv, mkOp, mkSnap, present } from '../../state.js';
import type { World } from '../../world.js';
import { finishFault, finishOp, fw, putPageBy, startOp, type D, type Rule } from './common.js';

/** make_device_exclusive up to its invalidation: GUP (a reference, the PTE is present and writable), folio_lock, invalidate_range_start(EXCLUSIVE). */
export function startExclusive(d: D, a: HmmAction, w: World): void {
  const th = d.threads[a.t]!;
  // From idle the request starts here; after GUP's fault (or a round of H2's loop) it is under way.
  if (th.pc === 'idle') startOp(d, a, w, 'device_atomic');
  th.op = mkOp('device_atomic', a.start!, a.end!, true);
  const mm = d.mms[a.mm!]!;
  mm.mmapReaders++;
  th.mmap = 1;
  const pfn = (mm.pte[a.start!] as { pfn: number }).pfn;
  const f = fw(d, pfn);
  f.ref++;
  f.lock = a.t;
  // The locked page; its page index turns from -1 to the page once the entry is device-exclusive.
  th.snap = [mkSnap(-1, pfn, false)];
  th.inv = mkInv(a.mm!, a.start!, a.end!, 'exclusive', 'make_device_exclusive', false, 'exclusive');
}

/** Under the PTL: the present PTE becomes a device-exclusive entry (if it is still the page that was locked). */
export const make_device_exclusive: Rule = (d, a, w) => {
  const th = d.threads[a.t]!;
  if (a.pfn === null) {
    // GUP could not take the page writable (no writable VMA), or (before
    // v6.15) the page was locked: the request fails.
    if (th.pc === 'idle') startOp(d, a, w, 'device_atomic');
    return finishOp(d, a.t, w);
  }
  const mm = d.mms[a.mm!]!;
  const pte = mm.pte[a.page!]!;
  if (pte.k === 'present' && pte.pfn === a.pfn) {
    mm.pte[a.page!] = devexcl(pte.pfn, pte.w);
    // The dirty bit goes to the folio, as try_to_migrate_one's does.
    if (pte.d) fw(d, pte.pfn).dirty = true;
    // Before v6.15 (B16): the entry holds the mapping's reference but drops its mapcount.
    if (w.kernel.exclusiveMapcount === 'drop') fw(d, pte.pfn).map--;
    th.snap = [mkSnap(a.page!, pte.pfn, pte.w)];
  }
  th.pc = 'inv_end';
};

/** The EXCLUSIVE invalidation ended: the driver maps the page, or, the swap having failed, make_device_exclusive unlocks and puts it and returns an error. */
export function endExclusive(d: D, t: number, w: World): void {
  const th = d.threads[t]!;
  const e = th.snap![0]!;
  if (e.page >= 0) {
    th.pc = 'excl_lock';
    return;
  }
  fw(d, e.pfn!).lock = -1;
  putPageBy(d, w, t, e.pfn!);
  th.snap = null;
  finishOp(d, t, w);
}

/** After the driver's atomic map and unlock: folio_unlock and folio_put of make_device_exclusive's page. */
export function finishExclusive(d: D, a: HmmAction, w: World): void {
  const th = d.threads[a.t]!;
  fw(d, a.pfn!).lock = -1;
  putPageBy(d, w, a.t, a.pfn!);
  const again = th.snap![0]!.page < 0;
  th.snap = null;
  // Variant H2: read_retry said the sequence moved: the loop begins again.
  if (again) {
    // mmap_read_unlock before the next round takes it again.
    if (th.mmap === 1) d.mms[w.actors[a.t]!.mm]!.mmapReaders--;
    th.mmap = 0;
    th.pc = 'access';
    return;
  }
  finishOp(d, a.t, w);
}

/**
 * remove_device_exclusive_entry: folio_try_get (a page already freed: back
 * out and fault again), folio_lock, then the CLEAR invalidation around
 * restore_exclusive_pte. Variant B14 is the code before "mm: take a page
 * reference when removing device exclusive entries": the lock without a
 * reference, of a page a migration may have freed meanwhile.
 */
export function removeExclusive(d: D, a: HmmAction, w: World): void {
  const th = d.threads[a.t]!;
  const f = th.fault!;
  const frame = fw(d, a.pfn!);
  if (!w.variants.has('B14')) {
    if (frame.ref === 0) return finishFault(d, a.t);
    frame.ref++;
  }
  frame.lock = a.t;
  // MMU_NOTIFY_CLEAR since v6.15, MMU_NOTIFY_EXCLUSIVE before (owner NULL both: REVOKE_EVENT).
  th.inv = mkInv(f.mm, f.page, f.page + 1, w.kernel.revokeEvent, 'restore_exclusive_pte', false, 'excl_restored');
  th.pc = 'inv_start';
}

/** Under the PTL, if the entry is still the one the fault saw: the PTE is present again. */
export const restore_exclusive_pte: Rule = (d, a, w) => {
  const th = d.threads[a.t]!;
  const mm = d.mms[a.mm!]!;
  const pte = mm.pte[a.page!]!;
  if (pte.k === 'devexcl' && pte.pfn === a.pfn) {
    mm.pte[a.page!] = present(pte.pfn, pte.w);
    if (w.kernel.exclusiveMapcount === 'drop') fw(d, pte.pfn).map++;
  }
  th.pc = 'inv_end';
};

/** The end of the revocation's invalidation: folio_unlock, folio_put, and the fault returns. */
export function endRemoveExclusive(d: D, t: number, w: World): void {
  const th = d.threads[t]!;
  const pfn = (th.fault!.orig as { pfn: number }).pfn;
  fw(d, pfn).lock = -1;
  if (!w.variants.has('B14')) putPageBy(d, w, t, pfn);
  finishFault(d, t);
}
