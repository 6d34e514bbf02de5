/**
 * Replaying a trace file against the HMM model: a first streaming pass to
 * learn the world (threads, mms, devs, pages, pfns), a second to replay. The
 * trace is never held in memory; standard input is spooled to a temporary
 * file so that it can be read twice.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { driverOf, isKernelVersion, KERNELS, REPLAY_DEFAULT_DRIVER, type VariantId } from '../../model/index.js';
import { TraceInputError } from '../errors.js';
import { importToFile, isComment, isLostLine, parseLine } from '../ftrace/index.js';
import { readLineBatches, spool } from '../lines.js';
import { readTraceBatches } from '../reader.js';
import { replay, type LineEvent, type ReplayOptions, type ReplayResult } from '../replay/index.js';
import { HmmReplay, type Ev } from './adapter.js';
import { replayByPage } from './byPage.js';
import { checkPartition } from './partition.js';
import { newScan, overLimit, scanEvent, type ScanResult } from './scan.js';
import { checkHeaderDriver } from './driverOf.js';
import { buildReplayWorld, type ReplayWorld, type TraceHeaderLike } from './replayWorld.js';

export interface ReplayReport extends ReplayResult {
  readonly verb: 'replay';
  readonly file: string;
  readonly source: string | null;
  readonly variants: readonly string[];
  /** The kernel version the trace was judged under (absent in results of older versions of hmmcheck). */
  readonly kernel?: string;
  /** The driver the trace was judged under: one name, or one per device when they differ (absent in results of older versions of hmmcheck). */
  readonly driver?: string | readonly string[];
  /** The step kinds the replay let happen without an event. */
  readonly hidden: readonly string[];
  /** For a kernel trace given as ftrace text: what it was imported as. */
  readonly imported?: {
    readonly from: 'ftrace';
    readonly events: number;
    /** The recording's line of the judged event (its note), when there is one. */
    readonly sourceLine: number | null;
    readonly note: string;
  };
}

export interface ReplayFileOptions extends ReplayOptions {
  readonly variants?: readonly VariantId[];
  /** For standard input. */
  readonly stdin?: NodeJS.ReadableStream;
  /** A kprobe_events file for a kernel trace in ftrace text (default: the Linux 6.1 set). */
  readonly probes?: string;
  /** replay --kernel: overrides the header's kernel. */
  readonly kernel?: string;
  /** replay --driver: overrides the header's driver, for every device. */
  readonly driver?: string;
  /** Called about every two seconds while the trace is read before replay (the replay itself reports through ReplayOptions.onProgress). */
  readonly onReading?: (lines: number) => void;
}

/** A signal stopped the reading before replay began. */
class Interrupted extends Error {
  constructor(readonly where: string) {
    super(`interrupted ${where}`);
  }
}

function stopIfAborted(options: ReplayFileOptions, where: string): void {
  if (options.signal?.aborted) throw new Interrupted(where);
}

/** The verdict of a replay stopped before its first event was judged: nothing was checked. */
function interruptedReport(display: string, where: string, variants: readonly VariantId[]): ReplayReport {
  return {
    verb: 'replay',
    file: display,
    source: null,
    variants: [...variants],
    hidden: [],
    outcome: 'incomplete',
    events: 0,
    line: null,
    invariant: null,
    invariants: [],
    sentence: null,
    reason: `interrupted ${where}, before any event was replayed: nothing was checked`,
    event: null,
    allowed: [],
    context: [],
    stats: { seconds: 0, eventsPerSecond: 0, maxCandidates: 0, hiddenSteps: 0 },
  };
}

/**
 * Is this ftrace text rather than hmmtrace? An hmmtrace starts with its JSON
 * header (after blank or "#" lines); ftrace output with "# tracer:" or a line
 * the ftrace line parser takes.
 */
async function isFtrace(path: string, display: string): Promise<boolean> {
  for await (const batch of readLineBatches(path, { file: display })) {
    for (const l of batch) {
      if (l.text.startsWith('# tracer:')) return true;
      if (isComment(l.text) || isLostLine(l.text)) continue;
      if (l.text.trimStart().startsWith('{')) return false;
      try {
        parseLine(l.text.replace(/\r$/, ''), display, l.line);
        return true;
      } catch {
        return false;
      }
    }
  }
  return false;
}

/** The ftrace line an imported event came from ("ftrace line N: ..."). */
function noteLine(e: unknown): number | null {
  const note = (e as { note?: unknown } | null)?.note;
  const m = typeof note === 'string' ? /^ftrace line (\d+)/.exec(note) : null;
  return m ? Number(m[1]) : null;
}

