/**
 * Progress (livelock) checking under fairness, on the reachable graph.
 *
 * A livelock is a reachable cycle on which a thread has an operation started
 * and never finished although that thread is enabled in every state of the
 * cycle, and which a fair scheduler may run forever:
 * - every thread is treated weakly fairly: it takes a step on the cycle or
 *   is disabled somewhere on it (SPIN's non-progress cycles with weak
 *   fairness; TLC's WF_vars);
 * - a thread asleep on a lock that is handed over (Progress.sleeping) is
 *   treated strongly fairly: if it sleeps somewhere on the cycle, it takes a
 *   step on it or is enabled nowhere on it (TLC's SF_vars). Such a lock goes
 *   to a waiter that has found it free often enough (the kernel's mutex,
 *   rwsem and folio lock handoffs), so a cycle on which the lock is free
 *   again and again and the sleeper never gets it is no schedule of a kernel.
 *
 * The search records the graph as it goes (an edge per transition, the
 * enabled, busy and sleeping threads per expanded state). When it has covered
 * the whole space, for each thread t the graph is cut down to the states
 * where t is busy and enabled, and its strongly connected components are
 * tested. A component in which a thread is enabled everywhere without an
 * edge inside is dropped whole (it is enabled everywhere in every
 * sub-component too). A component in which a sleeper is enabled somewhere
 * without an edge inside is not fair, but a part of it without the states
 * where that thread is enabled may be: those states are removed and the
 * components of the rest are tested again (the Streett emptiness check of
 * Emerson and Lei; each round removes a thread's enabled states for good, so
 * there are at most as many rounds as threads). A component that passes is
 * a fair livelock. The counterexample is a lasso: the search's path to the
 * component's shallowest state, then a cycle through that state that takes
 * one step of each sleeper that steps inside, and, for each other thread,
 * one of its steps or a state where it is disabled.
 *
 * Soundness with the reductions: a fingerprint quotient is a bisimulation
 * (Model.fingerprint), and a cycle of the quotient unrolls to a real cycle
 * (a permutation of frames repeated until it is the identity), with the same
 * enabled threads, so livelocks are neither lost nor invented by it (except
 * through a hash collision, whose odds the report prints). A bitstate store
 * drops states and cannot name the target of an edge: no progress check.
 */

import { components, subComponents, type Csr } from './components.js';

/** What a model says so that its livelocks can be found (Model.progress). */
export interface Progress<S, A> {
  /** Stable id and the sentence reports print (for example LIVE-1). */
  readonly id: string;
  readonly sentence: string;
  /** How many threads act (at most 31: enabled and busy threads are bit masks). */
  readonly threads: number;
  /** The thread that takes `action`. */
  threadOf(action: A): number;
  /**
   * Bit t set: thread t has started an operation it has not finished. An
   * operation's last step must lead to a state where its bit is clear.
   */
  busy(state: S): number;
  /**
   * Bit t set: thread t is asleep on a lock that the holder hands over to a
   * waiting thread (a mutex, an rwsem, a folio lock), and is disabled only
   * because the lock is held. These threads are treated strongly
   * fairly; without `sleeping` (or with its bit clear) a thread is treated
   * weakly fairly, as a spinner or a thread waiting for a condition must be.
   */
  sleeping?(state: S): number;
}

/** A livelock found: where the cycle starts and the edges around it. */
export interface Lasso {
  /** The thread whose operation never finishes. */
  readonly thread: number;
  /** The state (search id) where the cycle starts and ends. */
  readonly entry: number;
  /** Action indices around the cycle, from `entry` back to it. */
  readonly cycle: readonly number[];
}

type Masks = Uint8Array | Uint16Array | Int32Array;

/**
 * The search's graph in growable typed arrays. A state's edges are recorded
 * right after the state itself (the search expands one state at a time), so
 * each state keeps where its edges start and how many there are, and the
 * edges need no source: 7 bytes per transition (target, thread, action
 * index) and 6 per state, plus the enabled, busy and sleeping thread masks
 * (1 byte each up to 8 threads). The livelock search reads the edges in place.
 */
