/**
 * Device-private memory and migration (level L2): mm/migrate_device.c
 * migrate_vma_setup (migrate_vma_collect under the MIGRATE invalidation, then
 * migrate_device_unmap's refcount check), the driver's allocate and copy
 * (lib/test_hmm.c dmirror_migrate_alloc_and_copy,
 * dmirror_devmem_fault_alloc_and_copy), migrate_vma_pages
 * (folio_migrate_mapping, migrate_vma_insert_page), migrate_vma_finalize
 * (remove_migration_ptes), the CPU fault on a device-private entry
 * (mm/memory.c do_swap_page -> dev_pagemap_ops.migrate_to_ram), GUP pins
 * (mm/gup.c) and free_zone_device_folio -> folio_free (mm/memremap.c).
 *
 * Reference counting follows the kernel: a mapping holds one reference, the
 * migration entry's reference is the collect reference, a pin is a
 * reference, the driver's allocation gives a locked page with one reference.
 */
import type { HmmAction } from '../../actions.js';
import { migrationSelected, samePte } from '../../queries.js';
import { devpriv, migration, mkInv, mkMig, present, reEntry, type HmmState, type MigCtx, type MigEntry, type Pte } from '../../state.js';
import { rmapReaches, zoneDevice, type World } from '../../world.js';
import { charge, finishFault, finishOp, fw, populateTable, putPageBy, startOp, type D, type Rule } from './common.js';
import { finishExclusive, removeExclusive } from './exclusive.js';

/** The PTE that maps `pfn` for the CPU: device-private pages only through a device-private entry. */
function mapping(w: World, pfn: number, write: boolean): Pte {
  return w.zone[pfn] === 'device' ? devpriv(pfn, write) : present(pfn, write);
}

/**
 * The first step of a driver's migration, to its device or (lib/test_hmm.c
 * dmirror_migrate_to_system) of its own pages back to system memory:
 * migrate_vma_setup enters collect's MIGRATE invalidation.
 */
export function startMigration(d: D, a: HmmAction, w: World): void {
  const th = d.threads[a.t]!;
  const kind = a.op === 'migrate_to_system' || th.op?.kind === 'migrate_to_system' ? 'migrate_to_system' : 'migrate_to_device';
  // An all-or-nothing migration trying again is the same operation.
  if (th.pc !== 'mig_retry') startOp(d, a, w, kind);
  th.op = { kind, start: a.start!, end: a.end!, write: false };
  // The caller holds mmap_lock for read from setup to finalize (Documentation/mm/hmm.rst).
  d.mms[a.mm!]!.mmapReaders++;
  th.mmap = 1;
  th.mig = mkMig(a.mm!, a.start!, a.end!, w.actors[a.t]!.mirror, kind === 'migrate_to_device', -1) as D["threads"][number]["mig"];
  th.inv = mkInv(a.mm!, a.start!, a.end!, 'migrate', 'migrate_vma_collect', false, 'mig_setup');
}

/**
 * migrate_vma_collect_pmd under the PTL: select the entries, trylock and
 * unmap each page into a migration entry. A page that may be pinned is
 * skipped here (folio_try_share_anon_rmap_pte fails), unless variant D3.
 */
export const migrate_vma_collect: Rule = (d, a, w) => {
  const th = d.threads[a.t]!;
  const mig = th.mig!;
  const mm = d.mms[mig.mm]!;
  const entries: MigEntry[] = [];
  // One page-table page under its PTL (config pmdPages); the walk goes on to the next in a later step.
  const from = mig.start + (mig.src?.length ?? 0);
  const to = Math.min(mig.end, Number.isFinite(w.pmdPages) ? (Math.floor(from / w.pmdPages) + 1) * w.pmdPages : mig.end);
  for (let p = from; p < to; p++) {
    const e = collectOne(d, w, a.t, p);
    entries.push(e);
    if (e.pfn !== null && e.migrate) {
      const f = fw(d, e.pfn);
      if (!preLocked(w, mig as MigCtx, e.pfn)) f.lock = a.t;
      // The PTE's dirty bit goes to the folio (folio_mark_dirty); variant B10 drops it.
      const old = mm.pte[p]!;
      if (old.k === 'present' && old.d && !w.variants.has('B10')) f.dirty = true;
      f.map--;
      mm.pte[p] = migration(e.pfn, e.w);
    }
  }
  mig.src = from === mig.start ? entries : [...mig.src!, ...entries];
  if (to < mig.end) return;
  // Variant B11: the TLB flush comes after the PTL is dropped, as a step of its own.
  th.pc = w.tlb && w.variants.has('B11') ? 'tlb_flush' : 'inv_end';
};

