/**
 * The world a trace is replayed in, and how its identifiers bind to it.
 *
 * With `preset` or `config` in the header the world is that configuration's
 * (processes, pages, frames, devices, mirrors); without, it is inferred from
 * the first pass: every mm, page, dev and pfn the trace names. Threads come
 * from the trace in both cases: each tid becomes a CPU thread, a device-fault
 * thread, or both when one task does both (a test process faulting its own
 * buffer through a dmirror ioctl), with a device-fault thread per mirror it
 * faults through (TidThreads). Actors have no operation budget: the
 * trace drives. A trace that names what the header's world does not have,
 * or more than limits.ts allows, is an input error at that line (fit.ts).
 */
import {
  ConfigError,
  buildWorld,
  findPreset,
  findVariant,
  isKernelVersion,
  KERNELS,
  parseConfig,
  STEP_KINDS,
  type ActorConfig,
  type Config,
  type KernelVersion,
  type StepKind,
  type VariantId,
  type World,
} from '../../model/index.js';
import { TraceInputError } from '../errors.js';
import { idKey, ValueMap } from './ids.js';
import { withTraceDrivers } from './driverOf.js';
import { bindIds, namedIndex, pageBeyond, strangerTid, unboundError } from './fit.js';
import { DEVICE_EVENTS, EITHER_EVENTS, overLimit, overSize, type ScanResult } from './scan.js';

export interface TraceHeaderLike {
  readonly preset?: string;
  readonly config?: unknown;
  readonly observed?: readonly string[];
  readonly variant?: readonly string[];
  /** The kernel version (replay --kernel has been put in already). */
  readonly kernel?: string;
  /** The driver, one for all devices or one per device (replay --driver has been put in already; driverOf.ts). */
  readonly driver?: unknown;
}

export interface ReplayWorld {
  readonly world: World;
  /** Model threads of each tid: the CPU part and the device parts (-1 and none where the tid has none). */
  readonly threads: ReadonlyMap<string, TidThreads>;
  /** The tid of each model thread. */
  readonly tidOf: readonly string[];
  readonly mmIndex: ReadonlyMap<string, number>;
  readonly mmKey: readonly string[];
  readonly devIndex: ReadonlyMap<string, number>;
  readonly devKey: readonly string[];
  /** Step kinds that may happen without appearing in the trace. */
  readonly hidden: ReadonlySet<StepKind>;
  readonly observed: ReadonlySet<string>;
  readonly values: ValueMap;
}

/**
 * The model threads one tid becomes. A model device thread faults through
 * one mirror (World actors' `mirror`), and a task may fault through several,
 * one after the other: hmm-tests.c's hmm2 fixture opens dmirror0 and dmirror1
 * in one process and reads one buffer through each file (the ioctl's
 * dmirror is filp->private_data, its notifier that dmirror's own: a
 * read_begin on dmirror1's notifier is a new attempt of that mirror's, not a
 * step of dmirror0's). So the tid has a device part per mirror it faults
 * through, in order of first use; `device` is the first (-1: none).
 */
export interface TidThreads {
  readonly cpu: number;
  readonly device: number;
  /** Every device part, and the part of each mirror (by dev index). */
  readonly devices: readonly number[];
  readonly byMirror: ReadonlyMap<number, number>;
}

const headerError = (file: string, field: string, expected: string, found: string): TraceInputError =>
  new TraceInputError(file, 1, field, expected, found);

