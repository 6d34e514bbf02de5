/**
 * The program of a device thread, in the shape of lib/test_hmm.c's ioctls
 * (dmirror_read/dmirror_write around dmirror_range_fault, dmirror_exclusive,
 * dmirror_migrate_to_device, dmirror_snapshot, HMM_DMIRROR_RELEASE), with the
 * choices where drivers differ taken from the device's driver (types.ts:
 * w.drivers[device]). An access goes through the device page table when it
 * maps the page (with write permission for a write); otherwise the thread
 * runs the fault loop and tries again. The kernel's part of each step
 * (read_begin blocking, hmm_range_fault's walk, the invalidations and
 * migrations the thread runs) is kernel/programs/.
 */
import type { HmmAction } from '../actions.js';
import { canRead } from '../queries.js';
import type { HmmState, MigEntry, OpKind } from '../state.js';
import { LIVE } from '../state.js';
import { writeValue, type World } from '../world.js';
import { faultSteps, invalidationSteps, migrationSteps } from '../kernel/programs/kernel.js';
import { canBegin, stale, walkStep } from '../kernel/programs/hmm.js';

/**
 * lib/test_hmm.c dmirror_exclusive for one page: make_device_exclusive
 * takes the page writable (faulting as GUP does) and locked, then opens its
 * EXCLUSIVE invalidation. A page another thread has locked makes it sleep
 * (v6.15, folio_lock_killable), or, before v6.15, fails its folio_trylock:
 * make_device_exclusive_range puts the page and hands back NULL for it
 * (mm/rmap.c:2350 in 6.1; kernel/versions.ts EXCLUSIVE_LOCK).
 */
function exclusiveStep(s: HmmState, w: World, t: number, page: number, fresh: boolean, out: HmmAction[]): void {
  const spec = w.actors[t]!;
  const mm = s.mms[spec.mm]!;
  const pte = mm.pte[page]!;
  if (pte.k === 'migration' || !canRead(mm, t)) return;
  const op = fresh ? ({ op: 'device_atomic' } as const) : {};
  // nouveau_atomic_range_fault's loop takes a sequence first (variant H2).
  const dev = spec.mirror;
  if (w.drivers[w.mirrors[dev]!.device]!.exclusiveSeqLoop && s.threads[t]!.snap === null) {
    if (canBegin(s, w, dev)) out.push({ t, k: 'mmu_interval_read_begin', ...op, dev, seq: s.mirrors[dev]!.seq, start: page, end: page + 1, write: true });
    return;
  }
  if (pte.k === 'present' && pte.w && mm.vma[page] === 'rw') {
    if (s.frames[pte.pfn]!.lock === -1) {
      // `op` always: it tells invalidate_range_start whose bracket this is.
      out.push({ t, k: 'invalidate_range_start', op: 'device_atomic', dev: spec.mirror, mm: spec.mm, start: page, end: page + 1, event: 'exclusive' });
    } else if (w.kernel.exclusiveLock === 'trylock') {
      out.push({ t, k: 'make_device_exclusive', ...op, dev: spec.mirror, mm: spec.mm, page, pfn: null });
    }
  } else if (mm.vma[page] !== 'rw') {
    // GUP with FOLL_WRITE fails: make_device_exclusive returns an error, nothing is mapped.
    out.push({ t, k: 'make_device_exclusive', ...op, dev: spec.mirror, mm: spec.mm, page, pfn: null });
  } else out.push({ t, k: 'handle_mm_fault', ...op, mm: spec.mm, page, write: true });
}

/** dmirror_snapshot of [start, end): a sequence first, then hmm_range_fault without faults. */
function snapshotStep(s: HmmState, w: World, t: number, start: number, end: number, fresh: boolean, out: HmmAction[]): void {
  const dev = w.actors[t]!.mirror;
  if (!canBegin(s, w, dev)) return;
  const seq = s.mirrors[dev]!.seq;
  out.push(
    fresh
      ? { t, k: 'mmu_interval_read_begin', op: 'snapshot', dev, seq, start, end, write: false }
      : { t, k: 'mmu_interval_read_begin', dev, seq, start, end, write: false },
  );
}