function collectOne(d: D, w: World, t: number, page: number): MigEntry {
  const mig = d.threads[t]!.mig!;
  const mm = d.mms[mig.mm]!;
  const pte = mm.pte[page]!;
  const vma = mm.vma[page]!;
  const skip: MigEntry = { page, pfn: null, migrate: false, w: false, dst: null, copied: false };
  if (!migrationSelected(w, mig, pte, vma)) return skip;
  if (pte.k === 'none' || pte.k === 'zero') return { page, pfn: null, migrate: true, w: vma === 'rw', dst: null, copied: false };
  if (pte.k !== 'present' && pte.k !== 'devpriv') return skip;
  const f = fw(d, pte.pfn);
  if (!preLocked(w, mig as MigCtx, pte.pfn) && f.lock !== -1) return skip; // folio_trylock failed: best effort
  if (f.pin > 0 && !w.variants.has('D3')) return skip; // maybe DMA-pinned: restored at once
  return { page, pfn: pte.pfn, migrate: true, w: pte.w, dst: null, copied: false };
}

/**
 * migrate_device_unmap's check and setup's return: a collected page still
 * mapped somewhere (an rmap walk that could not reach a mapping) or with
 * references beyond the migration's own (a GUP reference, a racing fault's)
 * gets its entries back and is dropped from the migration.
 */
export const migrate_vma_setup: Rule = (d, a, w) => {
  const th = d.threads[a.t]!;
  const mig = th.mig!;
  mig.src = mig.src!.map((e) => {
    if (e.pfn === null || !e.migrate || setupKeeps(d as HmmState, w, mig as MigCtx, e.pfn)) return e;
    restoreMigrationPtes(d, w, e.pfn, e.pfn);
    const f = fw(d, e.pfn);
    if (!preLocked(w, mig as MigCtx, e.pfn)) f.lock = -1;
    putPageBy(d, w, a.t, e.pfn);
    return reEntry(e, null, false, false);
  });
  th.pc = 'mig_alloc';
};

/**
 * migrate_device_unmap's test after try_to_migrate: the page is unmapped
 * everywhere (folio_mapped) and migrate_vma_check_page passes (variant D3
 * skips the test). A page kept here with a reference too many can still
 * fail later, in migrate_vma_pages (commitPlan).
 */
export function setupKeeps(s: HmmState, w: World, mig: MigCtx, pfn: number): boolean {
  if (w.variants.has('D3')) return true;
  return s.frames[pfn]!.map === 0 && extraRefs(s, w, pfn, mig.fault) <= 0;
}

/**
 * remove_migration_ptes: an rmap walk from the page's anon_vma turns every
 * Migration(src) entry it reaches into a mapping of `dst`, each taking a
 * reference. An entry the walk cannot reach (a stale mapping, variant B6)
 * stays a migration entry.
 */
export function restoreMigrationPtes(d: D, w: World, src: number, dst: number): void {
  const anon = d.frames[dst]!.anon;
  for (let m = 0; m < d.mms.length; m++) {
    if (!rmapReaches(w, anon, m)) continue;
    const mm = d.mms[m]!;
    for (let p = 0; p < mm.pte.length; p++) {
      const pte = mm.pte[p]!;
      if (pte.k !== 'migration' || pte.pfn !== src) continue;
      mm.pte[p] = mapping(w, dst, pte.w);
      fw(d, dst).map++;
      fw(d, dst).ref++;
    }
  }
}

/**
 * What migrate_vma_pages does with each entry, decided in order as the
 * kernel walks them: commit it, skip it (no destination, the PTE changed
 * under an empty entry, unexpected references), or fail it on the memcg
 * limit (populating an empty entry charges and may fail; under variant D4
 * so does the migration back to system memory). The program reports the
 * result in its step and the rule applies it.
 */
