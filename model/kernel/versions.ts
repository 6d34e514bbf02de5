/**
 * Which kernel: the versions the model follows, and every behaviour of the
 * core kernel that differs between them, in the kernel's own terms, with the
 * version where it changed and the commit that changed it.
 *
 * Sources: ../shared/reference/kernel-audit.md section 1 (Linux 6.1.176
 * read line by line; v6.15 to v7.0-rc read through the search tools), and
 * the commits named below. A rule's choice for a version is the choice of
 * the newest change at or before that version.
 *
 * The bug variants that are only "an older kernel" (B12, B16, B17, B18) are
 * one rule of this table set to an older choice (variants.ts keeps their ids
 * as aliases): `--variant B17` is the 6.1 behaviour of do_swap_page alone.
 */

/** Kernel versions a configuration or a trace can name. `latest` is v7.0 as far as it is known. */
export const KERNELS = ['6.1', '6.12', '6.15', 'latest'] as const;
export type KernelVersion = (typeof KERNELS)[number];

/** The default for `check`: the newest code, where the known races are fixed. */
export const DEFAULT_KERNEL: KernelVersion = 'latest';

/** Where each version sits among the changes below (a mainline release number). */
const RELEASE: Readonly<Record<KernelVersion, number>> = { '6.1': 6.01, '6.12': 6.12, '6.15': 6.15, latest: 7.0 };

/** A mainline release as a number that orders: "v6.7" -> 6.07, "v6.15" -> 6.15, "v7.0-rc" -> 7.0. */
function release(v: string): number {
  const m = /^v(\d+)\.(\d+)/.exec(v);
  if (!m) throw new Error(`versions.ts: not a release: ${v}`);
  return Number(m[1]) + Number(m[2]) / 100;
}

export interface Change<C extends string> {
  readonly choice: C;
  /** The first release with it; absent for the oldest behaviour the model knows (it was there before every version the model names). */
  readonly since?: string;
  /** The commit that made the change, abbreviated hash and subject; absent for the oldest behaviour the model knows. */
  readonly commit?: { readonly hash: string | null; readonly subject: string };
}

export interface KernelRule<C extends string = string> {
  readonly id: string;
  /** The kernel file and function. */
  readonly where: string;
  /** What each choice does, in one sentence. */
  readonly choices: Readonly<Record<C, string>>;
  /** Oldest first. */
  readonly history: readonly Change<C>[];
}

const rule = <C extends string>(r: KernelRule<C>): KernelRule<C> => r;

export const DO_SWAP_PAGE = rule({
  id: 'do_swap_page',
  where: 'mm/memory.c do_swap_page, the device-private branch',
  choices: {
    none: 'calls migrate_to_ram on the page of the entry it read, without taking the PTL to check the entry is still there, a reference on the page or its lock',
    get: 'takes a reference on the device page (get_page) but not its lock',
    trylock: 'takes a reference and trylocks the page; when the trylock fails it drops the reference and returns, and the access faults again at once',
    sleep: 'takes a reference and the page lock, sleeping while another thread holds it',
  },
  history: [
    { choice: 'none' },
    { choice: 'get', since: 'v6.1', commit: { hash: '16ce101db85d', subject: 'mm/memory.c: fix race when faulting a device private page' } },
    { choice: 'trylock', since: 'v6.15', commit: { hash: '1afaeb8293c9', subject: 'mm/migrate: Trylock device page in do_swap_page' } },
    { choice: 'sleep', since: 'v7.0', commit: { hash: 'a69d1ab971a6', subject: 'mm: Fix a hmm_range_fault() livelock / starvation problem' } },
  ],
});

export const COLLECT_FAULT_FOLIO = rule({
  id: 'migrate_vma_collect.fault_folio',
  where: 'mm/migrate_device.c migrate_vma_collect_pmd',
  choices: {
    trylock: 'trylocks every page it collects, the fault page of a migrate_to_ram too (do_swap_page does not hold its lock)',
    'fault-locked': 'takes the fault page as locked by do_swap_page (fault_folio == folio || folio_trylock)',
  },
  history: [
    { choice: 'trylock' },
    { choice: 'fault-locked', since: 'v6.15', commit: { hash: '1afaeb8293c9', subject: 'mm/migrate: Trylock device page in do_swap_page' } },
  ],
});

export const EXCLUSIVE_MAPCOUNT = rule({
  id: 'device_exclusive.mapcount',
  where: 'mm/rmap.c page_make_device_exclusive_one / make_device_exclusive',
  choices: {
    drop: 'a device-exclusive entry keeps the page reference but drops its mapcount (page_remove_rmap)',
    keep: 'a device-exclusive entry keeps the page reference and its mapcount',
  },
  history: [
    { choice: 'drop' },
    { choice: 'keep', since: 'v6.15', commit: { hash: null, subject: 'mm/rmap: keep mapcount untouched for device-exclusive entries' } },
  ],
});

export const EXCLUSIVE_LOCK = rule({
  id: 'make_device_exclusive.lock',
  where: 'mm/rmap.c make_device_exclusive_range (6.1) / make_device_exclusive (v6.15)',
  choices: {
    trylock: 'folio_trylock after GUP; a page another thread holds locked is not made exclusive (its slot comes back NULL)',
    lock: 'folio_lock_killable after GUP, then a re-check of the page under the walk',
  },
  history: [
    { choice: 'trylock' },
    { choice: 'lock', since: 'v6.15', commit: { hash: null, subject: 'mm/rmap: convert make_device_exclusive_range() to make_device_exclusive()' } },
  ],
});