function accessStep(s: HmmState, w: World, t: number, op: OpKind, page: number, fresh: boolean, out: HmmAction[]): void {
  if (op === 'device_atomic') return exclusiveStep(s, w, t, page, fresh, out);
  const dev = w.actors[t]!.mirror;
  const e = s.mirrors[dev]!.pt[page]!;
  const write = op === 'device_write';
  if (e && !write) {
    out.push({ t, k: 'device_read', op, dev, page, value: s.frames[e.pfn]!.val });
  } else if (e && e.w) {
    out.push({ t, k: 'device_write', op, dev, page, value: writeValue(w, t, s.threads[t]!.left) });
  } else if (canBegin(s, w, dev)) {
    const planned = s.threads[t]!.op;
    const start = planned ? planned.start : page;
    const end = planned ? planned.end : page + 1;
    const seq = s.mirrors[dev]!.seq;
    // Literals, not a spread (this is every device fault's first step).
    out.push(
      fresh
        ? { t, k: 'mmu_interval_read_begin', dev, seq, start, end, write, op }
        : { t, k: 'mmu_interval_read_begin', dev, seq, start, end, write },
    );
  }
}

export function deviceSteps(s: HmmState, w: World, t: number, out: HmmAction[]): void {
  const th = s.threads[t]!;
  const spec = w.actors[t]!;
  const dev = spec.mirror;
  const mirror = s.mirrors[dev]!;
  switch (th.pc) {
    case 'idle':
      // The ioctls of a process not forked yet, or exited, do nothing.
      if (s.mms[spec.mm]!.life !== LIVE) return;
      if (th.op) {
        if (th.op.kind === 'migrate_to_device' && lockedMigration(w, t)) rwsemStep(s, w, t, false, th.op.start, th.op.end, out);
        else if (th.op.kind === 'migrate_to_device' || th.op.kind === 'migrate_to_system') migrateStart(s, w, t, th.op.kind, th.op.start, th.op.end, out);
        else if (th.op.kind === 'migrate_device_range') evictStep(s, w, t, out);
        else if (th.op.kind === 'snapshot') snapshotStep(s, w, t, th.op.start, th.op.end, true, out);
        else accessStep(s, w, t, th.op.kind, th.op.start, true, out);
        return;
      }
      // Plain loops: this runs for every state with the thread idle.
      for (let i = 0; i < spec.ops.length; i++) {
        const o = spec.ops[i]!;
        if (th.left[i] === 0) continue;
        if (o.kind === 'migrate_to_device' && lockedMigration(w, t)) {
          for (const r of spec.ranges) rwsemStep(s, w, t, false, r[0], r[1], out);
        } else if (o.kind === 'migrate_to_device' || o.kind === 'migrate_to_system') {
          for (const r of spec.ranges) migrateStart(s, w, t, o.kind, r[0], r[1], out);
        } else if (o.kind === 'migrate_device_range') evictStep(s, w, t, out);
        else if (o.kind === 'snapshot') {
          for (const r of spec.ranges) snapshotStep(s, w, t, r[0], r[1], true, out);
        } else for (const p of spec.pages) accessStep(s, w, t, o.kind, p, true, out);
      }
      return;
    case 'access':
      accessStep(s, w, t, th.op!.kind, th.op!.start, false, out);
      return;
    case 'begin':
      if (canBegin(s, w, dev)) {
        const op = th.op!;
        out.push({ t, k: 'mmu_interval_read_begin', dev, seq: mirror.seq, start: op.start, end: op.end, write: op.write });
      }
      return;
    case 'hrf':
      walkStep(s, w, t, out);
      return;
    case 'fault':
      faultSteps(s, w, t, th, out);
      return;
    case 'lock':
      if (mirror.lock === -1) out.push({ t, k: 'driver_lock', dev });
      return;
    case 'retry':
      out.push({ t, k: 'mmu_interval_read_retry', dev, seq: th.seq, retry: stale(s, w, dev, th.seq) });
      return;
    case 'map': {
      const e = (th.snap ?? []).find((x) => x.pfn !== null);
      // hmm_range_fault returns the caller's own device-private page without
      // HMM_PFN_WRITE even for a write request (reference 2.2, note):
      // dmirror_do_fault gives up with -EFAULT rather than map it read-only
      // and fault again for ever.
      if (e && th.op!.write && !e.w) out.push({ t, k: 'driver_unlock', dev, result: 'EFAULT' });
      else if (e) out.push({ t, k: 'devpt_map', dev, page: e.page, pfn: e.pfn, write: e.w });
      return;
    }
    case 'unlock':
    case 'unlock_retry':
      out.push({ t, k: 'driver_unlock', dev });
      return;
    // dmirror_atomic_map, then folio_unlock and folio_put of make_device_exclusive's page.
    case 'excl_lock':
      if (mirror.lock === -1) out.push({ t, k: 'driver_lock', dev });
      return;
    // An all-or-nothing migration: try again, or take the driver's migrate rwsem.
    case 'mig_retry':
      migrateStart(s, w, t, 'migrate_to_device', th.op!.start, th.op!.end, out, false);
      return;
    case 'mig_rlock':
      rwsemStep(s, w, t, false, th.op!.start, th.op!.end, out);
      return;
    case 'mig_wlock':
      rwsemStep(s, w, t, true, th.op!.start, th.op!.end, out);
      return;
    case 'excl_map': {
      const e = th.snap![0]!;
      out.push({ t, k: 'devpt_map', dev, page: e.page, pfn: e.pfn, write: e.w, atomic: true });
      return;
    }
    case 'excl_unlock':
      out.push({ t, k: 'driver_unlock', dev });
      return;
    case 'excl_put':
      out.push({ t, k: 'folio_put', pfn: th.snap![0]!.pfn });
      return;
    default:
      if (th.inv) invalidationSteps(s, w, t, th, out);
      else migrationSteps(s, w, t, th, out);
  }
}