export function commitPlan(s: HmmState, w: World, mig: MigCtx): ('commit' | 'skip' | 'memcg')[] {
  const usage = s.mms.map((m) => m.charged);
  const charge = (memcg: number): boolean => {
    if (memcg < 0) return true;
    if (usage[memcg]! >= w.memcgLimit) return false;
    usage[memcg]!++;
    return true;
  };
  return (mig.src ?? []).map((e) => {
    if (!e.migrate || e.dst === null) return 'skip';
    if (e.pfn === null) {
      const mm = s.mms[mig.mm]!;
      const pte = mm.pte[e.page]!;
      if (!((pte.k === 'none' || pte.k === 'zero') && mm.vma[e.page] !== 'none')) return 'skip';
      return charge(s.mms[mig.mm]!.cg) ? 'commit' : 'memcg';
    }
    // folio_migrate_mapping (mm/migrate.c), called from migrate_vma_pages
    // through migrate_folio, or migrate_folio_extra(..., 1) for the fault page
    // (mm/migrate_device.c, 6.1 lines 766-772): an anonymous folio needs
    // exactly 1 + extra_count references now, when it commits, with no
    // ZONE_DEVICE allowance. A reference that setup let through (see
    // extraRefs) fails the page here, unless its holder dropped it between.
    const f = s.frames[e.pfn]!;
    if (!w.variants.has('D3') && f.ref - 1 - (e.pfn === mig.fault ? 1 : 0) > 0) return 'skip';
    if (w.variants.has('D4') && !mig.toDevice && !charge(f.memcg)) return 'memcg';
    return 'commit';
  });
}

/**
 * mm/migrate_device.c migrate_vma_check_page (6.1: lines 328-357): the
 * references on a collected page beyond its mapcount and the `extra` the
 * kernel expects, `page_count - extra > page_mapcount` failing the page.
 * `extra` is the migration's own reference (collect's, or
 * isolate_lru_page's for a system page), do_swap_page's on the fault page
 * (page == fault_page), and one more for any ZONE_DEVICE page
 * (is_zone_device_page, 6.1 lines 346-347; still there in the newest
 * kernel read). Its comment says device pages carry one extra reference,
 * which they no longer do since "mm: remove the extra ZONE_DEVICE struct
 * page refcount" (27674ef6c73f); the test stayed, so the kernel keeps a
 * device page with one reference nobody expects, and only
 * folio_migrate_mapping's exact count in migrate_vma_pages turns it away
 * (kernel-audit.md R6).
 */
export function extraRefs(s: { readonly frames: readonly { readonly ref: number; readonly map: number }[] }, w: World, pfn: number, fault: number): number {
  const f = s.frames[pfn]!;
  return f.ref - f.map - 1 - (pfn === fault ? 1 : 0) - (zoneDevice(w, pfn) ? 1 : 0);
}

/** The driver allocates a destination: zone_device_page_init (device) or alloc_page_vma (system), locked, one reference. */
export const alloc_page: Rule = (d, a) => {
  const th = d.threads[a.t]!;
  const f = fw(d, a.pfn!);
  f.ref = 1;
  f.map = 0;
  f.lock = a.t;
  f.val = 0;
  f.dirty = false;
  const mig = th.mig;
  if (!mig?.src) return;
  const i = mig.src.findIndex((e) => e.migrate && e.dst === null);
  if (i >= 0) mig.src[i]!.dst = a.pfn!;
};

/** The driver's copy (device DMA) from the source, or zero fill for an empty source. */
export const migrate_copy: Rule = (d, a) => {
  const val = a.pfn === null || a.pfn === undefined ? 0 : d.frames[a.pfn]!.val;
  fw(d, a.dst!).val = val;
  const mig = d.threads[a.t]!.mig;
  const e = mig?.src?.find((x) => x.page === a.page && x.dst === a.dst);
  if (e) e.copied = true;
};

/**
 * migrate_vma_pages: commit each entry that has a destination. An empty
 * source is populated in place if its PTE is still empty; a page source
 * commits only with the expected references (folio_migrate_mapping).
 */
