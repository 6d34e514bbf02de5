/**
 * ftrace/kprobe output of a kernel running lib/test_hmm.c (probe set of
 * shared/kernel-traces/linux-6.1/kprobe_events.txt) as hmmtrace v1 events.
 *
 * Identities: tid = the task's pid, mm = its tgid, page = the index in the
 * test's buffers (layout.ts), dev = `dmirror<k>` for the k-th mirror opened
 * (its interval notifier `sub` is the dmirror + 0x18), pfn = the frame
 * number as a hex string (`struct page *` values and pfn words decoded as
 * NOTES.md says), seq = the notifier sequence as printed.
 *
 * | ftrace event (function)                           | hmmtrace event |
 * |---------------------------------------------------|----------------|
 * | sched_process_fork                                | fork {mm, child}; nothing for a thread (its TGID column is its creator's) |
 * | sys_exit_group                                    | exit {mm} |
 * | sys_munmap / sys_mprotect / sys_madvise(DONTNEED) | munmap / mprotect / madvise_dontneed, clipped to the buffers |
 * | handle_mm_fault (mm/memory.c)                     | handle_mm_fault {mm, page, write = FAULT_FLAG_WRITE}; not an attempt under the per-VMA lock that only returned VM_FAULT_RETRY (below) |
 * | sys_munmap / sys_mprotect / sys_madvise(DONTNEED) | munmap / mprotect / madvise_dontneed {entry}, clipped to the buffers |
 * | handle_mm_fault (mm/memory.c)                     | handle_mm_fault {mm, page, write = FAULT_FLAG_WRITE} |
 * | do_swap_page + dmirror_devmem_fault               | do_swap_page {pfn = vmf->page}, migrate_to_ram |
 * | __mmu_notifier_invalidate_range_start             | invalidate_range_start {event, blockable} (clipped) |
 * | __mmu_notifier_invalidate_range_end               | invalidate_range_end |
 * | dmirror_interval_invalidate .. _ret               | invalidate {result = ret, cleared = a dmirror_do_update ran inside} |
 * | mmu_interval_read_begin_ret                       | mmu_interval_read_begin {seq} |
 * | hmm_range_fault .. _ret                           | hmm_range_fault {write = HMM_PFN_REQ_WRITE, result, pfns: each page whose PTE the last walk saw present, write = the PTE's RW bit} |
 * | dmirror_do_fault                                  | devpt_map per page (pfns[0..7] as hmm_range_fault returned them, then the walk's PTEs) |
 * | migrate_vma_setup .. _ret + dmirror_*alloc_and_copy | migrate_vma_setup {select, src (first 8 entries)} |
 * | dmirror_devmem_fault_alloc_and_copy               | devpt_unmap (its xa_erase) |
 * | migrate_vma_pages (+ migrate_vma_finalize's src)  | migrate_vma_pages {migrated, unseen: pages past the 8th} |
 * | migrate_vma_finalize                              | migrate_vma_finalize |
 * | dmirror_migrate_finalize_and_map                  | devpt_map per migrated page (dst pfn); past the 8th, per page with pfn and write unseen: replay maps what the model's driver would, if anything |
 * | dmirror_devmem_free                               | folio_free {pfn} |
 *
 * Ignored, as the model has no step for them or they repeat what the events
 * above say: the walk internals (hmm_vma_*, hmm_pfns_fill), the driver's
 * wrappers (dmirror_read/write/fault/range_fault/do_read/do_write/ioctl and
 * their returns), mn_itree_*, __mmu_notifier_invalidate_range,
 * mmu_notifier_release, migrate_vma_collect*, migrate_vma_unmap,
 * migrate_device_unmap, migrate_vma_check_page, dmirror_devmem_alloc_page
 * and dmirror_allocate_chunk (allocation is unobserved: system pages for
 * migrate_to_ram are not traced), sched_process_exec/exit, sys_mmap and
 * sys_ioctl (read in the first pass: session.ts), the markers.
 * Left out, and counted in the summary: events outside the buffers, the
 * invalidation brackets of __split_huge_pmd (a split changes no page's
 * mapping; the device entries it clears are refilled by the next fault),
 * and everything a process does after its last mirror is gone
 * (mmu_interval_notifier_remove: the model's mirrors live as long as their mm).
 * Left out with a note: a user fault's first attempt under the per-VMA lock
 * (v6.6+, 1235ccd05b6d) whose handle_mm_fault (flags has FAULT_FLAG_VMA_LOCK)
 * returned VM_FAULT_RETRY after its do_swap_page (fflags has it too) returned
 * VM_FAULT_RETRY with no other line of the task in between: do_swap_page found
 * a device-private entry, dropped the VMA lock and returned before touching
 * anything (mm/memory.c do_swap_page: "migrate_to_ram is not yet ready to
 * operate under VMA lock"), and do_user_addr_fault retries the fault under
 * mmap_lock, a second handle_mm_fault the import keeps. An attempt that
 * returned anything else, or did anything else, is kept.
 * Hidden (the probe set cannot see them, replay fills them in): CPU loads and
 * stores, the driver mutex, mmu_interval_read_retry (inline), device
 * accesses, page allocation and copies, and array entries past the 8th.
 *
 * Test cases the model does not cover stop the import at their first line
 * that needs them (`unsupported`): shared, file or hugetlbfs mappings, THP,
 * buffers mapped other than read-write, PROT_NONE, snapshots, exclusive
 * access, explicit migration to system memory, device eviction while pages
 * are in use, migration to device-coherent memory (known from the test name
 * of the HMMTEST_BEGIN marker: hmm.hmm_device_coherent.*), and migration in
 * a process that mirrors two devices (the hmm2 fixture).
 */
