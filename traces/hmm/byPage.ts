/**
 * Replaying a trace page by page, as Porcupine partitions a history by key:
 * a kernel trace of a 1024-page buffer is 1024 small replays, one per page
 * index (with that index in every process, since fork gives the child its
 * parent's pages), each in a world of one page, instead of one replay whose
 * states hold 1024 pages. Memory is the events, one window of projections
 * and one page's candidates; the verdict is the earliest failing line over
 * all pages. Most pages of a test case see the same story under other pfn
 * names: a page whose projection is, up to those names, one already found
 * valid is not replayed again.
 *
 * What a page's projection keeps: every event naming the page (a range is
 * cut down to it, hmm_range_fault's pfns and migrate_vma_setup's src to its
 * entry), fork and exit, and a device attempt's mmu_interval_read_begin when
 * its hmm_range_fault covers the page. Pages are not quite independent: the
 * mirror's interval notifier covers the whole address space, so an
 * invalidation of another page moves the sequence and makes the driver try
 * again. A page's projection cannot explain such a retry, so device attempts
 * that did not end in a device page-table update (hmm_range_fault -EBUSY, or
 * a read_begin again: mmu_interval_read_retry said retry) are left out of
 * every projection; the faults they took stay in, as the CPU side of the
 * same task. An attempt that did update the device page table is replayed in
 * full on each page it covers, and the model checks that no invalidation of
 * that page came between its read_begin and the update; followAttempts
 * checks it for invalidations of every page. The sequence values read_begin
 * returns are the whole mirror's, moved by invalidations a page's world
 * never sees: projections leave them out, and followNames judges them across
 * all pages.
 *
 * Device pfns past the array entries a probe fetches are not seen: folio_free
 * goes to the page that last named its pfn, and a page that held a device
 * page the recorder never named ("blind") leaves its frees to the model
 * (folio_free is an unlogged step in that page's replay).
 *
 * This argument holds for traces of the shape the ftrace importer writes,
 * and partition.ts checks that shape before a trace is replayed by page: a
 * trace that logs other kinds (the driver lock, read_retry, CPU values),
 * carries a configuration, or whose migrations and attempts the projection
 * would misplace, is refused rather than judged.
 */
import { createHash } from 'node:crypto';
import { SENTENCES, type StepKind, type VariantId } from '../../model/index.js';
import { replay, type LineEvent, type ReplayOptions, type ReplayResult } from '../replay/index.js';
import { HmmReplay, type Ev } from './adapter.js';
import { idKey } from './ids.js';
import { buildReplayWorld, type TraceHeaderLike } from './replayWorld.js';
import { newScan, scanEvent } from './scan.js';

type Item = LineEvent<Ev>;
type Mut = Record<string, unknown> & { ev: string; tid: string };

export interface PageVerdicts {
  readonly pages: number;
  readonly valid: number;
  /** Valid pages whose projection had the shape of one replayed before (not replayed again). */
  readonly reused: number;
  /** Attempts left out of the projections (retried device faults). */
  readonly retriedAttempts: number;
}

const RANGED = new Set(['munmap', 'mprotect', 'madvise_dontneed', 'invalidate_range_start', 'invalidate_range_end', 'invalidate', 'hmm_range_fault', 'migrate_vma_setup']);

/**
 * The event kinds a projection places, each as projectPages says: the
 * ftrace importer's (IMPORT_OBSERVED). A trace with any other kind is not
 * replayed by page (partition.ts).
 */
export const PROJECTED: ReadonlySet<string> = new Set([
  ...RANGED,
  'fork',
  'exit',
  'mmu_interval_read_begin',
  'migrate_vma_pages',
  'migrate_vma_finalize',
  'folio_free',
  'handle_mm_fault',
  'do_swap_page',
  'migrate_to_ram',
  'devpt_map',
  'devpt_unmap',
]);

/** A device fault attempt: mmu_interval_read_begin, hmm_range_fault and what followed. */
interface Attempt {
  readonly begin: number;
  hrf: number;
  readonly dev: string;
  readonly start: number;
  readonly end: number;
  /** Line of the first invalidate of the mirror since read_begin that moved its sequence. */
  moved: number | null;
}

