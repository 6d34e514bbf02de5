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
  'devpt_unmap',
  'device_read',
  'device_write',
]);

export interface ScanResult {
  /** Thread ids in order of first appearance, with the parts (CPU, device) each performs. */
  readonly tids: { readonly tid: string; cpu: boolean; device: boolean; mm: string | null; dev: string | null }[];
  readonly mms: string[];
  readonly devs: string[];
  /** The mm each dev mirrors, from events that name both. */
  readonly devMm: Map<string, string>;
  /** Highest page index (exclusive end) per mm. */
  readonly pages: Map<string, number>;
  readonly pfns: Set<string>;
  /** Event names that appear. */
  readonly names: Set<string>;
  events: number;
}

export function newScan(): ScanResult {
  return { tids: [], mms: [], devs: [], devMm: new Map(), pages: new Map(), pfns: new Set(), names: new Set(), events: 0 };
}

export function scanEvent(r: ScanResult, e: Readonly<Record<string, unknown>>): void {
  r.events++;
  const ev = e['ev'] as string;
  r.names.add(ev);
  const tid = e['tid'] as string;
  let t = r.tids.find((x) => x.tid === tid);
  if (!t) {
    t = { tid, cpu: false, device: false, mm: null, dev: null };
    r.tids.push(t);
  }
  if (DEVICE_EVENTS.has(ev)) t.device = true;
  else t.cpu = true;
  const hasMm = 'mm' in e || 'page' in e || 'start' in e;
  const mm = hasMm ? idKey(e['mm'] ?? 0) : null;
  if (mm !== null && !r.mms.includes(mm)) r.mms.push(mm);
  if (mm !== null && t.mm === null && !DEVICE_EVENTS.has(ev)) t.mm = mm;
  if ('dev' in e) {
    const dev = idKey(e['dev']);
    if (!r.devs.includes(dev)) r.devs.push(dev);
    if (DEVICE_EVENTS.has(ev) && t.dev === null) t.dev = dev;
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
  if (Array.isArray(pfns)) for (const p of pfns) if (p && (p as { pfn: unknown }).pfn !== null) r.pfns.add(idKey((p as { pfn: unknown }).pfn));
}
