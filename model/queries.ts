/**
 * Read-only questions about a state that rules, programs and invariants share.
 */
import type { FrameState, HmmState, MigCtx, MmState, Prot, Pte, ThreadState } from './state.js';
import { ZERO_PFN } from './state.js';
import { rmapReaches, type World, type Zone } from './world.js';

/** The frame a CPU PTE references, or -1 (none, or a swap-like entry without a page). */
export function ptePfn(pte: Pte): number {
  switch (pte.k) {
    case 'zero':
      return ZERO_PFN;
    case 'present':
    case 'migration':
    case 'devpriv':
    case 'devexcl':
      return pte.pfn;
    default:
      return -1;
  }
}

/**
 * Pages under one page-table entry whose emptiness mprotect tests
 * (kernel/versions.ts MPROTECT_NOTIFIER, MmState.tables): a PMD entry's, one
 * PTE table of config pmdPages pages, in 6.1; since v6.12 a PUD entry's, over
 * every page of the model (Infinity: one table).
 */
export function tableSpan(w: World): number {
  return w.kernel.mprotectNotifier === 'pmd' ? w.pmdPages : Infinity;
}

/** The index of the page table (MmState.tables bit) page `page` is under. */
export function tableOf(w: World, page: number): number {
  const span = tableSpan(w);
  return Number.isFinite(span) ? Math.floor(page / span) : 0;
}

/**
 * change_pmd_range (6.1, mm/mprotect.c:376-386) / change_pud_range (v6.12):
 * where mprotect's invalidation of [start, end) starts, the first page under
 * a page table that exists (start itself when its own does), or -1 when none
 * does and the kernel starts none.
 */
export function firstTabled(w: World, mm: MmState, start: number, end: number): number {
  // Pages share their table's bit, so the first found is start or a table's first page.
  for (let p = start; p < end; p++) if ((mm.tables >>> tableOf(w, p)) & 1) return p;
  return -1;
}

/** No VMA, or a PROT_NONE one: nobody may read the page (VM_READ is clear). */
export const unreadable = (vma: Prot): boolean => vma === 'none' || vma === 'noaccess';

/** A CPU load through this entry completes without a fault. */
export const cpuReadable = (pte: Pte): boolean => pte.k === 'present' || pte.k === 'zero';

/** A CPU store through this entry completes without a fault. */
export const cpuWritable = (pte: Pte): boolean => pte.k === 'present' && pte.w;

/** Entries that count in a page's mapcount (reference 1.3; device-exclusive ones since v6.15, B16). */
export const mapsPage = (pte: Pte): boolean => pte.k === 'present' || pte.k === 'devpriv' || pte.k === 'devexcl';

/**
 * The frames an allocation in a zone (device zone: of that device) may
 * return: every free one, or the lowest only when the world says so
 * (World.anyFrame).
 */
export function freeFrames(
  s: { readonly frames: readonly FrameState[]; readonly threads?: readonly ThreadState[] },
  world: World,
  zone: Zone,
  device = -1,
  /** Every free frame even in a world that allocates the lowest only (to count them). */
  all = false,
): number[] {
  const out: number[] = [];
  // A driver that allocates device pages by pfn from its own buffer (variant
  // B19) takes any page no PTE maps and nobody has locked, even one with
  // references left (amdkfd's svm_bo bookkeeping).
  const byPfn = zone === 'device' && world.drivers.some((x) => x.allocByPfn);
  for (let p = 0; p < s.frames.length; p++) {
    // 'device' asks for the device's memory, private or coherent.
    const z = world.zone[p];
    if ((zone === 'device' ? z !== 'device' && z !== 'coherent' : z !== zone) || (device >= 0 && world.frameDevice[p] !== device)) continue;
    const f = s.frames[p]!;
    if (f.ref !== 0 && !(byPfn && world.drivers[world.frameDevice[p]!]!.allocByPfn && f.map === 0 && f.lock === -1)) continue;
    // A device page waiting for its folio_free is not free yet.
    if (s.threads?.some((t) => t.frees.includes(p))) continue;
    out.push(p);
    if (!world.anyFrame && !all) break;
  }
  return out;
}

/**
 * Which entries migrate_vma_collect selects: system memory for
 * SELECT_SYSTEM (a migration to the device); the owner's device-private and
 * device-coherent pages for SELECT_DEVICE_PRIVATE | SELECT_DEVICE_COHERENT (one
 * back to system memory; lib/test_hmm.c selects the kind its device has).
 */
export function migrationSelected(w: World, mig: MigCtx, pte: Pte, vma: Prot): boolean {
  // lib/test_hmm.c refuses (-EINVAL) a range without read access before migrate_vma_setup.
  if (unreadable(vma)) return false;
  const device = w.mirrors[mig.dev]!.device;
  switch (pte.k) {
    case 'none':
    case 'zero':
      return mig.toDevice;
    case 'present':
      if (mig.toDevice) return w.zone[pte.pfn] === 'system';
      return w.zone[pte.pfn] === 'coherent' && w.frameDevice[pte.pfn] === device;
    case 'devpriv':
      return (!mig.toDevice || w.drivers[device]!.selectOwn) && w.frameDevice[pte.pfn] === device;
    default:
      return false;
  }
}

/**
 * A page a migration to the device collected although it is already the
 * device's own (config selectOwn): the driver gives it no destination, so
 * it is restored where it is (drm_pagemap: dst 0, "own pages").
 */