/** The hmm_range_fault that goes with each read_begin (the thread's next one). */
function attemptRanges(events: readonly Item[]): Map<number, number> {
  const nextHrf = new Map<number, number>();
  const pending = new Map<string, number>();
  events.forEach((x, i) => {
    if (x.event.ev === 'mmu_interval_read_begin') pending.set(x.event.tid, i);
    else if (x.event.ev === 'hmm_range_fault' && pending.has(x.event.tid)) {
      nextHrf.set(pending.get(x.event.tid)!, i);
      pending.delete(x.event.tid);
    }
  });
  return nextHrf;
}

/** Does this invalidate move the mirror's sequence, as the model's callback does (model/kernel/rules/mm.ts invalidate)? */
function movesSequence(e: Ev): boolean {
  // Not a MIGRATE event (under H1 lib/test_hmm.c returns before set_seq on
  // its own, and partition.ts admits no other), not a refused non-blockable
  // start. A callback whose page-table update is missing (cleared: false)
  // still moves it: the model's callback calls set_seq all the same.
  return e['event'] !== 'migrate' && e['result'] !== false;
}

export interface SequenceBreak {
  readonly line: number;
  readonly begin: number;
  readonly moved: number;
  readonly page: number;
}

/**
 * Follows every device fault attempt across all pages. Returns the indices of
 * events in attempts that ended without a device page-table update (retried:
 * hmm_range_fault -EBUSY, or a new read_begin over the same range), and the
 * first device page-table update made after an invalidation of the mirror,
 * of any page, moved the sequence its read_begin took: the driver's
 * mmu_interval_read_retry under its lock would have said retry (INV-4). A
 * page's own projection sees only its own invalidations; this sees them all.
 */
export function followAttempts(events: readonly Item[]): { retried: Set<number>; broken: SequenceBreak | null } {
  const nextHrf = attemptRanges(events);
  const drop = new Set<number>();
  const open = new Map<string, Attempt[]>();
  let broken: SequenceBreak | null = null;
  const retire = (a: Attempt): void => {
    drop.add(a.begin);
    if (a.hrf >= 0) drop.add(a.hrf);
  };
  events.forEach((x, i) => {
    const e = x.event;
    switch (e.ev) {
      case 'mmu_interval_read_begin': {
        const h = nextHrf.get(i);
        const hrf = h === undefined ? undefined : events[h]!.event;
        const start = (hrf?.['start'] as number | undefined) ?? 0;
        const end = (hrf?.['end'] as number | undefined) ?? Infinity;
        const mine = (open.get(e.tid) ?? []).filter((a) => {
          const overlaps = a.start < end && start < a.end;
          if (overlaps) retire(a);
          return !overlaps;
        });
        mine.push({ begin: i, hrf: -1, dev: String(e['dev']), start, end, moved: null });
        open.set(e.tid, mine.slice(-8));
        return;
      }
      case 'hmm_range_fault': {
        const mine = open.get(e.tid) ?? [];
        const a = mine.find((y) => y.hrf < 0 && nextHrf.get(y.begin) === i);
        if (!a) return;
        a.hrf = i;
        if (e['result'] === 'EBUSY') retire(a);
        if (e['result'] !== 'ok') open.set(e.tid, mine.filter((y) => y !== a));
        return;
      }
      case 'invalidate': {
        if (!movesSequence(e)) return;
        for (const list of open.values()) for (const a of list) if (a.dev === String(e['dev']) && a.moved === null) a.moved = x.line;
        return;
      }
      case 'devpt_map': {
        const mine = open.get(e.tid);
        if (!mine) return;
        const page = e['page'] as number;
        const a = mine.find((y) => y.hrf >= 0 && y.dev === String(e['dev']) && y.start <= page && page < y.end);
        if (!a) return;
        if (a.moved !== null && !broken) broken = { line: x.line, begin: events[a.begin]!.line, moved: a.moved, page };
        // The attempt is done once its update is made: later invalidations are the next attempt's.
        if (events[i + 1]?.line !== x.line) open.set(e.tid, mine.filter((y) => y !== a));
        return;
      }
      default:
        return;
    }
  });
  return { retried: drop, broken };
}

/** A read_begin whose sequence value cannot be right (followNames). */
export interface Misnamed {
  readonly line: number;
  readonly reason: string;
  /** The earlier lines the reason names. */
  readonly cited: readonly number[];
}

