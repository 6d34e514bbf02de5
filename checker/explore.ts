/**
 * Exhaustive exploration: breadth-first (shortest counterexamples) or
 * depth-first, over any `Model`.
 *
 * The loop is the one of stateright's `bfs.rs` and TLC's worker: take a state
 * from the frontier, compute every successor, store the new ones, check
 * invariants on new states and step properties on every transition. It runs in
 * slices so that an async driver can yield to the event loop (progress lines,
 * Ctrl-C) without the search itself knowing about either.
 */
import { canonicalKey } from './fingerprint.js';
import { DEFAULT_DEADLOCK, type Model } from './model.js';
import { indicesTo, NondeterminismError, replayIndices, replaySearchPath, sameUpToQuotient } from './path.js';
import type { CheckResult, Stats, StopReason, Violation } from './result.js';
import { FingerprintStore } from './fingerprintStore.js';
import { MapStore, type StateStore } from './store.js';
import { WordQueue } from './wordQueue.js';
import { CheckpointError, type Checkpoint } from './checkpoint.js';
import { checkpointProblem, type SearchHeader } from './checkpointShape.js';
import { CUT, DEADLOCK, SENT_BEFORE, type Words } from './expand.js';
import { ProgressGraph } from './liveness.js';
import type { ProgressCheck } from './result.js';

export interface CheckOptions<S> {
  readonly strategy?: 'bfs' | 'dfs';
  /** Stop with `incomplete` once this many distinct states are stored. */
  readonly maxStates?: number;
  /** Stop with `incomplete` after this many seconds. */
  readonly maxSeconds?: number;
  /** Do not expand states this many steps deep; the outcome is then `incomplete` if any had successors. */
  readonly maxDepth?: number;
  /** Stop at the first violating state (default). Otherwise keep the first violation of each property. */
  readonly stopAtFirst?: boolean;
  readonly store?: StateStore<S>;
  /** Keep whole keys (MapStore) even when the model can pack states: no collision, more memory, slower. */
  readonly exact?: boolean;
  /**
   * Try each state's actions in an order shuffled by this seed (swarm shards:
   * diversified searches). Paths still record the model's action indices.
   */
  readonly orderSeed?: number;
  /** Stop with `incomplete` (stoppedBy max-memory) once the process's resident set exceeds this many MiB. */
  readonly maxMemoryMiB?: number;
  /** Go on from a checkpoint (`Explorer.checkpoint`) instead of from the initial states. */
  readonly resume?: Checkpoint;
  /**
   * What is being checked, as a string (the configuration and variants): kept
   * in checkpoints, and a checkpoint of something else is refused on resume.
   */
  readonly identity?: string;
  /** Called about every `progressEveryMs` with the statistics so far. */
  readonly onProgress?: (stats: Stats) => void;
  readonly progressEveryMs?: number;
  /**
   * Look for livelocks when the model defines progress (default true): the
   * search then records its graph (liveness.ts). False turns it off, with
   * `livenessOff` as the reason the result gives.
   */
  readonly liveness?: boolean;
  readonly livenessOff?: string;
}

interface Entry<S> {
  readonly state: S;
  readonly id: number;
  readonly depth: number;
}

export class Explorer<S, A> {
  private readonly store: StateStore<S>;
  private readonly frontier: Entry<S>[] = [];
  private head = 0;
  /** Set when the model packs and unpacks states: the frontier is then kept as words. */
  private readonly queue: WordQueue | undefined;
  private words = new Int32Array(256);
  private nWords = 0;
  private readonly taken = { id: 0, depth: 0, words: new Int32Array(0) };
  private readonly bfs: boolean;
  private transitions = 0;
  private maxDepthSeen = 0;
  private readonly kindIndex = new Map<string, number>();
  private readonly kindCounts: number[];
  private readonly violations: Violation<S, A>[] = [];
  private readonly violatedIds = new Set<string>();
  private stopReason: StopReason | undefined;
  private finished = false;
  private cutByDepth = false;
  private started = Date.now();
  private lastProgress = Date.now();
  /** The graph the progress check needs, when it runs (liveness.ts). */
  private graph: ProgressGraph | undefined;
  private progressOff: string | undefined;
  private progressChecked = false;

