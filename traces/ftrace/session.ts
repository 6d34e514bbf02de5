/**
 * The cast of a kernel trace of one hmm-tests case: which processes and
 * threads took part (sched_process_fork/exit), which dmirror files they opened
 * (dmirror_fops_open/release: one mirror each), what they mapped
 * (sys_mmap and its return, sys_munmap; a fork copies the parent's mappings)
 * and which mappings the test drove through the driver (the mapping holding
 * each dmirror_ioctl's `uaddr`: the test's buffer). The importer (issue 8)
 * turns these into the hmmtrace header's threads, mms, devices and page
 * indices; this layer only reads who is who, in trace order.
 *
 * hmm-tests runs each case in a forked child of the harness process; the
 * harness's own small mapping (its shared result page) is not a buffer, since
 * no ioctl names it.
 */
import { TraceInputError } from '../errors.js';
import type { FtraceLine } from './line.js';
import { decodeFields, type Probe } from './probes.js';

export interface Process {
  readonly tgid: number;
  readonly parent: number | null;
  readonly comm: string;
  /** Line of the sched_process_fork that created it, or of its first event. */
  readonly since: number;
  exited: number | null;
}

export interface Mapping {
  readonly tgid: number;
  readonly start: bigint;
  readonly end: bigint;
  readonly prot: number;
  /** mmap flags (MAP_SHARED 0x1, MAP_PRIVATE 0x2, MAP_ANONYMOUS 0x20) and whether a file backs it. */
  readonly flags: number;
  readonly file: boolean;
  readonly line: number;
  /** The line of the sys_mmap that made it (a fork's copy keeps its parent's). */
  readonly origin: number;
  unmapped: number | null;
}

export interface Mirror {
  readonly filp: bigint;
  readonly tgid: number;
  readonly opened: number;
  released: number | null;
}

/** A mapping the test drove through the driver: an ioctl's user address falls in it. */
export interface Buffer {
  readonly tgid: number;
  /** Its mapping's origin: one mmap, however many processes share it through fork. */
  readonly origin: number;
  readonly start: bigint;
  readonly pages: number;
  /** The ioctl commands it was used with, in order (READ, WRITE, MIGRATE_TO_DEV, ...). */
  readonly commands: string[];
  readonly mirrors: bigint[];
}

export interface Session {
  test: string | null;
  rc: number | null;
  /** Tasks that are threads of another process (their TGID column differs from their pid), pid -> tgid. */
  readonly threads: ReadonlyMap<number, number>;
  readonly processes: Map<number, Process>;
  readonly mirrors: Mirror[];
  readonly mappings: Mapping[];
  readonly buffers: Buffer[];
}

/** lib/test_hmm_uapi.h: HMM_DMIRROR_* = _IOWR('H', n, struct hmm_dmirror_cmd). */
const COMMANDS: Record<string, string> = {
  '0xc0284800': 'READ',
  '0xc0284801': 'WRITE',
  '0xc0284802': 'MIGRATE_TO_DEV',
  '0xc0284803': 'MIGRATE_TO_SYS',
  '0xc0284804': 'SNAPSHOT',
  '0xc0284805': 'EXCLUSIVE',
  '0xc0284806': 'CHECK_EXCLUSIVE',
  '0xc0284807': 'RELEASE',
};

const PAGE = 4096n;

/**
 * Who is who. `threads` (pid -> tgid for tasks whose TGID column is not their
 * pid) tells a pthread_create from a fork: a thread shares its process's mm.
 */
