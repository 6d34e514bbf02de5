/**
 * The HMM side of replay: how a trace event is a model step.
 *
 * Core-kernel events (PTE changes, the invalidation bracket, and the results
 * of mmu_interval_read_begin, hmm_range_fault and mmu_interval_read_retry)
 * must be what the model's code would do at that point: they are matched
 * against the thread's program. Driver events (its lock, device page-table
 * updates, device accesses) are taken as the trace says, whatever the
 * reference driver would have done, and the invariants judge them: real
 * drivers are built differently from ours, and their authors need to hear
 * which invariant breaks, not that they differ from test_hmm.
 */
import {
  applyStepCopy,
  busyThreads,
  enabledSteps,
  invariants,
  SENTENCES,
  stateKey,
  stepProperties,
  threadSteps,
  type HmmAction,
  type HmmState,
} from '../../model/index.js';
import type { Invariant, StepProperty } from '../../checker/index.js';
import { initialState, sleepingThreads } from '../../model/index.js';
import type { Broken, LoopVerdict, Mismatch, Plans, ReplayAdapter, Step } from '../replay/types.js';
import { bindKey, dropFrame, EMPTY_BIND, settle, unifyPfn, type Bind } from './binding.js';
import { explainBroken, explainMismatch } from './explain.js';
import { actionToEvent } from './fromActions.js';
import { idKey } from './ids.js';
import { unloggedAccesses, withPlan } from './plan.js';
import { emptyProv, touch, type Prov } from './provenance.js';
import { threadsFor, type ReplayWorld } from './replayWorld.js';
import { unify as unifyWith } from './unify.js';

export type Ev = Readonly<Record<string, unknown>> & { readonly ev: string; readonly tid: string };

export interface Cand {
  readonly s: HmmState;
  readonly b: Bind;
  readonly p: Prov;
  /** In a lasso trace's cycle: where it started and what weak fairness needs to know of it so far. */
  readonly l?: Trail;
  /**
   * Threads (bit t) that entered a syscall logged at its entry (`entry:
   * true`) whose step has not run yet: it runs, unlogged, before the
   * thread's next event.
   */
  readonly e?: number;
}

/** Thread masks over the states of a cycle so far (its start included). */
interface Trail {
  /** The start state's key up to renamed sequence numbers (stateKey with the world). */
  readonly start: string;
  /** Threads that took a step on the cycle. */
  readonly stepped: number;
  /** Threads with no step enabled in some state of the cycle. */
  readonly blocked: number;
  /** Threads inside an operation in every state, and with a step enabled in every state. */
  readonly busyAll: number;
  readonly enabledAll: number;
  /** Threads asleep on a lock that is handed over in some state (model/lockWaits.ts), and threads with a step enabled in some state. */
  readonly asleep: number;
  readonly enabledAny: number;
}

/** Driver events: taken as the trace says and judged by the invariants. */
const FREE = new Set(['driver_lock', 'driver_unlock', 'devpt_map', 'devpt_unmap', 'device_read', 'device_write']);

/**
 * Syscalls a trace may log at their entry (`entry: true`), before they take
 * mmap_lock: a kernel trace's sys_enter tracepoint fires before
 * mmap_write_lock_killable (mm/mmap.c __vm_munmap, mm/mprotect.c
 * do_mprotect_pkey) or mmap_read_lock (mm/madvise.c do_madvise), so a
 * reader that holds the lock (test_hmm's hmm_range_fault) still sees the
 * range as it was. The event names the operation; its step (the model's
 * munmap: the VMA detached under the lock) runs somewhere between the event
 * and the thread's next event, where replay finds room for it.
 */
const ENTRY = new Set(['munmap', 'madvise_dontneed', 'mprotect']);

/** The step of an operation entered at a syscall's entry. */
function entryStep(kind: string | undefined): string | undefined {
  return kind === 'munmap' || kind === 'madvise_dontneed' ? kind : kind?.startsWith('mprotect') ? 'mprotect' : undefined;
}

/** The pfn names an event mentions (pfn, dst, and those of src and pfns entries). */
function pfnNames(e: Ev | undefined): Set<string> {
  const out = new Set<string>();
  if (!e) return out;
  const add = (v: unknown): void => {
    if (typeof v === 'string' || typeof v === 'number') out.add(idKey(v));
  };
  add(e['pfn']);
  add(e['dst']);
  for (const list of [e['src'], e['pfns']]) if (Array.isArray(list)) for (const x of list) add((x as { pfn?: unknown }).pfn);
  return out;
}

