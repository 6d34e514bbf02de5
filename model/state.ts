/**
 * The state of the HMM model: plain, readonly data that immer drafts.
 *
 * One record per kernel object the protocol touches (mm/mmu_notifier.c,
 * mm/hmm.c, mm/memory.c, lib/test_hmm.c):
 * - an mm: its VMA protection and CPU PTE per virtual page, the interval
 *   notifier bookkeeping `invalidate_seq` (S) and `active_invalidate_ranges`
 *   (A), and its mmap_lock;
 * - a frame: a struct page's refcount, mapcount, folio lock and content;
 * - a mirror (a dmirror in lib/test_hmm.c): one device's page table for one
 *   mm, its interval notifier's `invalidate_seq` (I) and the driver lock L(d);
 * - a thread: its program counter and the locals of the kernel or driver
 *   function it is in.
 * Plus ghost data no kernel keeps but the invariants need: the last value
 * written to every address (`expect`).
 *
 * Every object kind is built by one constructor below, so that key order is
 * the same wherever it is built and JSON of the state is a canonical key.
 */

/** A CPU page-table entry (reference 1.2), `pfn` being a frame index. */
export type Pte =
  | { readonly k: 'none' }
  | { readonly k: 'zero' }
  /** `d`: the hardware dirty bit, only in worlds that model it (config `dirty`); absent when clear. */
  | { readonly k: 'present'; readonly pfn: number; readonly w: boolean; readonly d?: true }
  | { readonly k: 'migration'; readonly pfn: number; readonly w: boolean }
  | { readonly k: 'devpriv'; readonly pfn: number; readonly w: boolean }
  /** A device-exclusive entry (make_device_exclusive): the CPU faults; the page keeps its reference and mapcount. */
  | { readonly k: 'devexcl'; readonly pfn: number; readonly w: boolean };

export const PTE_NONE: Pte = { k: 'none' };
export const PTE_ZERO: Pte = { k: 'zero' };
// A clean PTE has no `d` key, so worlds without the dirty bit build the same objects as before it existed.
export const present = (pfn: number, w: boolean, d = false): Pte => (d ? { k: 'present', pfn, w, d: true } : { k: 'present', pfn, w });
export const devpriv = (pfn: number, w: boolean): Pte => ({ k: 'devpriv', pfn, w });
export const migration = (pfn: number, w: boolean): Pte => ({ k: 'migration', pfn, w });
export const devexcl = (pfn: number, w: boolean): Pte => ({ k: 'devexcl', pfn, w });

/** VMA protection of a page: no VMA (unmapped), read-only, read-write, or PROT_NONE (a VMA nobody may access). */
export type Prot = 'none' | 'r' | 'rw' | 'noaccess';

export interface MmState {
  readonly vma: readonly Prot[];
  readonly pte: readonly Pte[];
  /** Ghost: the last value written to each page (0 for a page never written or zapped). */
  readonly expect: readonly number[];
  /** mmu_notifier_subscriptions.invalidate_seq (S): odd while an invalidation that hit an interval is open. */
  readonly seq: number;
  /** mmu_notifier_subscriptions.active_invalidate_ranges (A). */
  readonly active: number;
  /** mmap_lock: the writer's thread index or -1, and the number of readers. */
  readonly mmapWriter: number;
  readonly mmapReaders: number;
  /** The memcg with this process's index (one per process): pages charged to it (page_counter usage). */
  readonly charged: number;
  /** The memcg the process belongs to now: its own index, until mem_cgroup_move_charge moves it. */
  readonly cg: number;
  /** Ghost, variant D4 only: a migration back to system memory failed on the memcg limit. */
  readonly chargeFailed: boolean;
  /** 0: not yet forked (the child of a fork that has not run), 1: live, 2: exited. */
  readonly life: number;
  /**
   * The page tables that exist, one bit per span of `tableSpan` pages (the
   * page-table entry whose emptiness mprotect tests, kernel/versions.ts
   * MPROTECT_NOTIFIER): set by the first fault or migration that populates
   * a PTE under it (pte_alloc, which nothing undoes before munmap),
   * cleared by munmap's free_pgtables once no VMA is left under it, and by
   * exit. madvise(MADV_DONTNEED) and the OOM reaper leave it.
   */
  readonly tables: number;
  /**
   * The CPU TLB of the process, a second mirror of its page table (config
   * `tlb`; empty otherwise): per page, the translation a CPU access cached
   * (the PTE's frame and write bit), or null.
   */
  readonly tlb: readonly (TlbEntry | null)[];
}