export class ProgressGraph {
  private to = new Int32Array(1 << 12);
  private by = new Uint8Array(1 << 12);
  private act = new Uint16Array(1 << 12);
  private edges = 0;
  private first = new Int32Array(1 << 12);
  private deg = new Uint16Array(1 << 12);
  private enabled: Masks;
  private busy: Masks;
  private sleeping: Masks;
  private states = 0;
  /** The state whose edges are being recorded (-1: none yet). */
  private current = -1;

  constructor(threads: number) {
    const Mask = threads <= 8 ? Uint8Array : threads <= 16 ? Uint16Array : Int32Array;
    this.enabled = new Mask(1 << 12);
    this.busy = new Mask(1 << 12);
    this.sleeping = new Mask(1 << 12);
  }

  /** A state the search expanded: which threads were enabled, busy and asleep on a lock in it. Its edges come next. */
  state(id: number, enabled: number, busy: number, sleeping = 0): void {
    if (id >= this.first.length) {
      const n = grow(this.first.length, id + 1);
      this.first = resize(this.first, n);
      this.deg = resize(this.deg, n);
      this.enabled = resize(this.enabled, n);
      this.busy = resize(this.busy, n);
      this.sleeping = resize(this.sleeping, n);
    }
    this.enabled[id] = enabled;
    this.busy[id] = busy;
    this.sleeping[id] = sleeping;
    this.first[id] = this.edges;
    this.deg[id] = 0;
    this.current = id;
    if (id >= this.states) this.states = id + 1;
  }

  /** A transition of thread `thread`, the `action`-th action of `from` (the state just recorded), to `to`. */
  edge(from: number, to: number, thread: number, action: number): void {
    if (from !== this.current) throw new Error(`liveness: an edge of state ${from} recorded while expanding state ${this.current}`);
    if (this.deg[from] === 0xffff) throw new RangeError(`liveness: state ${from} has more than 65535 transitions`);
    if (this.edges === this.to.length) {
      const n = grow(this.to.length, this.edges + 1);
      this.to = resize(this.to, n);
      this.by = resize(this.by, n);
      this.act = resize(this.act, n);
    }
    const e = this.edges++;
    this.to[e] = to;
    this.by[e] = thread;
    this.act[e] = action;
    this.deg[from]!++;
  }

  /**
   * The graph so far, for a checkpoint: edges in the order recorded, each
   * with its source (the format older versions wrote and read).
   */
  snapshot(): Record<string, Int32Array | Uint16Array> {
    const from = new Int32Array(this.edges);
    for (let v = 0; v < this.states; v++) from.fill(v, this.first[v]!, this.first[v]! + this.deg[v]!);
    return {
      graphFrom: from,
      graphTo: this.to.slice(0, this.edges),
      graphBy: Uint16Array.from(this.by.subarray(0, this.edges)),
      graphAction: this.act.slice(0, this.edges),
      graphEnabled: Int32Array.from(this.enabled.subarray(0, this.states)),
      graphBusy: Int32Array.from(this.busy.subarray(0, this.states)),
      graphSleeping: Int32Array.from(this.sleeping.subarray(0, this.states)),
    };
  }

