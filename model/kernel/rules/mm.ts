/**
 * Address-space operations and the invalidation bracket around every change
 * of an existing PTE (mm/mmu_notifier.c, mm/memory.c zap_pte_range,
 * mm/mprotect.c change_pte_range, mm/mmap.c do_vmi_munmap, mm/madvise.c).
 *
 * The bracket is split where the kernel can be preempted: the start (under
 * the subscriptions lock: A++, S |= 1), one step per interval-notifier
 * callback (each takes the driver lock), the PTE change under the PTL, and the
 * end (A--, S++ when the last range closes). Pages are released in the PTE
 * step, which is what makes a device mapping left behind a use-after-free.
 */
import type { HmmAction } from '../../actions.js';
import { devexcl, devpriv, migration, mkInv, present, PTE_NONE, type MigCtx } from '../../state.js';
import type { World } from '../../world.js';
import { firstTabled } from '../../queries.js';
import { finishFault, finishOp, freeTables, fw, populateTable, putPageBy, startOp, type D, type Rule } from './common.js';
import { endExclusive, endRemoveExclusive, startExclusive } from './exclusive.js';
import { driverMaps, startMigration } from './migrate.js';
import { forkDone } from './process.js';

function anyVma(d: D, mm: number, start: number, end: number): boolean {
  for (let p = start; p < end; p++) if (d.mms[mm]!.vma[p] !== 'none') return true;
  return false;
}

/** munmap: detach the VMA under mmap_lock for write, then downgrade to read for the zap. */
export const munmap: Rule = (d, a, w) => {
  startOp(d, a, w, 'munmap');
  const mm = d.mms[a.mm!]!;
  const th = d.threads[a.t]!;
  const had = anyVma(d, a.mm!, a.start!, a.end!);
  for (let p = a.start!; p < a.end!; p++) mm.vma[p] = 'none';
  mm.mmapReaders++;
  th.mmap = 1;
  th.op = null;
  if (!had) return finishOp(d, a.t, w);
  th.inv = mkInv(a.mm!, a.start!, a.end!, 'unmap', 'zap_pte_range', false, 'op_done');
  th.pc = 'inv_start';
};

/** madvise(MADV_DONTNEED) runs under mmap_lock for read: zap, keep the VMA. */
export const madvise_dontneed: Rule = (d, a, w) => {
  startOp(d, a, w, 'madvise_dontneed');
  const th = d.threads[a.t]!;
  d.mms[a.mm!]!.mmapReaders++;
  th.mmap = 1;
  if (!anyVma(d, a.mm!, a.start!, a.end!)) return finishOp(d, a.t, w);
  th.inv = mkInv(a.mm!, a.start!, a.end!, 'clear', 'zap_pte_range', false, 'op_done');
  th.pc = 'inv_start';
};

/**
 * mprotect holds mmap_lock for write across the whole change. Its
 * invalidation starts at the first page-table entry of the range that is
 * populated (change_pmd_range in 6.1, mm/mprotect.c:376-386: pmd_none goes
 * to the next before mmu_notifier_invalidate_range_start; change_pud_range
 * since v6.12), so it runs over no page that has never had a page table, and
 * not at all when none has: then no PTE there can have been mapped, by the
 * CPU or a device, and there is nothing to invalidate.
 */
export const mprotect: Rule = (d, a, w) => {
  startOp(d, a, w, a.prot === 'none' ? 'mprotect_none' : a.write ? 'mprotect_rw' : 'mprotect');
  const mm = d.mms[a.mm!]!;
  const th = d.threads[a.t]!;
  mm.mmapWriter = a.t;
  th.mmap = 2;
  if (!anyVma(d, a.mm!, a.start!, a.end!)) return finishOp(d, a.t, w);
  for (let p = a.start!; p < a.end!; p++) if (mm.vma[p] !== 'none') mm.vma[p] = a.prot === 'none' ? 'noaccess' : a.write ? 'rw' : 'r';
  let from = firstTabled(w, mm, a.start!, a.end!);
  // A page outside the world populated the table (World.sharedTables).
  if (from < 0 && a.shared) {
    populateTable(d, w, a.mm!, a.start!);
    from = a.start!;
  }
  if (from < 0) return finishOp(d, a.t, w);
  th.inv = mkInv(a.mm!, from, a.end!, 'protection_vma', 'change_pte_range', a.write!, 'op_done');
  th.pc = 'inv_start';
};

function hasMirrors(w: World, mm: number): boolean {
  return w.mirrors.some((m) => m.mm === mm);
}

function nextMirror(w: World, mm: number, from: number): number {
  for (let j = from; j < w.mirrors.length; j++) if (w.mirrors[j]!.mm === mm) return j;
  return -1;
}