import { TraceInputError } from '../errors.js';
import type { CaptureReport } from './capture.js';
import type { FtraceLine } from './line.js';
import { Layout } from './layout.js';
import { OutQueue, type Ev, type Slot } from './outQueue.js';
import { decodeFields, hmmPfnWord, migratePfnWord, pagePointerToPfn, type Probe, type Value } from './probes.js';
import type { Session } from './session.js';

/** mmu_notifier_range.event (include/linux/mmu_notifier.h). */
const EVENTS = ['unmap', 'clear', 'protection_vma', 'protection_page', 'soft_dirty', 'release', 'migrate', 'exclusive'];
/** struct dmirror's interval notifier is at offset 0x18 (NOTES.md: mni = dmirror + 0x18). */
const MNI_OFFSET = 0x18n;
const FAULT_FLAG_WRITE = 0x1n;
/** The fault runs under the per-VMA lock, not mmap_lock (include/linux/mm_types.h, v6.4+). */
const FAULT_FLAG_VMA_LOCK = 0x1000n;
const VM_FAULT_RETRY = 0x400n;
const HMM_PFN_REQ_WRITE = 1n << 62n;
const MADV_DONTNEED = 4n;
const MAP_HUGETLB = 0x40000;
const PTE_PRESENT = 1n;
const PTE_RW = 2n;
const PTE_PFN_MASK = 0x000ffffffffff000n;

export const IMPORT_OBSERVED = [
  'handle_mm_fault',
  'do_swap_page',
  'munmap',
  'mprotect',
  'madvise_dontneed',
  'fork',
  'exit',
  'invalidate_range_start',
  'invalidate_range_end',
  'invalidate',
  'mmu_interval_read_begin',
  'hmm_range_fault',
  'devpt_map',
  'devpt_unmap',
  'migrate_vma_setup',
  'migrate_vma_pages',
  'migrate_vma_finalize',
  'migrate_to_ram',
  'folio_free',
] as const;

/** Events of the probe set (and tracepoints) the importer reads for nothing: documented above. */
const IGNORED = new Set([
  'dmirror_fops_open',
  'dmirror_fops_release',
  'dmirror_ioctl',
  'dmirror_ioctl_ret',
  'dmirror_read',
  'dmirror_read_ret',
  'dmirror_write',
  'dmirror_write_ret',
  'dmirror_do_read',
  'dmirror_do_read_ret',
  'dmirror_do_write',
  'dmirror_do_write_ret',
  'dmirror_fault',
  'dmirror_fault_ret',
  'dmirror_range_fault',
  'dmirror_range_fault_ret',
  'dmirror_do_fault_ret',
  'dmirror_migrate_to_device',
  'dmirror_migrate_to_device_ret',
  'dmirror_migrate_finalize_and_map_ret',
  'dmirror_devmem_alloc_page',
  'dmirror_devmem_alloc_page_ret',
  'dmirror_allocate_chunk',
  'dmirror_allocate_chunk_ret',
  'dmirror_devmem_fault_ret',
  'dmirror_device_evict_chunk',
  'hmm_vma_walk_test',
  'hmm_vma_walk_test_ret',
  'hmm_vma_walk_pud',
  'hmm_vma_walk_pud_ret',
  'hmm_vma_walk_pmd',
  'hmm_vma_walk_pmd_ret',
  'hmm_vma_walk_hole',
  'hmm_vma_walk_hole_ret',
  'hmm_vma_fault',
  'hmm_vma_fault_ret',
  'hmm_vma_handle_pte_ret',
  'hmm_pfns_fill',
  'mmu_interval_notifier_insert_ret',
  'mn_itree_invalidate',
  'mn_itree_invalidate_ret',
  'mn_itree_inv_end',
  'mmu_notifier_invalidate_range',
  'mmu_notifier_release',
  'mn_itree_release',
  'handle_mm_fault_ret',
  'do_swap_page_ret',
  'migrate_vma_collect',
  'migrate_vma_collect_pmd',
  'migrate_vma_collect_pmd_ret',
  'migrate_vma_collect_hole',
  'migrate_vma_collect_hole_ret',
  'migrate_vma_collect_skip',
  'migrate_vma_collect_skip_ret',
  'migrate_vma_unmap',
  'migrate_device_unmap',
  'migrate_device_unmap_ret',
  'migrate_vma_check_page',
  'migrate_vma_check_page_ret',
  'migrate_device_pages',
  'migrate_device_finalize',
  'sched_process_exec',
  'sched_process_exit',
  'tracing_mark_write',
]);

