/**
 * Model steps. Every step is one critical section of the kernel or the driver
 * and is named after the kernel function (or trace event) it stands for, so a
 * step, a trace event and a kernel function line up one to one.
 *
 * An action carries everything the step observes or produces (the value a
 * load returned, the pfns hmm_range_fault reported, whether read_retry said
 * retry): the checker's enumeration computes them from the state, and trace
 * replay fills them from the events, so one `apply` serves both.
 */
import type { InvEvent, MigEntry, OpKind, SnapEntry } from './state.js';

export const STEP_KINDS = [
  // CPU accesses (arch fault handling, mm/memory.c)
  'cpu_read',
  'cpu_write',
  'sigsegv',
  'handle_mm_fault',
  'do_anonymous_page',
  'do_wp_page',
  'wp_page_copy',
  // address-space operations (mm/mmap.c, mm/madvise.c, mm/mprotect.c)
  'munmap',
  'madvise_dontneed',
  'mprotect',
  // the invalidation bracket (mm/mmu_notifier.c) and the PTE changes inside it
  'invalidate_range_start',
  'invalidate',
  'zap_pte_range',
  'change_pte_range',
  'invalidate_range_end',
  // the driver's device-fault loop (Documentation/mm/hmm.rst, lib/test_hmm.c)
  'mmu_interval_read_begin',
  'hmm_range_fault',
  'driver_lock',
  'mmu_interval_read_retry',
  'devpt_map',
  'devpt_unmap',
  'driver_unlock',
  'device_read',
  'device_write',
  // process life (kernel/fork.c, mm/memory.c copy_page_range, mm/mmap.c exit_mmap)
  'fork',
  'copy_page_range',
  'exit',
  // GUP pins (mm/gup.c)
  'gup',
  'unpin_user_page',
  // FOLL_LONGTERM on a device-coherent page migrates it out first (mm/gup.c, mm/migrate_device.c)
  'migrate_device_coherent_folio',
  // device-private memory and migration (mm/migrate_device.c, mm/memory.c, mm/memremap.c)
  'do_swap_page',
  'migrate_to_ram',
  // do_swap_page's folio_put of the fault page, a step of its own only under variant B19
  'folio_put',
  'migrate_vma_collect',
  'migrate_vma_setup',
  'alloc_page',
  'migrate_copy',
  'migrate_vma_pages',
  'migrate_vma_finalize',
  // unmapping a page from every process that maps it (mm/rmap.c)
  'try_to_migrate',
  // the driver's eviction of its device memory (mm/migrate_device.c, lib/test_hmm.c dmirror_device_evict_chunk)
  'migrate_device_range',
  'migrate_device_pages',
  'migrate_device_finalize',
  'folio_free',
  // device-exclusive access (mm/rmap.c make_device_exclusive, mm/memory.c remove_device_exclusive_entry)
  'make_device_exclusive',
  'restore_exclusive_pte',
  // moving a task to another memcg with its charges (mm/memcontrol-v1.c)
  'mem_cgroup_move_charge',
  // collect's TLB flush after it dropped the PTL: a step of its own only under variant B11 (arch TLB code)
  'flush_tlb_range',
  // xe's driver-wide migrate rwsem around an all-or-nothing migration (drivers/gpu/drm/xe/xe_svm.c xe_svm_alloc_vram)
  'migrate_lock',
] as const;

export type StepKind = (typeof STEP_KINDS)[number];

export type HrfResult = 'ok' | 'EBUSY' | 'EFAULT' | 'EPERM';

export interface HmmAction {
  /** The thread taking the step. */
  readonly t: number;
  readonly k: StepKind;
  /** The operation this step starts, for steps that start one. */
  readonly op?: OpKind;
  readonly mm?: number;
  readonly page?: number;
  readonly start?: number;
  readonly end?: number;
  readonly write?: boolean;
  /** A value read or written. */
  readonly value?: number;
  /** A mirror index. */
  readonly dev?: number;
  /** A frame index; null where the kernel has no page (the zero page for do_anonymous_page). */
  readonly pfn?: number | null;
  /** For wp_page_copy: the page copied from (null: the zero page). */
  readonly src?: number | null;
  readonly seq?: number;
  readonly retry?: boolean;
  readonly result?: HrfResult;
  readonly pfns?: readonly SnapEntry[];
  readonly event?: InvEvent;
  /** For invalidate: false when the driver's callback left its device page table as it was (a trace says so). */
  readonly cleared?: boolean;
  /**
   * For invalidate of the driver's own migration under a driver replay takes
   * as recorded (drivers/any.ts): false when the callback returned before
   * mmu_interval_set_seq, as lib/test_hmm.c's does. No trace field: later
   * read_retry results tell the two apart.
   */
  readonly setSeq?: boolean;
  /** For mprotect: PROT_NONE (absent: PROT_READ, with PROT_WRITE when `write`). */
  readonly prot?: 'none';
  /**
   * For mprotect in a world that shares its page tables with pages outside
   * it (World.sharedTables, a kernel trace's replay): one of those pages has
   * populated the table over the range, which the world itself never did, so
   * the invalidation runs.
   */
  readonly shared?: boolean;
  /** For hmm_range_fault: false when the caller asked for no faults (a snapshot: default_flags without HMM_PFN_REQ_FAULT). */
  readonly fault?: boolean;
  /** For invalidate_range_start: false for a non-blockable start (mmu_notifier_invalidate_range_start_nonblock). */
  readonly blockable?: boolean;
  /** For devpt_map: an atomic mapping (over a device-exclusive entry). */
  readonly atomic?: boolean;
  /** For invalidate: the callback refused a non-blockable invalidation (it would have had to sleep for L(d)). */
  readonly refused?: boolean;
  /** For migrate_vma_setup: the collected entries; for migrate_vma_pages: the entries after commit. */
  readonly mig?: readonly MigEntry[];
  /** For migrate_vma_setup: MIGRATE_VMA_SELECT_SYSTEM (true) or _DEVICE_PRIVATE. */
  readonly toDevice?: boolean;
  /** For migrate_copy: the destination (pfn is the source, null for zero fill). */
  readonly dst?: number;
  /** For gup: FOLL_PIN / FOLL_LONGTERM. */
  readonly pin?: boolean;
  readonly longterm?: boolean;
  /** For fork: the new process. */
  readonly child?: number;
}
