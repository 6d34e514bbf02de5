/**
 * Writing hmmtrace v1: one JSON object per line, `ev` and `tid` first so a
 * trace reads left to right like a log. Used for counterexamples and for
 * generated traces (the bench writes a million events through it).
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { TraceEvent, TraceHeader } from './format.js';

export const formatHeader = (h: TraceHeader): string => JSON.stringify(h);

export function formatEvent(e: TraceEvent): string {
  const { ev, tid, ...rest } = e;
  return JSON.stringify({ ev, tid, ...rest });
}

export function writeTraceText(header: TraceHeader, events: Iterable<TraceEvent>): string {
  const lines = [formatHeader(header)];
  for (const e of events) lines.push(formatEvent(e));
  return `${lines.join('\n')}\n`;
}

/** Writes lines to a stream, waiting for 'drain' when the stream asks to. */
export class TraceWriter {
  constructor(private readonly stream: NodeJS.WritableStream) {}

  private async put(line: string): Promise<void> {
    if (!this.stream.write(`${line}\n`)) await once(this.stream, 'drain');
  }

  header(h: TraceHeader): Promise<void> {
    return this.put(formatHeader(h));
  }

  event(e: TraceEvent): Promise<void> {
    return this.put(formatEvent(e));
  }

  async close(): Promise<void> {
    this.stream.end();
    await once(this.stream, 'finish');
  }
}

/** Writes a whole trace to `path`, gzip-compressed when it ends in `.gz`. */
export async function writeTraceFile(path: string, header: TraceHeader, events: Iterable<TraceEvent>): Promise<void> {
  function* lines(): Generator<string> {
    yield `${formatHeader(header)}\n`;
    for (const e of events) yield `${formatEvent(e)}\n`;
  }
  const out = createWriteStream(path);
  if (path.endsWith('.gz')) await pipeline(Readable.from(lines()), createGzip(), out);
  else await pipeline(Readable.from(lines()), out);
}