/** Probe events that put a test case outside what the model covers. */
const UNSUPPORTED: Record<string, string> = {
  dmirror_snapshot: 'HMM_DMIRROR_SNAPSHOT (the model has snapshots; the importer does not map them yet)',
  dmirror_range_snapshot: 'HMM_DMIRROR_SNAPSHOT (the model has snapshots; the importer does not map them yet)',
  dmirror_snapshot_invalidate: 'a snapshot notifier (the model has snapshots; the importer does not map them yet)',
  dmirror_exclusive: 'HMM_DMIRROR_EXCLUSIVE (device-exclusive entries are modelled, but the importer does not translate them yet)',
  make_device_exclusive_range: 'make_device_exclusive_range (device-exclusive entries are modelled, but the importer does not translate them yet)',
  dmirror_check_atomic: 'HMM_DMIRROR_CHECK_EXCLUSIVE (device-exclusive entries are modelled, but the importer does not translate them yet)',
  dmirror_migrate_to_system: 'HMM_DMIRROR_MIGRATE_TO_SYS (explicit migration back is not imported yet)',
  dmirror_fops_mmap: 'an mmap of the dmirror device file (a VM_MIXEDMAP mapping)',
  hmm_vma_walk_hugetlb_entry: 'a hugetlbfs mapping',
  hmm_vma_handle_pmd: 'a huge PMD (THP) mapping',
  migrate_device_coherent_page: 'device-coherent memory (modelled, but the importer does not translate it yet)',
  copy_nonpresent_pte: 'fork of a non-present PTE (device-private or exclusive entry at fork)',
  remove_device_exclusive_entry: 'a device-exclusive entry',
  dmirror_device_remove_chunks: 'HMM_DMIRROR_RELEASE (device eviction of pages in use is not imported yet)',
};

export interface ImportSummary {
  test: string | null;
  rc: number | null;
  /** Non-comment lines read. */
  lines: number;
  /** hmmtrace events written. */
  events: number;
  /** Lines whose object lies outside every buffer (faults, invalidations of other memory). */
  outside: number;
  /** Invalidation brackets of PMD splits left out. */
  splits: number;
  /** Lines of processes whose last mirror was removed. */
  afterRelease: number;
  /**
   * The first line the model does not cover, and why; the import stops
   * there. Or, with `missing`, where the capture shows it is not whole
   * (capture.ts): no verdict either way can be given on it.
   */
  unsupported: { line: number; reason: string; missing?: true } | null;
  /** Per hmmtrace event name, how many. */
  counts: Record<string, number>;
  /** What the capture says about itself: its counts, markers and test result (capture.ts). */
  capture: CaptureReport | null;
  /** What a reader of the verdict should know (a failing test, ...). */
  notes: string[];
}

interface Bracket {
  readonly mm: number;
  readonly slots: Slot[];
  /** null: nothing of the bracket is in the buffers. */
  readonly range: { start: number; end: number } | null;
  split: boolean | null;
  /** A held place before the bracket, for its fork. */
  readonly before: Slot | null;
}

interface PendingInvalidate {
  readonly dev: string;
  readonly mm: number;
  readonly start: bigint;
  readonly end: bigint;
  readonly event: string;
  readonly own: boolean;
  cleared: boolean;
}

interface Walk {
  readonly dev: string;
  readonly start: bigint;
  readonly end: bigint;
  readonly write: boolean;
  readonly pte: Map<number, bigint>;
}

interface Migration {
  readonly dev: string;
  readonly mm: number;
  readonly start: bigint;
  readonly end: bigint;
  readonly select: string[];
  setup: Slot | null;
  pages: Slot | null;
  pagesEvent: Ev | null;
}

interface Task {
  brackets: Bracket[];
  inv: PendingInvalidate | null;
  walk: Walk | null;
  lastWalk: Walk | null;
  beginSub: bigint | null;
  dev: string | null;
  mig: Migration | null;
  swap: { line: number; mm: number; page: number } | null;
  /** The held place of a fork whose copy_page_range has begun. */
  fork: Slot | null;
}

/**
 * A fault under the per-VMA lock, its handle_mm_fault held until it returns;
 * `swap`: how far its do_swap_page got, null before it.
 */
interface VmaLockTry {
  readonly slot: Slot;
  readonly page: number;
  swap: 'entered' | 'retry' | null;
}

/** A summary before any line is imported. */
export function emptySummary(test: string | null, rc: number | null): ImportSummary {
  return { test, rc, lines: 0, events: 0, outside: 0, splits: 0, afterRelease: 0, unsupported: null, counts: {}, capture: null, notes: [] };
}

const hexPfn = (pfn: bigint): string => `0x${pfn.toString(16)}`;
const notifierEvent = (n: bigint): string => EVENTS[Number(n)] ?? `event ${n}`;

export class FtraceImporter {
  readonly summary: ImportSummary;
  private readonly layout: Layout;
  private readonly out: OutQueue;
  private readonly tasks = new Map<number, Task>();
  /** dmirror pointer -> dev name and the tgid that opened it. */
  private readonly mirrors = new Map<bigint, { name: string; tgid: number; removed: boolean }>();
  /** pgmap owner pointer -> the mirrors of that device (their dmirror_device). */
  private readonly owners = new Map<bigint, Set<string>>();
  /** Device pfn -> the mirror whose migration mapped it. */
  private readonly devOf = new Map<string, string>();
  /** tgids whose mirrors are all gone. */
  private readonly retired = new Set<number>();
  /** Per task (pid), its fault under the per-VMA lock that has not returned. */
  private readonly vmaTries = new Map<number, VmaLockTry>();
  /** Per-VMA-lock attempts left out, and the first one's line. */
  private vmaRetries = { count: 0, first: 0, note: -1 };
  private stopped = false;