  /**
   * The graph of a checkpoint (`snapshot`); false when the arrays are not
   * all there, do not agree, or a state's edges are not recorded together.
   */
  restore(a: Readonly<Record<string, Int32Array | Uint16Array | undefined>>): boolean {
    const { graphFrom, graphTo, graphBy, graphAction, graphEnabled, graphBusy, graphSleeping } = a;
    if (!graphFrom || !graphTo || !graphBy || !graphAction || !graphEnabled || !graphBusy || !graphSleeping) return false;
    const e = graphFrom.length;
    const n = graphEnabled.length;
    if (graphTo.length !== e || graphBy.length !== e || graphAction.length !== e || graphBusy.length !== n || graphSleeping.length !== n) return false;
    const scap = Math.max(1 << 12, n);
    const first = new Int32Array(scap);
    const deg = new Uint16Array(scap);
    const seen = new Uint8Array(n);
    for (let k = 0; k < e; k++) {
      const v = graphFrom[k]!;
      if (v < 0 || v >= n) return false;
      if (k === 0 || graphFrom[k - 1] !== v) {
        if (seen[v]) return false;
        seen[v] = 1;
        first[v] = k;
      }
      if (deg[v] === 0xffff) return false;
      deg[v]!++;
    }
    for (let v = 0; v < n; v++) if (!seen[v]) first[v] = 0;
    const cap = Math.max(1 << 12, e);
    this.to = resize(Int32Array.from(graphTo), cap);
    this.by = resize(Uint8Array.from(graphBy), cap);
    this.act = resize(Uint16Array.from(graphAction), cap);
    this.edges = e;
    this.first = first;
    this.deg = deg;
    this.enabled = resize(this.enabled, scap);
    this.busy = resize(this.busy, scap);
    this.sleeping = resize(this.sleeping, scap);
    this.enabled.set(graphEnabled);
    this.busy.set(graphBusy);
    this.sleeping.set(graphSleeping);
    this.states = n;
    this.current = -1;
    return true;
  }

  /** Bytes held per state (edges included), for statistics. */
  bytesPerState(): number {
    const bytes =
      this.to.byteLength + this.by.byteLength + this.act.byteLength + this.first.byteLength + this.deg.byteLength + this.enabled.byteLength + this.busy.byteLength + this.sleeping.byteLength;
    return Math.round((bytes / Math.max(1, this.states)) * 10) / 10;
  }

  /**
   * The first fair livelock, thread by thread, or undefined. `states` is the
   * number of states stored; every one of them must have been expanded (the
   * search covered the space), else the answer would not mean anything.
   */
  findLivelock(states: number, threads: number): Lasso | undefined {
    const csr: Csr = { first: this.first, deg: this.deg, to: this.to, by: this.by, act: this.act };
    for (let t = 0; t < threads; t++) {
      const bit = 1 << t;
      // A state never expanded has no enabled thread recorded, so it is never inside.
      const inside = (v: number): boolean => (this.busy[v]! & bit) !== 0 && (this.enabled[v]! & bit) !== 0;
      for (const comp of components(states, csr, inside)) {
        const lasso = this.fairCycle(comp, csr, threads, t);
        if (lasso) return lasso;
      }
    }
    return undefined;
  }

  /**
   * A fair cycle inside the component `comp` (sorted ids) starving thread t,
   * as a lasso: in it, or in a part of it without the states where a sleeper
   * that never steps in it is enabled.
   */
  private fairCycle(comp: Int32Array, g: Csr, threads: number, t: number): Lasso | undefined {
    // Most components are single states without a self-loop: no cycle, and no set built for them.
    if (comp.length === 1) {
      const v = comp[0]!;
      let self = false;
      for (let k = g.first[v]!, end = k + g.deg[v]!; k < end && !self; k++) self = g.to[k] === v;
      if (!self) return undefined;
    }
    const member = new Set<number>(comp);
    // Threads with an edge inside; threads enabled, disabled, asleep on a lock in some state.
    let stepped = 0;
    let enabled = 0;
    let disabled = 0;
    let asleep = 0;
    for (const v of comp) {
      for (let k = g.first[v]!, end = k + g.deg[v]!; k < end; k++) if (member.has(g.to[k]!)) stepped |= 1 << g.by[k]!;
      enabled |= this.enabled[v]!;
      disabled |= ~this.enabled[v]!;
      asleep |= this.sleeping[v]!;
    }
    // Weak fairness: a thread enabled everywhere must step; such a component is dropped whole (see the header).
    const all = (2 ** threads - 1) | 0;
    if (((stepped | disabled) & all) !== all) return undefined;
    // Strong fairness: a sleeper enabled somewhere must step; else only a part where it is never enabled can be fair.
    const unfair = asleep & enabled & ~stepped;
    if (unfair !== 0) {
      for (const part of subComponents(comp, g, (v) => (this.enabled[v]! & unfair) === 0)) {
        const lasso = this.fairCycle(part, g, threads, t);
        if (lasso) return lasso;
      }
      return undefined;
    }
    // The shallowest state of the component (ids grow with depth under BFS).
    const entry = comp[0]!;
    return { thread: t, entry, cycle: this.cycleThrough(entry, member, g, threads, asleep & stepped) };
  }

