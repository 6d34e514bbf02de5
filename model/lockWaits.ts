/**
 * Which threads are asleep on a lock that the kernel hands over to a
 * waiter, for the progress check's fairness (checker/liveness.ts,
 * Progress.sleeping).
 *
 * A thread that sleeps on such a lock is woken when the holder releases it,
 * and a waiter that keeps losing it to others is given it:
 * - a mutex (the driver's L(d), dmirror->mutex): "locking/mutex: Add lock
 *   handoff to avoid starvation" (9d659ae14b54, v4.10): the first waiter
 *   sets MUTEX_FLAG_HANDOFF and the next unlock hands it the lock;
 * - an rwsem (mmap_lock, the driver's migrate rwsem): "locking/rwsem:
 *   Implement lock handoff to prevent lock starvation" (4f23dbc1e657);
 * - a folio lock taken by folio_lock (__folio_lock): "mm: rewrite
 *   wait_on_page_bit_common() logic" (2a9127fcf229) has the waker take the
 *   lock for the exclusive waiter it wakes, and "mm: allow a controlled
 *   amount of unfairness in the page lock" (5ef64cc8987a) lets the lock be
 *   stolen a few times (sysctl_page_lock_unfairness) before it is handed
 *   over in order.
 * So a thread that sleeps on one of these and finds it free again and again
 * gets it: the checker treats it strongly fairly.
 *
 * Everything else a thread waits for keeps weak fairness, since nothing
 * hands it over: mmu_interval_read_begin's wait_event for the notifier
 * sequence, migration_entry_wait (it waits for the page to be unlocked,
 * not to lock it, and faults again), lru_add_drain_all waiting for a CPU,
 * and a trylock that fails and returns (a retry, not a sleep). An idle
 * thread has not entered the kernel: which operation it starts next is the
 * model's choice, so it sleeps on nothing.
 *
 * Each case below is one place where a program (kernel/programs/*.ts, drivers/program.ts) lists no
 * step for a thread only because such a lock is held; the test
 * (test/model/lockWaits.test.ts) holds the two together: a thread named
 * here has no step, and has one once that lock is free.
 */
import { canRead, samePte } from './queries.js';
import { tlbHit } from './kernel/rules/tlb.js';
import type { HmmState, ThreadState } from './state.js';
import type { World } from './world.js';

/** The lock a thread sleeps on. */
export type LockWait =
  | { readonly lock: 'mutex'; readonly mirror: number }
  | { readonly lock: 'folio'; readonly pfn: number }
  | { readonly lock: 'mmap'; readonly mm: number }
  | { readonly lock: 'rwsem' };

/** Bit t set: thread t is asleep on a handed-over lock (Progress.sleeping). */
export function sleepingThreads(s: HmmState, w: World): number {
  let mask = 0;
  for (let t = 0; t < s.threads.length; t++) if (lockWait(s, w, t)) mask |= 1 << t;
  return mask;
}

/** The handed-over lock thread t sleeps on in `s`, or null when it sleeps on none. */
export function lockWait(s: HmmState, w: World, t: number): LockWait | null {
  const th = s.threads[t]!;
  // folio_free runs inside a folio_put and takes no lock (hmmModel.ts stepsOf).
  if (th.pc === 'idle' || th.frees.length > 0) return null;
  const spec = w.actors[t]!;
  if (spec.kind === 'device') {
    switch (th.pc) {
      // dmirror_fault / dmirror_atomic_map: mutex_lock(&dmirror->mutex).
      case 'lock':
      case 'excl_lock':
        return mutexHeld(s, spec.mirror);
      // xe's driver_migrate_lock, down_read or down_write (drivers/program.ts rwsemStep).
      case 'mig_rlock':
      case 'mig_wlock':
        return rwsemWaits(s, t, th.pc === 'mig_wlock') ? { lock: 'rwsem' } : null;
      case 'access':
        return th.op!.kind === 'device_atomic' ? exclusiveWait(s, w, t) : null;
      // hmm_range_fault's caller takes mmap_read_lock again after a fault dropped it.
      case 'hrf':
      case 'mig_retry':
        return th.mmap === 0 && !canRead(s.mms[spec.mm]!, t) ? { lock: 'mmap', mm: spec.mm } : null;
      case 'fault':
        return faultWait(s, w, th);
      case 'begin':
      case 'retry':
      case 'map':
      case 'unlock':
      case 'unlock_retry':
      case 'excl_map':
      case 'excl_unlock':
      case 'excl_put':
        return null;
      default:
        return th.inv ? invalidationWait(s, w, th) : migrationWait(s, th);
    }
  }
  switch (th.pc) {
    case 'access':
      return cpuAccessWait(s, w, t, th);
    case 'fault':
      return faultWait(s, w, th);
    default:
      return th.inv ? invalidationWait(s, w, th) : migrationWait(s, th);
  }
}

