/**
 * The first pass over a trace: who does what, so the replay knows its world
 * before it starts (TRACE-FORMAT.md: threads bind to actors, mm and dev to
 * processes and mirrors, and without `preset` or `config` the world is
 * inferred from the trace). The pass keeps counts and first appearances,
 * never the events, so memory does not grow with the trace; past a count in
 * limits.ts it keeps no new names, and notes the first line past a limit
 * for the world builder (replayWorld.ts) to report.
 */
import { TraceInputError } from '../errors.js';
import { idKey } from './ids.js';
import { describeSize, fmt, LIMITS, ordinal, stateWords, type WorldSize } from './limits.js';

/** Events only a device-side thread (the driver's fault path) performs. */
export const DEVICE_EVENTS: ReadonlySet<string> = new Set([
  'mmu_interval_read_begin',
  'hmm_range_fault',
  'driver_lock',
  'driver_unlock',
  'mmu_interval_read_retry',
  'devpt_map',
  'device_read',
  'device_write',
  'migrate_device_range',
  'make_device_exclusive',
]);

/**
 * Migration steps run on a driver thread (to the device) or inside a CPU
 * fault (migrate_to_ram); so does the driver dropping its own device entry
 * before the copy.
 */
export const EITHER_EVENTS: ReadonlySet<string> = new Set([
  'devpt_unmap',
  'alloc_page',
  'migrate_copy',
  'migrate_vma_pages',
  'migrate_vma_finalize',
  'folio_free',
  'folio_put',
  'restore_exclusive_pte',
  'migrate_vma_collect',
  'flush_tlb_range',
  'try_to_migrate',
  'migrate_device_pages',
  'migrate_device_finalize',
]);

/**
 * Events only a CPU thread performs: its accesses and syscalls, GUP, and the
 * CPU fault on a device-private entry. Faults and invalidations are neither:
 * a device thread faults pages in inside hmm_range_fault, and breaks COW.
 */
export const CPU_EVENTS: ReadonlySet<string> = new Set([
  'cpu_read',
  'cpu_write',
  'sigsegv',
  'munmap',
  'madvise_dontneed',
  'mprotect',
  'zap_pte_range',
  'change_pte_range',
  'gup',
  'unpin_user_page',
  'migrate_device_coherent_folio',
  'do_swap_page',
  'migrate_to_ram',
  'fork',
  'copy_page_range',
  'exit',
  'mem_cgroup_move_charge',
]);

/** Is this event one a device-side thread takes? migrate_vma_setup selecting system memory is a migration to the device. */
export function isDeviceEvent(e: Readonly<Record<string, unknown>>): boolean {
  const ev = e['ev'] as string;
  if (ev === 'migrate_vma_setup') return Array.isArray(e['select']) && (e['select'] as unknown[]).includes('system');
  return DEVICE_EVENTS.has(ev);
}

export interface ScanTid {
  readonly tid: string;
  /** It performs a CPU-only event, a device-only event, or an event either side performs (a fault). */
  cpu: boolean;
  device: boolean;
  neutral: boolean;
  mm: string | null;
  /** The first mirror it does device work through (devs[0]), null before any. */
  dev: string | null;
  /**
   * Every mirror it does device work through, in order of first use: one
   * task may fault through several (hmm-tests.c's hmm2 fixture reads one
   * buffer through dmirror0's file, then through dmirror1's), and each is a
   * device thread of its own in the replay world (replayWorld.ts).
   */
  devs: string[];
}

/** Where a name first appears: its line (0 when the caller gave none) and the field that named it. */
export interface FirstSeen {
  readonly line: number;
  readonly field: string;
}

/** A line whose index or count goes beyond LIMITS: what TraceInputError says about it. */
export interface Breach {
  readonly line: number;
  readonly field: string;
  readonly expected: string;
  readonly found: string;
}

/** The highest page end so far grew to `end` at `line`: `field` (`page` or `end`) was `value`. */
export interface PageStep {
  readonly end: number;
  readonly line: number;
  readonly field: string;
  readonly value: number;
}

export interface ScanResult {
  /** Thread ids in order of first appearance, with the parts (CPU, device) each performs. */
  readonly tids: ScanTid[];
  readonly mms: string[];
  readonly devs: string[];
  /** The first line naming each tid, mm and dev. */
  readonly seen: { readonly tid: Map<string, FirstSeen>; readonly mm: Map<string, FirstSeen>; readonly dev: Map<string, FirstSeen> };
  /**
   * Each time the highest page end over all mms grew, while it was at most
   * PAGE_STEPS_UP_TO (and the first step beyond): enough to find the first
   * line that leaves a header's world (16 pages at most).
   */
  readonly pageSteps: PageStep[];
  /** The mm each dev mirrors, from events that name both. */
  readonly devMm: Map<string, string>;
  /** Highest page index (exclusive end) per mm. */
  readonly pages: Map<string, number>;
  readonly pfns: Set<string>;
  /** Device pfns per dev: allocated on the device, faulted on, or freed back to it. */
  readonly devPfns: Map<string, Set<string>>;
  /** Event names that appear. */
  readonly names: Set<string>;
  /** The mm each forking tid creates. */
  readonly forks: Map<string, string>;
  events: number;
  /** The first index or count beyond LIMITS, in any trace; names past a count limit are not kept. */
  over: Breach | null;
  /** The first line at which a world inferred from the trace outgrows LIMITS.stateWords. */
  overSize: Breach | null;
  /** For the world size: model threads (a tid doing CPU and device work is two, one more per further mirror), device pfns, highest page end. */
  threadParts: number;
  devicePfns: number;
  maxEnd: number;
  readonly byTid: Map<string, ScanTid>;
}