  constructor(
    private readonly model: Model<S, A>,
    private readonly options: CheckOptions<S> = {},
  ) {
    this.bfs = (options.strategy ?? 'bfs') === 'bfs';
    this.store = options.store ?? defaultStore(model, options.exact ?? false);
    this.queue = model.pack && model.unpack ? new WordQueue(!this.bfs) : undefined;
    model.actionKinds.forEach((k, i) => this.kindIndex.set(k, i));
    this.kindCounts = new Array<number>(model.actionKinds.length).fill(0);
    if (model.progress) {
      if (options.liveness === false) this.progressOff = options.livenessOff ?? 'turned off';
      else if (model.progress.threads > 31) this.progressOff = `${model.progress.threads} threads: the graph keeps enabled threads as 31-bit masks`;
      else if (options.resume) {
        // restore() puts the checkpoint's graph back, if it has one.
        this.graph = new ProgressGraph(model.progress.threads);
      } else if (!this.store.trackIds?.()) this.progressOff = 'the store keeps no state ids (a bitstate table)';
      else this.graph = new ProgressGraph(model.progress.threads);
    }
    if (options.resume) {
      this.restore(options.resume);
      return;
    }
    model.initialStates().forEach((state, i) => {
      if (this.finished) return;
      const id = this.insert(state, -1, i);
      if (id < 0) return;
      if (this.checkState(state, id)) this.enqueue(state, id, 0);
    });
    if (this.queued() === 0) this.finished = true;
  }

  /** True once the search is over (covered everything, found a violation, or hit a bound). */
  get done(): boolean {
    return this.finished;
  }

  /** Stops the search at the next slice boundary, as Ctrl-C does. */
  interrupt(): void {
    if (!this.finished) {
      this.stopReason = 'interrupted';
      this.finished = true;
    }
  }

  /** Explores for about `sliceMs` milliseconds (or to the end). Returns `done`. */
  run(sliceMs = Infinity): boolean {
    const { model } = this;
    const stepProps = model.stepProperties ?? [];
    const maxStates = this.options.maxStates ?? Infinity;
    const maxDepth = this.options.maxDepth ?? Infinity;
    const sliceEnd = Date.now() + sliceMs;
    let tick = 0;
    while (!this.finished) {
      const entry = this.take();
      if (entry === undefined) {
        this.finished = true;
        this.checkProgress();
        break;
      }
      const { state, id, depth } = entry;
      const actions = model.actions(state);
      const graph = this.graph;
      const progress = model.progress;
      // Each action's thread, once: the enabled mask and the edges both need it.
      const threads = graph ? this.threadsOf(actions) : undefined;
      if (graph) {
        let enabled = 0;
        for (let i = 0; i < actions.length; i++) enabled |= 1 << threads![i]!;
        graph.state(id, enabled, progress!.busy(state), progress!.sleeping?.(state) ?? 0);
      }
      if (actions.length === 0) {
        if (model.isFinal && !model.isFinal(state)) this.recordDeadlock(id);
        continue;
      }
      if (depth >= maxDepth) {
        this.cutByDepth = true;
        continue;
      }
      const order = this.options.orderSeed !== undefined ? shuffled(actions.length, this.options.orderSeed, id) : undefined;
      for (let j = 0; j < actions.length && !this.finished; j++) {
        const i = order ? order[j]! : j;
        const action = actions[i]!;
        const next = model.next(state, action);
        this.transitions++;
        const k = this.kindIndex.get(model.actionKind(action));
        if (k !== undefined) this.kindCounts[k]!++;
        for (const p of stepProps) {
          if (!p.holds(state, action, next)) {
            this.record('step', p.id, p.sentence, [...indicesTo(this.store, id), i]);
          }
        }
        if (this.finished) break;
        const nid = this.insert(next, id, i);
        if (graph) graph.edge(id, nid >= 0 ? nid : this.store.lastId!, threads![i]!, i);
        if (nid < 0) continue;
        if (depth + 1 > this.maxDepthSeen) this.maxDepthSeen = depth + 1;
        if (this.checkState(next, nid)) this.enqueue(next, nid, depth + 1);
        this.checkMaxStates(maxStates);
      }
      if ((++tick & 255) === 0) {
        this.checkMemory();
        this.checkDeadline();
        const now = Date.now();
        if (this.options.onProgress && now - this.lastProgress >= (this.options.progressEveryMs ?? 2000)) {
          this.lastProgress = now;
          this.options.onProgress(this.stats());
        }
        if (now >= sliceEnd) break;
      }
    }
    this.noteDepthCut();
    return this.finished;
  }

