/**
 * Replaying a trace file against the HMM model: a first streaming pass to
 * learn the world (threads, mms, devs, pages, pfns), a second to replay. The
 * trace is never held in memory; standard input is spooled to a temporary
 * file so that it can be read twice.
 */
import type { VariantId } from '../../model/index.js';
import { TraceInputError } from '../errors.js';
import { spool } from '../lines.js';
import { readTraceBatches } from '../reader.js';
import { replay, type LineEvent, type ReplayOptions, type ReplayResult } from '../replay/index.js';
import { HmmReplay, type Ev } from './adapter.js';
import { replayByPage } from './byPage.js';
import { newScan, scanEvent, type ScanResult } from './scan.js';
import { buildReplayWorld, type ReplayWorld, type TraceHeaderLike } from './replayWorld.js';

export interface ReplayReport extends ReplayResult {
  readonly verb: 'replay';
  readonly file: string;
  readonly source: string | null;
  readonly variants: readonly string[];
  /** The step kinds the replay let happen without an event. */
  readonly hidden: readonly string[];
}

export interface ReplayFileOptions extends ReplayOptions {
  readonly variants?: readonly VariantId[];
  /** For standard input. */
  readonly stdin?: NodeJS.ReadableStream;
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
  partition?: 'page';
  unsupported?: { line: number; reason: string };
};

/**
 * A trace that asks to be replayed page by page (byPage.ts): its events are
 * held (a kernel trace of a test case, thousands to a few hundred thousand
 * events), projected, and replayed one page at a time. A recording the
 * importer stopped early is incomplete at best.
 */
async function byPage(path: string, display: string, header: PartitionedHeader, scan: ScanResult, options: ReplayFileOptions): Promise<{ report: ReplayReport; world: ReplayWorld }> {
  const events: LineEvent<Ev>[] = [];
  for await (const batch of eventsOf(path, display)) for (const x of batch) events.push(x);
  const pages = Math.max(0, ...[...scan.pages.values()]);
  const { result, hidden } = await replayByPage(display, header, events, pages, options.variants ?? [], options);
  let final = result;
  if (result.outcome === 'valid' && header.unsupported) {
    const u = header.unsupported;
    final = { ...result, outcome: 'incomplete', line: u.line, reason: `the recording goes outside what the model covers at its line ${u.line}: ${u.reason}; everything before replays` };
  }
  // A one-page world stands for the trace's world in reports.
  const one = newScan();
  const rw = buildReplayWorld(display, header, one, options.variants ?? []);
  const report: ReplayReport = { verb: 'replay', file: display, source: header.source ?? null, variants: [...rw.world.variants], hidden: [...hidden], ...final };
  return { report, world: rw };
}

/** Replays `file` ("-" for standard input). Bad input throws TraceInputError. */
export async function replayFile(file: string, options: ReplayFileOptions = {}): Promise<{ report: ReplayReport; world: ReplayWorld }> {
  const display = file === '-' ? '<stdin>' : file;
  const spooled = file === '-' ? await spool(options.stdin ?? process.stdin) : undefined;
  const path = spooled?.path ?? file;
  try {
    let header: PartitionedHeader | undefined;
    const scan = newScan();
    for await (const batch of readTraceBatches(path, { file: display })) {
      for (const item of batch) {
        if (item.kind === 'header') header = item.header as PartitionedHeader;
        else scanEvent(scan, item.event as unknown as Readonly<Record<string, unknown>>);
      }
    }
    if (!header) throw new TraceInputError(display, 1, 'line', 'a header line', 'an empty trace');
    if (header.partition === 'page') return await byPage(path, display, header, scan, options);
    const rw = buildReplayWorld(display, header, scan, options.variants ?? []);
    const result = await replay(new HmmReplay(rw), eventsOf(path, display), options);
    const report: ReplayReport = {
      verb: 'replay',
      file: display,
      source: header.source ?? null,
      variants: [...rw.world.variants],
      hidden: [...rw.hidden],
      ...result,
    };
    return { report, world: rw };
  } finally {
    spooled?.cleanup();
  }
}