/** migrate_vma_setup of [start, end), to the device's memory or back from it, begins with collect's invalidation. */
function migrateStart(s: HmmState, w: World, t: number, op: 'migrate_to_device' | 'migrate_to_system', start: number, end: number, out: HmmAction[], fresh = true): void {
  const spec = w.actors[t]!;
  if (!canRead(s.mms[spec.mm]!, t)) return;
  out.push(fresh ? { t, k: 'invalidate_range_start', op, mm: spec.mm, start, end, event: 'migrate' } : { t, k: 'invalidate_range_start', mm: spec.mm, start, end, event: 'migrate' });
}

/** The thread's migrations to its device take xe's driver-wide migrate rwsem (all or nothing, since B20's fix). */
function lockedMigration(w: World, t: number): boolean {
  const drv = w.drivers[w.mirrors[w.actors[t]!.mirror]!.device]!;
  return drv.allOrNothing && drv.migrateRwsem;
}

/**
 * down_read or down_write of the driver's migrate rwsem. The read side waits
 * for a writer and, as the kernel's rwsem hands off, for a writer waiting:
 * new readers cannot keep a waiting writer out for ever.
 */
function rwsemStep(s: HmmState, w: World, t: number, write: boolean, start: number, end: number, out: HmmAction[]): void {
  const th = s.threads[t]!;
  for (let u = 0; u < s.threads.length; u++) {
    if (u === t) continue;
    const o = s.threads[u]!;
    if (o.drv === 2 || (write && o.drv === 1) || (!write && o.pc === 'mig_wlock')) return;
  }
  const dev = w.actors[t]!.mirror;
  out.push(th.pc === 'idle' ? { t, k: 'migrate_lock', op: 'migrate_to_device', dev, start, end, write } : { t, k: 'migrate_lock', dev, start, end, write });
}

/**
 * migrate_device_range over all of the device's memory: the pages in use
 * that folio_trylock gets (a page another migration or fault holds is
 * skipped, as are pages waiting for folio_free), each with where it is mapped.
 */
function evictStep(s: HmmState, w: World, t: number, out: HmmAction[]): void {
  const dev = w.actors[t]!.mirror;
  const device = w.mirrors[dev]!.device;
  const mig: MigEntry[] = [];
  for (let pfn = 1; pfn < s.frames.length; pfn++) {
    const f = s.frames[pfn]!;
    if (w.frameDevice[pfn] !== device || f.ref === 0 || f.lock !== -1) continue;
    if (s.threads.some((x) => x.frees.includes(pfn))) continue;
    let page = -1;
    let write = false;
    for (const mm of s.mms) {
      const p = mm.pte.findIndex((x) => (x.k === 'devpriv' || x.k === 'present') && x.pfn === pfn);
      if (p >= 0) {
        page = p;
        write = (mm.pte[p] as { w: boolean }).w;
        break;
      }
    }
    mig.push({ page, pfn, migrate: true, w: write, dst: null, copied: false });
  }
  out.push({ t, k: 'migrate_device_range', op: 'migrate_device_range', dev, mig });
}