  stats(): Stats {
    const seconds = (Date.now() - this.started) / 1000;
    const states = this.store.size;
    return {
      states,
      transitions: this.transitions,
      depth: this.maxDepthSeen,
      seconds,
      statesPerSecond: seconds > 0 ? Math.round(states / seconds) : states,
      queued: this.queued(),
      bytesPerState: this.store.bytesPerState(),
      store: this.store.kind ?? 'exact',
      collisionProbability: this.store.collisionProbability?.() ?? 0,
    };
  }

  result(): CheckResult<S, A> {
    const kinds = this.model.actionKinds;
    const coverage = kinds.map((kind, i) => ({ kind, count: this.kindCounts[i]! }));
    // A bitstate table may have dropped states: such a search never verifies.
    const lossy = this.store.kind === 'bitstate' ? 'bitstate' : undefined;
    const outcome = this.violations.length > 0 ? 'violated' : this.stopReason || !this.finished || lossy ? 'incomplete' : 'ok';
    const stoppedBy = this.stopReason ?? (this.finished ? lossy : 'interrupted');
    return {
      outcome,
      stats: this.stats(),
      violations: this.violations,
      coverage,
      neverFired: coverage.filter((c) => c.count === 0).map((c) => c.kind),
      ...(stoppedBy !== undefined && outcome !== 'violated' ? { stoppedBy } : {}),
      ...(this.model.progress ? { progress: this.progressCheck() } : {}),
    };
  }

  private threadBuf = new Int32Array(64);

  /** The thread of each action, in a buffer reused from state to state. */
  private threadsOf(actions: readonly A[]): Int32Array {
    if (actions.length > this.threadBuf.length) this.threadBuf = new Int32Array(actions.length * 2);
    const progress = this.model.progress!;
    for (let i = 0; i < actions.length; i++) this.threadBuf[i] = progress.threadOf(actions[i]!);
    return this.threadBuf;
  }

  private progressCheck(): ProgressCheck {
    const id = this.model.progress!.id;
    if (this.progressChecked && this.graph) {
      // The graph and the store's slot ids: what the check costs on top of the visited set.
      const ids = this.store instanceof FingerprintStore ? this.store.idBytes() / Math.max(1, this.store.size) : 0;
      return { id, checked: true, bytesPerState: Math.round((this.graph.bytesPerState() + ids) * 10) / 10 };
    }
    if (this.progressChecked) return { id, checked: true };
    const why =
      this.progressOff ??
      (this.violations.length > 0 ? 'the search stopped at a violation' : 'the search did not cover the whole state space');
    return { id, checked: false, why };
  }

  /**
   * Once the whole space is covered without a violation: the livelock
   * search on the recorded graph. A livelock is reported as a lasso.
   */
  private checkProgress(): void {
    const progress = this.model.progress;
    const graph = this.graph;
    if (!progress || !graph || this.violations.length > 0 || this.stopReason || this.cutByDepth) return;
    const lasso = graph.findLivelock(this.store.size, progress.threads);
    this.progressChecked = true;
    if (!lasso) return;
    const prefix = indicesTo(this.store, lasso.entry);
    const path = this.queue ? replaySearchPath(this.model, [...prefix, ...lasso.cycle]) : replayIndices(this.model, [...prefix, ...lasso.cycle]);
    if (!sameUpToQuotient(this.model, path.states[prefix.length - 1]!, path.states[path.states.length - 1]!)) {
      throw new NondeterminismError('a livelock cycle, replayed, does not come back to where it started');
    }
    this.violatedIds.add(progress.id);
    this.violations.push({ kind: 'liveness', id: progress.id, sentence: progress.sentence, path, loopStart: prefix.length - 1, starved: lasso.thread });
  }

