/**
 * Simulation: random walks over choice sequences, with fast-check finding
 * and shrinking a walk that breaks an invariant (or deadlocks).
 *
 * A walk is a list of numbers; at each state the next number, modulo the
 * number of enabled actions, picks the action (the first picks the initial
 * state). fast-check generates such lists, and when one breaks something it
 * shrinks it (shorter lists, smaller numbers: earlier actions) to a simpler
 * walk that still breaks it. The seed and the action indices of the walk are
 * reported so that the run can be repeated.
 *
 * A simulation never proves anything: finding nothing is `incomplete`.
 */
import fc from 'fast-check';
import { DEFAULT_DEADLOCK, type Model } from './model.js';
import { replayIndices } from './path.js';
import type { CheckResult, Violation } from './result.js';

export interface SimulateOptions {
  /** Walks to try (default 1000). */
  readonly runs?: number;
  /** Steps per walk at most (default 100). */
  readonly depth?: number;
  /** fast-check seed; default: a random one, reported in the result. */
  readonly seed?: number;
}

export interface SimulateResult<S, A> extends CheckResult<S, A> {
  readonly seed: number;
  /** Walks run (fewer than asked when one broke something). */
  readonly runs: number;
  /** Shrinking steps fast-check took from the first failing walk. */
  readonly shrinks: number;
}

interface Found {
  readonly kind: Violation<unknown, unknown>['kind'];
  readonly id: string;
  readonly sentence: string;
  readonly indices: number[];
}

/** Runs one walk; returns what it broke (with the action indices that rebuild it), or null. */
function walk<S, A>(model: Model<S, A>, choices: readonly number[], depth: number, fired: Map<string, number>, seen: { steps: number; depth: number }): Found | null {
  const inits = model.initialStates();
  const first = (choices[0] ?? 0) % inits.length;
  let state: S = inits[first] as S;
  const indices = [first];
  const broken = (s: S): Found | null => {
    for (const inv of model.invariants) if (!inv.holds(s)) return { kind: 'invariant', id: inv.id, sentence: inv.sentence, indices };
    return null;
  };
  let bad = broken(state);
  if (bad) return bad;
  for (let i = 1; i <= depth && i < choices.length; i++) {
    const enabled = model.actions(state);
    if (enabled.length === 0) {
      if (model.isFinal && !model.isFinal(state)) {
        const d = model.deadlock ?? DEFAULT_DEADLOCK;
        return { kind: 'deadlock', id: d.id, sentence: d.sentence, indices };
      }
      return null;
    }
    const k = (choices[i] ?? 0) % enabled.length;
    const action = enabled[k]!;
    const next = model.next(state, action);
    indices.push(k);
    seen.steps++;
    if (i > seen.depth) seen.depth = i;
    const kind = model.actionKind(action);
    fired.set(kind, (fired.get(kind) ?? 0) + 1);
    for (const p of model.stepProperties ?? []) {
      if (!p.holds(state, action, next)) return { kind: 'step', id: p.id, sentence: p.sentence, indices };
    }
    state = next;
    bad = broken(state);
    if (bad) return bad;
  }
  return null;
}

/** What a simulation needs between walks: counters, and the choice lists' arbitrary. */
function setup<S, A>(model: Model<S, A>, options: SimulateOptions) {
  const runs = options.runs ?? 1000;
  const depth = options.depth ?? 100;
  const seed = options.seed ?? (Math.random() * 0x7fffffff) | 0;
  const fired = new Map<string, number>();
  const seen = { steps: 0, depth: 0 };
  const counts = { walks: 0, shrinking: false };
  // Unbiased: fast-check's bias toward small numbers would mostly pick each state's first action.
  const arb = fc.noBias(fc.array(fc.nat(), { minLength: 1, maxLength: depth + 1, size: 'max' }));
  const predicate = (choices: number[]): boolean => {
    // Statistics count the generated walks, not fast-check's shrinking attempts.
    if (counts.shrinking) return walk(model, choices, depth, new Map(), { steps: 0, depth: 0 }) === null;
    counts.walks++;
    const ok = walk(model, choices, depth, fired, seen) === null;
    if (!ok) counts.shrinking = true;
    return ok;
  };
  return { runs, depth, seed, fired, seen, counts, arb, predicate, started: Date.now() };
}