export const invalidate_range_start: Rule = (d, a, w) => {
  const th = d.threads[a.t]!;
  if (th.inv === null && th.mig !== null && (th.pc === 'mig_setup' || th.pc === 'mig_unmap')) {
    // try_to_migrate_one: a page being migrated is still mapped in another
    // process (fork shared it): an MMU_NOTIFY_CLEAR invalidation of that mm.
    th.inv = mkInv(a.mm!, a.start!, a.end!, 'clear', 'try_to_migrate', false, th.pc);
  } else if (th.inv === null && th.mig !== null) {
    // migrate_vma_pages populating empty entries: its own MIGRATE invalidation.
    th.inv = mkInv(a.mm!, a.start!, a.end!, 'migrate', 'migrate_vma_pages', false, 'mig_pages_done');
  } else if (th.inv === null && a.op === 'device_atomic') {
    startExclusive(d, a, w);
  } else if (th.inv === null && a.op === 'oom_reap') {
    startOp(d, a, w, 'oom_reap');
    d.mms[a.mm!]!.mmapReaders++;
    th.mmap = 1;
    th.inv = mkInv(a.mm!, a.start!, a.end!, 'unmap', 'zap_pte_range', false, 'nonblock');
  } else if (th.inv === null) startMigration(d, a, w);
  const inv = th.inv!;
  const mm = d.mms[inv.mm]!;
  mm.active++;
  if (hasMirrors(w, inv.mm)) {
    mm.seq |= 1;
    if (w.variants.has('B3')) for (let j = 0; j < w.mirrors.length; j++) if (w.mirrors[j]!.mm === inv.mm) d.mirrors[j]!.valid = false;
  }
  inv.cur = mm.seq;
  inv.cb = 0;
  th.pc = nextMirror(w, inv.mm, 0) >= 0 ? 'inv_cb' : 'inv_then';
};

/**
 * The reference driver's interval-notifier callback (lib/test_hmm.c
 * dmirror_interval_invalidate): under L(d), mmu_interval_set_seq and clear
 * the range from the device page table.
 */
export const invalidate: Rule = (d, a, w) => {
  const th = d.threads[a.t]!;
  const inv = th.inv!;
  const mirror = d.mirrors[a.dev!]!;
  if (a.refused) return refused(d, a, w);
  // The driver's own migration (range->owner is its pgmap owner): it leaves
  // its page table to its migration steps, but still bumps the sequence,
  // unless its driver returns before mmu_interval_set_seq there
  // (lib/test_hmm.c, drivers/testHmm.ts; variant H1).
  const device = w.mirrors[a.dev!]!.device;
  const own = inv.event === 'migrate' && th.mig !== null && w.mirrors[th.mig.dev]!.device === device;
  const sets = w.drivers[device]!.ownMigrateSetsSeq;
  if (!own || sets === true || (sets === 'as-recorded' && a.setSeq !== false)) mirror.seq = inv.cur;
  // A callback that keeps L(d) until invalidate_range_end (ODP before the interval notifier; variant B5).
  if (w.drivers[device]!.holdsLockToEnd) mirror.lock = a.t;
  if (!own && a.cleared !== false) for (let p = inv.start; p < inv.end; p++) mirror.pt[p] = null;
  inv.cb = a.dev! + 1;
  th.pc = nextMirror(w, inv.mm, inv.cb) >= 0 ? 'inv_cb' : 'inv_then';
};

/**
 * A callback refused a non-blockable invalidation: dmirror_interval_invalidate
 * returns false when mutex_trylock of L(d) fails. mn_itree_invalidate then
 * ends the interval tree's part (mn_itree_inv_end) and the start fails with
 * -EAGAIN: the OOM reaper leaves the range as it is and calls no end. The
 * reaper would try again later; the model's reaps once. Variant B1 (the
 * 2019 hmm_invalidate_range_start) takes the refusal for success: the zap
 * goes on while the device still maps the pages. Variant B4 leaves out the
 * end of what had started (before "mm/mmu_notifiers: ensure range_end() is
 * paired with range_start()").
 */
function refused(d: D, a: HmmAction, w: World): void {
  const th = d.threads[a.t]!;
  const inv = th.inv!;
  if (w.variants.has('B1')) {
    inv.cb = a.dev! + 1;
    th.pc = nextMirror(w, inv.mm, inv.cb) >= 0 ? 'inv_cb' : 'inv_then';
    return;
  }
  const mm = d.mms[inv.mm]!;
  if (!w.variants.has('B4')) {
    mm.active--;
    if (mm.active === 0 && mm.seq & 1) mm.seq++;
  }
  th.inv = null;
  finishOp(d, a.t, w);
}