  /**
   * For a parallel search (parallel.ts): moves up to `max` queued states, in
   * queue order, into `into` as records [id, depth, n, ...words] for a worker
   * to expand. Returns how many.
   */
  takeBatch(max: number, into: Words): number {
    const q = this.queue!;
    const t = this.taken;
    let k = 0;
    while (k < max && !this.finished && q.take(t)) {
      into.room(3 + t.words.length);
      into.push(t.id);
      into.push(t.depth);
      into.push(t.words.length);
      into.buf.set(t.words, into.n);
      into.n += t.words.length;
      k++;
    }
    return k;
  }

  /**
   * The bookkeeping half of expanding states, for what a worker computed
   * (expand.ts): the same steps, in the same order, as `run` takes for
   * states it expands itself, so counts and violations are the same.
   */
  absorb(out: Int32Array, len: number): void {
    const { model } = this;
    const stepProps = model.stepProperties ?? [];
    const maxStates = this.options.maxStates ?? Infinity;
    let at = 0;
    while (at < len && !this.finished) {
      const id = out[at]!;
      const depth = out[at + 1]!;
      const enabled = out[at + 2]!;
      const busy = out[at + 3]!;
      const sleeping = out[at + 4]!;
      const status = out[at + 5]!;
      const count = out[at + 6]!;
      at += 7;
      const graph = this.graph;
      if (graph) graph.state(id, enabled, busy, sleeping);
      if (status === DEADLOCK) this.recordDeadlock(id);
      else if (status === CUT) this.cutByDepth = true;
      for (let s = 0; s < count && !this.finished; s++) {
        const i = out[at++]!;
        const thread = out[at++]!;
        const kind = out[at++]!;
        this.transitions++;
        if (kind >= 0) this.kindCounts[kind]!++;
        for (let f = out[at++]!; f > 0; f--) {
          const p = stepProps[out[at++]!]!;
          this.record('step', p.id, p.sentence, [...indicesTo(this.store, id), i]);
        }
        const hi = out[at++]!;
        const lo = out[at++]!;
        const sentBefore = out[at] === SENT_BEFORE;
        const invStart = at;
        let n = 0;
        let wordsAt = at + 1;
        if (!sentBefore) {
          at += 1 + out[at]!;
          n = out[at++]!;
          wordsAt = at;
          at += n;
        } else at++;
        if (this.finished) break;
        const nid = this.store.insertHash!(hi, lo, id, i);
        if (graph) graph.edge(id, nid >= 0 ? nid : this.store.lastId!, thread, i);
        if (nid < 0) continue;
        // The worker sent it in full in an earlier record, absorbed before this one (expand.ts).
        if (sentBefore) throw new Error(`absorb: state ${nid} is new but its worker sent only its fingerprint`);
        if (depth + 1 > this.maxDepthSeen) this.maxDepthSeen = depth + 1;
        let ok = true;
        for (let f = out[invStart]!, k = invStart + 1; f > 0; f--, k++) {
          const inv = model.invariants[out[k]!]!;
          ok = false;
          this.record('invariant', inv.id, inv.sentence, indicesTo(this.store, nid));
        }
        if (ok) this.queue!.push(nid, depth + 1, out.subarray(wordsAt, wordsAt + n), n);
        this.checkMaxStates(maxStates);
      }
    }
  }

  /** True when the store holds this fingerprint (false for a store that keeps none). */
  stored(hi: number, lo: number): boolean {
    return this.store.hasHash?.(hi, lo) ?? false;
  }

  /** Marks the search over when nothing is queued (parallel.ts, once no batch is out). */
  settle(): void {
    if (!this.finished && this.queued() === 0) {
      this.finished = true;
      this.checkProgress();
    }
    this.noteDepthCut();
  }

  /** States waiting to be expanded. */
  get queuedCount(): number {
    return this.queued();
  }

  /** A search that ended with states left unexpanded at --max-depth did not cover the space. */
  private noteDepthCut(): void {
    if (this.finished && this.stopReason === undefined && this.cutByDepth && this.violations.length === 0) {
      this.stopReason = 'max-depth';
    }
  }

