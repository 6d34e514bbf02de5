/**
 * Which step kinds a configuration can exercise at all.
 *
 * Coverage lists the steps that never fired. A step the configuration cannot
 * reach (no actor munmaps, so no zap) is not news; a step it can reach that
 * never fired is a bug in the model or in the configuration. This is the
 * short list of reasons a step needs, kept next to the step list so both
 * change together.
 */
import { STEP_KINDS, type StepKind } from './actions.js';
import type { OpKind } from './state.js';
import type { World } from './world.js';

export function reachableKinds(w: World): StepKind[] {
  const has = (k: OpKind): boolean => w.actors.some((a) => a.ops.some((o) => o.kind === k));
  const cpuAccess = has('cpu_read') || has('cpu_write');
  const devAccess = has('device_read') || has('device_write');
  // A snapshot runs the sequence protocol and hmm_range_fault, and programs nothing.
  const snap = has('snapshot');
  const anyWrite = has('cpu_write') || has('device_write');
  const anyRead = has('cpu_read') || has('device_read');
  const rangeOps = has('munmap') || has('madvise_dontneed') || has('mprotect') || has('mprotect_rw') || has('mprotect_none') || has('oom_reap');
  const cow = anyWrite && anyRead;
  const migrate = has('migrate_to_device');
  // Without device memory a migration collects and rolls back: nothing is allocated, copied or faulted back.
  const devMem = migrate && w.zone.includes('device');
  const coherent = migrate && w.zone.includes('coherent');
  const toSystem = has('migrate_to_system') && (devMem || coherent);
  // GUP (FOLL_LONGTERM) of a device-coherent page migrates it out first, as an eviction does.
  const gupOut = coherent && has('gup');
  const fork = has('fork');
  const evict = has('migrate_device_range');
  const atomic = has('device_atomic');
  // An all-or-nothing migration (drm_pagemap and xe) evicts with a fault loop and, since B20's fix, takes the driver's migrate rwsem.
  const aon = migrate && w.drivers.some((x) => x.allOrNothing);
  const wanted: Record<StepKind, boolean> = {
    cpu_read: has('cpu_read'),
    cpu_write: has('cpu_write'),
    sigsegv: (cpuAccess || has('gup')) && (has('munmap') || has('mprotect_none') || (has('mprotect') && has('cpu_write'))),
    handle_mm_fault: cpuAccess || devAccess || atomic,
    do_anonymous_page: cpuAccess || devAccess || atomic,
    do_wp_page: anyWrite && ((has('mprotect') && has('mprotect_rw')) || fork),
    wp_page_copy: cow || (fork && anyWrite),
    munmap: has('munmap'),
    madvise_dontneed: has('madvise_dontneed'),
    mprotect: has('mprotect') || has('mprotect_rw') || has('mprotect_none'),
    invalidate_range_start: rangeOps || cow || migrate || fork || has('exit') || atomic,
    invalidate: (rangeOps || cow || migrate || fork || has('exit') || atomic) && w.mirrors.length > 0,
    zap_pte_range: has('munmap') || has('madvise_dontneed') || has('exit') || has('oom_reap'),
    change_pte_range: has('mprotect') || has('mprotect_rw') || has('mprotect_none'),
    invalidate_range_end: rangeOps || cow || migrate || fork || has('exit') || atomic,
    mmu_interval_read_begin: devAccess || snap || aon,
    hmm_range_fault: devAccess || snap || aon,
    driver_lock: devAccess || atomic || snap,
    mmu_interval_read_retry: (devAccess && w.drivers.some((x) => x.readRetry)) || snap,
    devpt_map: devAccess || atomic,
    // The reference driver clears entries in its callback, except its own
    // mapping of a page it migrates, which it drops before the copy.
    devpt_unmap: migrate && devAccess,
    driver_unlock: devAccess || atomic || snap,
    device_read: has('device_read'),
    device_write: has('device_write'),
    gup: has('gup'),
    unpin_user_page: has('gup'),
    do_swap_page: (devMem && cpuAccess) || (atomic && (cpuAccess || devAccess || has('gup'))),
    migrate_to_ram: devMem && cpuAccess,
    folio_put: (devMem && cpuAccess && w.drivers.some((x) => x.allocByPfn)) || atomic,
    make_device_exclusive: atomic,
    mem_cgroup_move_charge: has('memcg_move'),
    restore_exclusive_pte: atomic && (cpuAccess || devAccess || has('gup')),
    migrate_vma_collect: migrate || has('migrate_to_system'),
    migrate_vma_setup: migrate || has('migrate_to_system'),
    alloc_page: devMem || coherent,
    migrate_copy: devMem || coherent,
    migrate_device_coherent_folio: gupOut,
    migrate_vma_pages: migrate || has('migrate_to_system'),
    migrate_vma_finalize: migrate || has('migrate_to_system'),
    folio_free: (devMem && (cpuAccess || has('exit') || evict)) || toSystem || gupOut,
    fork,
    copy_page_range: fork && (cpuAccess || devAccess || migrate),
    exit: has('exit'),
    // A page shared by fork and migrated by one of the processes.
    try_to_migrate: (fork && migrate) || gupOut,
    migrate_device_range: evict,
    migrate_device_pages: evict || gupOut,
    migrate_device_finalize: evict || gupOut,
    flush_tlb_range: migrate && w.tlb && w.variants.has('B11'),
    migrate_lock: aon && w.drivers.some((x) => x.allOrNothing && x.migrateRwsem),
  };
  return STEP_KINDS.filter((k) => wanted[k]);
}