/**
 * A free frame the step allocated without the event naming it (the page
 * migrate_to_ram or a fault allocates, which no probe sees) is a new page
 * under an unknown pfn: the name it had before it was freed no longer
 * denotes it. A name the event gives it stays (the kernel often hands the
 * same pfn out again).
 */
function reallocated(bind: Bind, from: HmmState, s: HmmState, e: Ev | undefined): Bind {
  let out = bind;
  let named: Set<string> | undefined;
  for (const [f, name] of bind.frame) {
    if (f === 0 || from.frames[f]!.ref !== 0 || s.frames[f]!.ref === 0) continue;
    if ((named ??= pfnNames(e)).has(name)) continue;
    out = dropFrame(out, f);
  }
  return out;
}

/** A driver event as a model step; `keep`: the step changes nothing and stands for the line in paths. */
type DriverStep = { action: HmmAction; bind: Bind; keep?: boolean };

export class HmmReplay implements ReplayAdapter<Cand, HmmAction, Ev> {
  private readonly invs: Invariant<HmmState>[];
  private readonly steps: StepProperty<HmmState, HmmAction>[];
  /** Candidates that only entered a syscall (its step is still to come): no step of theirs to judge. */
  private readonly entered = new WeakSet<Cand>();
  private sawEntry = false;

  constructor(readonly rw: ReplayWorld) {
    this.invs = invariants(rw.world);
    this.steps = stepProperties(rw.world);
  }

  /** Steps may run unlogged: those the trace does not observe, and the step of a syscall logged at its entry. */
  get hasHidden(): boolean {
    return this.rw.hidden.size > 0 || this.sawEntry;
  }

  initial(): Cand[] {
    return [{ s: initialState(this.rw.world), b: EMPTY_BIND, p: emptyProv(this.rw.world) }];
  }

  key(c: Cand): string {
    const k = c.e ? `${stateKey(c.s)}|${bindKey(c.b)}|e${c.e}` : `${stateKey(c.s)}|${bindKey(c.b)}`;
    return c.l ? `${k}|${c.l.start}|${c.l.stepped},${c.l.blocked},${c.l.busyAll},${c.l.enabledAll},${c.l.asleep},${c.l.enabledAny}` : k;
  }

  /** Every thread's bit, for the cycle masks. */
  private get all(): number {
    return (1 << this.rw.world.actors.length) - 1;
  }

  /** The threads with a step enabled in `s`. */
  private enabledMask(s: HmmState): number {
    let m = 0;
    for (const a of enabledSteps(this.rw.world, s)) m |= 1 << a.t;
    return m;
  }

  /** The trail after thread `t` stepped into state `s`. */
  private follow(l: Trail, t: number, s: HmmState): Trail {
    const en = this.enabledMask(s);
    return {
      start: l.start,
      stepped: l.stepped | (1 << t),
      blocked: l.blocked | (this.all & ~en),
      busyAll: l.busyAll & busyThreads(s),
      enabledAll: l.enabledAll & en,
      asleep: l.asleep | sleepingThreads(s, this.rw.world),
      enabledAny: l.enabledAny | en,
    };
  }

  enterLoop(c: Cand): Cand {
    const en = this.enabledMask(c.s);
    const l = { start: stateKey(c.s, this.rw.world), stepped: 0, blocked: this.all & ~en, busyAll: busyThreads(c.s), enabledAll: en, asleep: sleepingThreads(c.s, this.rw.world), enabledAny: en };
    return { ...c, l };
  }

  closeLoop(c: Cand): LoopVerdict {
    const l = c.l;
    if (!l || stateKey(c.s, this.rw.world) !== l.start) return { closes: false };
    // Weakly fair to every thread, strongly to one asleep on a lock that is handed over (checker/liveness.ts).
    const fair = ((l.stepped | l.blocked) & this.all) === this.all && (l.asleep & l.enabledAny & ~l.stepped) === 0;
    const starved = l.busyAll & l.enabledAll;
    if (!fair || starved === 0) return { closes: true, livelock: null };
    let t = 0;
    while (!(starved & (1 << t))) t++;
    const th = c.s.threads[t]!;
    return { closes: true, livelock: { id: 'LIVE-1', sentence: SENTENCES['LIVE-1'], thread: this.rw.world.actors[t]!.name, op: th.op ? th.op.kind : th.pc } };
  }