/**
 * Follows the sequence each mirror's mmu_interval_read_begin returns, across
 * all pages; returns the first read_begin whose value cannot be right, or
 * null. Projections leave the values out (projectPages): a page's one-page
 * world moves its sequence at its own page's invalidations only, while the
 * mirror's interval covers the whole mm, so that mmu_interval_read_begin
 * returns a sequence moved by invalidations of every page
 * (mm/mmu_notifier.c mn_itree_invalidate, mmu_interval_read_begin). The
 * values are judged here, where every page's invalidations are seen.
 *
 * Sequence values are names (opaque, compared for equality), and a
 * mirror's only move forward (mn_itree_inv_start_range takes a new odd
 * invalidate_seq for each invalidation that hits an interval): so a read_begin
 * - returns a value other than its mirror's last one when an invalidation
 *   that moves the sequence (movesSequence) came since that read_begin, and
 * - never returns a value its mirror had before its last one.
 * A new value with no invalidation logged since is allowed: the sequence
 * also moves at invalidations the trace does not log. The ftrace importer
 * leaves out those of addresses outside the test's buffers and the brackets
 * of huge-PMD splits (traces/ftrace/importer.ts), and the interval covers
 * them too. (Replay of the whole trace binds values to the model's sequence
 * numbers, which move at logged invalidations only: it calls such a value
 * invalid.) The other way, a read_begin preempted between reading the
 * sequence and returning, while a whole invalidation ran, would return the
 * old value after it: this calls that invalid, as the model does (its
 * read_begin is one step).
 */
export function followNames(events: readonly Item[]): Misnamed | null {
  const show = (v: unknown): string => JSON.stringify(v);
  interface Mirror {
    /** The value its last read_begin returned, the line of that read_begin. */
    last: string;
    lastAt: number;
    /** Line of the first sequence-moving invalidate since, if any. */
    moved: number | null;
    /** Values it had before the last, each with the line of its first read_begin. */
    before: Map<string, number>;
    firstAt: number;
  }
  const mirrors = new Map<string, Mirror>();
  for (const x of events) {
    const e = x.event;
    if (e.ev === 'invalidate') {
      if (!movesSequence(e)) continue;
      const m = mirrors.get(idKey(e['dev']));
      if (m && m.moved === null) m.moved = x.line;
      continue;
    }
    if (e.ev !== 'mmu_interval_read_begin') continue;
    const dev = idKey(e['dev']);
    const value = idKey(e['seq']);
    const m = mirrors.get(dev);
    if (!m) {
      mirrors.set(dev, { last: value, lastAt: x.line, moved: null, before: new Map(), firstAt: x.line });
      continue;
    }
    if (value === m.last && m.moved !== null) {
      return {
        line: x.line,
        reason:
          `seq: the mmu_interval_read_begin at line ${m.lastAt} returned ${show(e['seq'])}, and the invalidate at line ${m.moved} moved ${show(e['dev'])}'s sequence since: ` +
          `this one returns a newer value`,
        cited: [m.lastAt, m.moved],
      };
    }
    const had = m.before.get(value);
    if (had !== undefined) {
      return {
        line: x.line,
        reason: `seq: ${show(e['seq'])} is a sequence ${show(e['dev'])} had before (its read_begin at line ${had} returned it), and the one at line ${m.lastAt} returned ${m.last}: a mirror's sequence only moves forward`,
        cited: [had, m.lastAt],
      };
    }
    if (value !== m.last) {
      m.before.set(m.last, m.firstAt);
      m.last = value;
      m.firstAt = x.line;
    }
    m.lastAt = x.line;
    m.moved = null;
  }
  return null;
}

export interface Projection {
  /** perPage[i] is page lo + i's projection. */
  readonly perPage: Item[][];
  readonly retried: number;
  /** Pages (all of them, not only the window's) that held a device page the recorder never named. */
  readonly blind: ReadonlySet<number>;
  readonly broken: SequenceBreak | null;
}

/**
 * Splits the events into one projection per page (page renumbered 0), for
 * the pages in [lo, hi) only: replay takes the pages a window at a time so
 * that the projections in memory are a window's, not the whole trace's
 * times its range widths. `attempts` is followAttempts(events), computed
 * once for all windows.
 */
