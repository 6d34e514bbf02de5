/**
 * The driver's own steps in a device fault and a migration: its lock L(d),
 * its device page table, and the device's accesses through it (lib/test_hmm.c
 * dmirror_do_fault, dmirror_migrate_finalize_and_map, dmirror_atomic_map).
 * Which of them a driver takes, and in which order, is its program
 * (program.ts) under its behaviour (types.ts); the kernel calls around them
 * are kernel/rules/hmm.ts.
 */
import { mkEntry } from '../state.js';
import { completeAccess, finishOp, fw, type Rule } from '../kernel/rules/common.js';

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