  /** `e`: the event the step matches (none for an unlogged step). */
  private take(c: Cand, from: HmmState, action: HmmAction, bind: Bind, at: number, e?: Ev): Step<Cand, HmmAction> {
    const s = applyStepCopy(this.rw.world, from, action);
    const next: Cand = { s, b: settle(reallocated(bind, from, s, e), s), p: touch(c.p, this.rw.world, action, at) };
    // The step of a syscall entered earlier has run.
    const pending = c.e && (c.e >> action.t) & 1 && action.k === entryStep(from.threads[action.t]!.op?.kind) ? c.e & ~(1 << action.t) : c.e;
    const withE = pending ? { ...next, e: pending } : next;
    return { action, next: c.l ? { ...withE, l: this.follow(c.l, action.t, s) } : withE };
  }

  /**
   * A syscall logged at its entry: the thread takes on the operation (its
   * range, as a replayed thread is told its next operation, plan.ts) and
   * runs its step later (hidden), before its next event. The step stands
   * for the line in paths; it changes nothing else, so it breaks nothing.
   */
  private enter(c: Cand, t: number, e: Ev, plans: Plans<Ev>, reasons: string[] | null): Step<Cand, HmmAction>[] {
    const out: Step<Cand, HmmAction>[] = [];
    for (const s of withPlan(this.rw, c.s, t, e, upcoming(plans, e.tid))) {
      if (s === c.s) {
        const th = c.s.threads[t]!;
        reasons?.push(`${this.rw.tidOf[t]} is ${th.pc === 'idle' && th.op === null ? 'idle in another process' : th.pc === 'idle' ? `about to ${th.op!.kind}` : `at ${th.pc}`} and cannot begin ${e.ev}`);
        continue;
      }
      const op = s.threads[t]!.op!;
      const action: HmmAction = { t, k: entryStep(op.kind) as HmmAction['k'], op: op.kind, mm: this.rw.world.actors[t]!.mm, start: op.start, end: op.end, write: op.write };
      const base: Cand = { ...c, s, e: (c.e ?? 0) | (1 << t) };
      const next: Cand = c.l ? { ...base, l: this.follow(c.l, t, s) } : base;
      this.entered.add(next);
      out.push({ action, next });
    }
    return out;
  }

  hidden(c: Cand, plans: Plans<Ev>, afterLine: number): Step<Cand, HmmAction>[] {
    const out: Step<Cand, HmmAction>[] = [];
    const w = this.rw.world;
    for (let t = 0; t < w.actors.length; t++) {
      // A syscall entered at a logged entry: its step, when the model lets it run.
      const entered = c.e && (c.e >> t) & 1 ? entryStep(c.s.threads[t]!.op?.kind) : undefined;
      if (entered) {
        for (const a of threadSteps(w, c.s, t)) {
          if (this.rw.hidden.has(a.k) || a.k === entered) out.push(this.take(c, c.s, a, c.b, -afterLine));
        }
        continue;
      }
      const plan = plans.get(this.rw.tidOf[t]!);
      const starts = plan && threadsFor(this.rw, plan.tid, plan).includes(t) ? withPlan(this.rw, c.s, t, plan, plans.following(plan.tid)) : [c.s, ...unloggedAccesses(this.rw, c.s, t)];
      for (const s of starts) {
        for (const a of threadSteps(w, s, t)) {
          if (this.rw.hidden.has(a.k)) out.push(this.take(c, s, a, c.b, -afterLine));
        }
      }
    }
    return out;
  }

  observe(c: Cand, e: Ev, line: number, plans: Plans<Ev>): Step<Cand, HmmAction>[] {
    return this.match(c, e, line, plans, null);
  }

  mismatch(c: Cand, e: Ev, line: number, plans: Plans<Ev>): Mismatch {
    const reasons: string[] = [];
    this.match(c, e, line, plans, reasons);
    return { reason: reasons[0] ?? `no thread of tid ${JSON.stringify(e.tid)} can take ${e.ev} here` };
  }