  constructor(
    private readonly session: Session,
    private readonly probes: ReadonlyMap<string, Probe>,
    private readonly file: string,
    sink: (line: number, event: Ev) => void,
  ) {
    this.layout = new Layout(session);
    this.summary = emptySummary(session.test, session.rc);
    this.out = new OutQueue((line, e) => {
      this.summary.events++;
      this.summary.counts[e.ev] = (this.summary.counts[e.ev] ?? 0) + 1;
      sink(line, e);
    });
  }

  /** Whether the import has stopped at a line the model does not cover. */
  get done(): boolean {
    return this.stopped;
  }

  private task(pid: number): Task {
    let t = this.tasks.get(pid);
    if (!t) this.tasks.set(pid, (t = { brackets: [], inv: null, walk: null, lastWalk: null, beginSub: null, dev: null, mig: null, swap: null, fork: null }));
    return t;
  }

  private stop(line: number, reason: string): void {
    if (this.stopped) return;
    this.stopped = true;
    this.keepVmaTries();
    this.summary.unsupported = { line, reason };
  }

  private fields(l: FtraceLine): Map<string, Value> {
    const probe = this.probes.get(l.event);
    if (!probe) throw new TraceInputError(this.file, l.line, 'event', 'an event of the probe set (see --probes) or a documented tracepoint', JSON.stringify(l.event));
    const p = l.payload;
    if (p.kind !== 'entry' && p.kind !== 'return') throw new TraceInputError(this.file, l.line, l.event, 'a kprobe event "(FUNC+OFF/SIZE) name=value ..."', p.kind);
    return decodeFields(probe, p.args, this.file, l.line);
  }

  private mirrorOf(dmirror: bigint): { name: string; tgid: number; removed: boolean } | undefined {
    return this.mirrors.get(dmirror);
  }

  /** An hmmtrace event of this line's task, noting the line it comes from. */
  private event(l: FtraceLine, e: Record<string, unknown>): Ev {
    return { ev: e['ev'], tid: String(l.pid), ...e, note: `ftrace line ${l.line}: ${l.event}` } as unknown as Ev;
  }

  /** The mirror a device pfn belongs to: the one whose migration mapped it, else the process's. */
  private deviceOf(pfn: string, tgid: number): string | undefined {
    return this.devOf.get(pfn) ?? [...this.mirrors.values()].find((m) => m.tgid === tgid)?.name;
  }

  private emit(l: FtraceLine, e: Record<string, unknown>): Slot {
    const event = this.event(l, e);
    const t = this.task(l.pid);
    const b = t.brackets[t.brackets.length - 1];
    if (b && b.split === null) {
      const s = this.out.hold(l.line, event);
      b.slots.push(s);
      return s;
    }
    return this.out.emit(l.line, event);
  }