  private checkMaxStates(maxStates: number): void {
    if (this.store.size >= maxStates && !this.finished) {
      this.stopReason = 'max-states';
      this.finished = true;
    }
  }

  private recordDeadlock(id: number): void {
    const d = this.model.deadlock ?? DEFAULT_DEADLOCK;
    this.record('deadlock', d.id, d.sentence, indicesTo(this.store, id));
  }

  /** Stops the search once the process holds more memory than allowed: `incomplete`, never an out-of-memory crash. */
  checkMemory(): void {
    const max = this.options.maxMemoryMiB;
    if (!this.finished && max !== undefined && process.memoryUsage.rss() > max * 1048576) {
      this.stopReason = 'max-memory';
      this.finished = true;
    }
  }

  /**
   * The search's progress as a checkpoint: the fingerprint table, path links,
   * queue and counters. Only between slices (never inside `run`), and only for
   * the fast path (a model that packs, the fingerprint store). The table and
   * path links are the search's own arrays, not copies: write the checkpoint
   * out (or copy it) before the search goes on, or it changes under you.
   */
  checkpoint(pending: readonly Int32Array[] = []): Checkpoint {
    if (!(this.store instanceof FingerprintStore) || !this.queue) {
      throw new Error('checkpoints need the fingerprint store and a packed frontier (a model with pack and unpack, no --exact)');
    }
    const { table, parents, actions, ids } = this.store.snapshot();
    const graph = this.graph && ids ? { ids, ...this.graph.snapshot() } : {};
    // What checkpointShape.ts checks on the way back in.
    const header: SearchHeader = {
      identity: this.options.identity ?? '',
      strategy: this.bfs ? 'bfs' : 'dfs',
      states: this.store.size,
      transitions: this.transitions,
      maxDepthSeen: this.maxDepthSeen,
      cutByDepth: this.cutByDepth,
      seconds: (Date.now() - this.started) / 1000,
      // A copy: the search goes on counting after the checkpoint is taken.
      kindCounts: [...this.kindCounts],
      violations: this.violations.map((v) => ({
        kind: v.kind,
        id: v.id,
        sentence: v.sentence,
        indices: v.path.indices,
        ...(v.loopStart !== undefined ? { loopStart: v.loopStart, starved: v.starved } : {}),
      })),
    };
    return {
      header: header as unknown as Record<string, unknown>,
      // Batches out on workers (parallel.ts) go back in front of the queue.
      arrays: { table, parents, actions, queue: concat([...pending, this.queue.snapshot()]), ...graph },
    };
  }

  private restore(cp: Checkpoint): void {
    // Whole and of this search, or refused before anything is touched.
    checkpointFits(cp, this.model, this.options.identity ?? '', this.bfs ? 'bfs' : 'dfs');
    const h = cp.header as unknown as SearchHeader;
    if (!(this.store instanceof FingerprintStore) || !this.queue) throw new CheckpointMismatch('resuming needs the fingerprint store and a packed frontier');
    const { table, parents, actions, queue } = cp.arrays as Record<string, Int32Array>;
    const ids = cp.arrays['ids'] as Int32Array | undefined;
    (this.store as FingerprintStore<S>).restore(table!, parents!, actions as unknown as Uint16Array, ids);
    if (this.graph && !(ids && this.graph.restore(cp.arrays))) {
      this.graph = undefined;
      this.progressOff = 'the checkpoint resumed was saved without the progress graph';
    }
    this.queue!.restore(queue!);
    this.transitions = h.transitions;
    this.maxDepthSeen = h.maxDepthSeen;
    this.cutByDepth = h.cutByDepth;
    h.kindCounts.forEach((c, i) => (this.kindCounts[i] = c));
    this.started = Date.now() - h.seconds * 1000;
    for (const v of h.violations) {
      this.violatedIds.add(v.id);
      const lasso = v.loopStart !== undefined ? { loopStart: v.loopStart, starved: v.starved! } : {};
      this.violations.push({ kind: v.kind, id: v.id, sentence: v.sentence, path: replayIndices(this.model, v.indices), ...lasso });
      if (v.kind === 'liveness') this.progressChecked = true;
    }
    if (this.queued() === 0) this.finished = true;
  }

