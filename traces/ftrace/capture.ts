/**
 * Is the capture whole? A kernel trace can be cut short (a dump interrupted,
 * a file truncated at a line boundary) or lose events in the ring buffer
 * (overwrite mode drops the oldest events of a full per-CPU buffer), and
 * either makes a verdict on it meaningless: the events that would have
 * explained a step, or broken an invariant, may be the missing ones.
 *
 * What the capture says about itself (kernel/trace/trace.c):
 * - the header line `# entries-in-buffer/entries-written: N/M` (print_event_info):
 *   N entries are in the buffer, M were written; M - N were overwritten
 *   (get_total_entries_cpu: written = entries + ring_buffer_overrun_cpu);
 * - `CPU:n [LOST k EVENTS]` or `CPU:n [LOST EVENTS]` lines (print_trace_line)
 *   where the reader found events gone;
 * - the hmm-tests capture's markers: `HMMTEST_BEGIN <test>` before the test
 *   runs and `HMMTEST_END <test> rc=<exit code>` after it (NOTES.md).
 *
 * An entry is one event line: every event of the probe set prints on one
 * line (line.ts refuses anything else), so the entries of a whole dump are
 * its non-comment lines, LOST lines aside, and there are exactly N of them.
 */
import { TraceInputError } from '../errors.js';
import type { FtraceLine } from './line.js';

const ENTRIES = /^#\s*entries-in-buffer\/entries-written:\s*(\d+)\/(\d+)/;
const LOST = /^CPU:(\d+) \[LOST (?:(\d+) )?EVENTS\]\s*$/;
const BEGIN = /^HMMTEST_BEGIN (\S+)$/;
const END = /^HMMTEST_END (\S+) rc=(-?\d+)$/;

/** Is this line the reader's note of lost events (not an event)? */
export function isLostLine(text: string): boolean {
  return LOST.test(text);
}

export interface CaptureReport {
  /** Event lines in the file. */
  readonly entries: number;
  /** The header's counts, and its line (null: the file has no such header). */
  readonly inBuffer: number | null;
  readonly written: number | null;
  readonly headerLine: number | null;
  /** Lines of the HMMTEST_BEGIN / HMMTEST_END markers (null: absent). */
  readonly begin: number | null;
  readonly end: number | null;
  /** The test its HMMTEST_BEGIN names, and its exit code (HMMTEST_END rc=); null without the marker. */
  readonly test: string | null;
  readonly rc: number | null;
  /**
   * null: the capture is whole. `cut`: its start is there and nothing was
   * overwritten, but its end (or part of it) is not: what it holds is a
   * prefix of the run and is imported. `lost`: events are gone where no one
   * can say (overwritten, reported lost, or the start missing): nothing is
   * imported, since the importer's reading of who is who needs the start.
   */
  readonly problem: { readonly kind: 'cut' | 'lost'; readonly line: number; readonly reason: string } | null;
}

const n = (x: number): string => x.toLocaleString('en-US');

/** Reads a capture's own account of itself, line by line (the importer's first pass). */
export class CaptureCheck {
  private entries = 0;
  private header: { inBuffer: number; written: number; line: number } | null = null;
  private lost: { line: number; cpu: number; count: number | null }[] = [];
  private begin: { line: number; test: string } | null = null;
  private end: { line: number; test: string; rc: number } | null = null;
  private last = 0;

  constructor(private readonly file: string) {}

  /** A comment line: the ftrace header's counts are one. */
  comment(text: string, line: number): void {
    this.last = line;
    const m = ENTRIES.exec(text);
    if (!m) return;
    // Two dumps in one file cannot be told apart, nor their counts checked.
    if (this.header) throw new TraceInputError(this.file, line, 'entries-in-buffer', `one ftrace header per file (one dump; the first at line ${this.header.line})`, 'a second "# entries-in-buffer/entries-written" line');
    this.header = { inBuffer: Number(m[1]), written: Number(m[2]), line };
  }

  /** A non-comment line: an event, or the reader's note of lost events. Returns whether it is an event. */
  line(text: string, line: number): boolean {
    this.last = line;
    const m = LOST.exec(text);
    if (m) {
      this.lost.push({ line, cpu: Number(m[1]), count: m[2] === undefined ? null : Number(m[2]) });
      return false;
    }
    this.entries++;
    return true;
  }

  /** A tracing_mark_write line (parsed). */
  marker(l: FtraceLine): void {
    if (l.payload.kind !== 'marker') return;
    const b = BEGIN.exec(l.payload.text);
    const e = END.exec(l.payload.text);
    if (b && !this.begin) this.begin = { line: l.line, test: b[1]! };
    if (e) this.end = { line: l.line, test: e[1]!, rc: Number(e[2]) };
  }

  report(): CaptureReport {
    const h = this.header;
    const base = {
      entries: this.entries,
      inBuffer: h?.inBuffer ?? null,
      written: h?.written ?? null,
      headerLine: h?.line ?? null,
      begin: this.begin?.line ?? null,
      end: this.end?.line ?? null,
      test: this.begin?.test ?? null,
      rc: this.end?.rc ?? null,
    };
    return { ...base, problem: this.problem() };
  }

  private problem(): CaptureReport['problem'] {
    const h = this.header;
    if (h && this.entries > h.inBuffer) {
      throw new TraceInputError(this.file, h.line, 'entries-in-buffer', `at least the ${n(this.entries)} trace entries the file holds (one dump of one ring buffer)`, `${h.inBuffer}`);
    }
    // Events gone where no one can say: nothing in the file can be trusted to be the run.
    const lost: string[] = [];
    let lostLine: number | null = null;
    if (h && h.written > h.inBuffer) {
      lost.push(`the ring buffer overwrote ${n(h.written - h.inBuffer)} of the ${n(h.written)} events written (entries-in-buffer/entries-written ${h.inBuffer}/${h.written}, line ${h.line})`);
      lostLine = h.line;
    }
    if (this.lost.length > 0) {
      const l = this.lost[0]!;
      lost.push(`the trace reader lost ${l.count === null ? 'events' : `${n(l.count)} events`} of CPU ${l.cpu} at line ${l.line}${this.lost.length > 1 ? ` (and at ${this.lost.length - 1} more lines)` : ''}`);
      lostLine ??= l.line;
    }
    if (!this.begin) {
      lost.push('it has no HMMTEST_BEGIN marker (its start is missing)');
      lostLine ??= 1;
    }
    if (lost.length > 0) return { kind: 'lost', line: lostLine!, reason: `the capture lost events: ${lost.join('; ')}` };
    // A prefix of the run: its start is there, its end is not.
    const cut: string[] = [];
    if (!h) cut.push('it has no "# entries-in-buffer/entries-written" header, so whether events are missing cannot be told');
    else if (this.entries < h.inBuffer) cut.push(`it holds ${n(this.entries)} of the ${n(h.inBuffer)} entries its ring buffer held (entries-in-buffer, line ${h.line})`);
    if (!this.end) cut.push(`it has no HMMTEST_END marker after line ${this.last}`);
    else if (this.end.test !== this.begin!.test) cut.push(`its HMMTEST_END (line ${this.end.line}) names ${this.end.test}, not ${this.begin!.test} of its HMMTEST_BEGIN`);
    if (cut.length > 0) return { kind: 'cut', line: this.last, reason: `the capture is cut short: ${cut.join('; ')}` };
    return null;
  }
}