  feed(l: FtraceLine): void {
    if (this.stopped) return;
    this.summary.lines++;
    this.layout.now = l.line;
    const p = l.payload;
    const tgid = l.tgid ?? l.pid;
    if (this.vmaTries.has(l.pid)) this.vmaTryLine(l);
    if (p.kind === 'marker') return;
    if (l.event.startsWith('sys_')) return this.syscall(l, tgid);
    if (l.event === 'sched_process_fork') {
      if (p.kind !== 'tracepoint') return;
      const child = Number(p.args.get('child_pid'));
      if (this.retired.has(tgid)) return void this.summary.afterRelease++;
      // pthread_create: a second task in the same mm, not a fork.
      if (this.session.threads.get(child) === tgid) return;
      const t = this.task(l.pid);
      const event = this.event(l, { ev: 'fork', mm: String(tgid), child: String(child) });
      // The tracepoint fires when copy_process is done: after the copy_page_range brackets, which the fork began.
      if (t.fork) this.out.settle(t.fork, event);
      else this.out.emit(l.line, event);
      t.fork = null;
      return;
    }
    if (UNSUPPORTED[l.event]) return this.stop(l.line, UNSUPPORTED[l.event]!);
    if (IGNORED.has(l.event)) {
      // Checked even when unused: a line of another probe set is refused, not misread.
      if (!this.probes.has(l.event)) return;
      const f = this.fields(l);
      // The driver's entry points name the mirror its task works for next.
      const dm = f.get('dmirror');
      const m = typeof dm === 'bigint' ? this.mirrorOf(dm) : undefined;
      if (m) this.task(l.pid).dev = m.name;
      return;
    }
    if (this.retired.has(tgid)) {
      this.fields(l);
      this.summary.afterRelease++;
      return;
    }
    const f = this.fields(l);
    const t = this.task(l.pid);
    const x = (k: string): bigint => f.get(k) as bigint;
    switch (l.event) {
      case 'mmu_interval_notifier_insert': {
        if (!String(f.get('ops')).startsWith('dmirror_min_ops')) return this.stop(l.line, `an interval notifier with ops ${String(f.get('ops'))}`);
        const dmirror = x('sub') - MNI_OFFSET;
        this.mirrors.set(dmirror, { name: `dmirror${this.mirrors.size}`, tgid, removed: false });
        return;
      }
      case 'mmu_interval_notifier_remove': {
        const m = this.mirrorOf(x('sub') - MNI_OFFSET);
        if (!m) return;
        m.removed = true;
        if ([...this.mirrors.values()].every((y) => y.tgid !== m.tgid || y.removed)) this.retired.add(m.tgid);
        return;
      }
      case 'handle_mm_fault': {
        const page = this.layout.page(x('address'));
        if (page < 0) return void this.summary.outside++;
        const e = { ev: 'handle_mm_fault', mm: String(tgid), page, write: (x('flags') & FAULT_FLAG_WRITE) !== 0n };
        const b = t.brackets[t.brackets.length - 1];
        if ((x('flags') & FAULT_FLAG_VMA_LOCK) !== 0n && !(b && b.split === null)) {
          this.vmaTries.set(l.pid, { slot: this.out.hold(l.line, this.event(l, e)), page, swap: null });
          return;
        }
        this.emit(l, e);
        return;
      }
      case 'do_swap_page': {
        const page = this.layout.page(x('address'));
        if (page < 0) return void this.summary.outside++;
        t.swap = { line: l.line, mm: tgid, page };
        return;
      }
      case 'dmirror_devmem_fault': {
        const sw = t.swap;
        t.swap = null;
        const pfn = pagePointerToPfn(x('page'));
        if (!sw || pfn === null) return this.stop(l.line, 'dmirror_devmem_fault without its do_swap_page (or a page pointer outside vmemmap)');
        const name = hexPfn(pfn);
        const dev = this.deviceOf(name, tgid);
        if (!dev) return this.stop(l.line, 'a device page of no known mirror');
        t.dev = dev;
        this.emit({ ...l, line: sw.line, event: 'do_swap_page' }, { ev: 'do_swap_page', mm: String(sw.mm), page: sw.page, pfn: name });
        this.emit(l, { ev: 'migrate_to_ram', dev, mm: String(sw.mm), page: sw.page, pfn: name });
        return;
      }
      case 'mmu_notifier_invalidate_range_start': {
        const range = this.layout.clip(x('start'), x('end'));
        if (range === 'split') return this.stop(l.line, 'an invalidation over two buffers that are not adjacent');
        // A place for the fork this bracket may belong to (known at its return).
        const before = t.fork ? null : this.out.hold(l.line);
        const b: Bracket = { mm: tgid, slots: [], range, split: null, before };
        t.brackets.push(b);
        if (!range) {
          this.summary.outside++;
          return;
        }
        const ev = notifierEvent(x('event'));
        this.emit(l, { ev: 'invalidate_range_start', mm: String(tgid), ...range, event: ev, blockable: (x('flags') & 1n) !== 0n });
        return;
      }
      case 'mmu_notifier_invalidate_range_start_ret': {
        const b = t.brackets[t.brackets.length - 1];
        if (!b || b.split !== null) return;
        const caller = p.kind === 'return' ? p.caller : '';
        b.split = caller.startsWith('__split_huge_pmd');
        if (b.before) {
          if (caller.startsWith('copy_page_range')) t.fork = b.before;
          else this.out.settle(b.before, null);
        }
        if (b.split && b.range) this.summary.splits++;
        for (const s of b.slots) this.out.settle(s, b.split ? null : s.event);
        // Events of a split bracket's callbacks were held with it; the rest of it (its end) is dropped too.
        return;
      }
      case 'mmu_notifier_invalidate_range_end': {
        const b = t.brackets.pop();
        if (!b || !b.range) return;
        if (b.split) return;
        this.emit(l, { ev: 'invalidate_range_end', mm: String(b.mm), ...b.range });
        return;
      }
      case 'dmirror_interval_invalidate': {
        const m = this.mirrorOf(x('mni') - MNI_OFFSET);
        if (!m) return this.stop(l.line, 'an invalidate callback of a notifier that was never inserted');
        const ev = notifierEvent(x('event'));
        const own = ev === 'migrate' && (this.owners.get(x('owner'))?.has(m.name) ?? false);
        t.inv = { dev: m.name, mm: m.tgid, start: x('start'), end: x('end'), event: ev, own, cleared: false };
        return;
      }
      case 'dmirror_do_update': {
        if (t.inv && x('start') <= t.inv.start && x('end') >= t.inv.end) t.inv.cleared = true;
        return;
      }
      case 'dmirror_interval_invalidate_ret': {
        const inv = t.inv;
        t.inv = null;
        if (!inv) return;
        const range = this.layout.clip(inv.start, inv.end);
        if (range === null || range === 'split') return void this.summary.outside++;
        const result = x('ret') !== 0n;
        const extra = !result ? { result: false } : inv.own || inv.cleared ? {} : { cleared: false };
        this.emit(l, { ev: 'invalidate', dev: inv.dev, mm: String(inv.mm), ...range, event: inv.event, ...extra });
        return;
      }
      case 'mmu_interval_read_begin': {
        t.beginSub = x('sub');
        return;
      }
      case 'mmu_interval_read_begin_ret': {
        const m = t.beginSub === null ? undefined : this.mirrorOf(t.beginSub - MNI_OFFSET);
        t.beginSub = null;
        if (!m) return this.stop(l.line, 'mmu_interval_read_begin of a notifier that is not a mirror');
        this.emit(l, { ev: 'mmu_interval_read_begin', dev: m.name, seq: String(x('seq')) });
        return;
      }
      case 'hmm_range_fault': {
        const dev = t.dev;
        if (!dev) return this.stop(l.line, 'hmm_range_fault outside a dmirror_range_fault');
        this.noteOwner(x('owner'), dev);
        t.walk = { dev, start: x('start'), end: x('end'), write: (x('default_flags') & HMM_PFN_REQ_WRITE) !== 0n, pte: new Map() };
        return;
      }
      case 'hmm_vma_handle_pte': {
        const page = this.layout.page(x('addr'));
        if (t.walk && page >= 0) t.walk.pte.set(page, x('pte'));
        return;
      }
      case 'hmm_range_fault_ret': {
        const w = t.walk;
        t.walk = null;
        if (!w) return;
        const range = this.layout.clip(w.start, w.end);
        if (range === null) return void this.summary.outside++;
        if (range === 'split') return this.stop(l.line, 'a device fault over two buffers that are not adjacent');
        const ret = Number(x('ret'));
        const result = ret === 0 ? 'ok' : ret === -16 ? 'EBUSY' : ret === -14 ? 'EFAULT' : ret === -1 ? 'EPERM' : null;
        if (result === null) return this.stop(l.line, `hmm_range_fault returned ${ret}`);
        const pfns: { page: number; pfn: string; write: boolean }[] = [];
        if (result === 'ok') {
          for (const [page, pte] of w.pte) {
            if ((pte & PTE_PRESENT) !== 0n) pfns.push({ page, pfn: hexPfn((pte & PTE_PFN_MASK) >> 12n), write: (pte & PTE_RW) !== 0n });
          }
        }
        t.lastWalk = w;
        this.emit(l, { ev: 'hmm_range_fault', dev: w.dev, mm: String(tgid), ...range, write: w.write, result, ...(pfns.length > 0 ? { pfns } : {}) });
        return;
      }
      case 'dmirror_do_fault': {
        const m = this.mirrorOf(x('dmirror'));
        if (!m) return this.stop(l.line, 'dmirror_do_fault of an unknown mirror');
        const start = x('start');
        const words = f.get('pfns') as readonly bigint[];
        const n = Number((x('end') - start) / 4096n);
        for (let i = 0; i < n; i++) {
          const page = this.layout.page(start + BigInt(i) * 4096n);
          if (page < 0) continue;
          let pfn: string | null = null;
          let write = false;
          if (i < 8) {
            const wd = hmmPfnWord(words[i]!);
            if (!wd.valid || wd.error) continue;
            pfn = hexPfn(wd.pfn);
            write = wd.write;
          } else {
            const pte = t.lastWalk?.pte.get(page);
            if (pte === undefined || (pte & PTE_PRESENT) === 0n) return this.stop(l.line, `dmirror_do_fault maps page ${page} (entry ${i} of the chunk, past the 8 the probe shows) whose PTE the walk did not show present`);
            pfn = hexPfn((pte & PTE_PFN_MASK) >> 12n);
            write = (pte & PTE_RW) !== 0n;
          }
          this.emit(l, { ev: 'devpt_map', dev: m.name, page, pfn, write });
        }
        return;
      }
      case 'migrate_vma_setup': {
        const dev = t.dev;
        if (!dev) return this.stop(l.line, 'migrate_vma_setup outside a dmirror migration');
        const flags = x('flags');
        if ((flags & 1n) !== 0n && /device_coherent/.test(this.session.test ?? '')) {
          return this.stop(l.line, 'a migration to device-coherent memory (MEMORY_DEVICE_COHERENT is modelled, but the importer does not translate it yet)');
        }
        if ([...this.mirrors.values()].filter((y) => y.tgid === tgid && !y.removed).length > 1) {
          return this.stop(l.line, 'a migration by a process that mirrors two devices (several devices are modelled, but the importer does not translate them yet)');
        }
        const select = [...(flags & 1n ? ['system'] : []), ...(flags & 2n ? ['device_private'] : []), ...(flags & 4n ? ['device_coherent'] : [])];
        this.noteOwner(x('owner'), dev);
        t.mig = { dev, mm: tgid, start: x('start'), end: x('end'), select, setup: null, pages: null, pagesEvent: null };
        return;
      }
      case 'migrate_vma_setup_ret': {
        const m = t.mig;
        if (!m) return;
        if (x('ret') !== 0n) return this.stop(l.line, `migrate_vma_setup returned ${x('ret')}`);
        const range = this.layout.clip(m.start, m.end);
        if (range === null || range === 'split') return this.stop(l.line, 'a migration outside the buffers');
        m.setup = this.out.hold(l.line, this.event(l, { ev: 'migrate_vma_setup', dev: m.dev, mm: String(m.mm), ...range, select: m.select, src: [] }));
        return;
      }
      case 'dmirror_migrate_alloc_and_copy':
      case 'dmirror_devmem_fault_alloc_and_copy': {
        const m = t.mig;
        if (!m?.setup) return this.stop(l.line, `${l.event} without its migrate_vma_setup`);
        const words = l.event === 'dmirror_devmem_fault_alloc_and_copy' ? [x('src0')] : (f.get('src') as readonly bigint[]);
        const n = Number(x('npages'));
        const src: { page: number; pfn: string | null; migrate: boolean; write: boolean }[] = [];
        for (let i = 0; i < Math.min(n, words.length); i++) {
          const page = this.layout.page(m.start + BigInt(i) * 4096n);
          const wd = migratePfnWord(words[i]!);
          src.push({ page, pfn: wd.valid ? hexPfn(wd.pfn) : null, migrate: wd.migrate, write: wd.write });
        }
        this.out.settle(m.setup, { ...m.setup.event!, src });
        if (l.event === 'dmirror_devmem_fault_alloc_and_copy') {
          for (const e of src) if (e.migrate) this.emit(l, { ev: 'devpt_unmap', dev: m.dev, page: e.page });
        }
        return;
      }
      case 'migrate_vma_pages': {
        const m = t.mig;
        if (!m) return this.stop(l.line, 'migrate_vma_pages without its migrate_vma_setup');
        m.pages = this.out.hold(l.line);
        m.pagesEvent = this.event(l, { ev: 'migrate_vma_pages', dev: m.dev, migrated: [] });
        return;
      }
      case 'dmirror_migrate_finalize_and_map': {
        const m = t.mig;
        if (!m) return this.stop(l.line, 'dmirror_migrate_finalize_and_map without its migration');
        const src = f.get('src') as readonly bigint[];
        const dst = f.get('dst') as readonly bigint[];
        const n = Number((x('end') - x('start')) / 4096n);
        for (let i = 0; i < n; i++) {
          const page = this.layout.page(x('start') + BigInt(i) * 4096n);
          if (i >= 8) {
            this.emit(l, { ev: 'devpt_map', dev: m.dev, page, pfn: '?', write: true, unseen: ['pfn', 'write'] });
            continue;
          }
          const s = migratePfnWord(src[i]!);
          const d = migratePfnWord(dst[i]!);
          if (!s.migrate || !d.valid) continue;
          const pfn = hexPfn(d.pfn);
          this.devOf.set(pfn, m.dev);
          this.emit(l, { ev: 'devpt_map', dev: m.dev, page, pfn, write: s.write });
        }
        return;
      }
      case 'migrate_vma_finalize': {
        const m = t.mig;
        t.mig = null;
        if (!m?.pages) return this.stop(l.line, 'migrate_vma_finalize without migrate_vma_pages');
        const src = f.get('src') as readonly bigint[];
        const dst = f.get('dst') as readonly bigint[];
        const n = Number(x('npages'));
        const migrated: number[] = [];
        const unseen: number[] = [];
        for (let i = 0; i < n; i++) {
          const page = this.layout.page(m.start + BigInt(i) * 4096n);
          if (i >= 8) unseen.push(page);
          else if (migratePfnWord(src[i]!).migrate && migratePfnWord(dst[i]!).valid) migrated.push(page);
        }
        this.out.settle(m.pages, { ...m.pagesEvent!, migrated, ...(unseen.length > 0 ? { unseen } : {}) });
        this.emit(l, { ev: 'migrate_vma_finalize', dev: m.dev });
        return;
      }
      case 'dmirror_devmem_free': {
        const pfn = pagePointerToPfn(x('page'));
        if (pfn === null) return this.stop(l.line, 'a device page pointer outside vmemmap');
        const name = hexPfn(pfn);
        this.emit(l, { ev: 'folio_free', pfn: name, dev: this.deviceOf(name, tgid) });
        return;
      }
      default:
        throw new TraceInputError(this.file, l.line, 'event', 'an event the importer maps or documents as ignored', JSON.stringify(l.event));
    }
  }

