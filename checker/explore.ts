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
import type { Model } from './model.js';
import { indicesTo, replayIndices } from './path.js';
import type { CheckResult, Stats, StopReason, Violation } from './result.js';
import { MapStore, type StateStore } from './store.js';

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
  /** Called about every `progressEveryMs` with the statistics so far. */
  readonly onProgress?: (stats: Stats) => void;
  readonly progressEveryMs?: number;
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
  private readonly started = Date.now();
  private lastProgress = Date.now();

  constructor(
    private readonly model: Model<S, A>,
    private readonly options: CheckOptions<S> = {},
  ) {
    this.bfs = (options.strategy ?? 'bfs') === 'bfs';
    const fp = model.fingerprint ? model.fingerprint.bind(model) : canonicalKey;
    this.store = options.store ?? new MapStore<S>(fp);
    model.actionKinds.forEach((k, i) => this.kindIndex.set(k, i));
    this.kindCounts = new Array<number>(model.actionKinds.length).fill(0);
    model.initialStates().forEach((state, i) => {
      if (this.finished) return;
      const id = this.store.insert(state, -1, i);
      if (id < 0) return;
      if (this.checkState(state, id)) this.frontier.push({ state, id, depth: 0 });
    });
    if (this.frontier.length === 0) this.finished = true;
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
    const deadlineMs = this.options.maxSeconds !== undefined ? this.started + this.options.maxSeconds * 1000 : Infinity;
    const sliceEnd = Date.now() + sliceMs;
    let tick = 0;
    while (!this.finished) {
      const entry = this.take();
      if (entry === undefined) {
        this.finished = true;
        break;
      }
      const { state, id, depth } = entry;
      const actions = model.actions(state);
      if (actions.length === 0) {
        if (model.isFinal && !model.isFinal(state)) {
          const d = model.deadlock ?? { id: 'deadlock', sentence: 'a state that is not final has no enabled step' };
          this.record('deadlock', d.id, d.sentence, indicesTo(this.store, id));
        }
        continue;
      }
      if (depth >= maxDepth) {
        this.cutByDepth = true;
        continue;
      }
      for (let i = 0; i < actions.length && !this.finished; i++) {
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
        const nid = this.store.insert(next, id, i);
        if (nid < 0) continue;
        if (depth + 1 > this.maxDepthSeen) this.maxDepthSeen = depth + 1;
        if (this.checkState(next, nid)) this.frontier.push({ state: next, id: nid, depth: depth + 1 });
        if (this.store.size >= maxStates && !this.finished) {
          this.stopReason = 'max-states';
          this.finished = true;
        }
      }
      if ((++tick & 255) === 0) {
        const now = Date.now();
        if (now >= deadlineMs) {
          this.stopReason = 'max-seconds';
          this.finished = true;
        }
        if (this.options.onProgress && now - this.lastProgress >= (this.options.progressEveryMs ?? 2000)) {
          this.lastProgress = now;
          this.options.onProgress(this.stats());
        }
        if (now >= sliceEnd) break;
      }
    }
    if (this.finished && this.stopReason === undefined && this.cutByDepth && this.violations.length === 0) {
      this.stopReason = 'max-depth';
    }
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
      queued: this.frontier.length - this.head,
      bytesPerState: this.store.bytesPerState(),
    };
  }

  result(): CheckResult<S, A> {
    const kinds = this.model.actionKinds;
    const coverage = kinds.map((kind, i) => ({ kind, count: this.kindCounts[i]! }));
    const outcome = this.violations.length > 0 ? 'violated' : this.stopReason || !this.finished ? 'incomplete' : 'ok';
    const stoppedBy = this.stopReason ?? (this.finished ? undefined : 'interrupted');
    return {
      outcome,
      stats: this.stats(),
      violations: this.violations,
      coverage,
      neverFired: coverage.filter((c) => c.count === 0).map((c) => c.kind),
      ...(stoppedBy !== undefined && outcome !== 'violated' ? { stoppedBy } : {}),
    };
  }

  private take(): Entry<S> | undefined {
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
    this.violations.push({ kind, id, sentence, path: replayIndices(this.model, indices) });
    if (this.options.stopAtFirst ?? true) this.finished = true;
  }
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
  options: CheckOptions<S> & { readonly signal?: AbortSignal } = {},
): Promise<CheckResult<S, A>> {
  const ex = new Explorer(model, options);
  const onAbort = (): void => ex.interrupt();
  options.signal?.addEventListener('abort', onAbort);
  try {
    if (options.signal?.aborted) ex.interrupt();
    while (!ex.run(100)) await new Promise((r) => setImmediate(r));
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
  return ex.result();
}
