/**
 * Reading a text file as a stream of numbered lines, in batches (one per
 * 64 KiB chunk of input): from a file, a gzip file (by name or by its magic
 * bytes) or standard input. Shared by the hmmtrace reader and the ftrace
 * importer, so that neither holds a trace of millions of lines in memory.
 * Line numbers are physical and 1-based; lines split on "\n" (a "\r" before
 * it is the parser's business), decoded as UTF-8 across chunk boundaries.
 */
import { closeSync, createReadStream, createWriteStream, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { TraceInputError } from './errors.js';

export interface TextLine {
  readonly line: number;
  readonly text: string;
}

export interface LineReadOptions {
  /** The name used in error messages (default: the path, or <stdin>). */
  readonly file?: string;
  readonly stdin?: NodeJS.ReadableStream;
}

function isGzip(path: string): boolean {
  if (path.endsWith('.gz')) return true;
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const b = Buffer.alloc(2);
    return readSync(fd, b, 0, 2, 0) === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function ioError(file: string, e: unknown, what: string): TraceInputError {
  const err = e as NodeJS.ErrnoException;
  return new TraceInputError(file, 0, 'file', what, err.code ?? err.message ?? String(e));
}

/** `path` "-" reads standard input. I/O and gzip errors become TraceInputError (line 0). */
export async function* readLineBatches(path: string, opts: LineReadOptions = {}): AsyncGenerator<TextLine[]> {
  const file = opts.file ?? (path === '-' ? '<stdin>' : path);
  let input: NodeJS.ReadableStream;
  let gz = false;
  if (path === '-') input = opts.stdin ?? process.stdin;
  else {
    gz = isGzip(path);
    input = createReadStream(path, { highWaterMark: 1 << 16 });
  }
  // Errors raised by the streams surface through the iterator; tag them first.
  let failure: TraceInputError | undefined;
  input.on('error', (e) => (failure ??= ioError(file, e, 'a readable trace file')));
  let source: NodeJS.ReadableStream = input;
  if (gz) {
    const gunzip = createGunzip();
    gunzip.on('error', (e) => (failure ??= ioError(file, e, 'gzip data')));
    source = input.pipe(gunzip);
  }
  const decoder = new StringDecoder('utf8');
  let line = 0;
  let rest = '';
  const take = (text: string, last: boolean): TextLine[] => {
    const out: TextLine[] = [];
    let from = 0;
    const all = rest + text;
    rest = '';
    for (;;) {
      const nl = all.indexOf('\n', from);
      if (nl < 0) break;
      out.push({ line: ++line, text: all.slice(from, nl) });
      from = nl + 1;
    }
    const tail = all.slice(from);
    if (!last) rest = tail;
    else if (tail !== '') out.push({ line: ++line, text: tail });
    return out;
  };
  try {
    for await (const chunk of source as AsyncIterable<Buffer | string>) {
      const batch = take(typeof chunk === 'string' ? chunk : decoder.write(chunk), false);
      if (batch.length > 0) yield batch;
    }
    const batch = take(decoder.end(), true);
    if (batch.length > 0) yield batch;
  } catch (e) {
    if (failure) throw failure;
    if (e instanceof TraceInputError) throw e;
    throw ioError(file, e, 'a readable trace file');
  } finally {
    if ('destroy' in input && typeof input.destroy === 'function' && input !== process.stdin) (input as NodeJS.ReadableStream & { destroy(): void }).destroy();
  }
  if (failure) throw failure;
}

/** Standard input to a temporary file, for readers that need two passes. */
export async function spool(input: NodeJS.ReadableStream, signal?: AbortSignal): Promise<{ path: string; cleanup: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'hmmcheck-stdin-'));
  const path = join(dir, 'trace');
  const cleanup = (): void => rmSync(dir, { recursive: true, force: true });
  try {
    // A signal must stop the copy even while the writer keeps standard input open.
    await pipeline(input, createWriteStream(path), signal ? { signal } : {});
  } catch (e) {
    cleanup();
    throw e;
  }
  return { path, cleanup };
}