export const migrate_vma_pages: Rule = (d, a, w) => {
  const th = d.threads[a.t]!;
  const mig = th.mig!;
  const plan = commitPlan(d as HmmState, w, mig as MigCtx);
  mig.src!.forEach((e, i) => {
    if (!e.migrate) return;
    // migrate_vma_insert_page allocates the page table (pte_alloc,
    // mm/migrate_device.c:612) before anything can make it give up.
    if (e.pfn === null && e.dst !== null && mig.mm >= 0) populateTable(d, w, mig.mm, e.page);
    const what = plan[i]!;
    if (what !== 'commit') {
      e.migrate = false;
      if (what === 'memcg' && !mig.toDevice) d.mms[e.pfn === null ? d.mms[mig.mm]!.cg : d.frames[e.pfn]!.memcg]!.chargeFailed = true;
      return;
    }
    const dst = e.dst!;
    const nf = fw(d, dst);
    if (e.pfn === null) {
      // migrate_vma_insert_page: a new page for an empty entry, charged afresh.
      const mm = d.mms[mig.mm]!;
      mm.pte[e.page] = mapping(w, dst, mm.vma[e.page] === 'rw');
      nf.map++;
      nf.ref++;
      charge(d, dst, mig.mm);
      // folio_add_new_anon_rmap; before the B6 fix it kept a recycled
      // device page's stale mapping ("if (PageAnon(page)) return").
      if (!(w.variants.has('B6') && nf.anon >= 0)) nf.anon = mig.mm;
      return;
    }
    const old = fw(d, e.pfn);
    // folio_migrate_mapping: the new folio takes the old one's mapping;
    // folio_migrate_flags its dirty flag.
    nf.anon = old.anon;
    nf.dirty = old.dirty;
    if (old.memcg >= 0 && (w.kernel.memcgMigrate === 'force-charge' || (w.variants.has('D4') && !mig.toDevice))) {
      // Before v6.7 (MEMCG_MIGRATE), and under D4: the new page is charged
      // anew, past any limit; the old keeps its charge until it is freed.
      fw(d, dst).memcg = old.memcg;
      d.mms[old.memcg]!.charged++;
    } else {
      // folio_migrate_flags -> mem_cgroup_migrate: the charge moves, nothing is charged.
      nf.memcg = old.memcg;
      old.memcg = -1;
    }
  });
  mig.committed = true;
  // lib/test_hmm.c dmirror_migrate_finalize_and_map: the driver points its
  // page table at the new device pages before finalize.
  if (th.inv) th.pc = 'inv_end';
  else th.pc = driverMaps(w, mig as MigCtx) ? 'mig_lock' : 'mig_finalize';
};

/**
 * migrate_vma_finalize: remove_migration_ptes installs the destination (or
 * restores the source), then both pages are unlocked and the migration's
 * references dropped. Back in do_swap_page, the fault page is unlocked and
 * its reference put (folded in: no lock is dropped in between).
 */
export const migrate_vma_finalize: Rule = (d, a, w) => {
  const th = d.threads[a.t]!;
  const mig = th.mig!;
  for (const e of mig.src ?? []) {
    const committed = e.migrate && e.dst !== null;
    if (e.pfn !== null) {
      restoreMigrationPtes(d, w, e.pfn, committed ? e.dst! : e.pfn);
      if (!preLocked(w, mig as MigCtx, e.pfn)) fw(d, e.pfn).lock = -1;
      putPageBy(d, w, a.t, e.pfn);
    }
    if (e.dst !== null) {
      fw(d, e.dst).lock = -1;
      putPageBy(d, w, a.t, e.dst);
    }
  }
  th.mig = null;
  if (allOrNothing(w, mig as MigCtx)) {
    const mm = d.mms[mig.mm]!;
    // drm_pagemap_populate_mm holds mmap_lock for one try only.
    if (th.mmap === 1) mm.mmapReaders--;
    th.mmap = 0;
    if ((mig.src ?? []).some((e) => !e.migrate)) {
      // -EBUSY. Variant B20 (before "drm/xe/svm: Serialize migration to
      // device if racing"): evict the range and try again, for ever. Since:
      // the first failure trades the read side of the driver's migrate
      // rwsem for the write side before the eviction and the second try; a
      // second failure drops it, and the retried GPU fault starts over.
      if (!w.drivers[w.mirrors[mig.dev]!.device]!.migrateRwsem) th.pc = 'begin';
      else th.pc = th.drv === 1 ? 'mig_wlock' : 'mig_rlock';
      th.drv = 0;
      return;
    }
    th.drv = 0;
  }
  if (th.fault && mig.fault >= 0 && w.drivers[w.frameDevice[mig.fault]!]?.allocByPfn) {
    // Back in do_swap_page: folio_unlock, then folio_put as a step of its
    // own, so the driver can take the page in between (variant B19).
    if (faultLocks(w)) fw(d, mig.fault).lock = -1;
    th.pc = 'swap_done';
    return;
  }
  if (th.fault) {
    if (mig.fault >= 0) {
      if (faultLocks(w)) fw(d, mig.fault).lock = -1;
      putPageBy(d, w, a.t, mig.fault);
    }
    finishFault(d, a.t);
  } else if (th.op?.kind === 'gup') {
    // migrate_device_coherent_folio returned: GUP looks up the page again.
    th.pc = 'access';
  } else finishOp(d, a.t, w);
};

