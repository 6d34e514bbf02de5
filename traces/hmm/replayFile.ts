/**
 * Replaying a trace file against the HMM model: a first streaming pass to
 * learn the world (threads, mms, devs, pages, pfns), a second to replay. The
 * trace is never held in memory; standard input is spooled to a temporary
 * file so that it can be read twice.
 */
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { VariantId } from '../../model/index.js';
import { TraceInputError } from '../errors.js';
import { readTraceBatches } from '../reader.js';
import { replay, type LineEvent, type ReplayOptions, type ReplayResult } from '../replay/index.js';
import { HmmReplay, type Ev } from './adapter.js';
import { newScan, scanEvent } from './scan.js';
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

async function spool(input: NodeJS.ReadableStream): Promise<{ path: string; cleanup: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'hmmcheck-stdin-'));
  const path = join(dir, 'trace');
  await pipeline(input, createWriteStream(path));
  return { path, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

async function* eventsOf(path: string, file: string): AsyncGenerator<LineEvent<Ev>[]> {
  for await (const batch of readTraceBatches(path, { file, trusted: true })) {
    const out: LineEvent<Ev>[] = [];
    for (const item of batch) if (item.kind === 'event') out.push({ line: item.line, event: item.event as unknown as Ev });
    yield out;
  }
}

/** Replays `file` ("-" for standard input). Bad input throws TraceInputError. */
export async function replayFile(file: string, options: ReplayFileOptions = {}): Promise<{ report: ReplayReport; world: ReplayWorld }> {
  const display = file === '-' ? '<stdin>' : file;
  const spooled = file === '-' ? await spool(options.stdin ?? process.stdin) : undefined;
  const path = spooled?.path ?? file;
  try {
    let header: (TraceHeaderLike & { source?: string }) | undefined;
    const scan = newScan();
    for await (const batch of readTraceBatches(path, { file: display })) {
      for (const item of batch) {
        if (item.kind === 'header') header = item.header as TraceHeaderLike & { source?: string };
        else scanEvent(scan, item.event as unknown as Readonly<Record<string, unknown>>);
      }
    }
    if (!header) throw new TraceInputError(display, 1, 'line', 'a header line', 'an empty trace');
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