export interface TlbEntry {
  readonly pfn: number;
  readonly w: boolean;
}

export const UNBORN = 0;
export const LIVE = 1;
export const EXITED = 2;

/** struct page / struct folio. The zero page is frame 0 and never changes. */
export interface FrameState {
  readonly ref: number;
  readonly map: number;
  /** Folio lock holder (thread index) or -1. */
  readonly lock: number;
  readonly val: number;
  /** FOLL_PIN pins (each also counted in ref, as GUP_PIN_COUNTING_BIAS is in the kernel). */
  readonly pin: number;
  /** folio->memcg_data: the process (memcg) the page is charged to, or -1. */
  readonly memcg: number;
  /** PG_dirty (folio_mark_dirty): where a PTE's dirty bit goes when the PTE is taken down but the data kept. */
  readonly dirty: boolean;
  /**
   * folio->mapping of an anonymous page: the process whose anon_vma the
   * page's rmap walks start from (its own, or an ancestor's after fork), or
   * -1. Cleared when the page is freed (free_zone_device_folio, the B6 fix).
   */
  readonly anon: number;
}

/** A device page-table entry. The device page table holds no page reference. */
export interface DevEntry {
  readonly pfn: number;
  readonly w: boolean;
  /** An atomic mapping (test_hmm's DPT_XA_TAG_ATOMIC), over a device-exclusive entry only. */
  readonly atomic: boolean;
}

export interface MirrorState {
  /** mmu_interval_notifier.invalidate_seq (I). */
  readonly seq: number;
  /** The driver update lock L(d) (dmirror->mutex): holder thread index or -1. */
  readonly lock: number;
  /** The device page table, one entry per virtual page of the mirrored mm. */
  readonly pt: readonly (DevEntry | null)[];
  /** Variant B3 only: the 2019 `hmm_range->valid` flag. */
  readonly valid: boolean;
}

/** Operations an actor performs (its config lists how many of each). */
export type OpKind =
  | 'cpu_read'
  | 'cpu_write'
  | 'munmap'
  | 'madvise_dontneed'
  | 'mprotect'
  | 'mprotect_rw'
  /** mprotect(PROT_NONE). */
  | 'mprotect_none'
  | 'device_read'
  | 'device_write'
  | 'migrate_to_device'
  | 'gup'
  | 'fork'
  | 'exit'
  | 'oom_reap'
  | 'device_atomic'
  | 'memcg_move'
  | 'migrate_device_range'
  /** lib/test_hmm.c dmirror_migrate_to_system (HMM_DMIRROR_MIGRATE_TO_SYS): the driver's own pages of a range back to system memory. */
  | 'migrate_to_system'
  /** lib/test_hmm.c dmirror_snapshot (HMM_DMIRROR_SNAPSHOT): hmm_range_fault without HMM_PFN_REQ_FAULT, under the sequence protocol, programming nothing. */
  | 'snapshot';

/** The operation a thread is in the middle of. */
export interface Op {
  readonly kind: OpKind;
  readonly start: number;
  readonly end: number;
  readonly write: boolean;
}

/** An hmm_range_fault output entry (HMM_PFN_VALID with pfn, HMM_PFN_WRITE as w); pfn null: not valid. */
export interface SnapEntry {
  readonly page: number;
  readonly pfn: number | null;
  readonly w: boolean;
}

/** Where a thread goes when a nested kernel path returns. */
/** 'nonblock': a non-blockable invalidation (the OOM reaper's): a callback may refuse it, and the operation ends with it. */
export type Ret = 'op_done' | 'fault_done' | 'access' | 'hrf' | 'mig_setup' | 'mig_pages_done' | 'mig_unmap' | 'nonblock' | 'exclusive' | 'excl_restored';