export function readSession(lines: Iterable<FtraceLine>, probes: ReadonlyMap<string, Probe>, file: string, threads: ReadonlyMap<number, number> = new Map()): Session {
  const s: Session = { test: null, rc: null, threads, processes: new Map(), mirrors: [], mappings: [], buffers: [] };
  // sys_mmap's length, waiting for its return, per thread.
  const mmapLen = new Map<number, { len: bigint; prot: number; flags: number; file: boolean }>();
  const see = (l: FtraceLine): number => {
    const tgid = l.tgid ?? l.pid;
    if (!s.processes.has(tgid) && l.pid !== 1) s.processes.set(tgid, { tgid, parent: null, comm: l.comm, since: l.line, exited: null });
    return tgid;
  };
  const hex = (l: FtraceLine, field: string, text: string | undefined): bigint => {
    if (text === undefined || !/^[0-9a-f]+$/.test(text)) throw new TraceInputError(file, l.line, `${l.event}.${field}`, 'hex digits', JSON.stringify(text ?? null));
    return BigInt(`0x${text}`);
  };
  for (const l of lines) {
    const p = l.payload;
    if (p.kind === 'marker') {
      const begin = /^HMMTEST_BEGIN (\S+)$/.exec(p.text);
      const end = /^HMMTEST_END (\S+) rc=(-?\d+)$/.exec(p.text);
      if (begin) s.test = begin[1]!;
      if (end) s.rc = Number(end[2]);
      continue;
    }
    const tgid = see(l);
    switch (l.event) {
      case 'sched_process_fork': {
        if (p.kind !== 'tracepoint') break;
        const child = Number(p.args.get('child_pid'));
        if (!Number.isInteger(child)) throw new TraceInputError(file, l.line, 'sched_process_fork.child_pid', 'a pid', JSON.stringify(p.args.get('child_pid') ?? null));
        // A new thread (clone with CLONE_VM) is no new process and copies nothing.
        if (threads.get(child) === tgid) break;
        s.processes.set(child, { tgid: child, parent: tgid, comm: p.args.get('child_comm') ?? l.comm, since: l.line, exited: null });
        // fork copies the address space: the child has the parent's mappings.
        for (const m of s.mappings.filter((x) => x.tgid === tgid && x.unmapped === null)) s.mappings.push({ ...m, tgid: child, line: l.line });
        break;
      }
      case 'sched_process_exit': {
        const proc = s.processes.get(tgid);
        if (proc && l.pid === tgid) proc.exited = l.line;
        for (const m of s.mappings) if (m.tgid === tgid && m.unmapped === null && l.pid === tgid) m.unmapped = l.line;
        break;
      }
      case 'sys_mmap':
        if (p.kind === 'syscall') {
          const fd = hex(l, 'fd', p.args.get('fd'));
          mmapLen.set(l.pid, {
            len: hex(l, 'len', p.args.get('len')),
            prot: Number(hex(l, 'prot', p.args.get('prot'))),
            flags: Number(hex(l, 'flags', p.args.get('flags'))),
            file: fd !== 0xffffffffn && fd !== 0xffffffffffffffffn,
          });
        }
        else if (p.kind === 'syscall_ret') {
          const call = mmapLen.get(l.pid);
          mmapLen.delete(l.pid);
          if (!call) throw new TraceInputError(file, l.line, 'sys_mmap', 'a sys_mmap call before its return (same pid)', 'a return alone');
          const start = BigInt(p.ret);
          // A negative return is -errno: no mapping.
          if (start < 0n || start >= 0xfffffffffffff000n) break;
          s.mappings.push({ tgid, start, end: start + ((call.len + PAGE - 1n) / PAGE) * PAGE, prot: call.prot, flags: call.flags, file: call.file, line: l.line, origin: l.line, unmapped: null });
        }
        break;
      case 'sys_munmap': {
        if (p.kind !== 'syscall') break;
        const start = hex(l, 'addr', p.args.get('addr'));
        const end = start + hex(l, 'len', p.args.get('len'));
        for (const m of s.mappings) if (m.tgid === tgid && m.unmapped === null && m.start >= start && m.end <= end) m.unmapped = l.line;
        break;
      }
      case 'dmirror_fops_open':
      case 'dmirror_fops_release':
      case 'dmirror_ioctl': {
        if (p.kind !== 'entry') break;
        const probe = probes.get(l.event);
        if (!probe) throw new TraceInputError(file, l.line, l.event, 'an event of the probe set', 'an event the probe set does not define');
        const f = decodeFields(probe, p.args, file, l.line);
        const filp = f.get('filp') as bigint;
        if (l.event === 'dmirror_fops_open') s.mirrors.push({ filp, tgid, opened: l.line, released: null });
        else if (l.event === 'dmirror_fops_release') {
          const m = s.mirrors.find((x) => x.filp === filp && x.released === null);
          if (m) m.released = l.line;
        } else {
          const uaddr = f.get('uaddr') as bigint;
          const cmd = `0x${(f.get('cmd') as bigint).toString(16)}`;
          const map = s.mappings.find((m) => m.tgid === tgid && m.unmapped === null && uaddr >= m.start && uaddr < m.end);
          if (!map) throw new TraceInputError(file, l.line, 'dmirror_ioctl.uaddr', `an address inside a mapping of process ${tgid}`, `0x${uaddr.toString(16)}`);
          // A buffer is one mmap: a test that maps, unmaps and maps again (often at the same address) has several.
          let b = s.buffers.find((x) => x.tgid === tgid && x.origin === map.origin);
          if (!b) s.buffers.push((b = { tgid, origin: map.origin, start: map.start, pages: Number((map.end - map.start) / PAGE), commands: [], mirrors: [] }));
          b.commands.push(COMMANDS[cmd] ?? cmd);
          if (!b.mirrors.includes(filp)) b.mirrors.push(filp);
        }
        break;
      }
      default:
        break;
    }
  }
  return s;
}
