/**
 * The first pass over a trace: who does what, so the replay knows its world
 * before it starts (TRACE-FORMAT.md: threads bind to actors, mm and dev to
 * processes and mirrors, and without `preset` or `config` the world is
 * inferred from the trace). The pass keeps counts and first appearances,
 * never the events, so memory does not grow with the trace.
 */
import { idKey } from './ids.js';

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
  dev: string | null;
}

export interface ScanResult {
  /** Thread ids in order of first appearance, with the parts (CPU, device) each performs. */
  readonly tids: ScanTid[];
  readonly mms: string[];
  readonly devs: string[];
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
}

export function newScan(): ScanResult {
  return { tids: [], mms: [], devs: [], devMm: new Map(), pages: new Map(), pfns: new Set(), devPfns: new Map(), names: new Set(), forks: new Map(), events: 0 };
}

export function scanEvent(r: ScanResult, e: Readonly<Record<string, unknown>>): void {
  r.events++;
  const ev = e['ev'] as string;
  r.names.add(ev);
  const tid = e['tid'] as string;
  let t = r.tids.find((x) => x.tid === tid);
  if (!t) {
    t = { tid, cpu: false, device: false, neutral: false, mm: null, dev: null };
    r.tids.push(t);
  }
  const device = isDeviceEvent(e);
  if (device) t.device = true;
  else if (CPU_EVENTS.has(ev) || ev === 'migrate_vma_setup') t.cpu = true;
  else if (!EITHER_EVENTS.has(ev) && !(e['event'] === 'migrate' && ev !== 'invalidate_range_end')) t.neutral = true;
  const hasMm = 'mm' in e || 'page' in e || 'start' in e;
  const mm = hasMm ? idKey(e['mm'] ?? 0) : null;
  if (mm !== null && !r.mms.includes(mm)) r.mms.push(mm);
  if (mm !== null && t.mm === null && !device) t.mm = mm;
  if (ev === 'fork' && 'child' in e) {
    const child = idKey(e['child']);
    if (!r.mms.includes(child)) r.mms.push(child);
    if (!r.forks.has(tid)) r.forks.set(tid, child);
  }
  if ('dev' in e) {
    const dev = idKey(e['dev']);
    if (!r.devs.includes(dev)) r.devs.push(dev);
    if (device && t.dev === null) t.dev = dev;
    const isDevPfn = (ev === 'alloc_page' || ev === 'migrate_to_ram' || ev === 'folio_free') && e['pfn'] !== undefined;
    if (isDevPfn) {
      if (!r.devPfns.has(dev)) r.devPfns.set(dev, new Set());
      r.devPfns.get(dev)!.add(idKey(e['pfn']));
    }
    if ('mm' in e && !r.devMm.has(dev)) r.devMm.set(dev, idKey(e['mm']));
  }
  if (mm !== null) {
    const end = typeof e['end'] === 'number' ? (e['end'] as number) : typeof e['page'] === 'number' ? (e['page'] as number) + 1 : 0;
    if (end > (r.pages.get(mm) ?? 0)) r.pages.set(mm, end);
  }
  for (const k of ['pfn', 'src', 'dst']) {
    const v = e[k];
    if (v !== undefined && v !== null && ev !== 'migrate_copy') r.pfns.add(idKey(v));
  }
  const pfns = e['pfns'];
  if (Array.isArray(pfns)) {
    for (const p of pfns) {
      // hmm_range_fault's pfns are {page, pfn, write}; an eviction's are bare pfns of the device.
      if (p !== null && typeof p === 'object') {
        if ((p as { pfn: unknown }).pfn !== null) r.pfns.add(idKey((p as { pfn: unknown }).pfn));
      } else if (p !== null && p !== undefined) {
        r.pfns.add(idKey(p));
        if ('dev' in e) {
          const dev = idKey(e['dev']);
          if (!r.devPfns.has(dev)) r.devPfns.set(dev, new Set());
          r.devPfns.get(dev)!.add(idKey(p));
        }
      }
    }
  }
}