export const REVOKE_EVENT = rule({
  id: 'remove_device_exclusive_entry.event',
  where: 'mm/memory.c remove_device_exclusive_entry',
  choices: {
    exclusive: 'revokes device-exclusive access inside an MMU_NOTIFY_EXCLUSIVE invalidation with owner NULL',
    clear: 'revokes device-exclusive access inside an MMU_NOTIFY_CLEAR invalidation with owner NULL',
  },
  history: [
    { choice: 'exclusive' },
    { choice: 'clear', since: 'v6.15', commit: { hash: null, subject: 'mm/memory: use MMU_NOTIFY_CLEAR in remove_device_exclusive_entry()' } },
  ],
});

export const MEMCG_MIGRATE = rule({
  id: 'mem_cgroup_migrate',
  where: 'mm/memcontrol.c mem_cgroup_migrate',
  choices: {
    'force-charge': 'force-charges the new folio to the old one\'s memcg, past any limit; the old one stays charged until it is freed',
    move: 'moves the charge: the new folio takes the old one\'s memcg_data and the old one is left uncharged',
  },
  history: [
    { choice: 'force-charge' },
    { choice: 'move', since: 'v6.7', commit: { hash: null, subject: 'memcontrol: only transfer the memcg data for migration' } },
  ],
});

/**
 * Where mprotect's PROTECTION_VMA invalidation starts, and whether it runs at
 * all: at the first page-table entry of the range that is populated, a PMD
 * entry (a PTE table) in 6.1 (mm/mprotect.c change_pmd_range:376-386), a PUD
 * entry (a PMD table) since v6.12 (change_pud_range, mm/mprotect.c:451-459 in
 * v6.12). munmap and madvise(MADV_DONTNEED) have no such test in any of
 * them: unmap_vmas and zap_page_range(_single) start their invalidation
 * before walking the tables (mm/memory.c:1729-1731, 1756-1760, 1784-1788 in
 * 6.1), and zap_pmd_range skips a pmd_none only inside it. The model's pages all
 * lie under one PUD, so since v6.12 the range is the whole of it or nothing.
 */
export const MPROTECT_NOTIFIER = rule({
  id: 'change_protection.notifier',
  where: 'mm/mprotect.c change_pmd_range (6.1) / change_pud_range (v6.12)',
  choices: {
    pmd: 'starts the invalidation at the first PMD entry of the range that has a PTE table, and runs none when no page of the range has one',
    pud: 'starts the invalidation at the first PUD entry of the range that has a PMD table, and runs none when no page of the range has one',
  },
  history: [
    { choice: 'pmd' },
    { choice: 'pud', since: 'v6.12', commit: { hash: null, subject: 'mm/mprotect: push mmu notifier to PUDs' } },
  ],
});

/** The table: every behaviour that differs between the versions, in the order of a fault, a migration, exclusive access, memcg, mprotect. */
export const KERNEL_RULES = [DO_SWAP_PAGE, COLLECT_FAULT_FOLIO, EXCLUSIVE_MAPCOUNT, EXCLUSIVE_LOCK, REVOKE_EVENT, MEMCG_MIGRATE, MPROTECT_NOTIFIER] as const;

type ChoiceOf<R> = R extends KernelRule<infer C> ? C : never;

/** Each rule's choice, by rule id, as a world holds it. */
export interface KernelBehaviour {
  readonly version: KernelVersion;
  readonly do_swap_page: ChoiceOf<typeof DO_SWAP_PAGE>;
  readonly collectFaultFolio: ChoiceOf<typeof COLLECT_FAULT_FOLIO>;
  readonly exclusiveMapcount: ChoiceOf<typeof EXCLUSIVE_MAPCOUNT>;
  readonly exclusiveLock: ChoiceOf<typeof EXCLUSIVE_LOCK>;
  readonly revokeEvent: ChoiceOf<typeof REVOKE_EVENT>;
  readonly memcgMigrate: ChoiceOf<typeof MEMCG_MIGRATE>;
  readonly mprotectNotifier: ChoiceOf<typeof MPROTECT_NOTIFIER>;
}

/** The choice of `r` in `version`: its newest change at or before it. */
export function choiceIn<C extends string>(r: KernelRule<C>, version: KernelVersion): C {
  let c = r.history[0]!.choice;
  for (const h of r.history) if (h.since === undefined || release(h.since) <= RELEASE[version]) c = h.choice;
  return c;
}

export function kernelBehaviour(version: KernelVersion): KernelBehaviour {
  return {
    version,
    do_swap_page: choiceIn(DO_SWAP_PAGE, version),
    collectFaultFolio: choiceIn(COLLECT_FAULT_FOLIO, version),
    exclusiveMapcount: choiceIn(EXCLUSIVE_MAPCOUNT, version),
    exclusiveLock: choiceIn(EXCLUSIVE_LOCK, version),
    revokeEvent: choiceIn(REVOKE_EVENT, version),
    memcgMigrate: choiceIn(MEMCG_MIGRATE, version),
    mprotectNotifier: choiceIn(MPROTECT_NOTIFIER, version),
  };
}

export function isKernelVersion(v: unknown): v is KernelVersion {
  return typeof v === 'string' && (KERNELS as readonly string[]).includes(v);
}