export function ownCollected(w: World, mig: MigCtx, pfn: number | null): boolean {
  return mig.toDevice && pfn !== null && w.zone[pfn] === 'device' && w.frameDevice[pfn] === w.mirrors[mig.dev]!.device;
}

/**
 * A migration that collected a system page must drain the per-CPU LRU
 * caches before it can isolate it (migrate_device_unmap ->
 * lru_add_drain_all, which waits for a work item on every CPU).
 */
export function drainsLru(w: World, mig: MigCtx): boolean {
  return (mig.src ?? []).some((e) => e.migrate && e.pfn !== null && w.zone[e.pfn] === 'system');
}

/**
 * Variant B18 only: a device thread looping in hmm_range_fault on a
 * device-private page another thread has locked (do_swap_page's trylock
 * fails and returns, the walk starts again at once), which keeps its CPU
 * from running anything else without preemption. In the kernel since
 * "mm: Fix a hmm_range_fault() livelock / starvation problem" the fault
 * sleeps on the folio lock instead, and nothing spins.
 */
export function spinning(s: HmmState, w: World, t: number): boolean {
  if (w.kernel.do_swap_page !== 'trylock' || w.actors[t]!.kind !== 'device') return false;
  const th = s.threads[t]!;
  const f = th.fault;
  if (th.pc === 'fault' && f && f.ret === 'hrf' && f.orig.k === 'devpriv') {
    const lock = s.frames[f.orig.pfn]!.lock;
    return lock !== -1 && lock !== t;
  }
  if (th.pc !== 'hrf' || !th.op) return false;
  // At the head of the walk: the first page it will fault is such a page.
  const mm = s.mms[w.actors[t]!.mm]!;
  const own = w.mirrors[w.actors[t]!.mirror]!.device;
  for (let p = th.op.start; p < th.op.end; p++) {
    const pte = mm.pte[p]!;
    if (pte.k === 'devpriv' && w.frameDevice[pte.pfn] !== own) {
      const lock = s.frames[pte.pfn]!.lock;
      return lock !== -1 && lock !== t;
    }
    if (pte.k === 'present' && (pte.w || !th.op.write)) continue;
    if (pte.k === 'zero' && !th.op.write) continue;
    if (pte.k === 'devpriv') continue;
    return false;
  }
  return false;
}

/**
 * An entry of a page that thread t migrates, in a process its rmap walk
 * reaches, that is still a mapping and not yet a migration entry: what
 * try_to_migrate has left to do. Null when the unmap is complete.
 */
export function unmapPending(s: HmmState, w: World, t: number): { readonly mm: number; readonly page: number } | null {
  const src = s.threads[t]!.mig?.src;
  if (!src) return null;
  for (const e of src) {
    if (!e.migrate || e.pfn === null || s.frames[e.pfn]!.map === 0) continue;
    const anon = s.frames[e.pfn]!.anon;
    for (let m = 0; m < s.mms.length; m++) {
      if (!rmapReaches(w, anon, m)) continue;
      const pte = s.mms[m]!.pte;
      for (let p = 0; p < pte.length; p++) {
        const x = pte[p]!;
        if ((x.k === 'present' || x.k === 'devpriv') && x.pfn === e.pfn) return { mm: m, page: p };
      }
    }
  }
  return null;
}

/**
 * Where the data behind a Migration(src) entry lives: the destination once
 * migrate_vma_pages has committed it, else src itself.
 */
export function migrationHome(s: HmmState, src: number): number {
  for (const t of s.threads) {
    const m = t.mig;
    if (!m || !m.src || !m.committed) continue;
    for (const e of m.src) if (e.migrate && e.pfn === src && e.dst !== null) return e.dst;
  }
  return src;
}

/** The page a migration has committed as the new home of `page` while its migration entry stands. */
export function migratedTo(s: HmmState, mm: number, page: number): { readonly src: number | null; readonly dst: number | null } | null {
  for (const t of s.threads) {
    const m = t.mig;
    if (!m || !m.src || m.mm !== mm || page < m.start || page >= m.end) continue;
    // A collect still walking the range (config pmdPages) has not reached every page.
    const e = m.src[page - m.start];
    if (!e || !e.migrate) continue;
    return { src: e.pfn, dst: m.committed ? e.dst : null };
  }
  return null;
}

export function samePte(a: Pte, b: Pte): boolean {
  if (a.k !== b.k) return false;
  if (a.k === 'none' || a.k === 'zero') return true;
  const bb = b as typeof a;
  // pte_same compares the whole entry, the dirty bit with it.
  return a.pfn === bb.pfn && a.w === bb.w && (a.k !== 'present' || a.d === (bb as { d?: true }).d);
}

/**
 * inval_open(d, a) of reference section 3: an invalidation covering `page` of
 * the mirror's mm has started and this mirror's callback has not returned.
 */
export function invalOpen(s: HmmState, world: World, mirror: number, page: number): boolean {
  const mm = world.mirrors[mirror]!.mm;
  for (const t of s.threads) {
    const inv = t.inv;
    if (inv === null || inv.cur < 0 || inv.mm !== mm || page < inv.start || page >= inv.end) continue;
    if (mirror >= inv.cb) return true;
  }
  return false;
}

/** The mm's mmap_lock can be taken for read by thread `t`. */
export const canRead = (mm: MmState, t: number): boolean => mm.mmapWriter === -1 || mm.mmapWriter === t;

/** The mm's mmap_lock can be taken for write. */
export const canWrite = (mm: MmState): boolean => mm.mmapWriter === -1 && mm.mmapReaders === 0;
