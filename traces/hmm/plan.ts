/**
 * Putting a replayed thread where its next event needs it.
 *
 * The checker's threads choose their next operation from a budget; a replayed
 * thread is told by the trace. Before matching an event (or running the
 * unlogged steps that lead to it) the thread's current operation is set from
 * the event: the page a CPU access touches, the range a munmap covers, the
 * range and write flag of an hmm_range_fault. The driver calls
 * (read_begin, hmm_range_fault, read_retry) may come at any point of a
 * driver's code, so the thread is moved to where the reference driver makes
 * them. An event can leave several possibilities (an unlogged mprotect before
 * a logged PROTECTION_VMA invalidation made the range read-only or writable):
 * then each is returned.
 */
import type { HmmState, OpKind, Pc, ThreadState, World } from '../../model/index.js';
import { idKey } from './ids.js';
import type { ReplayWorld } from './replayWorld.js';

type Ev = Readonly<Record<string, unknown>> & { readonly ev: string; readonly tid: string };

/** The state with thread t's fields replaced (shared structure, nothing copied deep). */
function withThread(s: HmmState, t: number, patch: Partial<ThreadState>): HmmState {
  const threads = s.threads.slice();
  threads[t] = { ...threads[t]!, ...patch };
  return { ...s, threads };
}

function setOp(s: HmmState, t: number, kind: OpKind, start: number, end: number, write: boolean, pc?: Pc): HmmState {
  return withThread(s, t, pc ? { op: { kind, start, end, write }, pc } : { op: { kind, start, end, write } });
}

const busy = (th: ThreadState): boolean => th.fault !== null || th.inv !== null;

/**
 * A device thread that still holds its driver lock (after its device
 * page-table updates, before driver_unlock, which no kernel trace logs) is
 * not where a new attempt begins: it unlocks first, as an unlogged step.
 * Moved to read_begin with L(d) held, it would keep the lock for ever, and
 * the next invalidate callback of another thread could never take it.
 */
const holdsDriverLock = (w: World, s: HmmState, t: number): boolean => w.actors[t]!.kind === 'device' && s.mirrors[w.actors[t]!.mirror]?.lock === t;

/** Events that end a CPU operation, and so name it. */
const COMPLETIONS = new Set(['cpu_read', 'cpu_write', 'gup', 'sigsegv']);
/** Events inside a fault (of a CPU access or of hmm_range_fault). */
const FAULT_INSIDE = new Set([
  'handle_mm_fault',
  'do_anonymous_page',
  'do_wp_page',
  'wp_page_copy',
  'invalidate_range_start',
  'invalidate',
  'invalidate_range_end',
  'do_swap_page',
  'migrate_to_ram',
  'migrate_vma_collect',
  'migrate_vma_setup',
  'alloc_page',
  'devpt_unmap',
  'migrate_copy',
  'migrate_vma_pages',
  'migrate_vma_finalize',
  'folio_free',
  'folio_put',
  'restore_exclusive_pte',
  'try_to_migrate',
  'flush_tlb_range',
]);
const HRF_OR_EXCLUSIVE = new Set(['hmm_range_fault', 'make_device_exclusive']);
/** How far into a thread's future to look for the event that names its operation. */
const HORIZON = 1024;

/** The first event of `future` in `wanted`, looking past fault internals only. */
function ahead(future: Iterable<Ev>, wanted: ReadonlySet<string>): Ev | undefined {
  let n = 0;
  for (const f of future) {
    if (wanted.has(f.ev)) return f;
    if (!FAULT_INSIDE.has(f.ev) || ++n > HORIZON) return undefined;
  }
  return undefined;
}

/**
 * A write fault on `page` whose operation the event does not name: the store
 * or GUP (FOLL_WRITE) that completes it further on, or, with no completion in
 * sight, a store and (when the trace logs GUP) GUP.
 */
function writeFaultOps(rw: ReplayWorld, s: HmmState, t: number, page: number, future: Iterable<Ev>): HmmState[] {
  const done = ahead(future, COMPLETIONS);
  if (done?.ev === 'cpu_write' || done?.ev === 'gup') return [setOp(s, t, done.ev, page, page + 1, true)];
  const out = [setOp(s, t, 'cpu_write', page, page + 1, true)];
  if (!rw.hidden.has('gup')) out.push(setOp(s, t, 'gup', page, page + 1, true));
  return out;
}

/**
 * The thread's event `e` about to be matched, and its events after `e`
 * (`future`, as far as the lookahead reaches): the states the thread may be
 * in to take `e`. The future settles what `e` alone cannot: whether a write
 * fault is a store's or GUP's, the range of the hmm_range_fault whose faults
 * come first.
 */