/** Clears the PTEs of the range and releases their pages; the next access sees a fresh zero page. */
export const zap_pte_range: Rule = (d, a, w) => {
  const th = d.threads[a.t]!;
  const inv = th.inv!;
  const mm = d.mms[inv.mm]!;
  for (let p = inv.start; p < inv.end; p++) {
    const pte = mm.pte[p]!;
    // A migration entry's page belongs to the migrating thread: zap just drops the entry.
    if (pte.k === 'present' || pte.k === 'devpriv' || pte.k === 'devexcl') {
      // B16: a device-exclusive entry held no mapcount.
      if (!(pte.k === 'devexcl' && w.kernel.exclusiveMapcount === 'drop')) fw(d, pte.pfn).map--;
      putPageBy(d, w, a.t, pte.pfn);
    }
    mm.pte[p] = PTE_NONE;
    mm.expect[p] = 0;
  }
  // free_pgtables, after unmap_vmas under the same mmap_lock (6.1 mm/mmap.c
  // unmap_region:2188-2190, exit_mmap:3094-3103): madvise and the OOM reaper
  // leave the tables.
  // Nothing that reads MmState.tables runs in between (mprotect and fork
  // wait for mmap_lock, and no fault finds a VMA there).
  if (inv.event === 'release') mm.tables = 0;
  else if (inv.event === 'unmap' && inv.ret === 'op_done') freeTables(d, w, inv.mm);
  th.pc = 'inv_end';
};

/** Write-protects present PTEs; making a range writable leaves PTEs for the write fault to upgrade. */
export const change_pte_range: Rule = (d, a) => {
  const th = d.threads[a.t]!;
  const inv = th.inv!;
  const mm = d.mms[inv.mm]!;
  if (!inv.write) {
    for (let p = inv.start; p < inv.end; p++) {
      const pte = mm.pte[p]!;
      if (pte.k === 'present' && pte.w) mm.pte[p] = present(pte.pfn, false, pte.d);
      else if (pte.k === 'devpriv' && pte.w) mm.pte[p] = devpriv(pte.pfn, false);
      else if (pte.k === 'migration' && pte.w) mm.pte[p] = migration(pte.pfn, false);
      else if (pte.k === 'devexcl' && pte.w) mm.pte[p] = devexcl(pte.pfn, false);
    }
  }
  th.pc = 'inv_end';
};

export const invalidate_range_end: Rule = (d: D, a: HmmAction, w: World) => {
  const th = d.threads[a.t]!;
  const inv = th.inv!;
  const mm = d.mms[inv.mm]!;
  mm.active--;
  if (mm.active === 0) {
    if (mm.seq & 1) mm.seq++;
    if (w.variants.has('B3')) for (let j = 0; j < w.mirrors.length; j++) if (w.mirrors[j]!.mm === inv.mm) d.mirrors[j]!.valid = true;
  }
  const ret = inv.ret;
  const then = inv.then;
  th.inv = null;
  for (let j = 0; j < w.mirrors.length; j++) if (w.drivers[w.mirrors[j]!.device]!.holdsLockToEnd && d.mirrors[j]!.lock === a.t) d.mirrors[j]!.lock = -1;
  if (then === 'copy_page_range') forkDone(d, w, a.t);
  if (ret === 'fault_done') finishFault(d, a.t);
  else if (ret === 'exclusive') endExclusive(d, a.t, w);
  else if (ret === 'excl_restored') endRemoveExclusive(d, a.t, w);
  else if (ret === 'mig_setup') th.pc = 'mig_setup';
  else if (ret === 'mig_unmap') th.pc = 'mig_unmap';
  else if (ret === 'mig_pages_done') th.pc = driverMaps(w, th.mig! as MigCtx) ? 'mig_lock' : 'mig_finalize';
  else finishOp(d, a.t, w);
};

/**
 * try_to_migrate_one under the PTL of another process: its entries for the
 * pages this thread migrates become migration entries, and the mapping's
 * reference goes (the migration holds its own).
 */
export const try_to_migrate: Rule = (d, a) => {
  const th = d.threads[a.t]!;
  const inv = th.inv!;
  const mm = d.mms[inv.mm]!;
  const src = th.mig!.src ?? [];
  for (let p = inv.start; p < inv.end; p++) {
    const pte = mm.pte[p]!;
    if (pte.k !== 'present' && pte.k !== 'devpriv') continue;
    if (!src.some((e) => e.migrate && e.pfn === pte.pfn)) continue;
    const f = fw(d, pte.pfn);
    f.map--;
    f.ref--;
    if (pte.k === 'present' && pte.d) f.dirty = true;
    mm.pte[p] = migration(pte.pfn, pte.w);
  }
  th.pc = 'inv_end';
};