  /**
   * A line of a task inside a fault under the per-VMA lock: the fault is left
   * out if it goes do_swap_page (under the VMA lock, at the fault's page) ->
   * do_swap_page_ret VM_FAULT_RETRY -> handle_mm_fault_ret VM_FAULT_RETRY,
   * and kept at any other line. The line is then imported as usual.
   */
  private vmaTryLine(l: FtraceLine): void {
    const a = this.vmaTries.get(l.pid)!;
    const f = this.probes.has(l.event) && (l.payload.kind === 'entry' || l.payload.kind === 'return') ? this.fields(l) : null;
    const x = (k: string): bigint | undefined => (typeof f?.get(k) === 'bigint' ? (f.get(k) as bigint) : undefined);
    if (l.event === 'do_swap_page' && a.swap === null && ((x('fflags') ?? 0n) & FAULT_FLAG_VMA_LOCK) !== 0n && this.layout.page(x('address') ?? -1n) === a.page) {
      a.swap = 'entered';
      return;
    }
    if (l.event === 'do_swap_page_ret' && a.swap === 'entered' && x('ret') === VM_FAULT_RETRY) {
      a.swap = 'retry';
      return;
    }
    this.vmaTries.delete(l.pid);
    if (l.event === 'handle_mm_fault_ret' && a.swap === 'retry' && x('ret') === VM_FAULT_RETRY) {
      this.out.settle(a.slot, null);
      this.task(l.pid).swap = null;
      const r = this.vmaRetries;
      if (r.count++ === 0) {
        r.first = a.slot.line;
        r.note = this.summary.notes.push('') - 1;
      }
      this.summary.notes[r.note] =
        `${r.count.toLocaleString('en-US')} fault attempt${r.count === 1 ? '' : 's'} under the per-VMA lock left out, the first at ftrace line ${r.first} ` +
        '(handle_mm_fault with flags 0x1000 whose do_swap_page and handle_mm_fault both returned VM_FAULT_RETRY 0x400, nothing in between): ' +
        'since v6.6 do_swap_page returns that at a device-private entry before touching anything, and the fault is retried under mmap_lock';
      return;
    }
    this.out.settle(a.slot, a.slot.event);
  }

