/**
 * When may a trace be replayed page by page (header `partition: "page"`)?
 * Only when the page-by-page verdict is the one replay of the whole trace
 * would give, which byPage.ts argues for traces of the shape the ftrace
 * importer writes, and only those. A cheap pass over the events, before
 * any replay, checks that shape; a trace that does not have it is refused
 * (TraceInputError on `partition`, at the first line that breaks it) rather
 * than given a verdict its projections cannot support. Hand-written traces
 * that log the driver lock or mmu_interval_read_retry, or CPU values, gave
 * false verdicts by page: those steps name no page, so every projection
 * dropped them (issue 24).
 *
 * The conditions, and the part of byPage.ts's argument each one keeps:
 * 1. No `preset` or `config`: they bound the whole world (its pages,
 *    frames, operation budgets); a page's world is inferred from its own
 *    projection, and would get all of them for itself.
 * 2. Every event, and every step `observed` names, is of a kind the
 *    projection places (PROJECTED): the importer's. Any other kind would be
 *    dropped from every page, or need a cross-page argument byPage lacks
 *    (the driver lock and mmu_interval_read_retry are shared by all pages;
 *    byPage leaves them hidden and checks the sequence across pages itself).
 * 3. Each mmu_interval_read_begin is followed by its thread's hmm_range_fault
 *    on the same mirror before the thread's next read_begin (a trailing one,
 *    where the recording stops, aside): projections place a read_begin with
 *    its hmm_range_fault, and the cross-page sequence check pairs them so.
 * 4. migrate_vma_pages and migrate_vma_finalize come inside a migration their
 *    thread began with migrate_vma_setup (they name no range; projections
 *    take the setup's), and migrations of one thread do not nest.
 * 5. An invalidation with event `migrate` is its own thread's migration on
 *    the same mirror (the thread's next migration event names it) and the
 *    driver variant is H1: only then does the model leave the mirror's
 *    sequence alone (model/kernel/rules/mm.ts invalidate), as the cross-page check
 *    (byPage.ts movesSequence) assumes of every migrate invalidation. In a
 *    recording that stops early (`unsupported`: cut short, or outside the
 *    model) a migration may have no event after its invalidation; taking it
 *    for the thread's own can only miss an INV-4, and such a trace is never
 *    valid.
 * 6. A folio_free names a pfn an earlier event put on a page (since its last
 *    free), or comes after a page held a device pfn the recorder did not see:
 *    projections give a free to the page that last named its pfn, and leave
 *    the frees of such blind pages to the model.
 */
import { findDriver, findVariant, type VariantId } from '../../model/index.js';
import { TraceInputError } from '../errors.js';
import type { LineEvent } from '../replay/index.js';
import type { Ev } from './adapter.js';
import { PROJECTED } from './byPage.js';
import type { TraceHeaderLike } from './replayWorld.js';

export interface PartitionHeader extends Pick<TraceHeaderLike, 'preset' | 'config' | 'observed' | 'variant' | 'driver'> {
  readonly unsupported?: unknown;
}

const MIGRATION = new Set(['migrate_vma_setup', 'migrate_vma_pages', 'migrate_vma_finalize']);

/**
 * Throws TraceInputError (field `partition`) at the first line where `events`
 * break a condition above; `headerLine` is the line of the header.
 */