export function buildReplayWorld(
  file: string,
  header: TraceHeaderLike,
  scan: ScanResult,
  cliVariants: readonly VariantId[],
  worldOptions: { readonly spuriousFaults?: boolean } = {},
): ReplayWorld {
  const variants = [...cliVariants];
  for (const v of header.variant ?? []) {
    const found = findVariant(v);
    if (!found) throw headerError(file, 'variant', 'a known variant id (see hmmcheck variants)', JSON.stringify(v));
    if (!variants.includes(found.id as VariantId)) variants.push(found.id as VariantId);
  }
  const names = new Set<string>(STEP_KINDS);
  const observed = new Set<string>(header.observed ?? scan.names);
  for (const o of header.observed ?? []) {
    if (!names.has(o)) throw headerError(file, 'observed', 'names of model steps (trace events)', JSON.stringify(o));
  }
  const hidden = new Set(STEP_KINDS.filter((k) => !observed.has(k)));

  let base: Config;
  if (header.preset !== undefined) {
    const p = findPreset(header.preset);
    if (!p) throw headerError(file, 'preset', 'a preset name (see hmmcheck presets)', JSON.stringify(header.preset));
    base = p.config;
  } else if (header.config !== undefined) {
    try {
      // A trace's world needs no actors: the trace supplies the threads.
      const cfg = header.config as Record<string, unknown>;
      const withActors = cfg && typeof cfg === 'object' && !('actors' in cfg) ? { ...cfg, actors: [{ kind: 'cpu', ops: {} }] } : cfg;
      base = parseConfig(withActors, file);
    } catch (e) {
      if (e instanceof ConfigError) throw headerError(file, `config.${e.field}`.replace(/\.$/, ''), e.expected, e.found);
      throw e;
    }
  } else {
    base = inferConfig(scan);
  }
  const fromHeader = header.preset !== undefined || header.config !== undefined;
  const processes = base.processes ?? 1;
  const mirrorCount = base.mirrors?.length ?? base.devices.length;
  const named = new Map<string, 'cpu' | 'device'>();
  // ... and, where the events do not say, their process, child and mirror.
  const namedMirror = new Map<string, number>();
  const namedProcess = new Map<string, number>();
  const namedChild = new Map<string, number>();
  // The header's own threads (a preset's, or a config's that lists actors).
  const headerActors =
    header.preset !== undefined || (header.config as { actors?: unknown } | undefined)?.actors !== undefined ? buildWorld(base).actors : [];
  headerActors.forEach((a, i) => {
    named.set(a.name, a.kind);
    const own = base.actors[i]!;
    if (a.kind === 'device') namedMirror.set(a.name, own.mirror ?? 0);
    else namedProcess.set(a.name, own.process ?? 0);
    if (own.child !== undefined) namedChild.set(a.name, own.child);
  });
  // Identifiers bind as fit.ts says: a header's thread binds an mm or dev
  // it names to that thread's process or mirror, over the index the
  // identifier names itself; an index the world does not have is an error
  // whatever binds it.
  const mmNamed = new Map<string, number>();
  const devNamed = new Map<string, number>();
  if (fromHeader) {
    for (const [kind, keys, out] of [['mm', scan.mms, mmNamed], ['dev', scan.devs, devNamed]] as const) {
      for (const k of keys) {
        const i = namedIndex(kind, k);
        if (i !== undefined) out.set(k, i);
      }
    }
  }
  const mmPrefer = new Map<string, number>();
  const devPrefer = new Map<string, number>();
  for (const [k, i] of mmNamed) if (i < processes) mmPrefer.set(k, i);
  for (const [k, i] of devNamed) if (i < mirrorCount) devPrefer.set(k, i);
  for (const t of scan.tids) {
    if (t.mm !== null && namedProcess.has(t.tid)) mmPrefer.set(t.mm, namedProcess.get(t.tid)!);
    if (t.dev !== null && namedMirror.has(t.tid)) devPrefer.set(t.dev, namedMirror.get(t.tid)!);
    const child = scan.forks.get(t.tid);
    if (child !== undefined && namedChild.has(t.tid)) mmPrefer.set(child, namedChild.get(t.tid)!);
  }
  for (const [k, i] of mmNamed) if (i >= processes) mmPrefer.set(k, i);
  for (const [k, i] of devNamed) if (i >= mirrorCount) devPrefer.set(k, i);
  const mm = bindIds(scan.mms, mmPrefer, fromHeader ? processes : scan.mms.length);
  const dev = bindIds(scan.devs, devPrefer, fromHeader ? mirrorCount : scan.devs.length);
  // A line past LIMITS, or naming what the header's world does not have: the earliest is the error.
  const problems = [
    overLimit(file, scan),
    fromHeader ? null : overSize(file, scan),
    fromHeader ? pageBeyond(file, scan, base.pages) : null,
    strangerTid(file, scan, named),
    unboundError(file, scan, 'mm', mm, processes),
    unboundError(file, scan, 'dev', dev, mirrorCount),
  ].filter((e): e is TraceInputError => e !== null);
  if (problems.length > 0) throw problems.reduce((x, y) => (y.line < x.line ? y : x));
  const mmIndex = mm.index;
  const devIndex = dev.index;
  const actors: ActorConfig[] = [];
  const threads = new Map<string, TidThreads>();
  const tidOf: string[] = [];
  // A header's world names its threads: their kind wins over a guess from the events.
  for (const t of scan.tids) {
    const entry = { cpu: -1, device: -1, devices: [] as number[], byMirror: new Map<number, number>() };
    const kind = named.get(t.tid);
    if (kind === 'device') t.device = true;
    if (kind === 'device' && !t.dev) t.cpu = false;
    // A device thread's faults are its own, unless CPU accesses go unlogged:
    // then a fault may be the same task touching its buffer on the CPU.
    const cpuHidden = hidden.has('cpu_read') || hidden.has('cpu_write');
    if (t.cpu || !t.device || (t.neutral && cpuHidden)) {
      entry.cpu = actors.length;
      const child = scan.forks.get(t.tid);
      const forks = child !== undefined ? { child: mmIndex.get(child)! } : {};
      const process = t.mm !== null ? mmIndex.get(t.mm) : namedProcess.get(t.tid);
      actors.push({ kind: 'cpu', name: t.tid, process: process ?? mmIndex.get(scan.mms[0] ?? '0') ?? 0, ops: {}, ...forks });
      tidOf.push(t.tid);
    }
    if (t.device) {
      // A header's device actor is one thread of its own mirror; any other
      // task gets a device part per mirror it faults through.
      const mirrors = kind === 'device' || t.devs.length === 0
        ? [t.dev !== null ? devIndex.get(t.dev) : namedMirror.get(t.tid)]
        : t.devs.map((d) => devIndex.get(d));
      for (const m of mirrors) {
        const mirror = m ?? 0;
        if (entry.byMirror.has(mirror)) continue;
        entry.byMirror.set(mirror, actors.length);
        entry.devices.push(actors.length);
        actors.push({ kind: 'device', name: t.tid, mirror, ops: {} });
        tidOf.push(t.tid);
      }
      entry.device = entry.devices[0]!;
    }
    threads.set(t.tid, entry);
  }
  // The world's own threads take part even when the trace never names them:
  // with faults unlogged, a thread may fault pages in and not be seen.
  headerActors.forEach((a, i) => {
    if (threads.has(a.name)) return;
    const own = base.actors[i]!;
    const entry = { cpu: -1, device: -1, devices: [] as number[], byMirror: new Map<number, number>() };
    if (a.kind === 'cpu') {
      entry.cpu = actors.length;
      actors.push({ kind: 'cpu', name: a.name, process: own.process ?? 0, ops: {}, ...(own.child !== undefined ? { child: own.child } : {}) });
    } else {
      entry.device = actors.length;
      entry.devices.push(actors.length);
      entry.byMirror.set(own.mirror ?? 0, actors.length);
      actors.push({ kind: 'device', name: a.name, mirror: own.mirror ?? 0, ops: {} });
    }
    tidOf.push(a.name);
    threads.set(a.name, entry);
  });
  // The kernel: the header's (or --kernel's, put there by the caller), else its configuration's, else latest.
  if (header.kernel !== undefined && !isKernelVersion(header.kernel)) {
    throw headerError(file, 'kernel', `a kernel version hmmcheck knows: ${KERNELS.join(', ')} (see hmmcheck kernels), or --kernel`, JSON.stringify(header.kernel));
  }
  const kernel = (header.kernel as KernelVersion | undefined) ?? base.kernel;
  const drivers = withTraceDrivers(file, 1, base, header.driver);
  // A world inferred from the trace is the pages it names, which share page
  // tables with pages it does not (a kernel trace's buffers, or one page of
  // them replayed alone); a header's world is whole.
  const world = buildWorld({ ...drivers, actors, ...(kernel !== undefined ? { kernel } : {}) }, variants, { anyFrame: false, sharedTables: !fromHeader, tables: true, ...worldOptions });
  return {
    world,
    threads,
    tidOf,
    mmIndex,
    mmKey: mm.key,
    devIndex,
    devKey: dev.key,
    hidden,
    observed,
    values: new ValueMap(),
  };
}

