/**
 * Model steps as hmmtrace v1 events (TRACE-FORMAT.md): a counterexample the
 * checker found becomes a trace that `hmmcheck replay` reproduces.
 *
 * Identifiers: tids are the actors' names, `dev` the mirror's name
 * ("dmirror0"), pfns the model's frame numbers (0 is the zero page), seqs the
 * notifier sequence values. Every step is an event, and the header lists
 * every step kind as observed, so the replay of such a trace is exact.
 */
import { driverOf, mirrorName, STEP_KINDS, type Config, type HmmAction, type World } from '../../model/index.js';

export type TraceEventObject = { readonly ev: string; readonly tid: string } & Readonly<Record<string, unknown>>;

export function actionToEvent(w: World, a: HmmAction): TraceEventObject {
  const tid = w.actors[a.t]!.name;
  const dev = a.dev !== undefined ? mirrorName(a.dev) : undefined;
  const range = { mm: a.mm, start: a.start, end: a.end };
  switch (a.k) {
    case 'cpu_read':
    case 'cpu_write':
      return { ev: a.k, tid, mm: a.mm, page: a.page, value: a.value };
    case 'sigsegv':
    case 'handle_mm_fault':
      return { ev: a.k, tid, mm: a.mm, page: a.page, write: a.write };
    case 'do_anonymous_page':
      return { ev: a.k, tid, mm: a.mm, page: a.page, write: a.write, pfn: a.pfn ?? null };
    case 'do_wp_page':
      return { ev: a.k, tid, mm: a.mm, page: a.page, pfn: a.pfn };
    case 'wp_page_copy':
      return { ev: a.k, tid, mm: a.mm, page: a.page, src: a.src ?? null, dst: a.pfn ?? null };
    case 'munmap':
    case 'madvise_dontneed':
    case 'zap_pte_range':
    case 'flush_tlb_range':
    case 'invalidate_range_end':
      return { ev: a.k, tid, ...range };
    case 'mprotect':
      return a.prot === 'none' ? { ev: a.k, tid, ...range, write: false, prot: 'none' } : { ev: a.k, tid, ...range, write: a.write };
    case 'change_pte_range':
      return { ev: a.k, tid, ...range, write: a.write };
    case 'invalidate_range_start':
      return a.blockable === false ? { ev: a.k, tid, ...range, event: a.event, blockable: false } : { ev: a.k, tid, ...range, event: a.event };
    case 'invalidate':
      if (a.refused) return { ev: a.k, tid, dev, ...range, event: a.event, result: false };
      return a.cleared === false ? { ev: a.k, tid, dev, ...range, event: a.event, cleared: false } : { ev: a.k, tid, dev, ...range, event: a.event };
    case 'mmu_interval_read_begin':
      return { ev: a.k, tid, dev, seq: a.seq };
    case 'hmm_range_fault': {
      const base = { ev: a.k, tid, dev, ...range, write: a.write, result: a.result, ...(a.fault === false ? { fault: false } : {}) };
      return a.pfns ? { ...base, pfns: a.pfns.map((e) => ({ page: e.page, pfn: e.pfn, write: e.w })) } : base;
    }
    case 'driver_lock':
      return { ev: a.k, tid, dev };
    case 'driver_unlock':
      return a.result ? { ev: a.k, tid, dev, result: a.result } : { ev: a.k, tid, dev };
    case 'mmu_interval_read_retry':
      return { ev: a.k, tid, dev, seq: a.seq, retry: a.retry };
    case 'devpt_map':
      return a.atomic ? { ev: a.k, tid, dev, page: a.page, pfn: a.pfn, write: a.write, atomic: true } : { ev: a.k, tid, dev, page: a.page, pfn: a.pfn, write: a.write };
    case 'mem_cgroup_move_charge':
      return { ev: a.k, tid, mm: a.mm };
    case 'make_device_exclusive':
      return { ev: a.k, tid, dev, mm: a.mm, page: a.page, pfn: a.pfn };
    case 'migrate_device_coherent_folio':
    case 'restore_exclusive_pte':
      return { ev: a.k, tid, mm: a.mm, page: a.page, pfn: a.pfn };
    case 'devpt_unmap':
      return { ev: a.k, tid, dev, page: a.page };
    case 'device_read':
    case 'device_write':
      return { ev: a.k, tid, dev, page: a.page, value: a.value };
    case 'gup':
      return { ev: a.k, tid, mm: a.mm, page: a.page, pfn: a.pfn, pin: a.pin ?? true, longterm: a.longterm ?? true };
    case 'unpin_user_page':
      return { ev: a.k, tid, pfn: a.pfn };
    case 'do_swap_page':
      if (a.result === 'EBUSY') return { ev: a.k, tid, mm: a.mm, page: a.page, pfn: a.pfn, result: 'EBUSY' };
      return { ev: a.k, tid, mm: a.mm, page: a.page, pfn: a.pfn };
    case 'migrate_to_ram':
      return { ev: a.k, tid, dev, mm: a.mm, page: a.page, pfn: a.pfn };
    case 'migrate_vma_collect':
      return { ev: a.k, tid, dev, ...range };
    case 'migrate_vma_setup':
      return {
        ev: a.k,
        tid,
        dev,
        ...range,
        // lib/test_hmm.c dmirror_select_device: the kind of memory the driver's device has.
        select: [a.toDevice ? 'system' : w.config.devices[w.mirrors[a.dev!]!.device]!.memory === 'coherent' ? 'device_coherent' : 'device_private'],
        src: (a.mig ?? []).map((e) => ({ page: e.page, pfn: e.migrate ? e.pfn : null, migrate: e.migrate, write: e.migrate && e.w })),
      };
    case 'alloc_page':
      return a.dev !== undefined ? { ev: a.k, tid, pfn: a.pfn, dev } : { ev: a.k, tid, pfn: a.pfn };
    case 'migrate_copy':
      return { ev: a.k, tid, page: a.page, src: a.pfn ?? null, dst: a.dst };
    case 'migrate_vma_pages':
      return { ev: a.k, tid, dev, migrated: migratedPages(a) };
    case 'migrate_vma_finalize':
      return { ev: a.k, tid, dev };
    case 'folio_put':
      return { ev: a.k, tid, pfn: a.pfn };
    case 'migrate_lock':
      return { ev: a.k, tid, dev, start: a.start, end: a.end, write: a.write };
    case 'folio_free':
      return { ev: a.k, tid, pfn: a.pfn, dev };
    case 'fork':
      return { ev: a.k, tid, mm: a.mm, child: a.child };
    case 'copy_page_range':
      return { ev: a.k, tid, ...range, child: a.child };
    case 'exit':
      return { ev: a.k, tid, mm: a.mm };
    case 'try_to_migrate':
      return { ev: a.k, tid, ...range };
    case 'migrate_device_range':
      return { ev: a.k, tid, dev, pfns: (a.mig ?? []).map((e) => e.pfn) };
    case 'migrate_device_pages':
      return { ev: a.k, tid, dev, pfns: (a.mig ?? []).filter((e) => e.migrate && e.dst !== null).map((e) => e.pfn) };
    case 'migrate_device_finalize':
      return { ev: a.k, tid, dev };
  }
}

/** The pages migrate_vma_pages commits, computed as its rule does (an entry with a destination). */
function migratedPages(a: HmmAction): number[] {
  return (a.mig ?? []).filter((e) => e.migrate && e.dst !== null).map((e) => e.page);
}

export interface TraceHeaderObject {
  readonly hmmtrace: 1;
  readonly source: string;
  readonly config: Config;
  readonly observed: readonly string[];
  readonly variant?: readonly string[];
  /** The driver the model ran (one name, or one per device): a replay judges the trace under it, not under any. */
  readonly driver: string | readonly string[];
  /** A livelock's lasso: the events after the first `loop` are the cycle. */
  readonly loop?: number;
}

export function counterexampleTrace(
  w: World,
  source: string,
  actions: readonly HmmAction[],
  loop?: number,
): { header: TraceHeaderObject; events: TraceEventObject[] } {
  const variants = [...w.variants];
  const header: TraceHeaderObject = {
    hmmtrace: 1,
    source,
    config: w.config,
    observed: [...STEP_KINDS],
    ...(variants.length > 0 ? { variant: variants } : {}),
    driver: driverOf(w),
    ...(loop !== undefined ? { loop } : {}),
  };
  return { header, events: actions.map((a) => actionToEvent(w, a)) };
}
