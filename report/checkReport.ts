/**
 * The result of `hmmcheck check` as one JSON-able object (CLI.md): what the
 * `--json` output prints, what `--out` saves and what `report` renders.
 * Each counterexample step carries the kernel step, its arguments, and the
 * facts of the state it changed.
 */
import { encodePath, type CheckResult } from '../checker/index.js';
import {
  applyStepWithPatches,
  CHECKED,
  diffViews,
  driverOf,
  formatAction,
  SENTENCES,
  STEP_KINDS,
  view,
  type Change,
  type Config,
  type HmmAction,
  type HmmState,
  type World,
} from '../model/index.js';
import { actionToEvent, counterexampleTrace, type TraceEventObject, type TraceHeaderObject } from '../traces/hmm/fromActions.js';

export interface ReportStep {
  readonly n: number;
  readonly thread: string;
  readonly step: string;
  readonly text: string;
  readonly event: TraceEventObject;
  readonly changes: readonly Change[];
  /** immer's patches from the state before to the state after (paths into the model state). */
  readonly patches: readonly { readonly op: string; readonly path: readonly (string | number)[]; readonly value?: unknown }[];
  /** Every fact of the state after the step (what `changes` diffs). */
  readonly state: Readonly<Record<string, string>>;
}

export interface ReportViolation {
  readonly invariant: string;
  readonly sentence: string;
  readonly kind: 'invariant' | 'step' | 'deadlock' | 'liveness';
  readonly steps: number;
  /**
   * A livelock (kind 'liveness') is a lasso: steps 1..loopStart reach the
   * cycle, and steps loopStart+1..steps repeat forever (they lead back to
   * the state after step loopStart).
   */
  readonly loopStart?: number;
  /** A livelock: the thread whose operation never finishes, and that operation. */
  readonly starved?: { readonly thread: string; readonly op: string };
  /** Action indices from the initial state: rebuilds the run with the same model. */
  readonly path: string;
  readonly counterexample: readonly ReportStep[];
  /** The final state's facts, for reports. */
  readonly finalState: Readonly<Record<string, string>>;
  readonly trace: readonly [TraceHeaderObject, ...TraceEventObject[]];
}

export interface CheckReport {
  /** check: exhaustive; simulate: random walks (then `simulation` says which). */
  readonly verb: 'check' | 'simulate';
  readonly simulation?: { readonly seed: number; readonly runs: number; readonly depth: number; readonly shrinks: number };
  readonly outcome: 'ok' | 'violated' | 'incomplete';
  readonly preset: string | null;
  readonly configFile: string | null;
  readonly variants: readonly string[];
  /** The kernel version whose behaviour the model followed (model/kernel/versions.ts); absent in results of older versions of hmmcheck. */
  readonly kernel?: string;
  /** The driver of each device (model/drivers), one name when they all share it; absent in results of older versions of hmmcheck. */
  readonly driver?: string | readonly string[];
  readonly config: Config;
  readonly stats: {
    readonly states: number;
    readonly transitions: number;
    readonly depth: number;
    readonly seconds: number;
    readonly statesPerSecond: number;
    readonly bytesPerState: number;
    /** 'fingerprint': 64-bit hashes of states (collisionProbability says the odds); 'exact': whole keys. */
    readonly store: 'exact' | 'fingerprint' | 'bitstate';
    readonly collisionProbability: number;
  };
  readonly stoppedBy?: string;
  /**
   * Frame symmetry: 'on', 'off' (--no-symmetry) or 'not applicable' (a world
   * that forks or evicts chooses frames by number). Absent in older results.
   */
  readonly symmetry?: 'on' | 'off' | 'not applicable';
  /** The search order (absent in results saved before it was recorded: breadth-first). */
  readonly strategy?: 'bfs' | 'dfs';
  /** Set by `check --shard i/N`: which diversified search of a swarm this was (`hmmcheck merge` combines them). */
  readonly shard?: ShardInfo;
  readonly invariants: readonly { readonly id: string; readonly sentence: string }[];
  /**
   * The progress check (LIVE-1, livelocks under weak fairness): whether it
   * ran, and if not why (the search stopped early or at a violation, ran on
   * workers, on a bitstate table, or was resumed). Absent in older results.
   */
  readonly progress?: { readonly id: string; readonly checked: boolean; readonly why?: string; readonly bytesPerState?: number };
  readonly violations: readonly ReportViolation[];
  readonly coverage: readonly { readonly kind: string; readonly count: number }[];
  /** Steps this configuration can take that never fired (meaningful only when the search was complete). */
  readonly neverFired: readonly string[];
  /** Steps this configuration cannot take at all (no actor does what they need). */
  readonly notInConfig: readonly string[];
}

