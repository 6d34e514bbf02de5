/**
 * The kernel paths any thread can be inside: a page fault it took (its own,
 * or hmm_range_fault's on its behalf) and an invalidation bracket. Given a
 * thread's program counter, these list the one step the kernel code takes
 * next, when it is not blocked.
 */
import type { HmmAction } from '../../actions.js';
import { canRead, cpuReadable, cpuWritable, drainsLru, freeFrames, ownCollected, ptePfn, samePte, spinning, unmapPending } from '../../queries.js';
import { reEntry, type HmmState, type MigCtx, type MigEntry, type ThreadState } from '../../state.js';
import type { World } from '../../world.js';
import { allOrNothing, commitPlan, setupKeeps } from '../rules/migrate.js';

/** The step that resolves a fault under the PTL, or nothing while it cannot run. */
export function faultSteps(s: HmmState, w: World, t: number, th: ThreadState, out: HmmAction[]): void {
  const f = th.fault!;
  const pte = s.mms[f.mm]!.pte[f.page]!;
  switch (f.orig.k) {
    case 'none': {
      if (f.write && pte.k === 'none') {
        // Out of memory is not modelled: a configuration must have frames enough.
        for (const pfn of freeFrames(s, w, 'system')) out.push({ t, k: 'do_anonymous_page', mm: f.mm, page: f.page, write: f.write, pfn });
        return;
      }
      out.push({ t, k: 'do_anonymous_page', mm: f.mm, page: f.page, write: f.write, pfn: null });
      return;
    }
    case 'present':
      out.push({ t, k: 'do_wp_page', mm: f.mm, page: f.page, pfn: f.orig.pfn });
      return;
    case 'zero':
      // Only a spurious read fault gets here (a write to the zero page is wp_page_copy): nothing to do.
      if (!f.write) out.push({ t, k: 'do_anonymous_page', mm: f.mm, page: f.page, write: false, pfn: null });
      return;
    case 'devexcl':
      // do_swap_page -> remove_device_exclusive_entry: folio_lock sleeps while
      // the page is locked (by the driver still mapping it, or another fault).
      if (s.frames[f.orig.pfn]!.lock === -1) out.push({ t, k: 'do_swap_page', mm: f.mm, page: f.page, pfn: f.orig.pfn });
      return;
    case 'devpriv': {
      // do_swap_page (kernel/versions.ts DO_SWAP_PAGE): pte_same under the
      // PTL, then the page lock: sleeping while it is held (v7.0), a trylock
      // that returns when it fails (v6.15 to v6.19, B18), a reference only
      // (v6.1 to v6.14, B17), nothing at all, not even the pte_same check
      // (before v6.1, B12).
      // From v6.1, an entry that changed since the fault saw it (another
      // process's fault migrated the shared page back) makes it return and
      // retry; before, the fault went on with the page it had read.
      const pfn = f.orig.pfn;
      // A trylock that fails returns, and the access faults again at once.
      if (samePte(pte, f.orig) && s.frames[pfn]!.lock !== -1 && w.kernel.do_swap_page === 'sleep') return;
      const busy = w.kernel.do_swap_page === 'trylock' && samePte(pte, f.orig) && s.frames[pfn]!.lock !== -1;
      out.push(busy ? { t, k: 'do_swap_page', mm: f.mm, page: f.page, pfn, result: 'EBUSY' } : { t, k: 'do_swap_page', mm: f.mm, page: f.page, pfn });
      return;
    }
    default:
      return;
  }
}

/**
 * The mirror whose driver handles device page `pfn` (its pgmap owner): the
 * device's mirror of `mm`, or, when the device mirrors another process only
 * (a child that inherited the page by fork), its mirror of that one, as
 * lib/test_hmm.c finds the dmirror from page->zone_device_data.
 */
export function ownerMirror(w: World, mm: number, pfn: number): number {
  const device = w.frameDevice[pfn]!;
  const same = w.mirrors.findIndex((m) => m.device === device && m.mm === mm);
  return same >= 0 ? same : w.mirrors.findIndex((m) => m.device === device);
}