export function withPlan(rw: ReplayWorld, s: HmmState, t: number, e: Ev, future: Iterable<Ev> = []): HmmState[] {
  const w: World = rw.world;
  const th = s.threads[t]!;
  const idle = th.pc === 'idle' && th.op === null;
  const mmOk = (): boolean => rw.mmIndex.get(idKey(e['mm'] ?? 0)) === w.actors[t]!.mm;
  switch (e.ev) {
    case 'cpu_read':
    case 'cpu_write':
    case 'sigsegv':
    case 'handle_mm_fault':
    case 'do_anonymous_page':
    case 'do_wp_page':
    case 'wp_page_copy': {
      // A device thread faults outside hmm_range_fault only for make_device_exclusive's GUP.
      if (idle && w.actors[t]!.kind === 'device' && e.ev === 'handle_mm_fault' && e['write'] === true && mmOk()) {
        const page = e['page'] as number;
        return [setOp(s, t, 'device_atomic', page, page + 1, true)];
      }
      // The fault internals name the page; a write-protect fault is always a write.
      if (!idle || w.actors[t]!.kind !== 'cpu' || !mmOk()) return [s];
      const write = e.ev === 'cpu_write' || e.ev === 'do_wp_page' || e.ev === 'wp_page_copy' || e['write'] === true;
      const page = e['page'] as number;
      if (write && e.ev !== 'cpu_write') return writeFaultOps(rw, s, t, page, future);
      return [setOp(s, t, write ? 'cpu_write' : 'cpu_read', page, page + 1, write)];
    }
    case 'gup':
    case 'migrate_device_coherent_folio': {
      if (!idle || w.actors[t]!.kind !== 'cpu' || !mmOk()) return [s];
      const page = e['page'] as number;
      return [setOp(s, t, 'gup', page, page + 1, true)];
    }
    case 'do_swap_page':
    case 'migrate_to_ram': {
      // A CPU access (or GUP) faulted on a device-private entry; which one, the trace shows later.
      if (!idle || w.actors[t]!.kind !== 'cpu' || !mmOk()) return [s];
      const page = e['page'] as number;
      const done = ahead(future, COMPLETIONS);
      if (done && done.ev !== 'sigsegv') return [setOp(s, t, done.ev as OpKind, page, page + 1, done.ev !== 'cpu_read')];
      const out = [setOp(s, t, 'cpu_read', page, page + 1, false), setOp(s, t, 'cpu_write', page, page + 1, true)];
      // Only an operation whose completion the trace logs: an unlogged one could repeat without end.
      if (!rw.hidden.has('gup')) out.push(setOp(s, t, 'gup', page, page + 1, true));
      return out;
    }
    case 'migrate_vma_setup': {
      if (!idle || w.actors[t]!.kind !== 'device') return [s];
      const kind: OpKind = (e['select'] as string[]).includes('system') ? 'migrate_to_device' : 'migrate_to_system';
      return [setOp(s, t, kind, e['start'] as number, e['end'] as number, false)];
    }
    case 'fork':
    case 'exit': {
      if (!idle || w.actors[t]!.kind !== 'cpu' || !mmOk()) return [s];
      return [setOp(s, t, e.ev, 0, w.pages, false)];
    }
    case 'mem_cgroup_move_charge': {
      if (!idle || w.actors[t]!.kind !== 'cpu' || !mmOk()) return [s];
      return [setOp(s, t, 'memcg_move', 0, w.pages, false)];
    }
    case 'make_device_exclusive': {
      // Only its failure comes without an EXCLUSIVE invalidation before it.
      if (!idle || w.actors[t]!.kind !== 'device') return [s];
      const page = e['page'] as number;
      return [setOp(s, t, 'device_atomic', page, page + 1, true)];
    }
    case 'migrate_lock': {
      // The first down_read of an all-or-nothing migration names its range.
      if (!idle || w.actors[t]!.kind !== 'device' || e['write'] === true) return [s];
      return [setOp(s, t, 'migrate_to_device', e['start'] as number, e['end'] as number, false)];
    }
    case 'migrate_device_range': {
      if (!idle || w.actors[t]!.kind !== 'device') return [s];
      return [setOp(s, t, 'migrate_device_range', 0, 0, false)];
    }
    case 'munmap':
    case 'madvise_dontneed':
    case 'mprotect': {
      if (!idle || !mmOk()) return [s];
      const kind: OpKind = e.ev === 'mprotect' ? (e['prot'] === 'none' ? 'mprotect_none' : e['write'] ? 'mprotect_rw' : 'mprotect') : e.ev;
      return [setOp(s, t, kind, e['start'] as number, e['end'] as number, e['write'] === true)];
    }
    case 'invalidate_range_start': {
      // Only when the operation that starts the bracket is not logged.
      if (!idle || !mmOk()) return [s];
      const start = e['start'] as number;
      const end = e['end'] as number;
      const ops: [OpKind, string][] =
        e['event'] === 'unmap'
          ? [['munmap', 'munmap']]
          : e['event'] === 'clear'
            ? [['madvise_dontneed', 'madvise_dontneed']]
            : e['event'] === 'protection_vma'
              ? [['mprotect', 'mprotect'], ['mprotect_rw', 'mprotect']]
              : [];
      const out = ops.filter(([, step]) => rw.hidden.has(step as never)).map(([k]) => setOp(s, t, k, start, end, k === 'mprotect_rw'));
      // The OOM reaper's reap has no event of its own: its non-blockable UNMAP start is the first.
      if (e['blockable'] === false && e['event'] === 'unmap' && w.actors[t]!.kind === 'cpu') return [setOp(s, t, 'oom_reap', start, end, false)];
      // A driver's exclusive access: make_device_exclusive's EXCLUSIVE invalidation.
      if (e['event'] === 'exclusive' && w.actors[t]!.kind === 'device') return [setOp(s, t, 'device_atomic', start, end, true)];
      // A driver's migration to its device begins with collect's MIGRATE invalidation.
      if (e['event'] === 'migrate' && w.actors[t]!.kind === 'device') {
        out.push(setOp(s, t, 'migrate_to_device', start, end, false));
        // Or, where device memory is coherent (the CPU never faults it back), of its pages back to system memory (HMM_DMIRROR_MIGRATE_TO_SYS).
        if (w.zone.includes('coherent')) out.push(setOp(s, t, 'migrate_to_system', start, end, false));
      }
      // A CLEAR over one page is also the copy-on-write bracket of a CPU write fault (wp_page_copy).
      // So is it of GUP's write fault (FOLL_WRITE); the completion ahead says which.
      if (e['event'] === 'clear' && end === start + 1 && w.actors[t]!.kind === 'cpu' && rw.hidden.has('handle_mm_fault')) {
        out.push(...writeFaultOps(rw, s, t, start, future));
      }
      return out.length > 0 ? out : [s];
    }
    case 'mmu_interval_read_begin': {
      if (busy(th) || holdsDriverLock(w, s, t)) return [s];
      // A sequence taken around make_device_exclusive (nouveau's loop, variant H2),
      // or by an all-or-nothing migration's eviction (drm_gpusvm_range_evict).
      if (th.op?.kind === 'device_atomic' || th.op?.kind === 'migrate_to_device') return [s];
      // One look ahead: `future` may be an iterator that a second look would find spent.
      const next = ahead(future, HRF_OR_EXCLUSIVE);
      if (next?.ev === 'make_device_exclusive') {
        const page = next['page'] as number;
        return [setOp(s, t, 'device_atomic', page, page + 1, true, 'begin')];
      }
      const fault = next;
      if (!fault && !th.op) {
        // The range this fault loop covers is not in the trace (it ends first):
        // each page alone and the whole mirror, reading or writing.
        const ranges: [number, number][] = Array.from({ length: w.pages }, (_, p) => [p, p + 1]);
        if (w.pages > 1) ranges.push([0, w.pages]);
        return ranges.flatMap(([a, b]) => [setOp(s, t, 'device_read', a, b, false, 'begin'), setOp(s, t, 'device_write', a, b, true, 'begin')]);
      }
      const write = fault ? fault['write'] === true : th.op?.write ?? false;
      const start = fault ? (fault['start'] as number) : th.op?.start ?? 0;
      const end = fault ? (fault['end'] as number) : th.op?.end ?? 0;
      const kind: OpKind = fault?.['fault'] === false ? 'snapshot' : th.op?.kind === 'snapshot' ? 'snapshot' : write ? 'device_write' : 'device_read';
      return [setOp(s, t, kind, start, end, write, 'begin')];
    }
    case 'hmm_range_fault': {
      if (busy(th) || th.op?.kind === 'migrate_to_device' || holdsDriverLock(w, s, t)) return [s];
      const write = e['write'] === true;
      const kind: OpKind = e['fault'] === false ? 'snapshot' : write ? 'device_write' : 'device_read';
      const pc: Pc = th.pc === 'idle' || th.pc === 'access' ? 'begin' : th.pc === 'begin' ? 'begin' : 'hrf';
      return [setOp(s, t, kind, e['start'] as number, e['end'] as number, write, pc)];
    }
    case 'mmu_interval_read_retry': {
      if (busy(th) || th.pc === 'retry') return [s];
      // Also as the model has it: an unlogged driver_lock may still lead there.
      return [withThread(s, t, { pc: 'retry' }), s];
    }
    default:
      return [s];
  }
}

/**
 * An idle CPU thread with no event ahead may still be inside an access whose
 * completion the trace does not show yet (it ends, or the recording stopped):
 * when faults are not logged, each page and direction is a possibility.
 */
export function unloggedAccesses(rw: ReplayWorld, s: HmmState, t: number): HmmState[] {
  const w: World = rw.world;
  const th = s.threads[t]!;
  if (w.actors[t]!.kind !== 'cpu' || th.pc !== 'idle' || th.op !== null || !rw.hidden.has('handle_mm_fault')) return [];
  const out: HmmState[] = [];
  for (let page = 0; page < w.pages; page++) {
    out.push(setOp(s, t, 'cpu_read', page, page + 1, false), setOp(s, t, 'cpu_write', page, page + 1, true));
  }
  return out;
}