  private match(c: Cand, e: Ev, line: number, plans: Plans<Ev>, reasons: string[] | null): Step<Cand, HmmAction>[] {
    const out: Step<Cand, HmmAction>[] = [];
    const threads = threadsFor(this.rw, e.tid, e);
    const entry = e['entry'] === true && ENTRY.has(e.ev);
    if (entry) this.sawEntry = true;
    for (const t of threads) {
      if (entry) {
        out.push(...this.enter(c, t, e, plans, reasons));
        continue;
      }
      if (FREE.has(e.ev)) {
        for (const m of this.driverStep(c, t, e, reasons)) {
          const kept: Cand = c.l ? { ...c, l: this.follow(c.l, t, c.s) } : c;
          out.push(m.keep ? { action: m.action, next: kept } : this.take(c, c.s, m.action, m.bind, line, e));
        }
        continue;
      }
      for (const s of withPlan(this.rw, c.s, t, e, upcoming(plans, e.tid))) {
        const candidates = threadSteps(this.rw.world, s, t);
        const same = candidates.filter((a) => a.k === e.ev);
        // Reasons are words for a verdict: only built when one is wanted.
        if (same.length === 0) reasons?.push(this.notEnabled(s, t, e, candidates));
        for (const a of same) {
          const u = unifyWith(this.rw, c.b, e, a, s);
          if ('reason' in u) {
            if (!reasons) continue;
            const why = explainMismatch(this.rw, c, a);
            reasons.push(why ? `${u.reason}: ${why}` : u.reason);
          }
          else out.push(this.take(c, s, u.action, u.bind, line, e));
        }
      }
    }
    return out;
  }

  private notEnabled(s: HmmState, t: number, e: Ev, enabled: HmmAction[]): string {
    const th = s.threads[t]!;
    const next = enabled.map((a) => a.k);
    const where = th.pc === 'idle' ? 'idle' : `at ${th.pc}`;
    return next.length > 0
      ? `${this.rw.tidOf[t]} is ${where} and its next step in the model is ${[...new Set(next)].join(' or ')}, not ${e.ev}`
      : `${this.rw.tidOf[t]} is ${where} and cannot take a step now (blocked)`;
  }

  /** A driver event as an action; several when a pfn the trace never named must be bound. */
  private driverStep(c: Cand, t: number, e: Ev, reasons: string[] | null): DriverStep[] {
    const rw = this.rw;
    const dev = rw.devIndex.get(idKey(e['dev']));
    if (dev === undefined) return [];
    const mirror = c.s.mirrors[dev]!;
    const tid = JSON.stringify(e.tid);
    switch (e.ev) {
      case 'driver_lock':
        if (mirror.lock !== -1) {
          reasons?.push(`the driver lock of dev ${rw.devKey[dev]} is held by ${rw.tidOf[mirror.lock]}`);
          return [];
        }
        return [{ action: { t, k: 'driver_lock', dev }, bind: c.b }];
      case 'driver_unlock':
        if (mirror.lock !== t) {
          reasons?.push(`${tid} does not hold the driver lock of dev ${rw.devKey[dev]}`);
          return [];
        }
        return [{ action: e['result'] === 'EFAULT' ? { t, k: 'driver_unlock', dev, result: 'EFAULT' } : { t, k: 'driver_unlock', dev }, bind: c.b }];
      case 'devpt_unmap':
        return [{ action: { t, k: 'devpt_unmap', dev, page: e['page'] as number }, bind: c.b }];
      case 'devpt_map': {
        const page = e['page'] as number;
        const unseen = (e['unseen'] as string[] | undefined) ?? [];
        if (unseen.length > 0) return this.unseenMap(c, t, dev, page, unseen, e['write'] === true);
        const base = { t, k: 'devpt_map' as const, dev, page, write: e['write'] === true, ...(e['atomic'] === true ? { atomic: true } : {}) };
        const key = idKey(e['pfn']);
        const bound = c.b.pfn.get(key);
        if (bound !== undefined) return [{ action: { ...base, pfn: bound }, bind: c.b }];
        // A pfn the trace never named before: any frame it could be.
        const out: { action: HmmAction; bind: Bind }[] = [];
        for (let f = 0; f < c.s.frames.length; f++) {
          const b = unifyPfn(c.b, key, f, (x) => x !== 0 && c.s.frames[x]!.ref === 0);
          if (b) out.push({ action: { ...base, pfn: f }, bind: b });
        }
        return out;
      }
      case 'device_read':
      case 'device_write': {
        const page = e['page'] as number;
        const entry = mirror.pt[page];
        if (!entry || (e.ev === 'device_write' && !entry.w)) {
          const at = c.p.dev[dev]?.[page] ?? 0;
          const since = at !== 0 ? ` (its entry changed at line ${Math.abs(at)})` : '';
          reasons?.push(`dev ${rw.devKey[dev]} has no ${e.ev === 'device_write' ? 'writable ' : ''}mapping of page ${page}${since}`);
          return [];
        }
        const op = e.ev;
        return [{ action: { t, k: e.ev, op, dev, page, value: rw.values.toModel(e['value']) }, bind: c.b }];
      }
      default:
        return [];
    }
  }