async function* eventsOf(path: string, file: string): AsyncGenerator<LineEvent<Ev>[]> {
  for await (const batch of readTraceBatches(path, { file, trusted: true })) {
    const out: LineEvent<Ev>[] = [];
    for (const item of batch) if (item.kind === 'event') out.push({ line: item.line, event: item.event as unknown as Ev });
    yield out;
  }
}

type PartitionedHeader = TraceHeaderLike & {
  source?: string;
  loop?: number;
  partition?: 'page';
  unsupported?: { line: number; reason: string; missing?: true };
};

/**
 * What the header's `unsupported` does to a verdict. A recording the
 * importer stopped early is incomplete at best: what it holds may be
 * invalid, but never valid. A recording that is missing events (`missing`:
 * cut short, or events lost by its recorder) gets no verdict either way,
 * since a missing event can explain a step or break an invariant; what its
 * events replay to is told in the reason. The line named is the recording's.
 */
function recordingVerdict(result: ReplayResult, u: PartitionedHeader['unsupported']): ReplayResult {
  if (!u) return result;
  if (u.missing) {
    const held =
      result.outcome === 'valid'
        ? 'every event it holds replays'
        : result.outcome === 'invalid'
          ? `what it holds replays invalid at line ${result.line}${result.invariant ? ` (${result.invariant})` : ''}, which a missing event may explain: ${result.reason}`
          : `its replay stopped too: ${result.reason}`;
    return {
      ...result,
      outcome: 'incomplete',
      line: null,
      invariant: null,
      invariants: [],
      sentence: null,
      reason: `the recording this trace was imported from is not whole (its line ${u.line}): ${u.reason}. ${held}`,
      event: null,
      allowed: [],
      context: [],
    };
  }
  if (result.outcome !== 'valid') return result;
  return { ...result, outcome: 'incomplete', line: null, reason: `the recording this trace was imported from goes outside what the model covers at its line ${u.line}: ${u.reason}; every event before that replays` };
}

/**
 * A trace that asks to be replayed page by page (byPage.ts): its events are
 * held (a kernel trace of a test case, thousands to a few hundred thousand
 * events), checked to be of the shape whose verdict by page is the whole
 * trace's (partition.ts), projected, and replayed one page at a time.
 */
async function byPage(path: string, display: string, header: PartitionedHeader, headerLine: number, scan: ScanResult, options: ReplayFileOptions): Promise<{ report: ReplayReport; world: ReplayWorld }> {
  const events: LineEvent<Ev>[] = [];
  for await (const batch of eventsOf(path, display)) {
    stopIfAborted(options, 'while the trace was loaded for the replay page by page');
    for (const x of batch) events.push(x);
  }
  checkPartition(display, headerLine, header, events, options.variants ?? []);
  const pages = Math.max(0, ...[...scan.pages.values()]);
  const { result, hidden } = await replayByPage(display, header, events, pages, options.variants ?? [], options);
  const final = recordingVerdict(result, header.unsupported);
  // A one-page world stands for the trace's world in reports.
  const one = newScan();
  const rw = buildReplayWorld(display, header, one, options.variants ?? []);
  const report: ReplayReport = { verb: 'replay', file: display, source: header.source ?? null, variants: [...rw.world.variants], kernel: rw.world.kernel.version, driver: driverNames(rw, header.driver), hidden: [...hidden], ...final };
  return { report, world: rw };
}

/**
 * Replays `file` ("-" for standard input): hmmtrace v1, or the ftrace text of
 * a kernel running lib/test_hmm.c, imported first (line numbers are then
 * those of `hmmcheck import ftrace FILE`; each event's note names its ftrace
 * line). Bad input throws TraceInputError.
 */
export async function replayFile(file: string, options: ReplayFileOptions = {}): Promise<{ report: ReplayReport; world: ReplayWorld | null }> {
  const display = file === '-' ? '<stdin>' : file;
  let spooled: { path: string; cleanup: () => void } | undefined;
  try {
    if (file === '-') {
      try {
        spooled = await spool(options.stdin ?? process.stdin, { signal: options.signal });
      } catch (e) {
        if (options.signal?.aborted) throw new Interrupted('while standard input was being read');
        throw e;
      }
    }
    const path = spooled?.path ?? file;
    if (await isFtrace(path, display)) return await replayImported(path, display, options);
    return await replayTrace(path, display, options);
  } catch (e) {
    if (e instanceof Interrupted) return { report: interruptedReport(display, e.where, options.variants ?? []), world: null };
    throw e;
  } finally {
    spooled?.cleanup();
  }
}

