/**
 * What the kernel does at each point of a device fault, as the steps a thread
 * can take next: whether mmu_interval_read_begin can return (it blocks while
 * an invalidation of the interval is open), whether the sequence is stale
 * (mmu_interval_read_retry), and hmm_range_fault's walk (mm/hmm.c:
 * hmm_vma_walk_test, hmm_vma_handle_pte, hmm_vma_fault). The driver's program
 * (drivers/program.ts) calls them.
 */
import type { HmmAction, HrfResult } from '../../actions.js';
import { canRead, unreadable } from '../../queries.js';
import type { HmmState, SnapEntry } from '../../state.js';
import { mkSnap, ZERO_PFN } from '../../state.js';
import type { World } from '../../world.js';

/** mmu_interval_read_begin blocks while an invalidation that hit the interval is open. */
export function canBegin(s: HmmState, w: World, dev: number): boolean {
  const mirror = s.mirrors[dev]!;
  if (w.variants.has('B3')) return mirror.valid;
  return mirror.seq !== s.mms[w.mirrors[dev]!.mm]!.seq;
}

/** The data pages of a mirror are stale for its seq (mmu_interval_check_retry / read_retry). */
export function stale(s: HmmState, w: World, dev: number, seq: number): boolean {
  const mirror = s.mirrors[dev]!;
  return w.variants.has('B3') ? !mirror.valid : mirror.seq !== seq;
}

/**
 * At the head of hmm_range_fault's loop: return -EBUSY if the seq is stale,
 * else walk the range and either fault the first page that needs it or return
 * (reference 2.2's per-PTE table, for the PTE kinds of this level).
 */
export function walkStep(s: HmmState, w: World, t: number, out: HmmAction[]): void {
  const th = s.threads[t]!;
  const spec = w.actors[t]!;
  const mm = s.mms[spec.mm]!;
  if (th.mmap === 0 && !canRead(mm, t)) return;
  const op = th.op!;
  // Literals, not spreads of a common base (this runs for every device fault's walk).
  const dev = spec.mirror;
  const m = spec.mm;
  const { start, end, write } = op;
  const ret = (result: HrfResult, pfns?: SnapEntry[]): void => {
    out.push(
      pfns
        ? { t, dev, mm: m, start, end, write, k: 'hmm_range_fault', result, pfns }
        : { t, dev, mm: m, start, end, write, k: 'hmm_range_fault', result },
    );
  };
  if (stale(s, w, spec.mirror, th.seq)) return ret('EBUSY');
  if (op.kind === 'snapshot') return void out.push({ t, dev, mm: m, start, end, write, k: 'hmm_range_fault', result: 'ok', fault: false, pfns: snapshotPfns(s, w, t) });
  if (w.spuriousFaults) {
    for (let p = op.start; p < op.end; p++) {
      const pte = mm.pte[p]!;
      const enough = pte.k === 'zero' ? !op.write : pte.k === 'present' && (pte.w || !op.write);
      if (enough && mm.vma[p] !== 'none') out.push({ t, k: 'handle_mm_fault', mm: spec.mm, page: p, write: op.write });
    }
  }
  const pfns: SnapEntry[] = [];
  for (let p = op.start; p < op.end; p++) {
    const vma = mm.vma[p]!;
    const pte = mm.pte[p]!;
    // hmm_vma_walk_test: no VMA, or one without VM_READ, is -EFAULT when a fault is asked for.
    if (unreadable(vma)) return ret('EFAULT');
    // hmm_vma_fault: a page that needs a write fault in a VMA without VM_WRITE
    // is -EPERM (mm/hmm.c:73-76 in 6.1). Only a page that needs a fault: the
    // caller's own device-private page is returned as it is, without
    // HMM_PFN_WRITE, before any fault is considered (hmm_vma_handle_pte,
    // mm/hmm.c:250-257), whatever the VMA allows.
    const fault = (): void => {
      if (op.write && vma !== 'rw') ret('EPERM');
      else out.push({ t, k: 'handle_mm_fault', mm: spec.mm, page: p, write: op.write });
    };
    const needFault = pte.k === 'none' || (op.write && (pte.k === 'zero' || (pte.k === 'present' && !pte.w)));
    if (needFault) return fault();
    if (pte.k === 'zero') pfns.push(mkSnap(p, ZERO_PFN, false));
    else if (pte.k === 'present') pfns.push(mkSnap(p, pte.pfn, pte.w));
    else if (pte.k === 'devpriv' && op.kind !== 'migrate_to_device' && (w.frameDevice[pte.pfn] === w.mirrors[spec.mirror]!.device || w.variants.has('B8'))) {
      // The caller's own device-private page (dev_private_owner matches): valid,
      // no fault. Before "mm/hmm: check the device private page owner in
      // hmm_range_fault()" (B8) any owner's page was.
      pfns.push(mkSnap(p, pte.pfn, pte.w));
    } else if (pte.k === 'devexcl') {
      // Another device's exclusive entry: the fault revokes it (remove_device_exclusive_entry).
      return fault();
    } else if (pte.k === 'devpriv') {
      // Another owner's page is faulted back to system memory (do_swap_page
      // -> its owner's migrate_to_ram); from B8's fix until "mm/hmm: fault
      // non-owner device private entries" (B9) it was -EFAULT instead.
      // drm_gpusvm_range_evict (an all-or-nothing migration's eviction) asks with no owner: every device page comes back.
      if (w.variants.has('B9') && op.kind !== 'migrate_to_device') return ret('EFAULT');
      return fault();
    } else return; // a migration entry: hmm_vma_handle_pte waits for it (migration_entry_wait)
  }
  ret('ok', pfns);
}

/**
 * What hmm_range_fault reports for each page when nothing may be faulted
 * (mm/hmm.c with no HMM_PFN_REQ_FAULT): present pages and the caller's own
 * device-private pages as they are, nothing (0, or HMM_PFN_ERROR without a
 * VMA) for the rest; another owner's device-private page is not faulted.
 */
function snapshotPfns(s: HmmState, w: World, t: number): SnapEntry[] {
  const spec = w.actors[t]!;
  const mm = s.mms[spec.mm]!;
  const op = s.threads[t]!.op!;
  const own = w.mirrors[spec.mirror]!.device;
  const pfns: SnapEntry[] = [];
  for (let p = op.start; p < op.end; p++) {
    const pte = mm.pte[p]!;
    if (unreadable(mm.vma[p]!)) pfns.push(mkSnap(p, null, false));
    else if (pte.k === 'zero') pfns.push(mkSnap(p, ZERO_PFN, false));
    else if (pte.k === 'present' || (pte.k === 'devpriv' && w.frameDevice[pte.pfn] === own)) pfns.push(mkSnap(p, pte.pfn, pte.w));
    else pfns.push(mkSnap(p, null, false));
  }
  return pfns;
}

