/**
 * CPU accesses and the anonymous-memory fault path (mm/memory.c:
 * handle_mm_fault, do_anonymous_page, do_wp_page, wp_page_copy).
 *
 * A load or store either completes through a present PTE in one step or
 * faults. The fault records the PTE it saw (vmf->orig_pte) and resolves under
 * the PTL in a later step that re-checks it (pte_same), because anything may
 * happen in between. A write to the zero page is a copy-on-write that changes
 * an existing PTE, so it runs inside an invalidation bracket.
 */
import type { HmmAction } from '../../actions.js';
import { mkFault, mkInv, mkOp, present, PTE_ZERO } from '../../state.js';
import { samePte } from '../../queries.js';
import type { HmmState } from '../../state.js';
import { tlbFill, tlbHit } from './tlb.js';
import { allocMapped, completeAccess, finishFault, fw, populateTable, putPage, startOp, type D, type Rule } from './common.js';
import type { World } from '../../world.js';

export const cpu_read: Rule = (d, a, w) => {
  if (!tlbHit(d as HmmState, a.mm!, a.page!, false)) tlbFill(d, w, a.mm!, a.page!);
  completeAccess(d, a, w);
};

/**
 * A store through the TLB's translation, or else through the PTE (which the
 * TLB then caches). The MMU sets the PTE's dirty bit on a store through it.
 */
export const cpu_write: Rule = (d, a, w) => {
  const mm = d.mms[a.mm!]!;
  const pte = mm.pte[a.page!]!;
  const hit = tlbHit(d as HmmState, a.mm!, a.page!, true);
  const pfn = hit ? hit.pfn : pte.k === 'present' ? pte.pfn : -1;
  if (pfn >= 0) fw(d, pfn).val = a.value!;
  if (w.dirty && pte.k === 'present' && pte.pfn === pfn && !pte.d) mm.pte[a.page!] = present(pte.pfn, pte.w, true);
  if (!hit) tlbFill(d, w, a.mm!, a.page!);
  mm.expect[a.page!] = a.value!;
  completeAccess(d, a, w);
};

/** No VMA, or no permission: the access ends with a signal. */
export const sigsegv: Rule = (d, a, w) => completeAccess(d, a, w);

export const handle_mm_fault: Rule = (d: D, a: HmmAction, w: World) => {
  const th = d.threads[a.t]!;
  const mm = d.mms[a.mm!]!;
  const fromHrf = th.pc === 'hrf';
  if (th.pc === 'idle') {
    startOp(d, a, w, a.op!);
    th.op = mkOp(a.op!, a.page!, a.page! + 1, a.write!);
  }
  if (fromHrf && th.mmap === 0) {
    // hmm_range_fault's caller took mmap_lock for read before the walk.
    mm.mmapReaders++;
    th.mmap = 1;
  }
  if (!fromHrf) mm.mmapReaders++;
  const orig = mm.pte[a.page!]!;
  th.fault = mkFault(a.mm!, a.page!, a.write!, orig, !fromHrf, fromHrf ? 'hrf' : 'access');
  if (a.write && orig.k === 'zero') {
    // wp_page_copy: breaking COW of the zero page replaces a present PTE.
    th.inv = mkInv(a.mm!, a.page!, a.page! + 1, 'clear', 'wp_page_copy', true, 'fault_done');
    th.pc = 'inv_start';
  } else {
    th.pc = 'fault';
  }
};

/**
 * Populates an empty PTE: the zero page for a read, a new zeroed page for a
 * write. The page table under it is allocated first (pte_alloc), and stays.
 */
export const do_anonymous_page: Rule = (d, a, w) => {
  const th = d.threads[a.t]!;
  const f = th.fault!;
  const mm = d.mms[f.mm]!;
  populateTable(d, w, f.mm, f.page);
  if (mm.pte[f.page]!.k === 'none') {
    if (f.write) {
      allocMapped(d, a.pfn!, 0, f.mm);
      // A write fault maps the new page dirty (pte_mkdirty in do_anonymous_page).
      mm.pte[f.page] = present(a.pfn!, true, w.dirty);
    } else {
      mm.pte[f.page] = PTE_ZERO;
    }
  }
  finishFault(d, a.t);
};

/**
 * A write fault on a read-only anonymous page: reused in place when nothing
 * else holds it (wp_page_reuse; a pinned page is always exclusive), else
 * copied (wp_page_copy, a COW break after fork, which changes an existing
 * PTE and so runs inside an invalidation).
 */
export const do_wp_page: Rule = (d, a, w) => {
  const th = d.threads[a.t]!;
  const f = th.fault!;
  const mm = d.mms[f.mm]!;
  const pte = mm.pte[f.page]!;
  // A spurious fault (hmm_vma_fault on a page that needed none): handle_pte_fault finds the PTE good.
  if (!f.write || (f.orig.k === 'present' && f.orig.w)) return finishFault(d, a.t);
  if (samePte(pte, f.orig) && pte.k === 'present') {
    // wp_can_reuse_anon_folio: the only reference is this mapping; a pinned
    // page is anon-exclusive (fork copied it for the child) and reused as is.
    const pg = fw(d, pte.pfn);
    if (!(pg.map === 1 && (pg.ref === 1 || pg.pin > 0))) {
      th.inv = mkInv(f.mm, f.page, f.page + 1, 'clear', 'wp_page_copy', true, 'fault_done');
      th.pc = 'inv_start';
      return;
    }
    // wp_page_reuse: writable and dirty.
    mm.pte[f.page] = present(pte.pfn, true, w.dirty);
  }
  finishFault(d, a.t);
};

/** The PTL section of wp_page_copy: install the private copy if the PTE is unchanged. */
export const wp_page_copy: Rule = (d, a, w) => {
  const th = d.threads[a.t]!;
  const f = th.fault!;
  const mm = d.mms[f.mm]!;
  const pte = mm.pte[f.page]!;
  if (a.pfn !== null && a.pfn !== undefined && samePte(pte, f.orig)) {
    const val = pte.k === 'present' ? d.frames[pte.pfn]!.val : 0;
    allocMapped(d, a.pfn, val, f.mm);
    if (pte.k === 'present') {
      fw(d, pte.pfn).map--;
      putPage(d, pte.pfn);
    }
    mm.pte[f.page] = present(a.pfn, true, w.dirty);
  }
  th.pc = 'inv_end';
};