/** A driver's migration to its device that is all or nothing and retried (config allOrNothing: drm_pagemap and xe). */
export function allOrNothing(w: World, mig: MigCtx): boolean {
  return mig.toDevice && mig.mm >= 0 && w.drivers[w.mirrors[mig.dev]!.device]!.allOrNothing;
}

/**
 * The driver maps the new device pages itself between migrate_vma_pages and
 * finalize (lib/test_hmm.c dmirror_migrate_finalize_and_map); drm_pagemap
 * leaves that to the GPU fault; under `any` the trace's driver events say
 * what it did, taken as they come.
 */
export function driverMaps(w: World, mig: MigCtx): boolean {
  return mig.toDevice && !allOrNothing(w, mig) && w.drivers[w.mirrors[mig.dev]!.device]!.finalizeAndMap === 'lock-and-map';
}

/**
 * xe_svm_alloc_vram's driver_migrate_lock, a driver-wide rwsem: down_read
 * to try a migration, down_write to evict and try again after -EBUSY.
 */
export const migrate_lock: Rule = (d, a, w) => {
  const th = d.threads[a.t]!;
  if (th.pc === 'idle') {
    startOp(d, a, w, 'migrate_to_device');
    th.op = { kind: 'migrate_to_device', start: a.start!, end: a.end!, write: false };
  }
  th.drv = a.write ? 2 : 1;
  // Under the write side: drm_gpusvm_range_evict first (a fault loop), then the second try.
  th.pc = a.write ? 'begin' : 'mig_retry';
};

/**
 * Whether do_swap_page locks the device page before migrate_to_ram (v6.15
 * and later; kernel/versions.ts DO_SWAP_PAGE). Before "mm/migrate: Trylock
 * device page in do_swap_page" (v6.1 to v6.14, variant B17) it took a
 * reference only, and before "mm/memory.c: fix race when faulting a device
 * private page" (variant B12) not even that.
 */
export function faultLocks(w: World): boolean {
  return w.kernel.do_swap_page === 'trylock' || w.kernel.do_swap_page === 'sleep';
}

/**
 * The fault page of a migrate_to_ram, locked by do_swap_page before the
 * migration began: collect takes it as locked (fault_folio == folio) since
 * v6.15, and trylocks it like any other before (COLLECT_FAULT_FOLIO).
 */
function preLocked(w: World, mig: MigCtx, pfn: number): boolean {
  return pfn === mig.fault && w.kernel.collectFaultFolio === 'fault-locked';
}

/**
 * do_swap_page on a device-private entry: under the PTL, take a reference
 * and lock the page (older kernels: see faultLocks).
 *
 * Before "mm/memory.c: fix race when faulting a device private page"
 * (16ce101db85d, v6.1; variant B12) there was no PTL and no pte_same check
 * either: the device-private branch called
 * vmf->page->pgmap->ops->migrate_to_ram(vmf) straight away, with the page
 * of the entry handle_pte_fault had read without the lock, mapped still or
 * freed since (the use-after-free of CVE-2022-3523; INV-9 finds the thread
 * in migrate_to_ram on a page whose count is 0).
 */
export const do_swap_page: Rule = (d, a, w) => {
  const th = d.threads[a.t]!;
  const f = th.fault!;
  if (f.orig.k === 'devexcl') return removeExclusive(d, a, w);
  if (w.kernel.do_swap_page === 'none') {
    d.threads[a.t]!.pc = 'swap';
    return;
  }
  if (!samePte(d.mms[f.mm]!.pte[f.page]!, f.orig)) return finishFault(d, a.t);
  // v6.15 to v6.19 (B18): the trylock failed; the fault returns and its caller retries.
  if (w.kernel.do_swap_page === 'trylock' && d.frames[a.pfn!]!.lock !== -1) return finishFault(d, a.t);
  const page = fw(d, a.pfn!);
  page.ref++;
  if (faultLocks(w)) page.lock = a.t;
  d.threads[a.t]!.pc = 'swap';
};

/**
 * do_swap_page's folio_put of the fault page after migrate_to_ram returned
 * and the page was unlocked; folded into migrate_vma_finalize except under
 * variant B19, where a driver allocating by pfn can reuse the page before it.
 */