export interface ShardInfo {
  readonly index: number;
  readonly count: number;
  readonly strategy: 'bfs' | 'dfs';
  /** The seed of the shuffled action order (absent: the model's order). */
  readonly orderSeed?: number;
}

/** The starved thread's name and the operation it is stuck in, at the cycle's first state. */
function starvedOp(w: World, s: HmmState, t: number): { thread: string; op: string } {
  const th = s.threads[t]!;
  return { thread: w.actors[t]!.name, op: th.op ? th.op.kind : th.pc };
}

export function buildCheckReport(
  w: World,
  target: { preset: string | null; configFile: string | null; variants: readonly string[] },
  r: CheckResult<HmmState, HmmAction>,
): CheckReport {
  const reachable = new Set(r.coverage.map((c) => c.kind));
  const what = target.preset ? `--preset ${target.preset}` : `--config ${target.configFile}`;
  const vflags = target.variants.map((v) => ` --variant ${v}`).join('');
  const violations = r.violations.map((v): ReportViolation => {
    const views = v.path.states.map((s) => view(w, s));
    const counterexample = v.path.actions.map(
      (a, i): ReportStep => ({
        n: i + 1,
        thread: w.actors[a.t]!.name,
        step: a.k,
        text: formatAction(w, a),
        event: actionToEvent(w, a),
        changes: diffViews(views[i]!, views[i + 1]!),
        patches: applyStepWithPatches(w, v.path.states[i]!, a).patches.map((p) => ({ op: p.op, path: p.path, ...(p.op !== 'remove' ? { value: p.value } : {}) })),
        state: Object.fromEntries(views[i + 1]!),
      }),
    );
    const source = `hmmcheck check ${what}${vflags}: counterexample to ${v.id}`;
    const t = counterexampleTrace(w, source, v.path.actions, v.loopStart);
    return {
      invariant: v.id,
      sentence: v.sentence,
      kind: v.kind,
      steps: v.path.actions.length,
      ...(v.loopStart !== undefined ? { loopStart: v.loopStart, starved: starvedOp(w, v.path.states[v.loopStart]!, v.starved!) } : {}),
      path: encodePath(v.path.indices),
      counterexample,
      finalState: Object.fromEntries(views[views.length - 1]!),
      trace: [t.header, ...t.events],
    };
  });
  const s = r.stats;
  return {
    verb: 'check',
    outcome: r.outcome,
    preset: target.preset,
    configFile: target.configFile,
    variants: target.variants,
    kernel: w.kernel.version,
    driver: driverOf(w),
    config: w.config,
    stats: {
      states: s.states,
      transitions: s.transitions,
      depth: s.depth,
      seconds: Math.round(s.seconds * 1000) / 1000,
      statesPerSecond: s.statesPerSecond,
      bytesPerState: s.bytesPerState,
      store: s.store,
      collisionProbability: s.collisionProbability,
    },
    ...(r.stoppedBy ? { stoppedBy: r.stoppedBy } : {}),
    invariants: [...CHECKED, ...(r.progress?.checked ? [r.progress.id as 'LIVE-1'] : [])].map((id) => ({ id, sentence: SENTENCES[id] })),
    ...(r.progress
      ? {
          progress: {
            id: r.progress.id,
            checked: r.progress.checked,
            ...(r.progress.why ? { why: r.progress.why } : {}),
            ...(r.progress.bytesPerState !== undefined ? { bytesPerState: r.progress.bytesPerState } : {}),
          },
        }
      : {}),
    violations,
    coverage: r.coverage,
    neverFired: r.neverFired,
    notInConfig: STEP_KINDS.filter((k) => !reachable.has(k)),
  };
}

/** ", driver X" for a result whose devices run a driver other than the default reference; '' otherwise. */
export function driverSuffix(driver: string | readonly string[] | undefined): string {
  if (driver === undefined || driver === 'reference') return '';
  return `, driver ${driverLabel(driver)}`;
}

/** A result's driver in words: the name, or the devices' names joined. */
export function driverLabel(driver: string | readonly string[]): string {
  return typeof driver === 'string' ? driver : driver.join(' + ');
}
