/**
 * Reading hmmtrace v1 as a stream: one line at a time from a file, a gzip
 * file or standard input, validated as it goes, so a trace of millions of
 * events never sits in memory. Line numbers are physical (blank and `#`
 * lines count) because users open the file at the line we name.
 */
import { createReadStream, openSync, readSync, closeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { TraceInputError } from './errors.js';
import { describeValue, validateEvent, validateHeader, type TraceItem } from './format.js';

/** What the line-by-line parser remembers between lines. */
export interface ParseState {
  readonly file: string;
  sawHeader: boolean;
  lastT: number;
  lastTLine: number;
}

export const newParseState = (file: string): ParseState => ({ file, sawHeader: false, lastT: -1, lastTLine: 0 });

const MAX_SHOWN = 60;

function shortJsonError(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const s = msg.length > MAX_SHOWN ? `${msg.slice(0, MAX_SHOWN)}…` : msg;
  return `invalid JSON (${s})`;
}

/** Parses one physical line; null for a blank or comment line. */
export function parseLine(st: ParseState, raw: string, line: number): TraceItem | null {
  const text = raw.trim();
  if (text === '' || text.startsWith('#')) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new TraceInputError(st.file, line, 'line', 'a JSON object', shortJsonError(e));
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TraceInputError(st.file, line, 'line', 'a JSON object', describeValue(value));
  }
  const isHeader = 'hmmtrace' in value;
  if (!st.sawHeader) {
    if (!isHeader) {
      const found = 'ev' in value ? `an event ${describeValue((value as { ev: unknown }).ev)}` : 'an object without hmmtrace';
      throw new TraceInputError(st.file, line, 'hmmtrace', 'a header line {"hmmtrace": 1, ...} as the first line', found);
    }
    st.sawHeader = true;
    return { kind: 'header', line, header: validateHeader(value, st.file, line) };
  }
  if (isHeader) {
    throw new TraceInputError(st.file, line, 'hmmtrace', 'an event (the header is only allowed as the first line)', 'a second header');
  }
  const event = validateEvent(value, st.file, line);
  const t = event['t'];
  if (typeof t === 'number') {
    if (t < st.lastT) throw new TraceInputError(st.file, line, 't', `a timestamp >= ${st.lastT} (line ${st.lastTLine})`, `${t}`);
    st.lastT = t;
    st.lastTLine = line;
  }
  return { kind: 'event', line, event };
}

/** Parses a whole trace held in a string (tests, small inputs). */
export function parseTraceText(text: string, file = '<text>'): TraceItem[] {
  const st = newParseState(file);
  const out: TraceItem[] = [];
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  lines.forEach((raw, i) => {
    const item = parseLine(st, raw, i + 1);
    if (item) out.push(item);
  });
  return out;
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

/**
 * Streams the items of a trace. `path` "-" reads standard input; `file` is
 * the name used in error messages (default: the path).
 */
export async function* readTrace(path: string, opts: { readonly file?: string; readonly stdin?: NodeJS.ReadableStream } = {}): AsyncGenerator<TraceItem> {
  const file = opts.file ?? (path === '-' ? '<stdin>' : path);
  let input: NodeJS.ReadableStream;
  let gz = false;
  if (path === '-') input = opts.stdin ?? process.stdin;
  else {
    gz = isGzip(path);
    input = createReadStream(path);
  }
  // Errors raised by the streams surface through the readline iterator; tag them first.
  let failure: TraceInputError | undefined;
  input.on('error', (e) => (failure ??= ioError(file, e, 'a readable trace file')));
  let source: NodeJS.ReadableStream = input;
  if (gz) {
    const gunzip = createGunzip();
    gunzip.on('error', (e) => (failure ??= ioError(file, e, 'gzip data')));
    source = input.pipe(gunzip);
  }
  const rl = createInterface({ input: source, crlfDelay: Infinity });
  const st = newParseState(file);
  let line = 0;
  try {
    for await (const raw of rl) {
      line++;
      const item = parseLine(st, raw, line);
      if (item) yield item;
    }
  } catch (e) {
    if (failure) throw failure;
    if (e instanceof TraceInputError) throw e;
    throw ioError(file, e, 'a readable trace file');
  } finally {
    rl.close();
    if ('destroy' in input && typeof input.destroy === 'function' && input !== process.stdin) (input as NodeJS.ReadableStream & { destroy(): void }).destroy();
  }
  if (failure) throw failure;
}