  /** True when the search stopped where it can go on from a checkpoint (not at a violation or mid-expansion). */
  get resumable(): boolean {
    return this.stopReason === 'interrupted' || this.stopReason === 'max-seconds' || this.stopReason === 'max-memory';
  }

  /** Stops a parallel search at its time limit, as `run` does on its own. */
  checkDeadline(): void {
    const ms = this.options.maxSeconds;
    if (!this.finished && ms !== undefined && Date.now() >= this.started + ms * 1000) {
      this.stopReason = 'max-seconds';
      this.finished = true;
    }
  }

  private queued(): number {
    return this.queue ? this.queue.length : this.frontier.length - this.head;
  }

  /** Stores a state; packs it first when the frontier holds words, so it is packed once. */
  private insert(state: S, parent: number, action: number): number {
    if (!this.queue) return this.store.insert(state, parent, action);
    const model = this.model;
    let n = model.pack!(state, this.words);
    if (n > this.words.length) {
      this.words = new Int32Array(n * 2);
      n = model.pack!(state, this.words);
    }
    this.nWords = n;
    return this.store.insertPacked ? this.store.insertPacked(this.words, n, parent, action) : this.store.insert(state, parent, action);
  }

  /** Queues the state `insert` just stored. */
  private enqueue(state: S, id: number, depth: number): void {
    if (this.queue) this.queue.push(id, depth, this.words, this.nWords);
    else this.frontier.push({ state, id, depth });
  }

  private take(): Entry<S> | undefined {
    if (this.queue) {
      const t = this.taken;
      if (!this.queue.take(t)) return undefined;
      return { state: this.model.unpack!(t.words), id: t.id, depth: t.depth };
    }
    if (this.bfs) {
      if (this.head >= this.frontier.length) return undefined;
      const e = this.frontier[this.head]!;
      // Drop the reference so the state can be collected, and compact now and
      // then so the array does not grow without bound.
      (this.frontier as (Entry<S> | undefined)[])[this.head] = undefined;
      this.head++;
      if (this.head > 65536 && this.head * 2 > this.frontier.length) {
        this.frontier.splice(0, this.head);
        this.head = 0;
      }
      return e;
    }
    return this.frontier.pop();
  }

  /** Checks invariants on a newly stored state; false when it must not be expanded. */
  private checkState(state: S, id: number): boolean {
    let ok = true;
    for (const inv of this.model.invariants) {
      if (!inv.holds(state)) {
        ok = false;
        this.record('invariant', inv.id, inv.sentence, indicesTo(this.store, id));
      }
    }
    return ok;
  }

  private record(kind: Violation<S, A>['kind'], id: string, sentence: string, indices: number[]): void {
    if (this.violatedIds.has(id)) return;
    this.violatedIds.add(id);
    this.violations.push({ kind, id, sentence, path: this.queue ? replaySearchPath(this.model, indices) : replayIndices(this.model, indices) });
    if (this.options.stopAtFirst ?? true) this.finished = true;
  }
}

/** A checkpoint that is not of this search: resuming it would report a wrong verdict. */
export class CheckpointMismatch extends Error {
  constructor(detail: string) {
    super(`the checkpoint does not fit this search: ${detail}`);
    this.name = 'CheckpointMismatch';
  }
}

/**
 * Throws unless `cp` can be resumed by this search: a CheckpointError when it
 * does not hang together (checkpointShape.ts), a CheckpointMismatch when it
 * is of another search: another identity (configuration, variants), search
 * order, step kinds, initial states, threads, or with a saved violation
 * whose path does not replay on this model. Needs no search, so a command
 * can refuse a wrong file before it starts one.
 */