function inferConfig(scan: ScanResult): Config {
  const processes = Math.max(1, scan.mms.length);
  const pages = Math.max(1, scan.maxEnd);
  const mmOf = (dev: string): number => Math.max(0, scan.mms.indexOf(scan.devMm.get(dev) ?? scan.mms[0] ?? '0'));
  return {
    name: 'inferred from the trace',
    processes,
    pages,
    // Every pfn the trace names, plus room for pages faulted in without being named.
    systemFrames: scan.pfns.size + pages * processes + 2,
    // Device memory: every device pfn the trace names, and one spare.
    devices: scan.devs.map((d) => ({ frames: (scan.devPfns.get(d)?.size ?? 0) + 1 })),
    mirrors: scan.devs.map((d, i) => ({ device: i, process: mmOf(d) })),
    actors: [],
  };
}

/**
 * The model threads that might take event `e` of its tid. A device-only
 * event names the mirror the task faults through: the device part of that
 * mirror takes it (all of them when the tid has none for it: the step then
 * disagrees on dev). Migration steps and faults name no such mirror (a
 * fault-back migration's dev is the page's owner, not the faulting
 * thread's): any device part may be the one inside it.
 */
export function threadsFor(rw: ReplayWorld, tid: string, e: { readonly ev: string; readonly [k: string]: unknown }): number[] {
  const t = rw.threads.get(tid);
  if (!t) return [];
  const ev = e.ev;
  if (DEVICE_EVENTS.has(ev)) {
    const own = 'dev' in e ? t.byMirror.get(rw.devIndex.get(idKey(e['dev'])) ?? -1) : undefined;
    return own !== undefined ? [own] : [...t.devices];
  }
  if (EITHER_EVENTS.has(ev) || ev === 'migrate_vma_setup') return [...t.devices, t.cpu].filter((x) => x >= 0);
  // Faults and invalidations run on either side: a device thread faults
  // inside hmm_range_fault, and may invalidate for a copy-on-write.
  const out: number[] = [];
  if (t.cpu >= 0) out.push(t.cpu);
  if (!['cpu_read', 'cpu_write', 'sigsegv', 'munmap', 'madvise_dontneed', 'mprotect'].includes(ev)) out.push(...t.devices);
  return out;
}
