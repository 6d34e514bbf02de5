/**
 * The contract between the generic replayer and a model-specific adapter,
 * and the verdict it returns (TRACE-FORMAT.md, "Verdicts").
 *
 * A candidate is one explanation of the trace read so far: a model state
 * plus whatever the adapter binds along the way (trace pfns to model frames,
 * sequence values). The replayer keeps the set of candidates, porcupine-style,
 * and never holds the trace.
 */
export interface Step<C, A> {
  readonly action: A;
  readonly next: C;
}

/** An invariant or step property a transition broke. */
export interface Broken {
  readonly id: string;
  readonly sentence: string;
}

/** Why an event matched no candidate: the adapter's words, one candidate's view. */
export interface Mismatch {
  readonly reason: string;
}

/**
 * Each thread's coming events, from the lookahead window: the next one, and
 * those after it (an access's fault comes before the access that names it).
 */
export interface Plans<E> {
  get(tid: string): E | undefined;
  following(tid: string): Iterable<E>;
}

export interface ReplayAdapter<C, A, E extends { readonly tid: string; readonly ev: string }> {
  initial(): C[];
  /** Equal keys for candidates that explain the future the same way. */
  key(c: C): string;
  /** True when the trace leaves some steps unobserved (so hidden steps must be explored). */
  readonly hasHidden: boolean;
  /** Steps the trace does not show that may happen now, given each thread's next event. */
  hidden(c: C, plans: Plans<E>, afterLine: number): Step<C, A>[];
  /** Ways candidate `c` explains `event`; empty when it cannot (then `mismatch` says why). */
  observe(c: C, event: E, line: number, plans: Plans<E>): Step<C, A>[];
  mismatch(c: C, event: E, line: number, plans: Plans<E>): Mismatch;
  /** Invariants and step properties the transition breaks. */
  broken(before: C, action: A, after: C): Broken[];
  /** Detail for a broken invariant in the trace's terms (which earlier line changed what). */
  explainBroken(before: C, action: A, after: C, broken: Broken, line: number): string;
  /** Events the model allows next from `c`, for diagnostics, in trace form. */
  allowed(c: C, plans: Plans<E>): string[];
  /** A lasso trace (header `loop`): `c` is where the cycle starts; its descendants remember it. */
  enterLoop?(c: C): C;
  /** At the end of a lasso trace: does `c` return to where its cycle started, and is the cycle a livelock? */
  closeLoop?(c: C): LoopVerdict;
}

/** What the end of a lasso trace says about one candidate. */
export type LoopVerdict =
  | { readonly closes: false }
  | {
      readonly closes: true;
      /** The starved thread and its operation, when the cycle is a livelock under weak fairness; null when it is not. */
      readonly livelock: { readonly id: string; readonly sentence: string; readonly thread: string; readonly op: string } | null;
    };

export type ReplayOutcome = 'valid' | 'invalid' | 'incomplete';

export interface ReplayResult {
  readonly outcome: ReplayOutcome;
  /** Events read (all of them for valid; up to and including the failing one otherwise). */
  readonly events: number;
  /** 1-based line of the failing event, or of the event where a bound stopped the replay. */
  readonly line: number | null;
  readonly invariant: string | null;
  /** Every invariant the failing step breaks, the reported one first (hmmcheck extension). */
  readonly invariants: readonly string[];
  readonly sentence: string | null;
  readonly reason: string;
  /** The failing event, as read. */
  readonly event: unknown;
  /** Events the model would have allowed instead (for a mismatch). */
  readonly allowed: readonly string[];
  /** The events just before the failing one (and it), for context. */
  readonly context: readonly { readonly line: number; readonly event: unknown }[];
  readonly stats: {
    readonly seconds: number;
    readonly eventsPerSecond: number;
    /** Largest candidate set after closing over hidden steps. */
    readonly maxCandidates: number;
    /** Hidden steps explored in total. */
    readonly hiddenSteps: number;
  };
}

export interface ReplayOptions {
  /** Stop with `incomplete` when the candidates after one closure exceed this. */
  readonly maxCandidates?: number;
  /** Stop with `incomplete` when more hidden steps than this are needed between two events. */
  readonly maxHiddenDepth?: number;
  /** How far ahead to look for each thread's next event. */
  readonly lookahead?: number;
  /** Aborting (Ctrl-C) stops the replay with `incomplete`. */
  readonly signal?: AbortSignal;
  /** A lasso: the events after the first `loopAfter` form a cycle that repeats forever (the header's `loop`). */
  readonly loopAfter?: number;
  /** Called about every `progressEveryMs` (default 2000) with how far the replay got. */
  readonly onProgress?: (p: ReplayProgress) => void;
  readonly progressEveryMs?: number;
}

export interface ReplayProgress {
  /** The line of the event being replayed. */
  readonly line: number;
  readonly events: number;
  /** Model states consistent with the trace so far. */
  readonly candidates: number;
  readonly seconds: number;
  /** Replay page by page: the pages done, of how many. */
  readonly page?: number;
  readonly pages?: number;
}