/** Header worlds have at most 16 pages (model/config.schema.json); steps are kept a little beyond. */
const PAGE_STEPS_UP_TO = 64;

export function newScan(): ScanResult {
  return {
    tids: [],
    mms: [],
    devs: [],
    seen: { tid: new Map(), mm: new Map(), dev: new Map() },
    pageSteps: [],
    devMm: new Map(),
    pages: new Map(),
    pfns: new Set(),
    devPfns: new Map(),
    names: new Set(),
    forks: new Map(),
    events: 0,
    over: null,
    overSize: null,
    threadParts: 0,
    devicePfns: 0,
    maxEnd: 0,
    byTid: new Map(),
  };
}

/** Model threads a tid becomes (replayWorld.ts): a device part per mirror it uses, and a CPU part unless it only ever does device work. */
const parts = (t: ScanTid): number => (t.device ? Math.max(1, t.devs.length) : 0) + (t.cpu || t.neutral || !t.device ? 1 : 0);

/**
 * Takes one event into the scan; `line` is its line in the file (for the
 * errors that name where a thread, process, device or page first appears).
 */
export function scanEvent(r: ScanResult, e: Readonly<Record<string, unknown>>, line = 0): void {
  r.events++;
  const ev = e['ev'] as string;
  r.names.add(ev);
  // A count limit stops keeping new names (the trace is rejected), so that
  // the first pass stays small; page ends are kept exactly (byPage reads them).
  const breach = (b: Breach): void => {
    if (r.over === null) r.over = b;
  };
  /** Keeps a new name of `kind` unless that goes past its limit. */
  const admit = (kind: 'tid' | 'mm' | 'dev', list: { length: number }, limit: number, key: string, field: string, what: string): boolean => {
    if (list.length < limit) {
      r.seen[kind].set(key, { line, field });
      return true;
    }
    const shown = kind === 'tid' ? JSON.stringify(key) : key;
    breach({ line, field, expected: `at most ${fmt(limit)} distinct ${what} in a trace (hmmcheck's limit, far beyond any real capture)`, found: `${field} ${shown}, the ${ordinal(limit + 1)}` });
    return false;
  };
  let grew: string | null = null;
  const tid = e['tid'] as string;
  let t = r.byTid.get(tid);
  if (!t) {
    t = { tid, cpu: false, device: false, neutral: false, mm: null, dev: null, devs: [] };
    if (admit('tid', r.tids, LIMITS.threads, tid, 'tid', 'threads (tid)')) {
      r.byTid.set(tid, t);
      r.tids.push(t);
      r.threadParts += parts(t);
      grew = 'tid';
    }
  }
  const before = parts(t);
  const device = isDeviceEvent(e);
  if (device) t.device = true;
  else if (CPU_EVENTS.has(ev) || ev === 'migrate_vma_setup') t.cpu = true;
  else if (!EITHER_EVENTS.has(ev) && !(e['event'] === 'migrate' && ev !== 'invalidate_range_end')) t.neutral = true;
  if (r.byTid.get(tid) === t && parts(t) !== before) {
    r.threadParts += parts(t) - before;
    grew = 'tid';
  }
  const addMm = (mm: string, field: string): void => {
    if (r.seen.mm.has(mm)) return;
    if (!admit('mm', r.mms, LIMITS.processes, mm, field, 'processes (mm)')) return;
    r.mms.push(mm);
    grew = field;
  };
  const hasMm = 'mm' in e || 'page' in e || 'start' in e;
  const mm = hasMm ? idKey(e['mm'] ?? 0) : null;
  if (mm !== null) addMm(mm, 'mm' in e ? 'mm' : 'page' in e ? 'page' : 'start');
  if (mm !== null && t.mm === null && !device) t.mm = mm;
  if (ev === 'fork' && 'child' in e) {
    const child = idKey(e['child']);
    addMm(child, 'child');
    if (!r.forks.has(tid)) r.forks.set(tid, child);
  }
  const addPfn = (key: string, field: string): void => {
    if (r.pfns.has(key)) return;
    if (r.pfns.size >= LIMITS.pfns) {
      breach({ line, field, expected: `at most ${fmt(LIMITS.pfns)} distinct pfns in a trace (hmmcheck's limit, far beyond any real capture)`, found: `pfn ${key}, the ${ordinal(LIMITS.pfns + 1)}` });
      return;
    }
    r.pfns.add(key);
    grew = field;
  };
  const addDevPfn = (dev: string, key: string, field: string): void => {
    if (!r.devPfns.has(dev)) r.devPfns.set(dev, new Set());
    const set = r.devPfns.get(dev)!;
    if (set.has(key) || r.devicePfns >= LIMITS.pfns) return;
    set.add(key);
    r.devicePfns++;
    grew = field;
  };
  if ('dev' in e) {
    const dev = idKey(e['dev']);
    if (!r.seen.dev.has(dev) && admit('dev', r.devs, LIMITS.devices, dev, 'dev', 'devices (dev)')) {
      r.devs.push(dev);
      grew = 'dev';
    }
    if (device && t.dev === null) t.dev = dev;
    if (device && !t.devs.includes(dev) && r.seen.dev.has(dev)) {
      const was = parts(t);
      t.devs.push(dev);
      if (r.byTid.get(tid) === t && parts(t) !== was) {
        r.threadParts += parts(t) - was;
        grew = 'dev';
      }
    }
    const isDevPfn = (ev === 'alloc_page' || ev === 'migrate_to_ram' || ev === 'folio_free') && e['pfn'] !== undefined;
    if (isDevPfn) addDevPfn(dev, idKey(e['pfn']), 'pfn');
    if ('mm' in e && !r.devMm.has(dev)) r.devMm.set(dev, idKey(e['mm']));
  }
  if (mm !== null) {
    const field = typeof e['end'] === 'number' ? 'end' : typeof e['page'] === 'number' ? 'page' : null;
    const value = field === null ? 0 : (e[field] as number);
    const end = field === 'end' ? value : field === 'page' ? value + 1 : 0;
    if (end > (r.pages.get(mm) ?? 0)) r.pages.set(mm, end);
    for (const f of ['page', 'start'] as const) {
      const v = e[f];
      if (typeof v === 'number' && v >= LIMITS.pageIndex) breach({ line, field: f, expected: `a page index below ${fmt(LIMITS.pageIndex)} (hmmcheck's limit: a 4 GiB buffer of 4 KiB pages)`, found: `${v}` });
    }
    if (field === 'end' && value > LIMITS.pageIndex) breach({ line, field: 'end', expected: `at most ${fmt(LIMITS.pageIndex)} (hmmcheck's limit on page indices: a 4 GiB buffer of 4 KiB pages)`, found: `${value}` });
    if (end > r.maxEnd) {
      if (r.maxEnd <= PAGE_STEPS_UP_TO) r.pageSteps.push({ end, line, field: field!, value });
      r.maxEnd = end;
      grew = field;
    }
  }
  for (const k of ['pfn', 'src', 'dst']) {
    const v = e[k];
    if (v !== undefined && v !== null && ev !== 'migrate_copy') addPfn(idKey(v), k);
  }
  const pfns = e['pfns'];
  if (Array.isArray(pfns)) {
    for (const p of pfns) {
      // hmm_range_fault's pfns are {page, pfn, write}; an eviction's are bare pfns of the device.
      if (p !== null && typeof p === 'object') {
        if ((p as { pfn: unknown }).pfn !== null) addPfn(idKey((p as { pfn: unknown }).pfn), 'pfns');
      } else if (p !== null && p !== undefined) {
        addPfn(idKey(p), 'pfns');
        if ('dev' in e) addDevPfn(idKey(e['dev']), idKey(p), 'pfns');
      }
    }
  }
  if (grew !== null && r.overSize === null) {
    const size = worldSize(r);
    const words = stateWords(size);
    if (words > LIMITS.stateWords) {
      r.overSize = {
        line,
        field: grew,
        expected: `a world of at most ${fmt(LIMITS.stateWords)} state words (hmmcheck's limit for a world inferred from the trace: 10 a page per process, 12 a thread, 7 a pfn, 10 and 1 a page per device)`,
        found: `${fmt(words)} words from here on (${describeSize(size)})`,
      };
    }
  }
}

/**
 * The first index or count in the trace beyond LIMITS, as the error replay
 * reports (any trace, whole or page by page); null when there is none. A
 * scan given no lines says line 1.
 */
export function overLimit(file: string, r: ScanResult): TraceInputError | null {
  return r.over && new TraceInputError(file, Math.max(1, r.over.line), r.over.field, r.over.expected, r.over.found);
}

/** The line where a world inferred from the trace outgrows LIMITS.stateWords, as the error replay reports; null when it does not. */
export function overSize(file: string, r: ScanResult): TraceInputError | null {
  return r.overSize && new TraceInputError(file, Math.max(1, r.overSize.line), r.overSize.field, r.overSize.expected, r.overSize.found);
}

/** The world inferConfig would build from the scan so far. */
export function worldSize(r: ScanResult): WorldSize {
  return { pages: r.maxEnd, processes: r.mms.length, threads: r.threadParts, devices: r.devs.length, pfns: r.pfns.size, devicePfns: r.devicePfns };
}
