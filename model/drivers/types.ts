/**
 * The driver interface: what a device driver does at each point where the
 * core kernel hands control to it, or where its own code runs between
 * kernel calls. Drivers differ only here; everything else in the model is
 * the core kernel (mm/hmm.c, mm/mmu_notifier.c, mm/migrate_device.c,
 * mm/memremap.c, mm/memory.c), which rules/ and programs/ hold.
 *
 * The points are named after the driver operations of lib/test_hmm.c, the
 * model's first driver:
 *   - invalidate: mmu_interval_notifier_ops.invalidate
 *     (dmirror_interval_invalidate);
 *   - the fault loop: mmu_interval_read_begin, hmm_range_fault,
 *     mmu_interval_read_retry, program the device page table
 *     (dmirror_range_fault, dmirror_do_fault);
 *   - exclusive access: make_device_exclusive and the atomic map
 *     (dmirror_exclusive, dmirror_atomic_map);
 *   - alloc_and_copy: migrate_vma_setup's selection, the device pages and the
 *     copy (dmirror_migrate_alloc_and_copy, dmirror_devmem_alloc_page);
 *   - finalize_and_map: after migrate_vma_pages, before migrate_vma_finalize
 *     (dmirror_migrate_finalize_and_map).
 *
 * A driver is a file in this folder that says what it does at each point for
 * a kernel version; adding a driver is adding a file and a line to index.ts.
 */
import type { KernelVersion } from '../kernel/versions.js';

export interface DriverBehaviour {
  // --- invalidate (mmu_interval_notifier_ops.invalidate)
  /**
   * On an invalidation of its own migration (MMU_NOTIFY_MIGRATE with
   * range->owner its pgmap owner) the callback leaves its page table to the
   * migration and still calls mmu_interval_set_seq (true), or returns before
   * it (false: lib/test_hmm.c dmirror_interval_invalidate, 6.1 lines 316-318;
   * variant H1). 'as-recorded' (replay only): either, as the trace's later
   * read_retry results say.
   */
  readonly ownMigrateSetsSeq: boolean | 'as-recorded';
  /** The callback clears the range from the device page table before it returns (false: variant D2). */
  readonly invalidateClears: boolean;
  /**
   * The callback takes the driver lock and keeps it until
   * invalidate_range_end (the ODP umem_rwsem pattern before "RDMA/odp: Use
   * mmu_interval_notifier_insert()"; variant B5), which deadlocks when the
   * core mm nests invalidations.
   */
  readonly holdsLockToEnd: boolean;

  // --- the fault loop
  /** mmu_interval_read_retry under the driver lock before the device page table is programmed (false: variant D1). */
  readonly readRetry: boolean;

  // --- exclusive access
  /**
   * make_device_exclusive inside a read_begin / read_retry loop that does not
   * filter its own MMU_NOTIFY_EXCLUSIVE (nouveau_atomic_range_fault; variant
   * H2). test_hmm maps the page without a sequence check.
   */
  readonly exclusiveSeqLoop: boolean;

  // --- alloc_and_copy
  /** A migration to the device also selects the device's own device-private pages (MIGRATE_VMA_SELECT_DEVICE_PRIVATE with its owner; drm_pagemap). */
  readonly selectOwn: boolean;
  /** A migration to the device is all or nothing and retried after an eviction (drm_pagemap_migrate_to_devmem; xe). */
  readonly allOrNothing: boolean;
  /** xe's driver-wide migrate rwsem around an all-or-nothing migration (false: variant B20, before "drm/xe/svm: Serialize migration to device if racing"). */
  readonly migrateRwsem: boolean;
  /**
   * Before copying a page to device memory the driver erases its own device
   * mapping of the source (the reference driver). lib/test_hmm.c does not
   * (dmirror_migrate_alloc_and_copy, 6.1 lines 694-746): it relies on
   * finalize_and_map overwriting the entry, and a device write in between
   * lands in the old page.
   */
  readonly eraseBeforeCopy: boolean;
  /** Device pages come by pfn from the driver's own buffer, even one whose refcount is still live (amdkfd's svm_bo; variant B19). */
  readonly allocByPfn: boolean;

  // --- finalize_and_map
  /**
   * 'lock-and-map': under its lock the driver maps every new device page
   * between migrate_vma_pages and migrate_vma_finalize
   * (dmirror_migrate_finalize_and_map). 'none': it maps nothing there
   * (drm_pagemap leaves it to the GPU fault). 'as-recorded' (replay only):
   * the trace's driver events are taken as they come, and the invariants
   * judge them.
   */
  readonly finalizeAndMap: 'lock-and-map' | 'none' | 'as-recorded';

  // --- eviction (migrate_device_range of the device's memory,
  // dmirror_device_evict_chunk): no driver the model knows differs there yet.
}

export interface Driver {
  readonly name: string;
  /** One sentence: what the driver is. */
  readonly summary: string;
  /** The kernel files it follows. */
  readonly sources: readonly string[];
  /** Which kernel versions its behaviour follows, in words. */
  readonly kernels: string;
  /** A driver that only replay can use: it takes the trace's driver steps as they come, so there is nothing to enumerate. */
  readonly replayOnly: boolean;
  /** What it does at each point, under a kernel version (a driver shipped with the kernel changes with it). */
  behaviour(kernel: KernelVersion): DriverBehaviour;
}

/** The driver options a configuration device, or a variant alias, sets over a driver's behaviour. */
export type DriverOptions = Partial<DriverBehaviour>;
