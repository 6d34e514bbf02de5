/**
 * `hmmcheck import ftrace`: a kernel trace file (plain, gzip, or standard
 * input) read twice, once for who is who (session.ts), once to map its events
 * (importer.ts), and written as hmmtrace v1 with a header that says what the
 * probe set observes, the driver variant lib/test_hmm.c is (H1: it returns
 * before mmu_interval_set_seq on its own MIGRATE events), how to replay it
 * (page by page), and where the import stopped if the test case is outside
 * what the model covers, or why no verdict can be given if the capture is
 * not whole (capture.ts: cut short, or events lost in the ring buffer).
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readUserFile } from '../boundedFile.js';
import { TraceInputError } from '../errors.js';
import { readLineBatches, spool } from '../lines.js';
import { CaptureCheck, isLostLine, type CaptureReport } from './capture.js';
import { emptySummary, FtraceImporter, IMPORT_OBSERVED, type ImportSummary } from './importer.js';
import { isComment, parseLine, type FtraceLine } from './line.js';
import type { Ev } from './outQueue.js';
import { parseProbes, type Probe } from './probes.js';
import { readSession } from './session.js';

/** The probe set of the shared Linux 6.1 capture, shipped as the default. */
/** The kernel the default probe set was written for (its struct offsets are 6.1.192's). */
export const DEFAULT_PROBES_KERNEL = '6.1';
export const DEFAULT_PROBES = fileURLToPath(new URL('../../../traces/ftrace/kprobe_events.linux-6.1.txt', import.meta.url));

/** The event name of an ftrace line: after the timestamp, up to ":" or "(" (a syscall) or " ->" (its return). */
const EVENT_NAME = /\d\.\d+: (\w+)/;

/** PID and TGID of a task line (the TGID column, with options/record-tgid). */
const TASK = /^\s*.{1,15}?-(\d+)\s+\(\s*(\d+)\)/;

/** Events read in the first pass (session.ts). */
const SESSION_EVENTS = new Set(['tracing_mark_write', 'sched_process_fork', 'sched_process_exit', 'sys_mmap', 'sys_munmap', 'dmirror_fops_open', 'dmirror_fops_release', 'dmirror_ioctl']);

export interface ImportOptions {
  /** Name in messages (default: the path). */
  readonly file?: string;
  /** A kprobe_events file (default: the Linux 6.1 set). */
  readonly probes?: string;
  readonly stdin?: NodeJS.ReadableStream;
  /** The kernel version the capture ran on, for the header (a capture does not say). */
  readonly kernel?: string;
}

export interface ImportHeader {
  readonly hmmtrace: 1;
  readonly source: string;
  /** The kernel the capture ran on: --kernel, or 6.1 with the default (Linux 6.1) probe set; absent when neither says. */
  readonly kernel?: string;
  readonly observed: readonly string[];
  readonly driver: string;
  readonly partition: 'page';
  readonly unsupported?: { readonly line: number; readonly reason: string; readonly missing?: true };
}

export function loadProbes(path: string = DEFAULT_PROBES): Map<string, Probe> {
  const text = readUserFile(path, { what: 'a readable kprobe_events file', fail: (expected, found) => new TraceInputError(path, 0, 'file', expected, found) });
  return parseProbes(text, path);
}

async function* ftraceLines(path: string, file: string): AsyncGenerator<FtraceLine[]> {
  for await (const batch of readLineBatches(path, { file })) {
    const out: FtraceLine[] = [];
    for (const l of batch) if (!isComment(l.text) && !isLostLine(l.text)) out.push(parseLine(l.text.replace(/\r$/, ''), file, l.line));
    yield out;
  }
}

/**
 * Imports `path` ("-": standard input); each event goes to `sink` with the
 * ftrace line it came from. Bad input throws TraceInputError.
 */