/**
 * The steps of a migration after collect, for the thread running it (a
 * driver's migration thread, or a CPU fault inside migrate_to_ram): the
 * reference driver allocates, unmaps its own mapping of a device source,
 * copies, commits, maps the new device pages, and finalizes.
 */
export function migrationSteps(s: HmmState, w: World, t: number, th: ThreadState, out: HmmAction[]): void {
  const mig = th.mig;
  // An eviction whose pages are all unmapped goes on to allocate and copy
  // (a zap that raced it may have unmapped them without its help).
  const pc = th.pc === 'mig_unmap' && !unmapPending(s, w, t) ? 'mig_alloc' : th.pc;
  switch (pc) {
    case 'swap': {
      const f = th.fault!;
      const pfn = (f.orig as { pfn: number }).pfn;
      out.push({ t, k: 'migrate_to_ram', dev: ownerMirror(w, f.mm, pfn), mm: f.mm, page: f.page, pfn });
      return;
    }
    case 'mig_setup':
    case 'mig_unmap': {
      // migrate_device_unmap: lru_add_drain_all for a system page first, which
      // cannot finish while a CPU spins without preempting (variant B18).
      if (pc === 'mig_setup' && drainsLru(w, mig!) && s.threads.some((_, u) => spinning(s, w, u))) return;
      // Then try_to_migrate each page still mapped elsewhere.
      const u = unmapPending(s, w, t);
      if (u) out.push({ t, k: 'invalidate_range_start', mm: u.mm, start: u.page, end: u.page + 1, event: 'clear' });
      else if (th.pc === 'mig_setup') {
        out.push({ t, k: 'migrate_vma_setup', dev: mig!.dev, mm: mig!.mm, start: mig!.start, end: mig!.end, toDevice: mig!.toDevice, mig: setupResult(s, w, mig!) });
      }
      return;
    }
    case 'mig_alloc': {
      const src = mig!.src!;
      // drm_pagemap_migrate_to_devmem: fewer pages collected than asked is
      // -EBUSY; so is device memory for fewer than all of them (its
      // populate_devmem_pfn takes the whole range at once). Nothing is
      // allocated; pages and finalize restore.
      if (allOrNothing(w, mig!)) {
        const missing = src.filter((e) => e.migrate && e.dst === null).length;
        if (src.some((e) => !e.migrate) || freeFrames(s, w, 'device', w.mirrors[mig!.dev]!.device, true).length < missing) {
          out.push(pagesStep(s, w, t, mig!));
          return;
        }
      }
      const need = src.find((e) => e.migrate && e.dst === null && !ownCollected(w, mig!, e.pfn));
      const device = mig!.toDevice ? w.mirrors[mig!.dev]!.device : -1;
      const frees = need ? freeFrames(s, w, mig!.toDevice ? 'device' : 'system', device) : [];
      if (need && frees.length > 0) {
        for (const free of frees) out.push(mig!.toDevice ? { t, k: 'alloc_page', pfn: free, dev: mig!.dev } : { t, k: 'alloc_page', pfn: free });
        return;
      }
      const copy = src.find((e) => e.migrate && e.dst !== null && !e.copied);
      if (copy) {
        // The driver skipped its own MIGRATE invalidation, so it must drop its
        // own mapping of the source before the copy (reference 2.5, D2), as
        // dmirror_devmem_fault_alloc_and_copy does with xa_erase. test_hmm's
        // sys->dev path relies on finalize_and_map overwriting the entry
        // instead (drivers/testHmm.ts, eraseBeforeCopy): a device write between
        // the copy and that overwrite lands in the old page and is lost (INV-7).
        // Only a mapping of the source itself: an empty source has none to
        // drop, and the page a racing CPU fault put there (which stays, the
        // commit of an empty entry fails on a populated PTE) may be mapped
        // again after any drop; unmapping that in a loop was a livelock of
        // the model's own (LIVE-1), not of the driver's single xa_erase.
        // A driver's migrate_vma only: GUP's migrate_device_coherent_folio copies
        // without the driver, and the CLEAR invalidations of try_to_migrate
        // cleared every device mapping of an evicted page.
        if (copy.pfn !== null && mig!.mm >= 0 && s.mirrors[mig!.dev]!.pt[copy.page] && (!mig!.toDevice || w.drivers[w.mirrors[mig!.dev]!.device]!.eraseBeforeCopy)) {
          out.push({ t, k: 'devpt_unmap', dev: mig!.dev, page: copy.page });
          return;
        }
        out.push({ t, k: 'migrate_copy', page: copy.page, pfn: copy.pfn, dst: copy.dst! });
        return;
      }
      // Populating an empty entry changes a PTE: migrate_vma_pages brackets it
      // with a MIGRATE invalidation from the first such page to the end.
      const empty = src.find((e) => e.migrate && e.pfn === null && e.dst !== null);
      if (empty) {
        out.push({ t, k: 'invalidate_range_start', mm: mig!.mm, start: empty.page, end: mig!.end, event: 'migrate' });
        return;
      }
      out.push(pagesStep(s, w, t, mig!));
      return;
    }
    case 'mig_lock':
      if (s.mirrors[mig!.dev]!.lock === -1) out.push({ t, k: 'driver_lock', dev: mig!.dev });
      return;
    case 'mig_map': {
      const pt = s.mirrors[mig!.dev]!.pt;
      const e = mig!.src!.find((x) => x.migrate && x.dst !== null && (pt[x.page]?.pfn !== x.dst || pt[x.page]?.w !== x.w));
      if (e) out.push({ t, k: 'devpt_map', dev: mig!.dev, page: e.page, pfn: e.dst!, write: e.w });
      else out.push({ t, k: 'driver_unlock', dev: mig!.dev });
      return;
    }
    case 'swap_done':
      out.push({ t, k: 'folio_put', pfn: (th.fault!.orig as { pfn: number }).pfn });
      return;
    case 'mig_finalize':
      out.push({ t, k: mig!.mm < 0 ? 'migrate_device_finalize' : 'migrate_vma_finalize', dev: mig!.dev });
      return;
    default:
      return;
  }
}

