/**
 * One line of ftrace text output (the tracefs `trace` file, or `trace-cmd
 * report` text), split into its columns and its payload. The first layer of
 * `hmmcheck import ftrace` (issue 8): no meaning yet, only shape, with every
 * line either understood or refused with file, line, what was expected and
 * what was found.
 *
 * Format (kernel/trace/trace_output.c, with options/record-tgid on):
 *   COMM-PID (TGID) [CPU] FLAGS TIMESTAMP: EVENT: PAYLOAD
 * COMM may contain spaces and dashes: the pid is the number after the last
 * dash before the TGID column. TGID prints as "-------" when unknown, and is
 * absent without record-tgid. Syscall events print `sys_NAME(args)` or
 * `sys_NAME -> RET` with no colon after the event name.
 */
import { TraceInputError } from '../errors.js';

export interface FtraceLine {
  readonly line: number;
  readonly comm: string;
  readonly pid: number;
  readonly tgid: number | null;
  readonly cpu: number;
  /** irqs-off, need-resched, hard/softirq, preempt-depth, migrate-disable: informational only. */
  readonly flags: string;
  /** Seconds, as printed (global clock: comparable across CPUs). */
  readonly ts: number;
  /** Event name: a kprobe's (`hmm_range_fault`, `hmm_range_fault_ret`), a syscall's (`sys_mmap`), a tracepoint's. */
  readonly event: string;
  readonly payload: Payload;
}

export type Payload =
  | { readonly kind: 'entry'; readonly func: string; readonly args: ReadonlyMap<string, string> }
  | { readonly kind: 'return'; readonly func: string; readonly caller: string; readonly args: ReadonlyMap<string, string> }
  | { readonly kind: 'syscall'; readonly args: ReadonlyMap<string, string> }
  | { readonly kind: 'syscall_ret'; readonly ret: string }
  | { readonly kind: 'marker'; readonly text: string }
  | { readonly kind: 'tracepoint'; readonly args: ReadonlyMap<string, string> };

// COMM is at most 15 characters (TASK_COMM_LEN): matching it lazily, up to
// that, keeps the regex from scanning the whole line back for the last dash.
const HEAD = /^\s*(.{1,15}?)-(\d+)\s+(?:\(\s*(\d+|-+)\)\s+)?\[(\d{3,})\]\s+(\S{4,5})\s+(\d+\.\d+):\s(.*)$/;
const SYSCALL = /^(sys_\w+)\((.*)\)$/;
const SYSCALL_RET = /^(sys_\w+) -> (\S+)$/;
const EVENT = /^(\w+):\s?(.*)$/;
const PROBE_ENTRY = /^\(([\w.]+)\+0x0\/0x[0-9a-f]+\)\s?(.*)$/;
const PROBE_RET = /^\(([\w.]+\+0x[0-9a-f]+\/0x[0-9a-f]+) <- ([\w.]+)\)\s?(.*)$/;

/** A comment, the header, or an empty line: nothing to import. */
export function isComment(text: string): boolean {
  return text.trim() === '' || text.startsWith('#');
}

/** Parses one non-comment line. `file` and `line` name it in errors. */
export function parseLine(text: string, file: string, line: number): FtraceLine {
  const m = HEAD.exec(text);
  if (!m) throw new TraceInputError(file, line, '(line)', 'an ftrace line "COMM-PID (TGID) [CPU] FLAGS TIMESTAMP: EVENT: ..."', clip(text));
  const [, comm, pid, tgid, cpu, flags, ts, rest] = m;
  const base = {
    line,
    comm: comm!.trim(),
    pid: Number(pid),
    tgid: tgid === undefined || tgid.startsWith('-') ? null : Number(tgid),
    cpu: Number(cpu),
    flags: flags!,
    ts: Number(ts),
  };
  const body = rest!;
  const sc = SYSCALL.exec(body);
  if (sc) return { ...base, event: sc[1]!, payload: { kind: 'syscall', args: syscallArgs(sc[2]!, file, line) } };
  const sr = SYSCALL_RET.exec(body);
  if (sr) return { ...base, event: sr[1]!, payload: { kind: 'syscall_ret', ret: sr[2]! } };
  const ev = EVENT.exec(body);
  if (!ev) throw new TraceInputError(file, line, 'event', 'an event name followed by ":" or a syscall "sys_NAME(...)"', clip(body));
  const event = ev[1]!;
  const payload = ev[2]!;
  if (event === 'tracing_mark_write') return { ...base, event, payload: { kind: 'marker', text: payload } };
  const pe = PROBE_ENTRY.exec(payload);
  if (pe) return { ...base, event, payload: { kind: 'entry', func: pe[1]!, args: keyValues(pe[2]!, file, line, event) } };
  const pr = PROBE_RET.exec(payload);
  if (pr) return { ...base, event, payload: { kind: 'return', caller: pr[1]!, func: pr[2]!, args: keyValues(pr[3]!, file, line, event) } };
  return { ...base, event, payload: { kind: 'tracepoint', args: keyValues(payload, file, line, event) } };
}

/** `name=value` pairs; a value may be an array `{a,b,...}` or a quoted string. */
function keyValues(text: string, file: string, line: number, event: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /(\w+)=(\{[^}]*\}|"[^"]*"|\S+)\s*/gy;
  let at = 0;
  const s = text.trim();
  while (at < s.length) {
    re.lastIndex = at;
    const m = re.exec(s);
    if (!m) throw new TraceInputError(file, line, event, 'name=value pairs', clip(s.slice(at)));
    out.set(m[1]!, m[2]!);
    at = re.lastIndex;
  }
  return out;
}

/** `name: value, name: value` (syscall arguments, hex without 0x). */
function syscallArgs(text: string, file: string, line: number): Map<string, string> {
  const out = new Map<string, string>();
  if (text.trim() === '') return out;
  for (const part of text.split(', ')) {
    const i = part.indexOf(': ');
    if (i < 0) throw new TraceInputError(file, line, 'syscall arguments', '"name: value" pairs', clip(part));
    out.set(part.slice(0, i), part.slice(i + 2));
  }
  return out;
}

const clip = (s: string): string => JSON.stringify(s.length > 80 ? `${s.slice(0, 77)}...` : s);
