/**
 * Reading hmmtrace v1 as a stream: one line at a time from a file, a gzip
 * file or standard input, validated as it goes, so a trace of millions of
 * events never sits in memory. Line numbers are physical (blank and `#`
 * lines count) because users open the file at the line we name.
 */
import { TraceInputError } from './errors.js';
import type { InputBounds } from './bounds.js';
import { readLineBatches } from './lines.js';
import { describeValue, validateEvent, validateHeader, type TraceEvent, type TraceItem } from './format.js';

/** What the line-by-line parser remembers between lines. */
export interface ParseState {
  readonly file: string;
  /** A second pass over a file already validated line by line: skip the schema. */
  readonly trusted: boolean;
  sawHeader: boolean;
  lastT: number;
  lastTLine: number;
}

export const newParseState = (file: string, trusted = false): ParseState => ({ file, trusted, sawHeader: false, lastT: -1, lastTLine: 0 });

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
  const event = st.trusted ? (value as TraceEvent) : validateEvent(value, st.file, line);
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

export interface ReadOptions {
  /** The name used in error messages (default: the path). */
  readonly file?: string;
  readonly stdin?: NodeJS.ReadableStream;
  /** The file was validated by an earlier pass: parse without the schema. */
  readonly trusted?: boolean;
  /** Line length and gzip bounds (default: those of withInputBounds, bounds.ts). */
  readonly bounds?: Partial<InputBounds>;
}

/**
 * Streams the items of a trace in batches, one batch per chunk read (64 KiB
 * of input), so that a million-line trace costs a thousand awaits, not a
 * million. `path` "-" reads standard input; `file` is the name used in error
 * messages (default: the path). Lines are split on "\n" (a "\r" before it is
 * dropped), decoded as UTF-8 across chunk boundaries; a line or a gzip past
 * its bound is a TraceInputError (lines.ts).
 */
export async function* readTraceBatches(
  path: string,
  opts: ReadOptions = {},
): AsyncGenerator<TraceItem[]> {
  const file = opts.file ?? (path === '-' ? '<stdin>' : path);
  const st = newParseState(file, opts.trusted ?? false);
  for await (const lines of readLineBatches(path, { file, ...(opts.stdin ? { stdin: opts.stdin } : {}), ...(opts.bounds ? { bounds: opts.bounds } : {}) })) {
    const out: TraceItem[] = [];
    for (const l of lines) {
      const item = parseLine(st, l.text, l.line);
      if (item) out.push(item);
    }
    if (out.length > 0) yield out;
  }
}

/** Streams the items of a trace one by one (see readTraceBatches). */
export async function* readTrace(path: string, opts: ReadOptions = {}): AsyncGenerator<TraceItem> {
  for await (const batch of readTraceBatches(path, opts)) yield* batch;
}