function mutexHeld(s: HmmState, mirror: number): LockWait | null {
  return s.mirrors[mirror]!.lock !== -1 ? { lock: 'mutex', mirror } : null;
}

/** down_read waits for a writer holding or waiting for the rwsem (its handoff), down_write for any holder. */
function rwsemWaits(s: HmmState, t: number, write: boolean): boolean {
  return s.threads.some((o, u) => u !== t && (o.drv === 2 || (write && o.drv === 1) || (!write && o.pc === 'mig_wlock')));
}

/** do_swap_page's sleeping folio_lock: on a device-exclusive entry, and on a device-private one from v7.0 (kernel/programs/kernel.ts faultSteps). */
function faultWait(s: HmmState, w: World, th: ThreadState): LockWait | null {
  const f = th.fault!;
  if (f.orig.k === 'devexcl') return s.frames[f.orig.pfn]!.lock !== -1 ? { lock: 'folio', pfn: f.orig.pfn } : null;
  if (f.orig.k === 'devpriv' && w.kernel.do_swap_page === 'sleep') {
    const pfn = f.orig.pfn;
    return samePte(s.mms[f.mm]!.pte[f.page]!, f.orig) && s.frames[pfn]!.lock !== -1 ? { lock: 'folio', pfn } : null;
  }
  return null;
}

/**
 * An invalidation callback of a blockable invalidation: dmirror_interval_invalidate
 * takes the mutex with mutex_lock (a non-blockable one trylocks and refuses).
 */
function invalidationWait(s: HmmState, w: World, th: ThreadState): LockWait | null {
  const inv = th.inv!;
  if (th.pc !== 'inv_cb' || inv.ret === 'nonblock') return null;
  for (let j = inv.cb; j < w.mirrors.length; j++) if (w.mirrors[j]!.mm === inv.mm) return mutexHeld(s, j);
  return null;
}

/** dmirror_migrate_finalize_and_map (and its device-to-system twin) take the mutex. */
function migrationWait(s: HmmState, th: ThreadState): LockWait | null {
  return th.pc === 'mig_lock' ? mutexHeld(s, th.mig!.dev) : null;
}

/**
 * make_device_exclusive from v6.15: folio_lock_killable on the page it got
 * (drivers/program.ts exclusiveStep); its GUP needs mmap_lock for read.
 */
function exclusiveWait(s: HmmState, w: World, t: number): LockWait | null {
  const th = s.threads[t]!;
  const spec = w.actors[t]!;
  // H2 takes a sequence first: mmu_interval_read_begin, a condition.
  if (w.drivers[w.mirrors[spec.mirror]!.device]!.exclusiveSeqLoop && th.snap === null) return null;
  const mm = s.mms[spec.mm]!;
  const pte = mm.pte[th.op!.start]!;
  if (pte.k === 'migration') return null;
  if (!canRead(mm, t)) return { lock: 'mmap', mm: spec.mm };
  const locked = pte.k === 'present' && pte.w && mm.vma[th.op!.start] === 'rw' && s.frames[pte.pfn]!.lock !== -1;
  return locked && w.kernel.exclusiveLock !== 'trylock' ? { lock: 'folio', pfn: pte.pfn } : null;
}

/**
 * A CPU access that needs a fault (kernel/programs/cpu.ts accessStep): the fault
 * takes mmap_lock for read; GUP's migration of a coherent page locks it.
 */
function cpuAccessWait(s: HmmState, w: World, t: number, th: ThreadState): LockWait | null {
  const op = th.op!;
  const m = w.actors[t]!.mm;
  const mm = s.mms[m]!;
  const pte = mm.pte[op.start]!;
  const vma = mm.vma[op.start]!;
  // A translation the TLB holds completes without a fault.
  if (w.tlb && op.kind !== 'gup' && tlbHit(s, m, op.start, op.kind === 'cpu_write')) return null;
  if (pte.k === 'migration') return null;
  if (op.kind === 'gup') {
    if (vma === 'noaccess') return null;
    if (pte.k === 'present' && pte.w && w.zone[pte.pfn] === 'coherent') return s.frames[pte.pfn]!.lock !== -1 ? { lock: 'folio', pfn: pte.pfn } : null;
    if ((pte.k === 'present' && pte.w) || (pte.k === 'devpriv' && w.variants.has('D5')) || vma !== 'rw') return null;
  } else if (op.kind === 'cpu_read') {
    if ((pte.k === 'present' || pte.k === 'zero') && vma !== 'noaccess') return null;
    if (vma === 'none' || vma === 'noaccess') return null;
  } else if ((pte.k === 'present' && pte.w) || vma !== 'rw') return null;
  return canRead(mm, t) ? null : { lock: 'mmap', mm: m };
}