  /** Faults under the per-VMA lock not known to be left out are kept (the import stops or ends inside them). */
  private keepVmaTries(): void {
    for (const a of this.vmaTries.values()) this.out.settle(a.slot, a.slot.event);
    this.vmaTries.clear();
  }

  /** The driver entry points name the mirror a task works for until they return. */
  private noteOwner(owner: bigint, dev: string): void {
    let s = this.owners.get(owner);
    if (!s) this.owners.set(owner, (s = new Set()));
    s.add(dev);
  }

  private syscall(l: FtraceLine, tgid: number): void {
    const p = l.payload;
    if (l.event === 'sys_mmap' && p.kind === 'syscall_ret') {
      const m = this.session.mappings.find((x) => x.line === l.line && x.tgid === tgid);
      if (m && this.session.buffers.some((b) => b.origin === m.origin)) {
        if (m.file) return this.stop(l.line, 'a buffer mapped from a file (file-backed memory is not modelled)');
        if ((m.flags & 0x3) !== 0x2) return this.stop(l.line, 'a shared buffer (MAP_SHARED is not modelled)');
        if ((m.flags & MAP_HUGETLB) !== 0) return this.stop(l.line, 'a hugetlbfs buffer (MAP_HUGETLB is not modelled)');
        // The model's mappings start read-write, and the kernel changes no PTE (so
        // invalidates nothing) to make an untouched range read-only: not importable.
        if ((m.prot & 0x3) !== 0x3) return this.stop(l.line, `a buffer mapped with prot ${m.prot} (the model's mappings start PROT_READ|PROT_WRITE)`);
      }
      return;
    }
    if (p.kind !== 'syscall') return;
    const hex = (k: string): bigint => {
      const v = p.args.get(k);
      if (v === undefined || !/^[0-9a-f]+$/.test(v)) throw new TraceInputError(this.file, l.line, `${l.event}.${k}`, 'hex digits', JSON.stringify(v ?? null));
      return BigInt(`0x${v}`);
    };
    const retired = this.retired.has(tgid);
    switch (l.event) {
      case 'sys_munmap':
      case 'sys_mprotect':
      case 'sys_madvise': {
        if (retired) return void this.summary.afterRelease++;
        const start = hex(l.event === 'sys_munmap' ? 'addr' : 'start');
        const range = this.layout.clip(start, start + hex(l.event === 'sys_madvise' ? 'len_in' : 'len'));
        if (range === null) return void this.summary.outside++;
        if (range === 'split') return this.stop(l.line, `${l.event} over two buffers that are not adjacent`);
        // The tracepoint is the syscall's entry: the call takes mmap_lock after
        // it, so a reader holding the lock (a device fault's walk) may still
        // see the range as it was. `entry` lets replay run the step later,
        // before the thread's next event.
        if (l.event === 'sys_munmap') this.emit(l, { ev: 'munmap', mm: String(tgid), ...range, entry: true });
        else if (l.event === 'sys_mprotect') {
          const prot = hex('prot');
          if ((prot & 1n) === 0n) return this.stop(l.line, 'mprotect to PROT_NONE (the model has PROT_NONE; the importer does not map it yet)');
          this.emit(l, { ev: 'mprotect', mm: String(tgid), ...range, write: (prot & 2n) !== 0n, entry: true });
        } else {
          const advice = hex('behavior');
          if (advice !== MADV_DONTNEED) return this.stop(l.line, `madvise advice ${advice} (only MADV_DONTNEED is modelled)`);
          this.emit(l, { ev: 'madvise_dontneed', mm: String(tgid), ...range, entry: true });
        }
        return;
      }
      case 'sys_exit_group':
        if (retired) return void this.summary.afterRelease++;
        this.emit(l, { ev: 'exit', mm: String(tgid) });
        return;
      default:
        return;
    }
  }

  /**
   * Settles what the trace left open: a fork or a migration whose end never
   * came (the recording ended, or the import stopped, first) is dropped with
   * every event after its start (OutQueue.finish).
   */
  finish(): void {
    this.keepVmaTries();
    const forks = new Set([...this.tasks.values()].map((t) => t.fork));
    const open = this.out.finish();
    if (open.length > 0 && !this.summary.unsupported) {
      const what = forks.has(open[0]!) ? 'a fork (copy_page_range began; sched_process_fork never came)' : 'a migration';
      this.summary.unsupported = { line: open[0]!.line, reason: `the trace ends inside ${what}` };
    }
  }
}