export function projectPages(events: readonly Item[], pages: number, lo: number, hi: number, attempts: ReturnType<typeof followAttempts>): Projection {
  const { retried: drop, broken } = attempts;
  const from = Math.max(0, lo);
  const to = Math.min(pages, hi);
  const perPage: Item[][] = Array.from({ length: Math.max(0, to - from) }, () => []);
  const put = (p: number, line: number, e: Mut): void => {
    perPage[p - from]!.push({ line, event: e as Ev });
  };
  /** The pages of [start, end) in the window. */
  const span = (start: number, end: number): [number, number] => [Math.max(start, from), Math.min(end, to)];
  // A read_begin goes where its attempt's hmm_range_fault goes.
  const nextHrf = attemptRanges(events);
  // The migration each thread is in (migrate_vma_pages and _finalize name no range).
  const migRange = new Map<string, { start: number; end: number }>();
  // Where each device pfn was last seen, for folio_free: forgotten when freed,
  // since the pfn may come back under a page the recorder does not see.
  const pfnPage = new Map<string, number>();
  // Pages that held a device page whose pfn the recorder did not see.
  const blind = new Set<number>();
  const seePfn = (pfn: unknown, page: number): void => {
    if (typeof pfn === 'string' || typeof pfn === 'number') pfnPage.set(String(pfn), page);
  };
  events.forEach((x, i) => {
    if (drop.has(i)) return;
    const e = x.event as Readonly<Mut>;
    switch (e.ev) {
      case 'fork':
      case 'exit':
        for (let p = from; p < to; p++) put(p, x.line, { ...e });
        return;
      case 'mmu_interval_read_begin': {
        const h = nextHrf.get(i);
        if (h === undefined) return;
        const hrf = events[h]!.event;
        const [a, b] = span(hrf['start'] as number, hrf['end'] as number);
        // Without its sequence value: that is the whole mirror's, moved by
        // invalidations of every page (followNames judges it).
        for (let p = a; p < b; p++) {
          const out: Mut = { ...e };
          delete out['seq'];
          put(p, x.line, out);
        }
        return;
      }
      case 'migrate_vma_pages': {
        const r = migRange.get(e.tid);
        if (!r) return;
        const migrated = e['migrated'] as number[];
        const unseen = (e['unseen'] as number[] | undefined) ?? [];
        for (const p of unseen) blind.add(p);
        const [a, b] = span(r.start, r.end);
        for (let p = a; p < b; p++) {
          const out: Mut = { ...e, migrated: migrated.includes(p) ? [0] : [] };
          if (unseen.includes(p)) out['unseen'] = [0];
          else delete out['unseen'];
          put(p, x.line, out);
        }
        return;
      }
      case 'migrate_vma_finalize': {
        const r = migRange.get(e.tid);
        migRange.delete(e.tid);
        if (!r) return;
        const [a, b] = span(r.start, r.end);
        for (let p = a; p < b; p++) put(p, x.line, { ...e });
        return;
      }
      case 'folio_free': {
        const p = pfnPage.get(String(e['pfn']));
        pfnPage.delete(String(e['pfn']));
        if (p !== undefined && p >= from && p < to) put(p, x.line, { ...e });
        return;
      }
      default:
        break;
    }
    if (RANGED.has(e.ev)) {
      if (e.ev === 'migrate_vma_setup') {
        migRange.set(e.tid, { start: e['start'] as number, end: e['end'] as number });
        for (const y of e['src'] as { page: number; pfn: unknown }[]) seePfn(y.pfn, y.page);
      }
      const [a, b] = span(e['start'] as number, e['end'] as number);
      for (let p = a; p < b; p++) {
        const out: Mut = { ...e, start: 0, end: 1 };
        if (e.ev === 'hmm_range_fault' && e['pfns']) {
          const mine = (e['pfns'] as { page: number; pfn: unknown; write: boolean }[]).filter((y) => y.page === p);
          if (mine.length > 0) out['pfns'] = mine.map((y) => ({ ...y, page: 0 }));
          else delete out['pfns'];
        }
        if (e.ev === 'migrate_vma_setup') out['src'] = (e['src'] as { page: number }[]).filter((y) => y.page === p).map((y) => ({ ...y, page: 0 }));
        put(p, x.line, out);
      }
      return;
    }
    if (typeof e['page'] === 'number') {
      const p = e['page'] as number;
      if ((e['unseen'] as string[] | undefined)?.includes('pfn')) blind.add(p);
      else if (e['pfn'] !== undefined) seePfn(e['pfn'], p);
      if (p >= from && p < to) put(p, x.line, { ...e, page: 0 });
    }
  });
  return { perPage, retried: drop.size, blind, broken };
}