/** migrate_vma_pages, carrying what its commit will be (the trace's `migrated`). */
function pagesStep(s: HmmState, w: World, t: number, mig: MigCtx): HmmAction {
  const plan = commitPlan(s, w, mig);
  return { t, k: mig.mm < 0 ? 'migrate_device_pages' : 'migrate_vma_pages', dev: mig.dev, mig: mig.src!.map((e, i) => (plan[i] === 'commit' || !e.migrate ? e : reEntry(e, e.pfn, false, e.w))) };
}

/** What migrate_vma_setup returns: collect's entries minus those migrate_device_unmap restores. */
function setupResult(s: HmmState, w: World, mig: MigCtx): MigEntry[] {
  return mig.src!.map((e) => {
    if (e.pfn === null || !e.migrate || setupKeeps(s, w, mig, e.pfn)) return e;
    return reEntry(e, null, false, false);
  });
}

function nextMirror(w: World, mm: number, from: number): number {
  for (let j = from; j < w.mirrors.length; j++) if (w.mirrors[j]!.mm === mm) return j;
  return -1;
}

export function invalidationSteps(s: HmmState, w: World, t: number, th: ThreadState, out: HmmAction[]): void {
  const inv = th.inv!;
  // Literals, not spreads of a common base: this runs for every state with
  // an invalidation open, and spread objects were most of its time.
  const { mm, start, end } = inv;
  switch (th.pc) {
    case 'inv_start':
      out.push({ t, mm, start, end, k: 'invalidate_range_start', event: inv.event });
      return;
    case 'inv_cb': {
      const j = nextMirror(w, inv.mm, inv.cb);
      // A driver whose callback returns without clearing (variant D2): the step says so, as a recorded trace would.
      if (j >= 0 && s.mirrors[j]!.lock === -1) {
        const drv = w.drivers[w.mirrors[j]!.device]!;
        out.push(
          !drv.invalidateClears
            ? { t, mm, start, end, k: 'invalidate', dev: j, event: inv.event, cleared: false }
            : { t, mm, start, end, k: 'invalidate', dev: j, event: inv.event },
        );
        // A driver replay takes as recorded may or may not set its sequence on its own migration's event.
        if (drv.ownMigrateSetsSeq === 'as-recorded' && inv.event === 'migrate' && th.mig !== null && w.mirrors[th.mig.dev]!.device === w.mirrors[j]!.device) {
          out.push({ t, mm, start, end, k: 'invalidate', dev: j, event: inv.event, setSeq: false, ...(drv.invalidateClears ? {} : { cleared: false }) });
        }
      }
      // Non-blockable (the OOM reaper): mutex_trylock fails, the callback refuses instead of sleeping.
      else if (j >= 0 && inv.ret === 'nonblock') out.push({ t, mm, start, end, k: 'invalidate', dev: j, event: inv.event, refused: true });
      return;
    }
    case 'inv_then':
      switch (inv.then) {
        case 'zap_pte_range':
          out.push({ t, mm, start, end, k: 'zap_pte_range' });
          return;
        case 'change_pte_range':
          out.push({ t, mm, start, end, k: 'change_pte_range', write: inv.write });
          return;
        case 'migrate_vma_collect':
          out.push({ t, mm, start, end, k: 'migrate_vma_collect', dev: th.mig!.dev });
          return;
        case 'migrate_vma_pages':
          out.push(pagesStep(s, w, t, th.mig!));
          return;
        case 'make_device_exclusive':
          out.push({ t, k: 'make_device_exclusive', dev: w.actors[t]!.mirror, mm: inv.mm, page: inv.start, pfn: th.snap![0]!.pfn });
          return;
        case 'restore_exclusive_pte':
          out.push({ t, k: 'restore_exclusive_pte', mm: inv.mm, page: inv.start, pfn: (th.fault!.orig as { pfn: number }).pfn });
          return;
        case 'try_to_migrate':
          out.push({ t, mm, start, end, k: 'try_to_migrate' });
          return;
        case 'copy_page_range': {
          // Each pinned page needs a copy for the child now (copy_present_page).
          const parent = s.mms[inv.mm]!;
          let need = 0;
          for (let p = inv.start; p < inv.end; p++) {
            const pte = parent.pte[p]!;
            if (pte.k === 'present' && s.frames[pte.pfn]!.pin > 0) need++;
          }
          let free = 0;
          for (let f = 1; f < s.frames.length && free < need; f++) if (w.zone[f] === 'system' && s.frames[f]!.ref === 0) free++;
          if (free < need) return; // out of memory is not modelled
          out.push({ t, mm, start, end, k: 'copy_page_range', child: w.actors[t]!.child });
          return;
        }
        case 'wp_page_copy': {
          const f = th.fault!;
          const pte = s.mms[f.mm]!.pte[f.page]!;
          const src = pte.k === 'present' ? pte.pfn : null;
          if (samePte(pte, f.orig)) {
            for (const dst of freeFrames(s, w, 'system')) out.push({ t, k: 'wp_page_copy', mm: f.mm, page: f.page, src, pfn: dst });
            return;
          }
          out.push({ t, k: 'wp_page_copy', mm: f.mm, page: f.page, src, pfn: null });
          return;
        }
      }
      return;
    case 'tlb_flush':
      out.push({ t, mm, start, end, k: 'flush_tlb_range' });
      return;
    case 'inv_end':
      out.push({ t, mm, start, end, k: 'invalidate_range_end' });
      return;
    default:
      return;
  }
}

export { canRead, cpuReadable, cpuWritable, ptePfn };