/** The locals of handle_mm_fault (struct vm_fault). */
export interface FaultCtx {
  readonly mm: number;
  readonly page: number;
  readonly write: boolean;
  /** vmf->orig_pte: the entry the fault saw, compared again under the PTL (pte_same). */
  readonly orig: Pte;
  /** True when the fault took mmap_lock for read itself (a CPU fault; hmm_range_fault's caller already holds it). */
  readonly tookLock: boolean;
  readonly ret: Ret;
}

export type InvEvent =
  | 'unmap'
  | 'clear'
  | 'protection_vma'
  | 'protection_page'
  | 'soft_dirty'
  | 'release'
  | 'migrate'
  | 'exclusive';

/** The PTE change a thread makes once every callback of its invalidation has returned. */
export type InvThen =
  | 'zap_pte_range'
  | 'change_pte_range'
  | 'wp_page_copy'
  | 'migrate_vma_collect'
  | 'migrate_vma_pages'
  | 'copy_page_range'
  | 'try_to_migrate'
  | 'make_device_exclusive'
  | 'restore_exclusive_pte';

/** The locals of one invalidate_range_start .. invalidate_range_end bracket (struct mmu_notifier_range). */
export interface InvCtx {
  readonly mm: number;
  readonly start: number;
  readonly end: number;
  readonly event: InvEvent;
  /** cur_seq handed to the callbacks. */
  readonly cur: number;
  /** Mirrors whose callback has returned are those with index < cb. */
  readonly cb: number;
  readonly then: InvThen;
  /** For change_pte_range: the new write permission. */
  readonly write: boolean;
  readonly ret: Ret;
}

export type Pc =
  | 'idle'
  | 'access'
  | 'fault'
  | 'inv_start'
  | 'inv_cb'
  | 'inv_then'
  | 'inv_end'
  | 'begin'
  | 'hrf'
  | 'lock'
  | 'retry'
  | 'map'
  | 'unlock'
  | 'unlock_retry'
  | 'swap'
  | 'mig_setup'
  | 'mig_alloc'
  | 'mig_unmap'
  | 'mig_copy'
  | 'mig_pages'
  | 'mig_lock'
  | 'mig_map'
  | 'mig_unlock'
  | 'mig_finalize'
  | 'swap_done'
  // The driver's exclusive (atomic) access after make_device_exclusive: L(d), the atomic map, unlock, folio_unlock + folio_put.
  | 'excl_lock'
  | 'excl_map'
  | 'excl_unlock'
  | 'excl_put'
  // Variant B11: collect dropped the PTL before flush_tlb_range.
  | 'tlb_flush'
  // An all-or-nothing migration (config allOrNothing): try (again), wait for the rwsem's read side, or its write side.
  | 'mig_retry'
  | 'mig_rlock'
  | 'mig_wlock';

/** One entry of struct migrate_vma's src/dst arrays. */
export interface MigEntry {
  readonly page: number;
  /** The source page, null for an empty (pte_none or zero page) source. */
  readonly pfn: number | null;
  /** MIGRATE_PFN_MIGRATE: still to migrate (after migrate_vma_pages: committed). */
  readonly migrate: boolean;
  readonly w: boolean;
  /** The destination page the driver allocated, or null. */
  readonly dst: number | null;
  /** The driver copied (or zero-filled) the destination. */
  readonly copied: boolean;
}

/**
 * The locals of one migrate_vma_setup .. migrate_vma_finalize sequence
 * (struct migrate_vma), or of a driver's eviction, migrate_device_range ..
 * migrate_device_finalize, which works on device pfns, not on one mm's range:
 * then `mm` is -1 and each entry's `page` is where the page was mapped.
 */
