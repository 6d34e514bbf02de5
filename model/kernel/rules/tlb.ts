/**
 * The CPU TLB as a second mirror of the page table (level L4, config `tlb`).
 *
 * A CPU load or store that completes through a present PTE caches its
 * translation (the frame and the write bit); later accesses go through the
 * cached one without looking at the PTE. The kernel's rule, which the model
 * states once here instead of in every rule that changes a PTE: whoever takes
 * down or downgrades a present PTE flushes the TLB before it drops the PTL
 * (or at least before the page can be freed and before its caller returns:
 * mm/mmu_gather.c, flush_tlb_range). A PTE that was not present cannot be
 * cached, so changing it flushes nothing: zap_pte_range on a migration entry
 * does not flush (mm/memory.c), which is what B11 races.
 *
 * Variant B11 is mm/migrate_device.c before "mm/migrate_device.c: flush TLB
 * while holding PTL" (60bae7370896, v6.0): migrate_vma_collect_pmd dropped
 * the PTL, then flushed, so for one step the TLB outlives the PTE.
 */
import type { HmmState, Pte, TlbEntry } from '../../state.js';
import type { World } from '../../world.js';
import type { HmmAction } from '../../actions.js';
import type { D, Rule } from './common.js';

/** A PTE the MMU can cache: a present page, or the zero page. */
function cacheable(p: Pte): boolean {
  return p.k === 'present' || p.k === 'zero';
}

/** Whether `pte` still backs the cached translation `e` (same frame, at least the cached permission). */
export function tlbJustified(e: TlbEntry, pte: Pte): boolean {
  if (pte.k === 'zero') return e.pfn === 0 && !e.w;
  return pte.k === 'present' && pte.pfn === e.pfn && (pte.w || !e.w);
}

/** The cached translation an access may complete through, or null (a miss, or no permission). */
export function tlbHit(s: HmmState, mm: number, page: number, write: boolean): TlbEntry | null {
  const e = s.mms[mm]!.tlb[page];
  return e && (e.w || !write) ? e : null;
}

/** A completed access through the PTE fills the TLB. */
export function tlbFill(d: D, w: World, mm: number, page: number): void {
  if (!w.tlb) return;
  const pte = d.mms[mm]!.pte[page]!;
  if (pte.k === 'present') d.mms[mm]!.tlb[page] = { pfn: pte.pfn, w: pte.w };
  else if (pte.k === 'zero') d.mms[mm]!.tlb[page] = { pfn: 0, w: false };
}

/**
 * After any step: every cached translation whose present PTE the step took
 * down or downgraded is flushed (the flush belongs to the step that changed
 * the PTE). Only collect under variant B11 leaves it for a later step.
 */
export function flushChanged(before: HmmState, d: D, a: HmmAction, w: World): void {
  if (a.k === 'migrate_vma_collect' && w.variants.has('B11')) return;
  for (let m = 0; m < d.mms.length; m++) {
    const tlb = d.mms[m]!.tlb;
    for (let p = 0; p < tlb.length; p++) {
      const e = tlb[p];
      if (!e) continue;
      const now = d.mms[m]!.pte[p]!;
      // mprotect(PROT_NONE) leaves the PTE readable-looking (protnone) but flushes every translation.
      if (cacheable(before.mms[m]!.pte[p]!) && (!tlbJustified(e, now) || d.mms[m]!.vma[p] === 'noaccess')) tlb[p] = null;
    }
  }
}

/** Variant B11: collect's flush_tlb_range, after it dropped the PTL; then the MIGRATE bracket ends. */
export const flush_tlb_range: Rule = (d, a) => {
  const tlb = d.mms[a.mm!]!.tlb;
  for (let p = a.start!; p < a.end! && p < tlb.length; p++) tlb[p] = null;
  d.threads[a.t]!.pc = 'inv_end';
};
