/**
 * Process life (level L3): fork and exit.
 *
 * fork (kernel/fork.c dup_mmap -> mm/memory.c copy_page_range): under the
 * parent's mmap_lock for write, the child gets the parent's VMAs, and the
 * parent's page tables are copied inside an MMU_NOTIFY_PROTECTION_PAGE
 * invalidation of the parent, because copying a private mapping
 * write-protects the parent's entries. copy_present_pte shares a page
 * read-only with the child, except a page that may be DMA-pinned, which the
 * child gets a copy of at once (copy_present_page); copy_nonpresent_pte
 * shares a device-private page read-only (folio_try_dup_anon_rmap_pte cannot
 * fail for it: such pages are never pinned) and makes a writable migration
 * entry readable in both. The child exists once fork returns.
 *
 * exit (kernel/exit.c -> mm/mmap.c exit_mmap): mmu_notifier_release sends
 * every interval an MMU_NOTIFY_RELEASE invalidation of the whole address
 * space, then the VMAs are unmapped and zap frees the pages, device-private
 * ones included, without migrating them back. The model folds the release
 * callbacks and the unmap's own invalidation into one RELEASE bracket. It
 * runs once every other thread of the process is idle and unpinned, as the
 * last mm_users reference goes only then.
 */
import { devpriv, EXITED, LIVE, migration, mkInv, present, PTE_NONE } from '../../state.js';
import { allocMapped, finishOp, fw, startOp, type Rule } from './common.js';

export const fork: Rule = (d, a, w) => {
  startOp(d, a, w, 'fork');
  const th = d.threads[a.t]!;
  const parent = d.mms[a.mm!]!;
  const child = d.mms[a.child!]!;
  parent.mmapWriter = a.t;
  th.mmap = 2;
  th.op = null;
  for (let p = 0; p < w.pages; p++) {
    child.vma[p] = parent.vma[p]!;
    child.pte[p] = PTE_NONE;
  }
  // vma_needs_copy: a VMA never faulted has no anon_vma and nothing to copy.
  if (parent.pte.every((pte) => pte.k === 'none')) {
    child.life = LIVE;
    return finishOp(d, a.t, w);
  }
  th.inv = mkInv(a.mm!, 0, w.pages, 'protection_page', 'copy_page_range', false, 'op_done');
  th.pc = 'inv_start';
};

/**
 * The page-table copy under both PTLs. `a.pfn` is the first free system
 * frame for the copies of pinned pages; further ones take the next free.
 */
export const copy_page_range: Rule = (d, a, w) => {
  const th = d.threads[a.t]!;
  const inv = th.inv!;
  const parent = d.mms[inv.mm]!;
  const c = w.actors[a.t]!.child;
  const child = d.mms[c]!;
  // copy_pte_range allocates the child's table under every populated one of the parent's (pte_alloc_map_lock).
  child.tables = parent.tables;
  for (let p = inv.start; p < inv.end; p++) {
    let pte = parent.pte[p]!;
    child.expect[p] = parent.expect[p]!;
    if (pte.k === 'devexcl') {
      // copy_nonpresent_pte: a device-exclusive entry is restored first
      // (restore_exclusive_pte), then copied as a present one.
      const pfn = pte.pfn;
      pte = present(pfn, pte.w);
      parent.pte[p] = pte;
      if (w.kernel.exclusiveMapcount === 'drop') fw(d, pfn).map++;
    }
    switch (pte.k) {
      case 'present': {
        const f = fw(d, pte.pfn);
        if (f.pin > 0) {
          const dst = nextFree(d, w);
          allocMapped(d, dst, f.val, c);
          // copy_present_page: the child's copy is mapped dirty.
          child.pte[p] = present(dst, pte.w, w.dirty);
        } else {
          f.map++;
          f.ref++;
          // COW: both write-protected; a private mapping keeps the dirty bit (copy_present_pte).
          parent.pte[p] = present(pte.pfn, false, pte.d);
          child.pte[p] = present(pte.pfn, false, pte.d);
        }
        break;
      }
      case 'devpriv': {
        const f = fw(d, pte.pfn);
        f.map++;
        f.ref++;
        parent.pte[p] = devpriv(pte.pfn, false);
        child.pte[p] = devpriv(pte.pfn, false);
        break;
      }
      case 'migration':
        parent.pte[p] = migration(pte.pfn, false);
        child.pte[p] = migration(pte.pfn, false);
        break;
      default:
        child.pte[p] = pte;
    }
  }
  th.pc = 'inv_end';
};

function nextFree(d: Parameters<Rule>[0], w: Parameters<Rule>[2]): number {
  for (let f = 1; f < d.frames.length; f++) if (w.zone[f] === 'system' && d.frames[f]!.ref === 0) return f;
  throw new Error('copy_page_range: no free system frame (the program only offers the step when there is one)');
}

/** The child exists once the fork's invalidation has ended (wake_up_new_task runs after dup_mmap). */
export function forkDone(d: Parameters<Rule>[0], w: Parameters<Rule>[2], t: number): void {
  d.mms[w.actors[t]!.child]!.life = LIVE;
}

export const exit: Rule = (d, a, w) => {
  startOp(d, a, w, 'exit');
  const th = d.threads[a.t]!;
  const mm = d.mms[a.mm!]!;
  mm.life = EXITED;
  for (let p = 0; p < w.pages; p++) mm.vma[p] = 'none';
  mm.mmapReaders++;
  th.mmap = 1;
  th.op = null;
  th.inv = mkInv(a.mm!, 0, w.pages, 'release', 'zap_pte_range', false, 'op_done');
  th.pc = 'inv_start';
};
