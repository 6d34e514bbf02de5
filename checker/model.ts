/**
 * The contract every model checked by hmmcheck implements.
 *
 * The checker knows nothing about HMM: it explores any transition system that
 * can list its initial states, list the actions enabled in a state, and compute
 * a successor. The shape follows stateright's `Model` trait and porcupine's
 * purity contract: `next` must never modify its input, and `actions` must list
 * the same actions in the same order every time it is given an equal state,
 * because counterexamples are stored as action indices and rebuilt by replay.
 */

import type { Progress } from './liveness.js';

/** A state property: true in every reachable state, or the model is wrong. */
export interface Invariant<S> {
  /** Stable id, part of the contract (for example "INV-2"). */
  readonly id: string;
  /** One sentence a user reads in a report. */
  readonly sentence: string;
  readonly holds: (state: S) => boolean;
}

/**
 * A property of one transition, for invariants that speak about how a state was
 * reached (an entry installed "only after read_retry returned false").
 * Checked on every transition, including those that reach a state seen before.
 */
export interface StepProperty<S, A> {
  readonly id: string;
  readonly sentence: string;
  readonly holds: (before: S, action: A, after: S) => boolean;
}

/** How a deadlock is reported when the model does not say (Model.deadlock). */
export const DEFAULT_DEADLOCK = { id: 'deadlock', sentence: 'a state that is not final has no enabled step' } as const;

export interface Model<S, A> {
  /** Initial states in a deterministic order. */
  initialStates(): readonly S[];
  /**
   * The actions enabled in `state`, each one enabled, in a deterministic order
   * for equal states (counterexample paths are action indices into this list).
   */
  actions(state: S): readonly A[];
  /** The successor of `state` under an enabled `action`. Pure. */
  next(state: S, action: A): S;
  readonly invariants: readonly Invariant<S>[];
  readonly stepProperties?: readonly StepProperty<S, A>[];
  /**
   * A state in which every actor has finished. A state with no enabled action
   * that is not final is a deadlock. Without `isFinal` no deadlock is reported.
   */
  isFinal?(state: S): boolean;
  /** How a deadlock is reported (id and sentence); default "deadlock". */
  readonly deadlock?: { readonly id: string; readonly sentence: string };
  /**
   * A key such that equal states have equal keys. Different states may share
   * a key only if they behave the same: the same actions enabled, leading to
   * states that again share keys, and the same invariant verdicts (a
   * bisimulation quotient, such as renaming values that are only compared for
   * equality). The search keeps the first state it meets of each key.
   * Default: the canonical JSON of the state (sorted keys), which is exact.
   */
  fingerprint?(state: S): string;
  /**
   * The same quotient as `fingerprint`, as 32-bit words: writes them into
   * `out` and returns their count (a count above out.length asks for a larger
   * buffer; nothing past the end may be relied on). Equal words exactly when
   * equal fingerprints. With it the checker stores 64-bit hashes of the words
   * (FingerprintStore) unless asked to be exact.
   */
  pack?(state: S, out: Int32Array): number;
  /** A state that behaves as the packed one did (workers and checkpoints move states as words). */
  unpack?(words: Int32Array): S;
  /** The step kind of an action, for coverage ("hmm_range_fault"). */
  actionKind(action: A): string;
  /** Every step kind the model can take, so that coverage can list the ones that never fired. */
  readonly actionKinds: readonly string[];
  /** One line describing an action, for reports. */
  formatAction?(action: A): string;
  /**
   * Threads and their operations, for the progress check (liveness.ts):
   * without it no livelock is looked for.
   */
  readonly progress?: Progress<S, A>;
}