export async function importFtrace(path: string, opts: ImportOptions, sink: (line: number, event: Ev) => void): Promise<{ header: ImportHeader; summary: ImportSummary }> {
  const file = opts.file ?? (path === '-' ? '<stdin>' : path);
  const probes = loadProbes(opts.probes);
  const spooled = path === '-' ? await spool(opts.stdin ?? process.stdin) : undefined;
  const at = spooled?.path ?? path;
  try {
    const cast: FtraceLine[] = [];
    let any = false;
    // Pass 1 parses only the lines it needs (the event name is found cheaply);
    // pass 2 parses, and so checks, every line.
    const threads = new Map<number, number>();
    const check = new CaptureCheck(file);
    for await (const batch of readLineBatches(at, { file })) {
      for (const t of batch) {
        if (isComment(t.text)) {
          check.comment(t.text, t.line);
          continue;
        }
        if (!check.line(t.text, t.line)) continue;
        any = true;
        const m = EVENT_NAME.exec(t.text);
        if (m && SESSION_EVENTS.has(m[1]!)) cast.push(parseLine(t.text.replace(/\r$/, ''), file, t.line));
        const task = TASK.exec(t.text);
        if (task && task[1] !== task[2]) threads.set(Number(task[1]), Number(task[2]));
      }
    }
    if (!any) throw new TraceInputError(file, 1, '(file)', 'ftrace text output (lines "COMM-PID (TGID) [CPU] FLAGS TIMESTAMP: EVENT: ...")', 'no event line');
    for (const l of cast) if (l.payload.kind === 'marker') check.marker(l);
    const capture = check.report();
    const s = capture.problem?.kind === 'lost' ? emptySummary(capture.test, capture.rc) : await importLines(at, file, cast, probes, threads, sink);
    s.capture = capture;
    judged(s, capture);
    const test = s.test ?? 'an unnamed test';
    const rc = s.rc === null ? '' : s.rc === 0 ? ' (rc=0)' : ` (rc=${s.rc}: the test failed)`;
    const header: ImportHeader = {
      hmmtrace: 1,
      source: `ftrace of ${test}${rc} with lib/test_hmm.c, imported by hmmcheck from ${file}`,
      // An ftrace capture does not say its kernel: the user does, or the default probe set, which is Linux 6.1's.
      ...(opts.kernel !== undefined ? { kernel: opts.kernel } : opts.probes === undefined ? { kernel: DEFAULT_PROBES_KERNEL } : {}),
      observed: IMPORT_OBSERVED,
      // lib/test_hmm.c as shipped (model/drivers/testHmm.ts).
      driver: 'test_hmm',
      partition: 'page',
      ...(s.unsupported ? { unsupported: s.unsupported } : {}),
    };
    return { header, summary: s };
  } finally {
    spooled?.cleanup();
  }
}

/** The second pass: every line mapped to hmmtrace events, up to the first the model does not cover. */
async function importLines(
  at: string,
  file: string,
  cast: readonly FtraceLine[],
  probes: ReadonlyMap<string, Probe>,
  threads: ReadonlyMap<number, number>,
  sink: (line: number, event: Ev) => void,
): Promise<ImportSummary> {
  const session = readSession(cast, probes, file, threads);
  const importer = new FtraceImporter(session, probes, file, sink);
  for await (const batch of ftraceLines(at, file)) {
    for (const l of batch) importer.feed(l);
    if (importer.done) break;
  }
  importer.finish();
  return importer.summary;
}

/**
 * What the capture's own account does to the verdict. A capture that is not
 * whole gets no verdict either way (`missing`): the import says where and
 * why, and replay says incomplete. A failing test (HMMTEST_END rc != 0) is
 * judged all the same: replay checks what the kernel and driver did, not the
 * test's assertions, and a kernel that broke an invariant may be why it failed.
 */
function judged(s: ImportSummary, capture: CaptureReport): void {
  const p = capture.problem;
  if (p) {
    const u = s.unsupported;
    const earlier = u ? ` (before that, the import stopped at line ${u.line}: ${u.reason})` : '';
    const what = p.kind === 'lost' ? 'nothing is imported' : 'what it holds is imported';
    s.unsupported = { line: p.line, reason: `${p.reason}; a missing event can explain or hide any step, so no verdict is given (${what})${earlier}`, missing: true };
  }
  if (capture.rc !== null && capture.rc !== 0) {
    s.notes.push(`the test failed (HMMTEST_END rc=${capture.rc}): its kernel events are judged all the same, since replay checks the kernel and driver, not the test's assertions`);
  }
}

/**
 * Imports to an hmmtrace file, or to `out` as a function (standard output):
 * the events go to a temporary file first, since the header needs the whole
 * import. Writes are synchronous and buffered, so memory stays flat however
 * long the trace.
 */
export async function importToFile(path: string, out: string | ((text: string) => void), opts: ImportOptions): Promise<{ header: ImportHeader; summary: ImportSummary }> {
  const dir = mkdtempSync(join(tmpdir(), 'hmmcheck-import-'));
  try {
    const tmp = join(dir, 'events');
    const events = bufferedFile(tmp);
    let r: { header: ImportHeader; summary: ImportSummary };
    try {
      r = await importFtrace(path, opts, (_line, e) => events.write(`${JSON.stringify(e)}\n`));
    } finally {
      events.close();
    }
    const target = typeof out === 'function' ? { write: out, close: () => {} } : bufferedFile(out, opts.file);
    try {
      target.write(`${JSON.stringify(r.header)}\n`);
      for await (const batch of readLineBatches(tmp)) for (const l of batch) target.write(`${l.text}\n`);
    } finally {
      target.close();
    }
    return r;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A file written through a 1 MiB buffer with writeSync. */
function bufferedFile(path: string, from?: string): { write: (text: string) => void; close: () => void } {
  let fd: number;
  try {
    fd = openSync(path, 'w');
  } catch (e) {
    throw new TraceInputError(path, 0, 'file', `a writable output file${from ? ` for the import of ${from}` : ''}`, (e as NodeJS.ErrnoException).code ?? String(e));
  }
  let chunks: string[] = [];
  let size = 0;
  const flush = (): void => {
    if (chunks.length > 0) writeSync(fd, chunks.join(''));
    chunks = [];
    size = 0;
  };
  return {
    write(text) {
      chunks.push(text);
      size += text.length;
      if (size >= 1 << 20) flush();
    },
    close() {
      flush();
      closeSync(fd);
    },
  };
}