export interface MigCtx {
  readonly mm: number;
  readonly start: number;
  readonly end: number;
  /** The mirror (device) whose driver migrates: its pgmap owner. */
  readonly dev: number;
  /** MIGRATE_VMA_SELECT_SYSTEM (to device) or _DEVICE_PRIVATE (back to system memory). */
  readonly toDevice: boolean;
  /** migrate->fault_page: the device page do_swap_page locked, or -1. */
  readonly fault: number;
  /** Null until collect has run. */
  readonly src: readonly MigEntry[] | null;
  /** migrate_vma_pages has run. */
  readonly committed: boolean;
}

export interface ThreadState {
  readonly pc: Pc;
  /** Operations left, one count per entry of the actor's `ops` list. */
  readonly left: readonly number[];
  readonly op: Op | null;
  /** 0: no mmap_lock held at operation level, 1: read, 2: write. */
  readonly mmap: number;
  /** Device threads: the seq from mmu_interval_read_begin, -1 before the first. */
  readonly seq: number;
  /** Device threads: hmm_range_fault output collected so far (the walk position is its length). */
  readonly snap: readonly SnapEntry[] | null;
  /** Device threads: the seq the finished snapshot was taken under (-1: none). */
  readonly snapSeq: number;
  readonly fault: FaultCtx | null;
  readonly inv: InvCtx | null;
  readonly mig: MigCtx | null;
  /** Pages this thread pinned with FOLL_PIN and has not unpinned. */
  readonly pins: readonly number[];
  /** Device pages whose last reference this thread dropped: folio_free is due. */
  readonly frees: readonly number[];
  /** xe's driver-wide migrate rwsem (xe_svm_alloc_vram's driver_migrate_lock): 0 not held, 1 read, 2 write. */
  readonly drv: number;
}

export interface HmmState {
  readonly mms: readonly MmState[];
  readonly frames: readonly FrameState[];
  readonly mirrors: readonly MirrorState[];
  readonly threads: readonly ThreadState[];
}

export const mkOp = (kind: OpKind, start: number, end: number, write: boolean): Op => ({ kind, start, end, write });

export const mkFault = (mm: number, page: number, write: boolean, orig: Pte, tookLock: boolean, ret: Ret): FaultCtx => ({
  mm,
  page,
  write,
  orig,
  tookLock,
  ret,
});

export const mkInv = (
  mm: number,
  start: number,
  end: number,
  event: InvEvent,
  then: InvThen,
  write: boolean,
  ret: Ret,
): InvCtx => ({ mm, start, end, event, cur: -1, cb: 0, then, write, ret });

export const mkSnap = (page: number, pfn: number | null, w: boolean): SnapEntry => ({ page, pfn, w });

export const mkEntry = (pfn: number, w: boolean, atomic = false): DevEntry => ({ pfn, w, atomic });

export const mkFrame = (): FrameState => ({ ref: 0, map: 0, lock: -1, val: 0, pin: 0, memcg: -1, dirty: false, anon: -1 });

/** A copy of a frame, with mkFrame's field order (one hidden class for all frames). */
export const copyFrame = (f: FrameState): FrameState => ({
  ref: f.ref,
  map: f.map,
  lock: f.lock,
  val: f.val,
  pin: f.pin,
  memcg: f.memcg,
  dirty: f.dirty,
  anon: f.anon,
});

export const mkMigEntry = (page: number, pfn: number | null, migrate: boolean, w: boolean): MigEntry => ({
  page,
  pfn,
  migrate,
  w,
  dst: null,
  copied: false,
});

/**
 * An entry like `e` with a new pfn, migrate flag and write bit. Entries are
 * made by literals of one field order, never by spreads: a spread object gets
 * a hidden class of its own and slows every later read of its fields.
 */
export const reEntry = (e: MigEntry, pfn: number | null, migrate: boolean, w: boolean): MigEntry => ({
  page: e.page,
  pfn,
  migrate,
  w,
  dst: e.dst,
  copied: e.copied,
});

export const mkMig = (mm: number, start: number, end: number, dev: number, toDevice: boolean, fault: number, src: MigEntry[] | null = null): MigCtx => ({
  mm,
  start,
  end,
  dev,
  toDevice,
  fault,
  src,
  committed: false,
});

/** The zero page: one permanent reference so it is never free. */
export const ZERO_PFN = 0;