export function checkpointFits<S, A>(cp: Checkpoint, model: Model<S, A>, identity: string, strategy: 'bfs' | 'dfs'): void {
  const problem = checkpointProblem(cp);
  if (problem !== undefined) throw new CheckpointError(undefined, `checkpoint damaged: ${problem}`);
  const h = cp.header as unknown as SearchHeader;
  if (h.identity !== identity) throw new CheckpointMismatch('it was made for another configuration or other variants');
  if (h.strategy !== strategy) throw new CheckpointMismatch(`it was made by a ${h.strategy} search`);
  if (h.kindCounts.length !== model.actionKinds.length) throw new CheckpointMismatch("its step kinds are not this model's");
  // Every path back from a state ends at an initial state (checkpointShape.ts): one of this model's.
  const inits = model.initialStates().length;
  const { parents, actions } = cp.arrays;
  for (let id = 0; id < parents!.length; id++) {
    if (parents![id] === -1 && actions![id]! >= inits) throw new CheckpointMismatch(`its state ${id} is initial state ${actions![id]}, and this model has ${inits}`);
  }
  const threads = model.progress?.threads;
  const { graphBy, graphEnabled, graphBusy } = cp.arrays;
  if (threads !== undefined && threads <= 31 && graphBy && graphEnabled && graphBusy) {
    const beyond = ~((1 << threads) - 1) | 0;
    if (graphBy.some((t) => t >= threads)) throw new CheckpointMismatch(`its progress graph has steps of threads this model's ${threads} do not include`);
    for (let v = 0; v < graphEnabled.length; v++) {
      if ((graphEnabled[v]! | graphBusy[v]!) & beyond) throw new CheckpointMismatch(`its progress graph has threads this model's ${threads} do not include`);
    }
  }
  for (const v of h.violations) {
    try {
      replayIndices(model, v.indices);
    } catch (e) {
      if (!(e instanceof NondeterminismError)) throw e;
      throw new CheckpointMismatch(`its ${v.id} counterexample does not replay on this model (${e.message})`);
    }
  }
}

/** Fingerprints of packed states when the model packs them, else whole keys. */
export function defaultStore<S, A>(model: Model<S, A>, exact: boolean): StateStore<S> {
  if (model.pack && !exact) return new FingerprintStore<S>(model.pack.bind(model));
  const fp = model.fingerprint ? model.fingerprint.bind(model) : canonicalKey;
  return new MapStore<S>(fp);
}

/** A permutation of 0..n-1 from a seed and a state id (mulberry32 and Fisher-Yates): the same on every run. */
function shuffled(n: number, seed: number, id: number): number[] {
  let a = (Math.imul(seed, 0x9e3779b1) ^ id) >>> 0;
  const rnd = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const k = Math.floor(rnd() * (i + 1));
    const x = out[i]!;
    out[i] = out[k]!;
    out[k] = x;
  }
  return out;
}

function concat(parts: readonly Int32Array[]): Int32Array {
  const out = new Int32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Saving a checkpoint every `everySeconds`, and when the search stops where it could go on. */
export interface CheckpointOption {
  readonly everySeconds: number;
  readonly save: (cp: Checkpoint) => void;
}

/** Runs a whole check synchronously. */
export function check<S, A>(model: Model<S, A>, options: CheckOptions<S> = {}): CheckResult<S, A> {
  const ex = new Explorer(model, options);
  ex.run();
  return ex.result();
}

/**
 * Runs a check in slices, yielding to the event loop between them so that
 * progress can be printed and `signal` (Ctrl-C) can stop the search cleanly
 * with the summary so far.
 */
export async function checkAsync<S, A>(
  model: Model<S, A>,
  options: CheckOptions<S> & { readonly signal?: AbortSignal; readonly checkpoint?: CheckpointOption } = {},
): Promise<CheckResult<S, A>> {
  const ex = new Explorer(model, options);
  const onAbort = (): void => ex.interrupt();
  options.signal?.addEventListener('abort', onAbort);
  const cp = options.checkpoint;
  let lastSave = Date.now();
  try {
    if (options.signal?.aborted) ex.interrupt();
    while (!ex.run(100)) {
      if (cp && Date.now() - lastSave >= cp.everySeconds * 1000) {
        cp.save(ex.checkpoint());
        lastSave = Date.now();
      }
      await new Promise((r) => setImmediate(r));
    }
    if (cp && ex.resumable) cp.save(ex.checkpoint());
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
  return ex.result();
}
