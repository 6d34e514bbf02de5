/**
 * The driver's device-fault loop and device accesses, in the shape of
 * Documentation/mm/hmm.rst and lib/test_hmm.c dmirror_range_fault():
 *
 *   again: seq = mmu_interval_read_begin()
 *          mmap_read_lock(); ret = hmm_range_fault(); mmap_read_unlock()
 *          if ret == -EBUSY goto again
 *          lock L(d); if mmu_interval_read_retry(seq) { unlock; goto again }
 *          program the device page table; unlock L(d)
 *
 * Each line is a step because another thread can run between any two of them.
 */
import { mkEntry, mkOp, mkSnap } from '../state.js';
import type { HmmAction } from '../actions.js';
import type { World } from '../world.js';
import { unreadable } from '../queries.js';
import { completeAccess, finishOp, fw, startOp, type D, type Rule } from './common.js';

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

// The driver steps below also run when a recorded trace shows a driver doing
// them out of the reference order: they then leave the program counter alone.

export const driver_lock: Rule = (d, a, w) => {
  d.mirrors[a.dev!]!.lock = a.t;
  const th = d.threads[a.t]!;
  // A snapshot programs nothing, so D1 (no read_retry before programming) has nothing to skip there.
  const drv = w.drivers[w.mirrors[a.dev!]!.device]!;
  if (th.pc === 'lock') th.pc = !drv.readRetry && th.op?.kind !== 'snapshot' ? 'map' : 'retry';
  else if (th.pc === 'excl_lock') th.pc = drv.exclusiveSeqLoop ? 'retry' : 'excl_map';
  else if (th.pc === 'mig_lock') th.pc = 'mig_map';
};

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

export const devpt_map: Rule = (d, a) => {
  const th = d.threads[a.t]!;
  d.mirrors[a.dev!]!.pt[a.page!] = mkEntry(a.pfn!, a.write!, a.atomic === true);
  // The exclusive access keeps its page: folio_unlock and folio_put come after the unlock.
  if (th.pc === 'excl_map') {
    th.pc = 'excl_unlock';
    return;
  }
  // The entries still to program are what is left of the snapshot.
  if (th.snap) th.snap = th.snap.filter((e) => e.page !== a.page);
  if (th.pc === 'map') th.pc = (th.snap ?? []).some((e) => e.pfn !== null) ? 'map' : 'unlock';
};

/** The driver removed an entry outside an invalidate callback (the reference driver never does). */
export const devpt_unmap: Rule = (d, a) => {
  d.mirrors[a.dev!]!.pt[a.page!] = null;
};

export const driver_unlock: Rule = (d, a, w) => {
  const th = d.threads[a.t]!;
  d.mirrors[a.dev!]!.lock = -1;
  if (a.result === 'EFAULT') {
    // The device access fails: the ioctl returns the error.
    th.snap = null;
    finishOp(d, a.t, w);
  } else if (th.pc === 'unlock_retry') th.pc = 'begin';
  else if (th.pc === 'unlock' && th.op?.kind === 'snapshot') {
    th.snap = null;
    th.snapSeq = -1;
    finishOp(d, a.t, w);
  }
  else if (th.pc === 'mig_map') th.pc = 'mig_finalize';
  else if (th.pc === 'excl_map' || th.pc === 'excl_unlock') th.pc = 'excl_put';
  else if (th.pc === 'unlock' || th.pc === 'map') {
    th.pc = 'access';
    th.snap = null;
  }
};

export const device_read: Rule = (d, a, w) => completeAccess(d, a, w);

export const device_write: Rule = (d, a, w) => {
  const e = d.mirrors[a.dev!]!.pt[a.page!];
  if (e) fw(d, e.pfn).val = a.value!;
  d.mms[w.mirrors[a.dev!]!.mm]!.expect[a.page!] = a.value!;
  completeAccess(d, a, w);
};