  /**
   * A short cycle from `entry` back to it inside the component that, for
   * each thread in `strong` (the sleepers that step inside), takes one of its
   * steps, and for each other thread takes one of its steps or visits a
   * state where it is disabled (greedily: the nearest unmet thread next,
   * then home).
   */
  private cycleThrough(entry: number, member: ReadonlySet<number>, g: Csr, threads: number, strong: number): number[] {
    const unmet = new Set<number>();
    for (let u = 0; u < threads; u++) unmet.add(u);
    // A state meets thread u when u is disabled in it, unless u must step.
    const meets = (v: number, u: number): boolean => ((this.enabled[v]! | strong) & (1 << u)) === 0;
    const visit = (v: number): void => {
      for (const u of [...unmet]) if (meets(v, u)) unmet.delete(u);
    };
    const cycle: number[] = [];
    let at = entry;
    visit(at);
    while (unmet.size > 0) {
      const steps = nearest(g, member, at, (v) => [...unmet].some((u) => meets(v, u)), (k) => unmet.has(g.by[k]!));
      for (const k of steps) {
        cycle.push(g.act[k]!);
        unmet.delete(g.by[k]!);
        at = g.to[k]!;
        visit(at);
      }
    }
    for (const k of nearest(g, member, at, (v) => v === entry, () => false)) cycle.push(g.act[k]!);
    return cycle;
  }
}

/**
 * The shortest edge list (CSR indices) from `a` inside `member` that ends in
 * a state with `goal` or with an edge with `goalEdge` (that edge included).
 * Empty when `a` itself is a goal state.
 */
function nearest(g: Csr, member: ReadonlySet<number>, a: number, goal: (v: number) => boolean, goalEdge: (k: number) => boolean): number[] {
  if (goal(a)) return [];
  // Per state reached: the edge it was reached by and the state that edge leaves.
  const via = new Map<number, number>([[a, -1]]);
  const parent = new Map<number, number>();
  const back = (v: number, last: number[]): number[] => {
    const out = last;
    for (let y = v; y !== a; y = parent.get(y)!) out.push(via.get(y)!);
    return out.reverse();
  };
  const queue = [a];
  for (let h = 0; h < queue.length; h++) {
    const v = queue[h]!;
    for (let k = g.first[v]!, end = k + g.deg[v]!; k < end; k++) {
      const x = g.to[k]!;
      if (!member.has(x)) continue;
      if (goalEdge(k)) return back(v, [k]);
      if (via.has(x)) continue;
      via.set(x, k);
      parent.set(x, v);
      if (goal(x)) return back(x, []);
      queue.push(x);
    }
  }
  throw new Error(`liveness: state ${a} reaches no goal inside its strongly connected component`);
}

// By half again, not double: on a search of millions of states the slack of
// the last growth is most of what the graph holds beyond its contents.
function grow(size: number, atLeast: number): number {
  let n = Math.ceil(size * 1.5);
  while (n < atLeast) n = Math.ceil(n * 1.5);
  return n;
}

function resize<T extends Int32Array | Uint8Array | Uint16Array>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a.subarray(0, Math.min(a.length, n)) as never);
  return b;
}
