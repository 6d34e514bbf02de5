/**
 * Named configurations (MODEL.md section 4). Their distinct-state counts are
 * pinned in the tests: a change that grows or shrinks a space shows up there.
 */
import type { Config } from './config.js';

export interface Preset {
  readonly name: string;
  readonly sentence: string;
  readonly config: Config;
}

export const PRESETS: readonly Preset[] = [
  {
    name: 'tiny',
    sentence: 'one page, one device, one device read racing one CPU write and one migration to device memory: checks in well under a second',
    config: {
      name: 'tiny',
      pages: 1,
      systemFrames: 2,
      devices: [{ frames: 1, owner: 'dmirror0' }],
      actors: [
        { kind: 'cpu', ops: { cpu_write: 1 } },
        { kind: 'device', ops: { device_read: 1 } },
        { kind: 'device', name: 'mig0', ops: { migrate_to_device: 1 } },
      ],
    },
  },
  {
    name: 'small',
    sentence:
      'two pages, one device with two frames and a memcg limit of two pages (the default): the CPU reads, writes, pins (GUP) and write-protects page 0 while a device reads and writes it through hmm_range_fault and the driver migrates both pages to device memory (CPU faults bring them back)',
    config: {
      name: 'small',
      pages: 2,
      systemFrames: 4,
      memcgLimit: 2,
      devices: [{ frames: 2, owner: 'dmirror0' }],
      actors: [
        { kind: 'cpu', ops: { cpu_read: 1, cpu_write: 1, mprotect: 1, gup: 1 }, pages: [0], ranges: [[0, 2]] },
        { kind: 'device', ops: { device_read: 1, device_write: 1 }, pages: [0] },
        { kind: 'device', name: 'mig0', ops: { migrate_to_device: 1 }, ranges: [[0, 2]] },
      ],
    },
  },
  {
    name: 'migrate',
    sentence: 'one page, one device with one frame, a memcg limit of one page: a CPU writes, reads and pins it while the driver migrates it to device memory and a device fault races the migration',
    config: {
      name: 'migrate',
      pages: 1,
      systemFrames: 3,
      memcgLimit: 1,
      devices: [{ frames: 1, owner: 'dmirror0' }],
      actors: [
        { kind: 'cpu', ops: { cpu_read: 1, cpu_write: 1, gup: 1 } },
        { kind: 'device', ops: { device_read: 1 } },
        { kind: 'device', name: 'mig0', ops: { migrate_to_device: 1 } },
      ],
    },
  },
  {
    name: 'cpu-faults',
    sentence:
      'one page migrated to device memory (twice) while two CPU threads of the process read it: both fault on the device-private entry at once (do_swap_page, migrate_to_ram), the race behind the 2025 and 2026 livelock fixes, and the driver may migrate the page again while a fault is still returning',
    config: {
      name: 'cpu-faults',
      pages: 1,
      systemFrames: 3,
      devices: [{ frames: 1, owner: 'dmirror0' }],
      actors: [
        { kind: 'cpu', name: 'cpu0', ops: { cpu_read: 1 } },
        { kind: 'cpu', name: 'cpu1', ops: { cpu_read: 1 } },
        { kind: 'device', name: 'mig0', ops: { migrate_to_device: 2 } },
      ],
    },
  },
  {
    name: 'two-devices',
    sentence:
      'one page, two devices with different owners: the CPU writes it, each driver migrates it to its own memory, and the second device reads it (another owner\'s device-private page is faulted back to system memory by hmm_range_fault)',
    config: {
      name: 'two-devices',
      pages: 1,
      systemFrames: 3,
      devices: [
        { frames: 1, owner: 'dmirror0' },
        { frames: 1, owner: 'dmirror1' },
      ],
      actors: [
        { kind: 'cpu', name: 'cpu0', ops: { cpu_write: 1 } },
        { kind: 'device', name: 'mig0', mirror: 0, ops: { migrate_to_device: 1 } },
        { kind: 'device', name: 'gpu1', mirror: 1, ops: { device_read: 1 } },
        { kind: 'device', name: 'mig1', mirror: 1, ops: { migrate_to_device: 1 } },
      ],
    },
  },
  {
    name: 'oom-reaper',
    sentence:
      'one page, two devices each mirroring the process: the CPU writes the page, the second device reads it, and the OOM reaper reaps the process meanwhile (a non-blockable invalidation that a driver refuses while it holds its lock)',
    config: {
      name: 'oom-reaper',
      pages: 1,
      systemFrames: 2,
      devices: [
        { frames: 0, owner: 'dmirror0' },
        { frames: 0, owner: 'dmirror1' },
      ],
      actors: [
        { kind: 'cpu', name: 'cpu0', ops: { cpu_write: 1 } },
        { kind: 'device', name: 'gpu1', mirror: 1, ops: { device_read: 1 } },
        { kind: 'cpu', name: 'reaper', ops: { oom_reap: 1 } },
      ],
    },
  },
  {
    name: 'exclusive',
    sentence:
      'one page: a device takes exclusive (atomic) access to it (make_device_exclusive), two CPU threads write and read it, which revokes the access, and the driver migrates it to device memory meanwhile (hmm-tests exclusive)',
    config: {
      name: 'exclusive',
      pages: 1,
      systemFrames: 3,
      devices: [{ frames: 1, owner: 'dmirror0' }],
      actors: [
        { kind: 'device', name: 'gpu0', ops: { device_atomic: 1 } },
        { kind: 'cpu', name: 'cpu0', ops: { cpu_write: 1 } },
        { kind: 'cpu', name: 'cpu1', ops: { cpu_read: 1 } },
        { kind: 'device', name: 'mig0', ops: { migrate_to_device: 1 } },
      ],
    },
  },
  {
    name: 'memcg',
    sentence:
      "one page, two processes each in its own memcg: the first process's page is migrated to device memory, the process moves to the second memcg with its charges (mem_cgroup_move_charge), and its CPU read brings the page back",
    config: {
      name: 'memcg',
      processes: 2,
      pages: 1,
      systemFrames: 3,
      devices: [{ frames: 1, owner: 'dmirror0' }],
      mirrors: [{ device: 0, process: 0 }],
      actors: [
        { kind: 'cpu', name: 'cpu0', ops: { cpu_write: 1, memcg_move: 1, cpu_read: 1 } },
        { kind: 'device', name: 'mig0', ops: { migrate_to_device: 1 } },
      ],
    },
  },
  {
    name: 'dirty-tlb',
    sentence:
      "one page, with the PTE dirty bit and a CPU TLB modelled: the CPU writes and reads it (through its TLB once cached), a second CPU thread discards it (MADV_DONTNEED), and the driver tries to migrate it to a device that has no free memory, so the migration collects the page and rolls back",
    config: {
      name: 'dirty-tlb',
      pages: 1,
      systemFrames: 2,
      dirty: true,
      tlb: true,
      // No device memory: the migration cannot commit, so it rolls back (the case B10 loses data in), and lib/test_hmm.c's unchecked map after finalize (README, findings) stays out of the way of MADV_DONTNEED.
      devices: [{ frames: 0, owner: 'dmirror0' }],
      actors: [
        { kind: 'cpu', name: 'cpu0', ops: { cpu_write: 1, cpu_read: 1 } },
        { kind: 'cpu', name: 'cpu1', ops: { madvise_dontneed: 1 } },
        { kind: 'device', name: 'mig0', ops: { migrate_to_device: 1 } },
      ],
    },
  },
  {
    name: 'coherent',
    sentence:
      'one page and a device whose memory is coherent (MEMORY_DEVICE_COHERENT, mapped by present PTEs): the driver migrates the page to it and back (HMM_DMIRROR_MIGRATE_TO_SYS), the device writes it, the CPU writes it in place and pins it long-term (FOLL_LONGTERM migrates a coherent page out first)',
    config: {
      name: 'coherent',
      pages: 1,
      systemFrames: 3,
      devices: [{ frames: 1, owner: 'dmirror0', memory: 'coherent' }],
      actors: [
        { kind: 'cpu', name: 'cpu0', ops: { cpu_write: 1, gup: 1 } },
        { kind: 'device', name: 'gpu0', ops: { device_write: 1 } },
        { kind: 'device', name: 'mig0', ops: { migrate_to_device: 1, migrate_to_system: 1 } },
      ],
    },
  },
  {
    name: 'mixed-migration',
    sentence:
      "two pages, two devices, a fork: the first device migrates the empty page 1 to its memory and the process forks (the child shares the device page) and writes page 0; the first device's second migration takes both pages, selecting its own device pages too (a system page and a device page in one migration, as drm_pagemap can), while the second device, mirroring the child, reads page 1 (another owner's page, faulted back)",
    config: {
      name: 'mixed-migration',
      processes: 2,
      pages: 2,
      systemFrames: 3,
      devices: [
        { frames: 1, owner: 'dmirror0', selectOwn: true },
        { frames: 0, owner: 'dmirror1' },
      ],
      mirrors: [
        { device: 0, process: 0 },
        { device: 1, process: 1 },
      ],
      actors: [
        { kind: 'cpu', name: 'cpu0', ops: { cpu_write: 1, fork: 1 }, child: 1, pages: [0] },
        { kind: 'device', name: 'mig0', mirror: 0, ops: { migrate_to_device: 2 }, ranges: [[1, 2], [0, 2]] },
        { kind: 'device', name: 'gpu1', mirror: 1, ops: { device_read: 1 }, pages: [1] },
      ],
    },
  },
  {
    name: 'racing-migrations',
    sentence:
      "two pages under two page-table pages, written by the CPU, and two devices whose drivers migrate all or nothing (drm_pagemap and xe: -EBUSY unless every page was collected, then evict the range and try again) racing to move both pages to their own memory, under xe's driver-wide migrate rwsem",
    config: {
      name: 'racing-migrations',
      pages: 2,
      pmdPages: 1,
      systemFrames: 4,
      devices: [
        { frames: 2, owner: 'xe0', allOrNothing: true },
        { frames: 2, owner: 'xe1', allOrNothing: true },
      ],
      actors: [
        { kind: 'cpu', name: 'cpu0', ops: { cpu_write: 2 } },
        { kind: 'device', name: 'mig0', mirror: 0, ops: { migrate_to_device: 1 } },
        { kind: 'device', name: 'mig1', mirror: 1, ops: { migrate_to_device: 1 } },
      ],
    },
  },
  {
    name: 'full',
    sentence:
      "the level L4 features that compose with the reference driver, at their smallest: one page, two devices with their own owners mirroring one process, an exclusive (atomic) access by the first device racing its migration to the first device, the second device's read (another owner's page is faulted back), and the CPU's write and move to a second memcg, with the PTE dirty bit and a CPU TLB modelled; not yet coherent memory, and not the OOM reaper (with a migration or an exclusive access in flight it finds lib/test_hmm.c's unchecked device mappings)",
    config: {
      name: 'full',
      processes: 2,
      pages: 1,
      systemFrames: 3,
      memcgLimit: 2,
      dirty: true,
      tlb: true,
      devices: [
        { frames: 1, owner: 'dmirror0' },
        { frames: 1, owner: 'dmirror1' },
      ],
      mirrors: [
        { device: 0, process: 0 },
        { device: 1, process: 0 },
      ],
      actors: [
        { kind: 'cpu', name: 'cpu0', ops: { cpu_write: 1, memcg_move: 1 } },
        { kind: 'device', name: 'gpu0', mirror: 0, ops: { device_atomic: 1 } },
        { kind: 'device', name: 'mig0', mirror: 0, ops: { migrate_to_device: 1 } },
        { kind: 'device', name: 'gpu1', mirror: 1, ops: { device_read: 1 } },
      ],
    },
  },
  {
    name: 'fork',
    sentence:
      'one page shared by fork: the parent writes, migrates, forks and exits; the child writes, migrates its own copy and exits; the driver evicts its one device frame meanwhile (copy-on-write of device-private pages, RELEASE at exit, migrate_device_range, recycled device pages)',
    config: {
      name: 'fork',
      processes: 2,
      pages: 1,
      systemFrames: 3,
      devices: [{ frames: 1, owner: 'dmirror0' }],
      // Each process opens its own dmirror of the one device (hmm-tests anon_write_child).
      mirrors: [
        { device: 0, process: 0 },
        { device: 0, process: 1 },
      ],
      actors: [
        { kind: 'cpu', name: 'cpu0', ops: { cpu_write: 1, fork: 1, exit: 1 }, child: 1 },
        { kind: 'device', name: 'mig0', mirror: 0, ops: { migrate_to_device: 1 } },
        { kind: 'cpu', name: 'cpu1', process: 1, ops: { cpu_write: 1, exit: 1 } },
        { kind: 'device', name: 'mig1', mirror: 1, ops: { migrate_to_device: 1 } },
        { kind: 'device', name: 'evict0', mirror: 0, ops: { migrate_device_range: 1 } },
      ],
    },
  },
];

export function findPreset(name: string): Preset | undefined {
  return PRESETS.find((p) => p.name === name);
}
