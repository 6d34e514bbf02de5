/**
 * What a check returns. Never a bare boolean: a search that ran out of budget
 * says `incomplete`, and nothing truncated is ever reported as `ok`.
 */
export type Outcome = 'ok' | 'violated' | 'incomplete';

/** Why a search stopped before covering the whole state space. */
/** 'bitstate': the search ran to its end, but on a bitstate table that may have dropped states. */
export type StopReason = 'max-states' | 'max-seconds' | 'max-depth' | 'max-memory' | 'interrupted' | 'bitstate';

export interface Stats {
  /** Distinct states stored. */
  readonly states: number;
  /** Successors computed, including those that reached a stored state. */
  readonly transitions: number;
  /** Largest number of steps from an initial state to a stored state. */
  readonly depth: number;
  readonly seconds: number;
  /** Distinct states per second. */
  readonly statesPerSecond: number;
  /** States waiting to be expanded when the search stopped. */
  readonly queued: number;
  /** Bytes the visited store holds per state to tell states apart (path links not included). */
  readonly bytesPerState: number;
  /** How states were stored: whole keys ('exact') or 64-bit fingerprints. */
  readonly store: 'exact' | 'fingerprint' | 'bitstate';
  /**
   * Fingerprint store: the estimated probability that a hash collision merged
   * two states (and maybe hid a violation). Bitstate store: the probability
   * that the next new state would have been dropped as seen.
   */
  readonly collisionProbability: number;
  /** Worker threads that expanded states (absent: the search ran on the calling thread). */
  readonly workers?: number;
}

/** A run of the model: `states.length === actions.length + 1`. */
export interface Path<S, A> {
  readonly states: readonly S[];
  readonly actions: readonly A[];
  /** The action indices that rebuild the path: first the initial state's index, then one per step. */
  readonly indices: readonly number[];
}

export interface Violation<S, A> {
  readonly kind: 'invariant' | 'step' | 'deadlock' | 'liveness';
  readonly id: string;
  readonly sentence: string;
  /**
   * The shortest path found to the violation (shortest overall under BFS).
   * For a livelock, the whole lasso: the prefix, then the cycle.
   */
  readonly path: Path<S, A>;
  /**
   * A livelock: the index in path.states where the cycle starts. The steps
   * from there to the end repeat forever (the last state is the one at
   * loopStart, up to the model's fingerprint quotient).
   */
  readonly loopStart?: number;
  /** A livelock: the thread whose operation never finishes. */
  readonly starved?: number;
}

/** Whether the progress check ran (a model with Model.progress), and why not. */
export interface ProgressCheck {
  readonly id: string;
  readonly checked: boolean;
  /** Why it did not run: the search stopped early, --workers, a bitstate table, a resumed checkpoint. */
  readonly why?: string;
  /** Bytes per state the recorded graph took (edges, and the store's slot ids, included). */
  readonly bytesPerState?: number;
}

export interface CheckResult<S, A> {
  readonly outcome: Outcome;
  readonly stats: Stats;
  readonly violations: readonly Violation<S, A>[];
  /** How many transitions of each step kind fired, in the model's order of kinds. */
  readonly coverage: readonly { readonly kind: string; readonly count: number }[];
  /** Step kinds that never fired: a bug in the model or in the configuration. */
  readonly neverFired: readonly string[];
  readonly stoppedBy?: StopReason;
  /** Present when the model defines progress (livelock freedom). */
  readonly progress?: ProgressCheck;
}
