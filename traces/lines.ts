/**
 * Reading a text file as a stream of numbered lines, in batches (one per
 * chunk of input): from a file, a gzip file (known by its magic bytes, not
 * its name) or standard input. Shared by the hmmtrace reader and the ftrace
 * importer, so that neither holds a trace of millions of lines in memory.
 * Line numbers are physical and 1-based; lines split on "\n" (a "\r" before
 * it is the parser's business), decoded as UTF-8 (a byte-order mark at the
 * start is dropped). Blank and whitespace-only lines are counted but not
 * handed on: both parsers skip them, and a file of nothing else is read at
 * the speed of a byte scan.
 *
 * The input is the user's and may be anything: /dev/zero, a pipe that never
 * ends, one line of 100 MB, a gzip bomb. So every line has a length bound
 * (checked as the bytes arrive, never buffered past it) and a gzip stream a
 * bound on how far it may inflate (bounds.ts); either is a TraceInputError
 * naming the line reached.
 */
import { createReadStream, mkdtempSync, openSync, closeSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { formatBytes, inputBounds, type InputBounds } from './bounds.js';
import { TraceInputError } from './errors.js';

export interface TextLine {
  readonly line: number;
  readonly text: string;
}

export interface LineReadOptions {
  /** The name used in error messages (default: the path, or <stdin>). */
  readonly file?: string;
  readonly stdin?: NodeJS.ReadableStream;
  /** Overrides the bounds in force (withInputBounds, else the defaults). */
  readonly bounds?: Partial<InputBounds>;
}

/** Bytes in and out of the source, for the gzip ratio bound. */
interface Counts {
  gzip: boolean;
  raw: number;
}

function ioError(file: string, e: unknown): TraceInputError {
  if (e instanceof TraceInputError) return e;
  const err = e as NodeJS.ErrnoException;
  // zlib's errors carry Z_* codes; anything else came from reading the input.
  const gzip = typeof err.code === 'string' && err.code.startsWith('Z_');
  return new TraceInputError(file, 0, 'file', gzip ? 'gzip data' : 'a readable trace file', err.code ?? err.message ?? String(e));
}

const toBuffer = (c: Buffer | string): Buffer => (typeof c === 'string' ? Buffer.from(c, 'utf8') : c);

/**
 * The bytes of `input`, inflated if they start with the gzip magic (1f 8b).
 * Every raw chunk is counted, and passed to `onRaw` if given (spool copies
 * the input as it is while the bounds are checked on what it inflates to).
 */
async function* bytesOf(input: NodeJS.ReadableStream, counts: Counts, onRaw?: (b: Buffer) => void): AsyncGenerator<Buffer> {
  const it = (input as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
  let head: Buffer = Buffer.alloc(0);
  while (head.length < 2) {
    const r = await it.next();
    if (r.done) break;
    head = head.length === 0 ? toBuffer(r.value) : Buffer.concat([head, toBuffer(r.value)]);
  }
  async function* raw(): AsyncGenerator<Buffer> {
    try {
      for (let b: Buffer | undefined = head; ; ) {
        if (b.length > 0) {
          counts.raw += b.length;
          onRaw?.(b);
          yield b;
        }
        const r = await it.next();
        if (r.done) return;
        b = toBuffer(r.value);
      }
    } finally {
      await it.return?.();
    }
  }
  if (head[0] !== 0x1f || head[1] !== 0x8b) {
    yield* raw();
    return;
  }
  counts.gzip = true;
  const gunzip = createGunzip({ chunkSize: 1 << 16 });
  // pipeline destroys the other side when either fails or is abandoned, and
  // the input's error then surfaces through gunzip's iterator.
  pipeline(Readable.from(raw()), gunzip, () => undefined);
  for await (const b of gunzip as AsyncIterable<Buffer>) yield b;
}

/**
 * Splits bytes into lines with the bounds applied: each byte is looked at a
 * bounded number of times, so a line of megabytes costs what reading it
 * costs, once. With `collect` false it only counts and checks (spool).
 *
 * A broken bound is kept in `failure` after the lines before it are
 * returned, so that a parser still sees (and may refuse) earlier lines first.
 */
export class LineSplitter {
  /** Lines completed so far. */
  line = 0;
  failure: TraceInputError | undefined;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private out = 0;

  constructor(
    private readonly file: string,
    private readonly bounds: InputBounds,
    private readonly collect = true,
  ) {}

  /** The complete non-blank lines of `buf`; the rest is held for the next chunk. */
  feed(buf: Buffer, counts?: Counts): TextLine[] {
    this.raise();
    const lines: TextLine[] = [];
    this.out += buf.length;
    if (buf.length > this.bounds.maxLineBytes) this.feedLineByLine(buf, lines);
    else this.feedChunk(buf, lines);
    if (counts && !this.failure) this.checkRatio(counts);
    return lines;
  }

  /** The last line, if the input does not end with "\n". */
  end(counts?: Counts): TextLine[] {
    this.raise();
    if (counts) this.checkRatio(counts);
    this.raise();
    const lines: TextLine[] = [];
    if (this.pendingBytes > 0) this.completePending(lines);
    return lines;
  }

  /** Throws the broken bound, if any. */
  raise(): void {
    if (this.failure) throw this.failure;
  }

  /**
   * A chunk no longer than the line bound: only a line begun in an earlier
   * chunk can break it. The complete lines are decoded at once and cut as a
   * string; an empty line costs one comparison.
   */
  private feedChunk(buf: Buffer, lines: TextLine[]): void {
    const len = buf.length;
    const first = buf.indexOf(10);
    if (this.tooLong(this.pendingBytes + (first < 0 ? len : first))) return;
    if (first < 0) {
      this.hold(buf, 0, len);
      return;
    }
    let from = 0;
    if (this.pendingBytes > 0) {
      this.hold(buf, 0, first);
      this.completePending(lines);
      from = first + 1;
    }
    const last = buf.lastIndexOf(10);
    if (from <= last) {
      if (this.collect) this.split(buf.toString('utf8', from, last), lines);
      else for (let i = from, n = last; i <= n; i++) if (buf[i] === 10) this.line++;
    }
    this.hold(buf, last + 1, len);
  }

  /** A chunk longer than the line bound (a small bound): line by line, each checked. */
  private feedLineByLine(buf: Buffer, lines: TextLine[]): void {
    for (let p = 0; ; ) {
      const nl = buf.indexOf(10, p);
      if (this.tooLong(this.pendingBytes + (nl < 0 ? buf.length : nl) - p)) return;
      if (nl < 0) {
        this.hold(buf, p, buf.length);
        return;
      }
      this.hold(buf, p, nl);
      this.completePending(lines);
      p = nl + 1;
    }
  }

  /**
   * `text` is whole lines joined by "\n" (the last one's "\n" cut off). Blank
   * and whitespace-only lines are counted in one tight loop, no string made.
   */
  private split(text: string, lines: TextLine[]): void {
    const n = text.length;
    for (let p = 0; ; ) {
      let start = p;
      for (; p < n; p++) {
        const c = text.charCodeAt(p);
        if (c === 10) {
          this.line++;
          start = p + 1;
        } else if (c !== 32 && c !== 9 && c !== 13 && c !== 11 && c !== 12) break;
      }
      if (p === n) {
        this.line++;
        return;
      }
      let nl = text.indexOf('\n', p);
      if (nl < 0) nl = n;
      this.take(text, start, nl, lines);
      if (nl === n) return;
      p = nl + 1;
    }
  }

  private hold(buf: Buffer, from: number, to: number): void {
    if (to <= from) return;
    this.pending.push(buf.subarray(from, to));
    this.pendingBytes += to - from;
  }

  private completePending(lines: TextLine[]): void {
    const whole = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    if (!this.collect) this.line++;
    else {
      const text = whole.toString('utf8');
      this.take(text, 0, text.length, lines);
    }
  }

  /** Line text[from, to), unless blank; a byte-order mark before line 1 is not part of it. */
  private take(text: string, from: number, to: number, lines: TextLine[]): void {
    const line = ++this.line;
    if (!this.collect || from === to) return;
    const c = text.charCodeAt(from);
    if (c > 32 && c !== 0xfeff) {
      lines.push({ line, text: text.slice(from, to) });
      return;
    }
    const t = text.slice(line === 1 && c === 0xfeff ? from + 1 : from, to);
    if (t.trim() !== '') lines.push({ line, text: t });
  }

  private tooLong(bytes: number): boolean {
    if (bytes <= this.bounds.maxLineBytes) return false;
    this.failure = new TraceInputError(this.file, this.line + 1, 'line', `at most ${this.bounds.maxLineBytes} bytes (--max-line-bytes)`, 'more');
    return true;
  }

  private checkRatio(counts: Counts): void {
    const { maxGzipRatio: ratio, gzipFloorBytes: floor } = this.bounds;
    if (!counts.gzip || this.out <= floor || this.out <= ratio * counts.raw) return;
    this.failure = new TraceInputError(
      this.file,
      this.line + 1,
      'gzip',
      `data that inflates at most ${ratio} times once past ${formatBytes(floor)}`,
      `${formatBytes(this.out)} inflated from ${formatBytes(counts.raw)} (${(this.out / counts.raw).toFixed(1)} times) by this line`,
    );
  }
}

/**
 * The non-blank lines of `path` ("-": standard input), in batches. I/O and
 * gzip errors and broken bounds are TraceInputError.
 */
export async function* readLineBatches(path: string, opts: LineReadOptions = {}): AsyncGenerator<TextLine[]> {
  const file = opts.file ?? (path === '-' ? '<stdin>' : path);
  const bounds = { ...inputBounds(), ...opts.bounds };
  const input = path === '-' ? (opts.stdin ?? process.stdin) : createReadStream(path, { highWaterMark: 1 << 16 });
  const counts: Counts = { gzip: false, raw: 0 };
  const split = new LineSplitter(file, bounds);
  try {
    for await (const chunk of bytesOf(input, counts)) {
      const batch = split.feed(chunk, counts);
      if (batch.length > 0) yield batch;
      split.raise();
    }
    const batch = split.end(counts);
    if (batch.length > 0) yield batch;
  } catch (e) {
    throw ioError(file, e);
  } finally {
    if (input !== process.stdin && 'destroy' in input && typeof input.destroy === 'function') (input as NodeJS.ReadableStream & { destroy(): void }).destroy();
  }
}

function writeAll(fd: number, b: Buffer): void {
  for (let off = 0; off < b.length; ) off += writeSync(fd, b, off);
}

/**
 * Standard input to a temporary file, for readers that need two passes. It
 * is copied as it comes (a gzip stays a gzip), while the bounds are checked
 * on its lines, so that a stream with no end of line (/dev/zero) or a gzip
 * bomb is refused at once instead of filling the disk.
 */
export async function spool(input: NodeJS.ReadableStream, opts: { file?: string; bounds?: Partial<InputBounds>; signal?: AbortSignal | undefined } = {}): Promise<{ path: string; cleanup: () => void }> {
  const file = opts.file ?? '<stdin>';
  const dir = mkdtempSync(join(tmpdir(), 'hmmcheck-stdin-'));
  const cleanup = (): void => rmSync(dir, { recursive: true, force: true });
  const path = join(dir, 'trace');
  const fd = openSync(path, 'w');
  // A signal must stop the copy even while the writer keeps standard input
  // open and silent: ending the stream ends the pending read.
  const onAbort = (): void => void (input as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const counts: Counts = { gzip: false, raw: 0 };
    const split = new LineSplitter(file, { ...inputBounds(), ...opts.bounds }, false);
    try {
      for await (const chunk of bytesOf(input, counts, (b) => writeAll(fd, b))) {
        if (opts.signal?.aborted) break;
        split.feed(chunk, counts);
        split.raise();
      }
      if (opts.signal?.aborted) throw new Error('standard input: interrupted');
      split.end(counts);
    } catch (e) {
      if (opts.signal?.aborted) throw e;
      throw ioError(file, e);
    }
  } catch (e) {
    closeSync(fd);
    cleanup();
    throw e;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
  closeSync(fd);
  return { path, cleanup };
}