export const folio_put: Rule = (d, a, w) => {
  // The same call ends the driver's exclusive access (folio_unlock first).
  if (d.threads[a.t]!.pc === 'excl_put') return finishExclusive(d, a, w);
  putPageBy(d, w, a.t, a.pfn!);
  finishFault(d, a.t);
};

/** The driver's migrate_to_ram callback: migrate_vma_setup of the faulting page, back to system memory. */
export const migrate_to_ram: Rule = (d, a, w) => {
  const th = d.threads[a.t]!;
  // Before v6.1 (B12) there was no migrate_vma.fault_page (16ce101db85d added
  // it): migrate_vma_check_page and migrate_vma_pages expected no reference of
  // do_swap_page's, which took none.
  const fault = w.kernel.do_swap_page === 'none' ? -1 : a.pfn!;
  th.mig = mkMig(a.mm!, a.page!, a.page! + 1, a.dev!, false, fault) as D["threads"][number]["mig"];
  th.inv = mkInv(a.mm!, a.page!, a.page! + 1, 'migrate', 'migrate_vma_collect', false, 'mig_setup');
  th.pc = 'inv_start';
};

/** free_zone_device_folio: the device page's last reference went; the driver takes it back. */
export const folio_free: Rule = (d, a) => {
  const th = d.threads[a.t]!;
  th.frees = th.frees.filter((p) => p !== a.pfn);
};

/**
 * pin_user_pages(FOLL_LONGTERM) found a device-coherent page, which must
 * not stay pinned (folio_is_longterm_pinnable): mm/gup.c
 * migrate_longterm_unpinnable_folios turns the pin into a reference and
 * calls migrate_device_coherent_folio, which locks the page and migrates it
 * to a new system page the way an eviction does (migrate_device_unmap, then
 * migrate_device_pages and _finalize, pc mig_unmap onwards); then GUP
 * retries.
 */
export const migrate_device_coherent_folio: Rule = (d, a, w) => {
  const th = d.threads[a.t]!;
  if (th.pc === 'idle') {
    startOp(d, a, w, 'gup');
    th.op = { kind: 'gup', start: a.page!, end: a.page! + 1, write: true };
  }
  const f = fw(d, a.pfn!);
  f.ref++;
  f.lock = a.t;
  const pte = d.mms[a.mm!]!.pte[a.page!]!;
  const write = pte.k === 'present' && pte.w;
  th.mig = mkMig(-1, 0, 0, a.dev!, false, -1, [{ page: a.page!, pfn: a.pfn!, migrate: true, w: write, dst: null, copied: false }]) as D['threads'][number]['mig'];
  th.pc = 'mig_unmap';
};

/** pin_user_pages(FOLL_LONGTERM | FOLL_WRITE) found the page present and writable and pinned it. */
export const gup: Rule = (d, a, w) => {
  const f = fw(d, a.pfn!);
  f.ref++;
  f.pin++;
  const th = d.threads[a.t]!;
  th.pins = [...th.pins, a.pfn!];
  if (th.pc === 'idle') startOp(d, a, w, 'gup');
  else finishOp(d, a.t, w);
  th.op = null;
};

export const unpin_user_page: Rule = (d, a, w) => {
  const th = d.threads[a.t]!;
  const i = th.pins.indexOf(a.pfn!);
  if (i >= 0) th.pins = th.pins.filter((_, j) => j !== i);
  fw(d, a.pfn!).pin--;
  putPageBy(d, w, a.t, a.pfn!);
};

/**
 * migrate_device_range: the driver evicts its device memory
 * (lib/test_hmm.c dmirror_device_evict_chunk). Every page of the device in
 * use is taken (folio_try_get) and locked (folio_trylock; a page another
 * migration holds is skipped); the action carries them, each with where it
 * is mapped. Then migrate_device_unmap unmaps them from every process with
 * try_to_migrate, and the eviction goes on as a migration back to system
 * memory.
 */
export const migrate_device_range: Rule = (d, a, w) => {
  // migrate_device_unmap follows (pc mig_unmap): try_to_migrate for every page still mapped.
  startOp(d, a, w, 'migrate_device_range');
  const th = d.threads[a.t]!;
  for (const e of a.mig!) {
    const f = fw(d, e.pfn!);
    f.ref++;
    f.lock = a.t;
  }
  th.mig = mkMig(-1, 0, 0, a.dev!, false, -1, a.mig!.map((e) => reEntry(e, e.pfn, e.migrate, e.w))) as D['threads'][number]['mig'];
  th.pc = 'mig_unmap';
};
