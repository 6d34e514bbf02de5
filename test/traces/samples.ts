/**
 * Valid hmmtrace v1 events, one arbitrary per event kind of the schema, for
 * the round-trip and fuzz properties.
 */
import fc from 'fast-check';
import type { TraceEvent, TraceHeader } from '../../traces/index.js';

const id = fc.oneof(fc.nat(1000), fc.string({ minLength: 1, maxLength: 6 }));
const pfn = id;
const pfnOrNull = fc.oneof(pfn, fc.constant(null));
const page = fc.nat(15);
const bool = fc.boolean();
const value = fc.oneof(fc.integer(), fc.string({ maxLength: 5 }), fc.boolean(), fc.constant(null));
const invEvent = fc.constantFrom('unmap', 'clear', 'protection_vma', 'protection_page', 'soft_dirty', 'release', 'migrate', 'exclusive');
const tid = fc.constantFrom('cpu0', 'cpu1', 'gpu0', 'mig0', 'kworker/0:1');

type Fields = Record<string, fc.Arbitrary<unknown>>;
const range: Fields = { mm: id, start: page, end: page };

/** Required and optional fields per event, as TRACE-FORMAT.md lists them. */
export const EVENT_FIELDS: Record<string, [Fields, Fields?]> = {
  cpu_read: [{ mm: id, page, value }],
  cpu_write: [{ mm: id, page, value }],
  handle_mm_fault: [{ mm: id, page, write: bool }],
  do_swap_page: [{ mm: id, page, pfn }],
  munmap: [range],
  madvise_dontneed: [range],
  mprotect: [{ ...range, write: bool }],
  fork: [{ mm: id, child: id }],
  exit: [{ mm: id }],
  gup: [{ mm: id, page, pfn, pin: bool, longterm: bool }],
  unpin_user_page: [{ pfn }],
  invalidate_range_start: [{ ...range, event: invEvent }, { owner: id, blockable: bool, result: bool }],
  invalidate_range_end: [range],
  invalidate: [{ dev: id, ...range, event: invEvent }, { result: bool }],
  mmu_interval_read_begin: [{ dev: id }, { seq: id }],
  hmm_range_fault: [
    { dev: id, ...range, write: bool, result: fc.constantFrom('ok', 'EBUSY', 'EFAULT', 'EPERM') },
    { pfns: fc.array(fc.record({ page, pfn: pfnOrNull, write: bool }, { noNullPrototype: true }), { maxLength: 3 }) },
  ],
  driver_lock: [{ dev: id }],
  driver_unlock: [{ dev: id }],
  mmu_interval_read_retry: [{ dev: id, retry: bool }, { seq: id }],
  devpt_map: [{ dev: id, page, pfn, write: bool }, { atomic: bool }],
  devpt_unmap: [{ dev: id, page }],
  device_read: [{ dev: id, page, value }],
  device_write: [{ dev: id, page, value }],
  migrate_vma_setup: [
    {
      dev: id,
      ...range,
      select: fc.subarray(['system', 'device_private', 'device_coherent']),
      src: fc.array(fc.record({ page, pfn: pfnOrNull, migrate: bool, write: bool }, { noNullPrototype: true }), { maxLength: 3 }),
    },
  ],
  alloc_page: [{ pfn }, { dev: id }],
  migrate_copy: [{ page, src: pfnOrNull, dst: pfn }],
  migrate_vma_pages: [{ dev: id, migrated: fc.array(page, { maxLength: 3 }) }],
  migrate_vma_finalize: [{ dev: id }],
  migrate_to_ram: [{ dev: id, mm: id, page, pfn }],
  folio_free: [{ pfn, dev: id }],
  make_device_exclusive: [{ dev: id, mm: id, page, pfn }],
  migrate_device_range: [{ dev: id, pfns: fc.array(pfn, { maxLength: 3 }) }],
  mem_cgroup_charge: [{ pfn, memcg: id }],
  mem_cgroup_uncharge: [{ pfn, memcg: id }],
  mem_cgroup_migrate: [{ src: pfn, dst: pfn }],
  migrate_vma_collect: [{ dev: id, ...range }],
};

export function eventArb(name: string): fc.Arbitrary<TraceEvent> {
  const [req, opt = {}] = EVENT_FIELDS[name]!;
  const common: Fields = { note: fc.string({ maxLength: 8 }), cpu: fc.nat(7) };
  return fc
    .record({ ev: fc.constant(name), tid, ...req, ...opt, ...common }, { requiredKeys: ['ev', 'tid', ...Object.keys(req)] as never[], noNullPrototype: true })
    .map((e) => e as TraceEvent);
}

export const anyEvent: fc.Arbitrary<TraceEvent> = fc.oneof(...Object.keys(EVENT_FIELDS).map(eventArb));

export const headerArb: fc.Arbitrary<TraceHeader> = fc
  .record(
    {
      hmmtrace: fc.constant(1 as const),
      source: fc.string({ maxLength: 20 }),
      preset: fc.constantFrom('tiny', 'small'),
      observed: fc.subarray(Object.keys(EVENT_FIELDS)),
      variant: fc.subarray(['D1', 'D2', 'B3']),
    },
    { requiredKeys: ['hmmtrace'], noNullPrototype: true },
  )
  .map((h) => h as TraceHeader);

/** Events with non-decreasing timestamps, as a recorder writes them. */
export const eventsArb: fc.Arbitrary<TraceEvent[]> = fc
  .array(fc.tuple(anyEvent, fc.option(fc.nat(1000), { nil: undefined })), { maxLength: 30 })
  .map((pairs) => {
    let t = 0;
    return pairs.map(([e, dt]) => (dt === undefined ? e : { ...e, t: (t += dt) }));
  });