function finish<S, A>(model: Model<S, A>, st: ReturnType<typeof setup<S, A>>, details: fc.RunDetails<[number[]]>, interrupted: boolean): SimulateResult<S, A> {
  const violations: Violation<S, A>[] = [];
  if (details.failed && details.counterexample) {
    // The shrunk walk, run again to learn what it breaks and rebuild its states.
    const found = walk(model, details.counterexample[0], st.depth, new Map(), { steps: 0, depth: 0 })!;
    violations.push({ kind: found.kind, id: found.id, sentence: found.sentence, path: replayIndices(model, found.indices) });
  }
  const seconds = (Date.now() - st.started) / 1000;
  return {
    outcome: violations.length > 0 ? 'violated' : 'incomplete',
    seed: st.seed,
    runs: details.numRuns,
    shrinks: details.numShrinks,
    ...(interrupted ? { stoppedBy: 'interrupted' as const } : {}),
    stats: {
      states: st.seen.steps + st.counts.walks,
      transitions: st.seen.steps,
      depth: st.seen.depth,
      seconds,
      statesPerSecond: seconds > 0 ? Math.round(st.seen.steps / seconds) : st.seen.steps,
      queued: 0,
      bytesPerState: 0,
      store: 'exact',
      collisionProbability: 0,
    },
    violations,
    coverage: model.actionKinds.map((kind) => ({ kind, count: st.fired.get(kind) ?? 0 })),
    neverFired: model.actionKinds.filter((k) => !st.fired.has(k)),
  };
}

export function simulate<S, A>(model: Model<S, A>, options: SimulateOptions = {}): SimulateResult<S, A> {
  const st = setup(model, options);
  const details = fc.check(fc.property(st.arb, st.predicate), { numRuns: st.runs, seed: st.seed });
  return finish(model, st, details, false);
}

export interface SimulateAsyncOptions extends SimulateOptions {
  /** Aborting (Ctrl-C, SIGTERM) stops after the walk in progress: the result so far, with the seed. */
  readonly signal?: AbortSignal;
  /** Called about every `progressEveryMs` (default 2000) with the walks so far. */
  readonly onProgress?: (p: { readonly walks: number; readonly steps: number; readonly seconds: number; readonly shrinking: boolean }) => void;
  readonly progressEveryMs?: number;
}

/**
 * `simulate` that lets the event loop in between walks, so that a signal
 * can stop it and progress can be printed. The same seed gives the same
 * walks, counterexample and shrinking as `simulate` (fast-check draws the
 * same values for a property and an async property). A stop before any
 * violation is `incomplete` with `stoppedBy: 'interrupted'`; a stop while
 * shrinking keeps the violation, shrunk as far as it got.
 */
export async function simulateAsync<S, A>(model: Model<S, A>, options: SimulateAsyncOptions = {}): Promise<SimulateResult<S, A>> {
  const st = setup(model, options);
  const every = options.progressEveryMs ?? 2000;
  let lastYield = Date.now();
  let lastProgress = Date.now();
  let interrupted = false;
  const predicate = async (choices: number[]): Promise<boolean> => {
    const now = Date.now();
    if (now - lastYield >= 50) {
      // A macrotask, not a microtask: signal handlers and timers run only between those.
      await new Promise<void>((r) => setImmediate(r));
      lastYield = Date.now();
    }
    if (options.onProgress && now - lastProgress >= every) {
      lastProgress = now;
      options.onProgress({ walks: st.counts.walks, steps: st.seen.steps, seconds: (now - st.started) / 1000, shrinking: st.counts.shrinking });
    }
    return st.predicate(choices);
  };
  // fast-check's runner stops at a precondition failure marked as an interruption.
  const stopOnAbort: fc.Plugin<[number[]]> = () => ({
    decorateRun: (run) => (value) => {
      if (options.signal?.aborted) {
        interrupted = true;
        return Promise.resolve(new fc.PreconditionFailure(true));
      }
      return run(value);
    },
  });
  const details = await fc.check(fc.asyncProperty(st.arb, predicate), { numRuns: st.runs, seed: st.seed, plugins: [stopOnAbort] });
  return finish(model, st, details, interrupted);
}