  /**
   * A device page-table update whose pfn (or permission) the recorder could
   * not see: what the model's driver would map there, the destination of the
   * thread's migration for that page or what its hmm_range_fault returned.
   * Past the fetched array entries the recorder cannot even see whether the
   * driver mapped the page (dmirror_migrate_finalize_and_map skips a page
   * that did not migrate): with nothing to map, the entry stays as it is.
   */
  private unseenMap(c: Cand, t: number, dev: number, page: number, unseen: readonly string[], write: boolean): DriverStep[] {
    const th = c.s.threads[t]!;
    const m = th.mig?.src?.find((x) => x.page === page && x.dst !== null);
    const s = th.snap?.find((x) => x.page === page && x.pfn !== null);
    const pfn = m ? m.dst! : s ? s.pfn! : null;
    if (pfn === null) {
      if (!unseen.includes('pfn') || !th.mig) return [];
      const entry = c.s.mirrors[dev]!.pt[page];
      const same: HmmAction = entry ? { t, k: 'devpt_map', dev, page, pfn: entry.pfn, write: entry.w } : { t, k: 'devpt_unmap', dev, page };
      return [{ action: same, bind: c.b, keep: true }];
    }
    const w = unseen.includes('write') ? (m ? m.w : s!.w) : write;
    return [{ action: { t, k: 'devpt_map', dev, page, pfn, write: w }, bind: c.b }];
  }

  broken(before: Cand, action: HmmAction, after: Cand): Broken[] {
    const out: Broken[] = [];
    // A step that changed nothing (an unseen update with nothing to do) breaks nothing; nor does entering a syscall.
    if (before === after || this.entered.has(after)) return out;
    for (const p of this.steps) if (!p.holds(before.s, action, after.s)) out.push({ id: p.id, sentence: p.sentence });
    for (const i of this.invs) if (!i.holds(after.s)) out.push({ id: i.id, sentence: i.sentence });
    return out;
  }

  explainBroken(before: Cand, action: HmmAction, after: Cand, broken: Broken): string {
    return explainBroken(this.rw, before, action, after, broken.id);
  }

  allowed(c: Cand, plans: Plans<Ev>): string[] {
    const out: string[] = [];
    const w = this.rw.world;
    for (let t = 0; t < w.actors.length; t++) {
      const plan = plans.get(this.rw.tidOf[t]!);
      const starts = plan && threadsFor(this.rw, plan.tid, plan).includes(t) ? withPlan(this.rw, c.s, t, plan, plans.following(plan.tid)) : [c.s, ...unloggedAccesses(this.rw, c.s, t)];
      for (const s of starts) {
        for (const a of threadSteps(w, s, t)) {
          if (!this.rw.hidden.has(a.k)) out.push(describe(this.rw, c.b, a));
        }
      }
    }
    return out;
  }
}

/** A thread's events after the one being matched: its next, then the rest. */
function* upcoming(plans: Plans<Ev>, tid: string): Generator<Ev> {
  const next = plans.get(tid);
  if (next === undefined) return;
  yield next;
  yield* plans.following(tid);
}

/** A model step as a compact trace line, in the trace's own identifiers where bound. */
export function describe(rw: ReplayWorld, b: Bind, a: HmmAction): string {
  const e = actionToEvent(rw.world, a) as Record<string, unknown>;
  const parts: string[] = [];
  for (const [k, v] of Object.entries(e)) {
    if (k === 'ev' || k === 'tid' || v === undefined) continue;
    let shown = v;
    if (k === 'mm' || k === 'child') shown = rw.mmKey[v as number] !== undefined ? JSON.parse(rw.mmKey[v as number]!) : `(mm ${v})`;
    else if (k === 'dev') shown = rw.devKey[a.dev!] !== undefined ? JSON.parse(rw.devKey[a.dev!]!) : `(dev ${a.dev})`;
    else if ((k === 'pfn' || k === 'src' || k === 'dst') && typeof v === 'number') shown = b.frame.has(v) ? JSON.parse(b.frame.get(v)!) : `(frame ${v})`;
    else if (k === 'seq' && typeof v === 'number') shown = b.seqBack.has(v) ? JSON.parse(b.seqBack.get(v)!) : `(seq ${v})`;
    parts.push(`${k}=${JSON.stringify(shown)}`);
  }
  return `${e['tid']}: ${e['ev']} ${parts.join(' ')}`.trim();
}