function sequenceVerdict(events: readonly Item[], b: SequenceBreak, stats: ReplayResult['stats']): ReplayResult {
  const at = events.findIndex((x) => x.line === b.line);
  const cited = new Set([b.begin, b.moved]);
  const context = events.filter((x, i) => cited.has(x.line) || (i <= at && i > at - 3)).map((x) => ({ line: x.line, event: x.event as unknown }));
  return {
    outcome: 'invalid',
    events: at + 1,
    line: b.line,
    invariant: 'INV-4',
    invariants: ['INV-4'],
    sentence: SENTENCES['INV-4'],
    reason:
      `line ${b.line} programs the device page table for page ${b.page} from the attempt whose mmu_interval_read_begin is at line ${b.begin}, ` +
      `but the invalidate at line ${b.moved} moved the mirror's sequence since: mmu_interval_read_retry under the driver lock would have returned true`,
    event: events[at]!.event,
    allowed: [],
    context,
    stats,
  };
}

/** A read_begin value followNames found wrong, as the verdict. */
function misnamedVerdict(events: readonly Item[], m: Misnamed, stats: ReplayResult['stats']): ReplayResult {
  const at = events.findIndex((x) => x.line === m.line);
  const cited = new Set(m.cited);
  const context = events.filter((x, i) => cited.has(x.line) || (i <= at && i > at - 3)).map((x) => ({ line: x.line, event: x.event as unknown }));
  return {
    outcome: 'invalid',
    events: at + 1,
    line: m.line,
    invariant: null,
    invariants: [],
    sentence: null,
    reason: `line ${m.line}: ${events[at]!.event.ev} is not a step the model allows here: ${m.reason} (the mirror's sequence, followed across all pages)`,
    event: events[at]!.event,
    allowed: [],
    context,
    stats,
  };
}

/**
 * A digest of a page's projection with pfn names renamed in order of first
 * use, notes and line numbers left out (projections hold no sequence values).
 */
function shapeOf(items: readonly Item[], blindPage: boolean): string {
  const names = new Map<string, string>();
  const rename = (kind: string, v: unknown): unknown => {
    if (typeof v !== 'string' && typeof v !== 'number') return v;
    const k = `${kind}:${typeof v}:${v}`;
    let n = names.get(k);
    if (n === undefined) names.set(k, (n = `${kind}${names.size}`));
    return n;
  };
  const walk = (v: unknown, key: string): unknown => {
    if (key === 'pfn' || key === 'dst') return rename('p', v);
    if (Array.isArray(v)) return v.map((x) => walk(x, ''));
    if (v !== null && typeof v === 'object') {
      const o: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) if (k !== 'note') o[k] = walk(x, k);
      return o;
    }
    return v;
  };
  const h = createHash('sha256');
  h.update(blindPage ? 'blind\n' : 'seen\n');
  for (const x of items) h.update(`${JSON.stringify(walk(x.event, ''))}\n`);
  return h.digest('base64');
}

async function* once(items: readonly Item[]): AsyncGenerator<Item[]> {
  yield [...items];
}

/**
 * Replays each page's projection in its own one-page world (inferred from
 * the projection, as for a trace without a configuration) and combines the
 * verdicts: the earliest invalid line wins; else the earliest incomplete;
 * valid only when every page is.
 */
