/**
 * The kernel's side of a device fault (mm/mmu_notifier.c
 * mmu_interval_read_begin, mm/hmm.c hmm_range_fault, include/linux/mmu_notifier.h
 * mmu_interval_read_retry), as the fault loop of Documentation/mm/hmm.rst
 * and lib/test_hmm.c dmirror_range_fault() calls them:
 *
 *   again: seq = mmu_interval_read_begin()
 *          mmap_read_lock(); ret = hmm_range_fault(); mmap_read_unlock()
 *          if ret == -EBUSY goto again
 *          lock L(d); if mmu_interval_read_retry(seq) { unlock; goto again }
 *          program the device page table; unlock L(d)
 *
 * Each line is a step because another thread can run between any two of
 * them. The driver's own steps (its lock, its page table, its accesses) are
 * in drivers/steps.ts.
 */
import { mkOp, mkSnap } from '../../state.js';
import type { HmmAction } from '../../actions.js';
import type { World } from '../../world.js';
import { unreadable } from '../../queries.js';
import { finishOp, startOp, type D, type Rule } from './common.js';

export const mmu_interval_read_begin: Rule = (d, a, w) => {
  const th = d.threads[a.t]!;
  if (th.pc === 'idle') {
    startOp(d, a, w, a.op ?? (a.write ? 'device_write' : 'device_read'));
    th.op = mkOp(a.op ?? (a.write ? 'device_write' : 'device_read'), a.start!, a.end!, a.write!);
  }
  th.seq = d.mirrors[a.dev!]!.seq;
  th.snap = [];
  th.snapSeq = -1;
  // Variant H2: the exclusive access's loop (nouveau_atomic_range_fault) goes on to make_device_exclusive.
  th.pc = th.op!.kind === 'device_atomic' ? 'access' : 'hrf';
};

/** hmm_range_fault returned (its internal faults are handle_mm_fault steps before this one). */
export const hmm_range_fault: Rule = (d, a, w) => {
  const th = d.threads[a.t]!;
  const mm = d.mms[a.mm!]!;
  if (th.mmap === 1) {
    mm.mmapReaders--;
    th.mmap = 0;
  }
  switch (a.result) {
    case 'ok':
      if (th.op?.kind === 'migrate_to_device') {
        // drm_gpusvm_range_evict's fault loop is done: the migration tries again.
        th.snap = null;
        th.snapSeq = -1;
        th.pc = 'mig_retry';
        break;
      }
      th.snap = a.pfns!.map((e) => mkSnap(e.page, e.pfn, e.w));
      // Ghost for INV-4: the interval's sequence when these pfns were read.
      // With the seq protocol it equals th.seq (else the result is -EBUSY);
      // under variant B3 it is what a seq check at this point would compare.
      th.snapSeq = d.mirrors[a.dev!]!.seq;
      th.pc = 'lock';
      break;
    case 'EBUSY':
      th.snap = null;
      th.pc = 'begin';
      break;
    default:
      th.snap = null;
      // Variant B9: -EFAULT for a legal address (another owner's
      // device-private page). The device replays the access that faulted,
      // which faults again for as long as the page stays where it is.
      if (w.variants.has('B9') && legalRange(d, a, w)) th.pc = 'access';
      else finishOp(d, a.t, w);
  }
};

/** Every page of the fault's range is mapped with the access it asks for: an error there is the kernel's, not the caller's. */
function legalRange(d: D, a: HmmAction, w: World): boolean {
  const mm = d.mms[w.mirrors[a.dev!]!.mm]!;
  for (let p = a.start!; p < a.end!; p++) {
    const vma = mm.vma[p]!;
    if (unreadable(vma) || (a.write && vma !== 'rw')) return false;
  }
  return true;
}

export const mmu_interval_read_retry: Rule = (d, a) => {
  const th = d.threads[a.t]!;
  if (th.op?.kind === 'device_atomic') {
    // Variant H2: a stale sequence leaves the page unmapped; after folio_unlock and folio_put the loop starts again.
    if (a.retry) th.snap = [mkSnap(-1, th.snap![0]!.pfn, false)];
    th.pc = a.retry ? 'excl_unlock' : 'excl_map';
    return;
  }
  // A snapshot that is still valid is copied out to the caller under the lock, and the ioctl returns.
  th.pc = a.retry ? 'unlock_retry' : th.op?.kind === 'snapshot' ? 'unlock' : 'map';
};

