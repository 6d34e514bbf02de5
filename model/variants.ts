/**
 * Variants: switches that put one step of the model back to its behaviour
 * before a real kernel or driver fix, or make a classic driver mistake
 * (MODEL.md section 6). A variant must make the checker find a counterexample
 * that violates one of the invariants listed for it.
 */
export interface Variant {
  readonly id: string;
  readonly level: 'L1' | 'L2' | 'L3' | 'L4';
  /** What the switch does, in one sentence. */
  readonly behaviour: string;
  /** Invariant ids one of which the counterexample must violate. */
  readonly expected: readonly string[];
  /** The preset whose exhaustive check rediscovers it. */
  readonly preset: string;
  /** The real fix (commit subject) or the origin of the mistake. */
  readonly origin: string;
}

export const VARIANTS = [
  {
    id: 'D1',
    level: 'L1',
    behaviour: 'the driver programs its device page table without calling mmu_interval_read_retry',
    expected: ['INV-2', 'INV-4'],
    preset: 'small',
    origin: 'classic driver mistake: skipping the sequence check of Documentation/mm/hmm.rst',
  },
  {
    id: 'D2',
    level: 'L1',
    behaviour: "the driver's invalidate callback returns without clearing its device page table",
    // INV-3 too: after an mprotect to read-only the device keeps its writable entry.
    expected: ['INV-2', 'INV-7', 'INV-3'],
    preset: 'small',
    origin: 'classic driver mistake: deferring the device page-table clear past the callback',
  },
  {
    id: 'B1',
    level: 'L4',
    behaviour:
      "a non-blockable invalidation whose driver callback refused (it would have slept for L(d)) is taken for a success: the OOM reaper zaps the pages while the device still maps them",
    expected: ['INV-2', 'INV-14'],
    preset: 'oom-reaper',
    origin: '"mm/hmm: Fix error flows in hmm_invalidate_range_start" (v5.3)',
  },
  {
    id: 'B3',
    level: 'L1',
    behaviour: 'the 2019 API: hmm_range_valid() reads a flag that invalidate_range_end sets back to true',
    expected: ['INV-2', 'INV-4', 'INV-9'],
    preset: 'small',
    origin: '"mm/mmu_notifier: add an interval tree notifier" (v5.5) replaced the valid flag with a sequence count',
  },
  {
    id: 'B4',
    level: 'L4',
    behaviour:
      'a non-blockable start that fails at one subscriber does not end what the others started: the interval tree stays in an invalidation for ever',
    expected: ['INV-14'],
    preset: 'oom-reaper',
    origin: '"mm/mmu_notifiers: ensure range_end() is paired with range_start()" (v5.12)',
  },
  {
    id: 'B5',
    level: 'L1',
    behaviour:
      "the driver's invalidate_range_start callback takes its lock and holds it until invalidate_range_end (the ODP umem_rwsem pattern), which deadlocks when the core mm nests invalidations",
    expected: ['INV-14'],
    preset: 'small',
    origin: '"RDMA/odp: Use mmu_interval_notifier_insert()" (f25a546e6529, v5.5)',
  },
  {
    id: 'D3',
    level: 'L2',
    behaviour: 'migrate_vma_setup and migrate_vma_pages skip the pin and reference checks, so a pinned page is committed as a migration source',
    expected: ['INV-6'],
    preset: 'migrate',
    origin: 'classic core mistake: dropping the folio_maybe_dma_pinned / migrate_vma_check_page test of mm/migrate_device.c',
  },
  {
    id: 'D5',
    level: 'L2',
    behaviour: 'GUP pins a device-private page instead of faulting it back to system memory first',
    expected: ['INV-5'],
    preset: 'migrate',
    origin: 'classic core mistake: device-private pages must never be pinned (copy_nonpresent_pte, check_and_migrate_movable_pages)',
  },
  {
    id: 'D4',
    level: 'L2',
    behaviour: 'migration back to system memory charges the memcg anew and fails at the limit',
    expected: ['INV-11'],
    preset: 'migrate',
    origin: 'classic core mistake: charging the destination instead of mem_cgroup_migrate; Documentation/mm/hmm.rst says migration back cannot fail on a memcg limit',
  },
  {
    id: 'B6',
    level: 'L3',
    behaviour: 'a freed device page keeps its stale anon mapping, and migrate_vma_insert_page leaves it when the page is recycled for another process',
    expected: ['INV-15', 'INV-7', 'INV-9'],
    preset: 'fork',
    origin: '"mm/hmm: fix ZONE_DEVICE anon page mapping reuse" (7ab0ad0e74f8, v5.3)',
  },
  {
    id: 'B8',
    level: 'L4',
    behaviour: "hmm_range_fault reports any owner's device-private page as valid, so a device maps another device's private page",
    expected: ['INV-16', 'INV-1'],
    preset: 'two-devices',
    origin: '"mm/hmm: check the device private page owner in hmm_range_fault()" (08ddddda667b, v5.7)',
  },
  {
    id: 'B9',
    level: 'L4',
    behaviour: "hmm_range_fault returns -EFAULT on another owner's device-private page instead of faulting it back, so the device's legal access fails every time it is replayed",
    expected: ['LIVE-1'],
    preset: 'two-devices',
    origin: '"mm/hmm: fault non-owner device private entries" (8a295dbbaf72, v6.0)',
  },
  {
    id: 'B10',
    level: 'L4',
    behaviour:
      "migrate_vma_collect takes down a dirty PTE without passing its dirty bit to the folio, so a migration that fails and restores the PTE leaves a page reclaim takes for clean",
    expected: ['INV-8', 'INV-7'],
    preset: 'dirty-tlb',
    origin: '"mm/migrate_device.c: copy pte dirty bit to page" (fd35ca3d12cc, v6.0)',
  },
  {
    id: 'B11',
    level: 'L4',
    behaviour:
      "migrate_vma_collect flushes the TLB after dropping the PTL, so a MADV_DONTNEED that finds the migration entry (nothing present, nothing to flush) returns while the CPU can still reach the page through its TLB",
    expected: ['INV-2', 'INV-9'],
    preset: 'dirty-tlb',
    origin: '"mm/migrate_device.c: flush TLB while holding PTL" (60bae7370896, v6.0)',
  },
  {
    id: 'B12',
    level: 'L3',
    behaviour:
      'do_swap_page calls migrate_to_ram on the page of the device-private entry the fault read, without the PTL to check the entry is still there and without a reference on (or the lock of) the page, so an eviction or another fault can free it first and migrate_to_ram uses a freed page',
    expected: ['INV-9'],
    preset: 'fork',
    origin: '"mm/memory.c: fix race when faulting a device private page" (16ce101db85d, v6.1, CVE-2022-3523)',
  },
  {
    id: 'B13',
    level: 'L4',
    behaviour: "moving a task to another memcg skips its device-private entries, so their charges stay with the old memcg (and migrating them back keeps it there)",
    expected: ['INV-11'],
    preset: 'memcg',
    origin: '"mm/memcg: fix device private memcg accounting" (9a137153fc87, v5.10)',
  },
  {
    id: 'B14',
    level: 'L4',
    behaviour:
      'a fault on a device-exclusive entry waits for the page lock without holding a reference, so a migration can free the page before the fault locks it',
    expected: ['INV-9'],
    preset: 'exclusive',
    origin: '"mm: take a page reference when removing device exclusive entries" (v6.3)',
  },
  {
    id: 'B16',
    level: 'L4',
    behaviour: 'a device-exclusive entry holds the page reference but not its mapcount',
    expected: ['INV-15', 'LIVE-1'],
    preset: 'exclusive',
    origin: '"mm/rmap: keep mapcount untouched for device-exclusive entries" ("mm: fixes for device-exclusive entries (hmm)", v6.15)',
  },
  {
    id: 'B17',
    level: 'L2',
    behaviour:
      "do_swap_page takes a reference on the device page but not its lock, so CPU threads faulting one page each hold a reference that fails the others' migrate_to_ram (in migrate_vma_pages: migrate_vma_setup lets one such reference on a device page through), and all of them retry forever",
    expected: ['LIVE-1'],
    preset: 'cpu-faults',
    origin: '"mm/migrate: Trylock device page in do_swap_page" (1afaeb8293c9, v6.15)',
  },
  {
    id: 'B18',
    level: 'L4',
    behaviour:
      "do_swap_page's trylock of a locked device page fails and returns, so hmm_range_fault walks again at once and spins; the lock holder's migrate_device_unmap waits in lru_add_drain_all for a work item the spinning CPU never runs",
    expected: ['LIVE-1'],
    preset: 'mixed-migration',
    origin: '"mm: Fix a hmm_range_fault() livelock / starvation problem" (a69d1ab971a6, v7.0-rc)',
  },
  {
    id: 'B19',
    level: 'L2',
    behaviour:
      "the driver allocates device pages by pfn from its own buffer and re-initialises one whose refcount is still live (do_swap_page's reference on the fault page, dropped after migrate_to_ram returns)",
    expected: ['INV-9'],
    preset: 'cpu-faults',
    origin: '"drm/amdkfd: Fix svm_bo and vram page refcount" (amd-gfx, 2025; merge status uncertain)',
  },
  {
    id: 'B20',
    level: 'L4',
    behaviour:
      "two devices' all-or-nothing migrations of one range each lock part of it, both fail with -EBUSY, evict and try again, for ever: xe migrated without its driver-wide rwsem, which makes the second try of one of them run alone",
    expected: ['LIVE-1'],
    preset: 'racing-migrations',
    origin: '"drm/xe/svm: Serialize migration to device if racing" (Dec 2025, a stopgap)',
  },
  {
    id: 'H1',
    level: 'L2',
    behaviour: "the driver's invalidate callback returns before mmu_interval_set_seq on its own MIGRATE event, while a device fault races the migration",
    // INV-7 too: on small the racing fault maps the source page and the
    // device's write to it after the copy is lost when the migration commits.
    expected: ['INV-2', 'INV-7'],
    preset: 'migrate',
    origin: 'lib/test_hmm.c dmirror_interval_invalidate; the on-list design hazard of reference section 5',
  },
  {
    id: 'H2',
    level: 'L4',
    behaviour:
      "the driver brackets make_device_exclusive with mmu_interval_read_begin and mmu_interval_read_retry (as nouveau_atomic_range_fault does) without filtering its own EXCLUSIVE event, so its own invalidation fails the check every time",
    expected: ['LIVE-1'],
    preset: 'exclusive',
    origin: 'design hazard reported on-list (Alistair Popple, v6.15 device-exclusive series): the driver must filter its own MMU_NOTIFY_EXCLUSIVE',
  },
] as const satisfies readonly Variant[];

export type VariantId = (typeof VARIANTS)[number]['id'];

export function findVariant(id: string): Variant | undefined {
  return (VARIANTS as readonly Variant[]).find((v) => v.id === id);
}