export async function replayByPage(
  file: string,
  header: TraceHeaderLike,
  events: readonly Item[],
  pages: number,
  variants: readonly VariantId[],
  options: ReplayOptions = {},
): Promise<{ result: ReplayResult; pageOf: number | null; hidden: readonly StepKind[]; verdicts: PageVerdicts }> {
  const started = Date.now();
  const attempts = followAttempts(events);
  const { broken } = attempts;
  const misnamed = followNames(events);
  let retried = 0;
  for (const i of attempts.retried) if (events[i]!.event.ev === 'mmu_interval_read_begin') retried++;
  // Pages a window at a time; blind pages are known in full after the first pass.
  const WINDOW = 64;
  let window: Projection | null = null;
  let blind: ReadonlySet<number> = new Set();
  // What may happen unlogged is the whole trace's business: without a header
  // list, the kinds the whole trace logs (a page's projection names fewer,
  // and the rest must not become unlogged steps on that page).
  const observed = header.observed ?? [...new Set(events.map((x) => x.event.ev))];
  const pageHeader: TraceHeaderLike = { ...header, observed };
  // A page that held a device page the recorder never named cannot be told
  // which frees are its own: its folio_free events are the model's to place.
  const blindHeader: TraceHeaderLike = { ...header, observed: observed.filter((k) => k !== 'folio_free') };
  let worst: { result: ReplayResult; page: number } | null = null;
  let valid = 0;
  const hidden = new Set<StepKind>();
  let maxCandidates = 0;
  let hiddenSteps = 0;
  const rank = (r: ReplayResult): number => (r.outcome === 'invalid' ? 0 : r.outcome === 'incomplete' ? 1 : 2);
  const validShapes = new Set<string>();
  let reused = 0;
  let replayed = 0;
  // Progress is by page here: each page's own replay is short.
  const { onProgress, ...pageOptions } = options;
  let lastProgress = started;
  for (let p = 0; p < pages; p++) {
    if (onProgress && Date.now() - lastProgress >= (options.progressEveryMs ?? 2000)) {
      lastProgress = Date.now();
      onProgress({ line: 0, events: 0, candidates: maxCandidates, seconds: (lastProgress - started) / 1000, page: p, pages });
    }
    if (p % WINDOW === 0) {
      window = projectPages(events, pages, p, p + WINDOW, attempts);
      blind = window.blind;
    }
    const own = window!.perPage[p % WINDOW]!;
    window!.perPage[p % WINDOW] = [];
    const mine = blind.has(p) ? own.filter((x) => x.event.ev !== 'folio_free') : own;
    if (mine.length === 0) {
      valid++;
      continue;
    }
    // Pages whose projections agree up to the names of pfns replay alike
    // (names are bound on first use, frames of a kind are interchangeable):
    // a shape already found valid is not replayed again.
    const shape = shapeOf(mine, blind.has(p));
    if (validShapes.has(shape)) {
      valid++;
      reused++;
      continue;
    }
    const scan = newScan();
    for (const x of mine) scanEvent(scan, x.event as Readonly<Record<string, unknown>>, x.line);
    const rw = buildReplayWorld(file, blind.has(p) ? blindHeader : pageHeader, scan, variants, { spuriousFaults: true });
    for (const k of rw.hidden) hidden.add(k);
    const r = await replay(new HmmReplay(rw), once(mine), pageOptions);
    replayed++;
    maxCandidates = Math.max(maxCandidates, r.stats.maxCandidates);
    hiddenSteps += r.stats.hiddenSteps;
    if (r.outcome === 'valid') {
      valid++;
      validShapes.add(shape);
      continue;
    }
    if (!worst || rank(r) < rank(worst.result) || (rank(r) === rank(worst.result) && (r.line ?? Infinity) < (worst.result.line ?? Infinity))) worst = { result: r, page: p };
  }
  const seconds = (Date.now() - started) / 1000;
  const stats = { seconds, eventsPerSecond: Math.round(seconds > 0 ? events.length / seconds : events.length), maxCandidates, hiddenSteps };
  const verdicts = { pages, valid, reused, retriedAttempts: retried };
  // The sequence across pages: an earlier (or the same) line than any page's own verdict wins.
  const pageLine = (worst?.result.outcome === 'invalid' ? worst.result.line : null) ?? Infinity;
  if (misnamed && misnamed.line <= pageLine && (!broken || misnamed.line < broken.line)) {
    return { result: misnamedVerdict(events, misnamed, stats), pageOf: null, hidden: [...hidden], verdicts };
  }
  if (broken && broken.line <= pageLine) {
    return { result: sequenceVerdict(events, broken, stats), pageOf: broken.page, hidden: [...hidden], verdicts };
  }
  if (!worst) {
    const result: ReplayResult = {
      outcome: 'valid',
      events: events.length,
      line: null,
      invariant: null,
      invariants: [],
      sentence: null,
      reason: `every page replays (${pages} page${pages === 1 ? '' : 's'}: ${replayed} replayed, ${reused} the same as one of those up to pfn names, ${pages - replayed - reused} untouched)`,
      event: null,
      allowed: [],
      context: [],
      stats,
    };
    return { result, pageOf: null, hidden: [...hidden], verdicts };
  }
  const w = worst.result;
  // The verdict shows the trace's events, not their one-page projections.
  const original = (line: number): unknown => {
    let lo = 0;
    let hi = events.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const l = events[mid]!.line;
      if (l === line) return events[mid]!.event;
      if (l < line) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  };
  const upTo = w.line === null ? events.length : events.filter((x) => x.line <= w.line!).length;
  const result: ReplayResult = {
    ...w,
    events: upTo,
    reason: `page ${worst.page} (replayed alone, as page 0 of a one-page world): ${w.reason}`,
    event: w.line !== null ? (original(w.line) ?? w.event) : w.event,
    context: w.context.map((c) => ({ line: c.line, event: original(c.line) ?? c.event })),
    stats,
  };
  return { result, pageOf: worst.page, hidden: [...hidden], verdicts };
}