export function checkPartition(file: string, headerLine: number, header: PartitionHeader, events: readonly LineEvent<Ev>[], cliVariants: readonly VariantId[]): void {
  const refuse = (line: number, expected: string, found: string): never => {
    throw new TraceInputError(file, line, 'partition', `${expected} for a trace replayed page by page`, found);
  };
  for (const k of ['preset', 'config'] as const) {
    if (header[k] !== undefined) refuse(headerLine, `no ${k} (it bounds the whole world, and each page's world is inferred from that page's events)`, `a header with ${k}`);
  }
  const kinds = 'only events of the kinds the ftrace importer writes (traces/hmm/byPage.ts PROJECTED)';
  for (const o of header.observed ?? []) if (!PROJECTED.has(o)) refuse(headerLine, `observed naming ${kinds}`, `observed naming ${JSON.stringify(o)}`);
  // lib/test_hmm.c returns before set_seq on its own MIGRATE events: the driver test_hmm, or variant H1 over another.
  const h1 = [...(header.variant ?? []), ...cliVariants].some((v) => findVariant(v)?.id === 'H1') || skipsOwnSetSeq(header.driver);

  // Each thread's next migration event after index i (for condition 5).
  const nextMigration = new Array<number>(events.length).fill(-1);
  const later = new Map<string, number>();
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!.event;
    nextMigration[i] = later.get(e.tid) ?? -1;
    if (MIGRATION.has(e.ev)) later.set(e.tid, i);
  }

  const beginOf = new Map<string, { line: number; dev: unknown }>();
  const migrating = new Map<string, number>();
  // pfn -> named on a page since its last free; whether some page went blind.
  const named = new Set<string>();
  let blind = false;
  const see = (pfn: unknown): void => {
    if (typeof pfn === 'string' || typeof pfn === 'number') named.add(String(pfn));
  };
  events.forEach((x, i) => {
    const e = x.event as Ev & Record<string, unknown>;
    if (!PROJECTED.has(e.ev)) refuse(x.line, kinds, `a ${e.ev} event`);
    switch (e.ev) {
      case 'mmu_interval_read_begin': {
        const open = beginOf.get(e.tid);
        if (open) refuse(x.line, `an hmm_range_fault of thread ${JSON.stringify(e.tid)} after its mmu_interval_read_begin at line ${open.line}`, 'another mmu_interval_read_begin first');
        beginOf.set(e.tid, { line: x.line, dev: e['dev'] });
        return;
      }
      case 'hmm_range_fault': {
        const open = beginOf.get(e.tid);
        beginOf.delete(e.tid);
        if (open && open.dev !== e['dev']) refuse(x.line, `the mirror of the mmu_interval_read_begin at line ${open.line} (${JSON.stringify(open.dev)})`, `hmm_range_fault on ${JSON.stringify(e['dev'])}`);
        // Its pfns are what the walk saw, not frames a folio_free is given to (byPage.ts projectPages).
        return;
      }
      case 'migrate_vma_setup': {
        const open = migrating.get(e.tid);
        if (open !== undefined) refuse(x.line, `migrate_vma_finalize of the migration thread ${JSON.stringify(e.tid)} began at line ${open}`, 'another migrate_vma_setup first');
        migrating.set(e.tid, x.line);
        for (const s of (e['src'] as { pfn?: unknown }[] | undefined) ?? []) see(s.pfn);
        return;
      }
      case 'migrate_vma_pages':
      case 'migrate_vma_finalize': {
        if (!migrating.has(e.tid)) refuse(x.line, `a migrate_vma_setup of thread ${JSON.stringify(e.tid)} before its ${e.ev}`, `${e.ev} outside a migration`);
        if (e.ev === 'migrate_vma_finalize') migrating.delete(e.tid);
        if (((e['unseen'] as unknown[] | undefined)?.length ?? 0) > 0) blind = true;
        return;
      }
      case 'invalidate': {
        if (e['event'] !== 'migrate') return;
        if (!h1) refuse(x.line, 'the driver test_hmm, or variant H1 (lib/test_hmm.c skips mmu_interval_set_seq on its own MIGRATE events, which the cross-page sequence check assumes)', 'a migrate invalidation without driver test_hmm or H1 in the header or on the command line');
        const next = nextMigration[i]!;
        const own = next >= 0 ? events[next]!.event['dev'] === e['dev'] : header.unsupported !== undefined;
        if (!own) refuse(x.line, `a migrate invalidation of thread ${JSON.stringify(e.tid)}'s own migration on ${JSON.stringify(e['dev'])} (its next migration event names that mirror)`, next >= 0 ? `its next one, at line ${events[next]!.line}, on ${JSON.stringify(events[next]!.event['dev'])}` : 'no migration of that thread after it');
        return;
      }
      case 'folio_free': {
        const pfn = String(e['pfn']);
        if (!named.delete(pfn) && !blind) refuse(x.line, `a folio_free of a pfn an earlier event put on a page, or after a page held a device pfn the recorder did not see`, `folio_free of ${JSON.stringify(e['pfn'])}, never named on a page since it was last freed`);
        return;
      }
      default:
        if ((e['unseen'] as string[] | undefined)?.includes('pfn')) blind = true;
        else if (e['pfn'] !== undefined && typeof e['page'] === 'number') see(e['pfn']);
        return;
    }
  });
}

/** Every device's driver (the header's, one or a list) returns before mmu_interval_set_seq on its own MIGRATE events. */
function skipsOwnSetSeq(driver: unknown): boolean {
  const names = Array.isArray(driver) ? driver : driver === undefined ? [] : [driver];
  return names.length > 0 && names.every((n) => typeof n === 'string' && findDriver(n)?.behaviour('latest').ownMigrateSetsSeq === false);
}