async function replayImported(path: string, display: string, options: ReplayFileOptions): Promise<{ report: ReplayReport; world: ReplayWorld }> {
  const dir = mkdtempSync(join(tmpdir(), 'hmmcheck-ftrace-'));
  try {
    const out = join(dir, 'imported.jsonl');
    const { header, summary } = await importToFile(path, out, { file: display, ...(options.probes ? { probes: options.probes } : {}) });
    stopIfAborted(options, 'while the kernel trace was imported');
    const r = await replayTrace(out, display, options);
    const note =
      `imported from ftrace (${summary.lines.toLocaleString('en-US')} lines, ${summary.events.toLocaleString('en-US')} events): ` +
      `line numbers are those of \`hmmcheck import ftrace ${display}\`; each event's note names its ftrace line` +
      summary.notes.map((n) => `; ${n}`).join('');
    const report: ReplayReport = { ...r.report, imported: { from: 'ftrace', events: summary.events, sourceLine: noteLine(r.report.event) ?? (r.report.outcome === 'incomplete' ? (header.unsupported?.line ?? null) : null), note } };
    return { report, world: r.world };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function replayTrace(path: string, display: string, options: ReplayFileOptions): Promise<{ report: ReplayReport; world: ReplayWorld }> {
  let header: PartitionedHeader | undefined;
  let headerLine = 1;
  const scan = newScan();
  let lastReport = Date.now();
  for await (const batch of readTraceBatches(path, { file: display })) {
    stopIfAborted(options, 'while the trace was read to learn its world');
    if (options.onReading && Date.now() - lastReport >= (options.progressEveryMs ?? 2000)) {
      lastReport = Date.now();
      options.onReading(batch[batch.length - 1]!.line);
    }
    for (const item of batch) {
      if (item.kind === 'header') {
        header = item.header as PartitionedHeader;
        headerLine = item.line;
      } else scanEvent(scan, item.event as unknown as Readonly<Record<string, unknown>>, item.line);
    }
  }
  if (!header) throw new TraceInputError(display, 1, 'line', 'a header line', 'an empty trace');
  // --kernel overrides the header's; a version hmmcheck does not know is refused before any replay.
  if (options.kernel !== undefined) header = { ...header, kernel: options.kernel };
  if (header.kernel !== undefined && !isKernelVersion(header.kernel)) {
    throw new TraceInputError(display, headerLine, 'kernel', `a kernel version hmmcheck knows: ${KERNELS.join(', ')} (see hmmcheck kernels), or --kernel`, JSON.stringify(header.kernel));
  }
  // --driver likewise, for every device; a header driver hmmcheck does not know is refused here, at its line.
  if (options.driver !== undefined) header = { ...header, driver: options.driver };
  checkHeaderDriver(display, headerLine, header.driver);
  // Past the limits in any trace, whole or page by page (a page index of 1e9 is 1e9 page replays).
  const over = overLimit(display, scan);
  if (over) throw over;
  if (header.partition === 'page') {
    if (header.loop !== undefined) throw new TraceInputError(display, headerLine, 'loop', 'no loop in a trace replayed page by page (partition "page")', `loop ${header.loop}`);
    return await byPage(path, display, header, headerLine, scan, options);
  }
  if (header.loop !== undefined && header.loop >= scan.events) {
    throw new TraceInputError(display, 1, 'loop', `the number of events before the cycle, below the trace's ${scan.events} events`, `${header.loop}`);
  }
  const rw = buildReplayWorld(display, header, scan, options.variants ?? []);
  const result = await replay(new HmmReplay(rw), eventsOf(path, display), header.loop !== undefined ? { ...options, loopAfter: header.loop } : options);
  const report: ReplayReport = {
    verb: 'replay',
    file: display,
    source: header.source ?? null,
    variants: [...rw.world.variants],
    kernel: rw.world.kernel.version,
    driver: driverNames(rw),
    hidden: [...rw.hidden],
    ...recordingVerdict(result, header.unsupported),
  };
  return { report, world: rw };
}

/**
 * One name when every device has the same driver, else one per device. A
 * trace replayed page by page is reported through a world of no device: its
 * header (checked by then) says the driver.
 */
function driverNames(rw: ReplayWorld, header?: unknown): string | readonly string[] {
  if (rw.world.driverNames.length === 0 && (typeof header === 'string' || Array.isArray(header))) return header as string | readonly string[];
  return rw.world.driverNames.length === 0 ? REPLAY_DEFAULT_DRIVER : driverOf(rw.world);
}
