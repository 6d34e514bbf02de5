/**
 * What a search checkpoint holds (Explorer.checkpoint writes it, its restore
 * reads it) and the test that it hangs together: every header field there
 * with its type, every array with its type, and the relations the resumed
 * search relies on without checking them again in its hot loop.
 *
 * The checksum (checkpoint.ts) catches damage; this catches a checkpoint
 * that was wrong when written, or put together in memory, before it can
 * crash the search (a probe through a full table never ends, a parent link
 * pointing forward loops forever, an out-of-range id throws deep inside) or
 * resume into a verdict. It needs no model: what depends on the model is
 * checked by explore.ts's `checkpointFits`.
 */
import type { Checkpoint, CheckpointArray } from './checkpoint.js';
import { FingerprintSet } from './fingerprintSet.js';
import { HASH, hash64 } from './hash64.js';

/** A violation as a checkpoint keeps it: the path as action indices, replayed on resume. */
export interface SavedViolation {
  readonly kind: 'invariant' | 'step' | 'deadlock' | 'liveness';
  readonly id: string;
  readonly sentence: string;
  readonly indices: readonly number[];
  readonly loopStart?: number;
  readonly starved?: number;
}

/** The search's header record (its arrays: ARRAYS below). */
export interface SearchHeader {
  readonly identity: string;
  readonly strategy: 'bfs' | 'dfs';
  readonly states: number;
  readonly transitions: number;
  readonly maxDepthSeen: number;
  readonly cutByDepth: boolean;
  readonly seconds: number;
  readonly kindCounts: readonly number[];
  readonly violations: readonly SavedViolation[];
}

/**
 * Every array a checkpoint may hold, with its type. table: the fingerprint
 * set's slots; parents, actions: path links; queue: records [id, depth, n,
 * ...words]; ids: each slot's state id; graph*: the progress graph
 * (liveness.ts), all of them or none.
 */
const ARRAYS: Readonly<Record<string, 'i32' | 'u16'>> = {
  table: 'i32',
  parents: 'i32',
  actions: 'u16',
  queue: 'i32',
  ids: 'i32',
  graphFrom: 'i32',
  graphTo: 'i32',
  graphBy: 'u16',
  graphAction: 'u16',
  graphEnabled: 'i32',
  graphBusy: 'i32',
  graphSleeping: 'i32',
};
const GRAPH = ['graphFrom', 'graphTo', 'graphBy', 'graphAction', 'graphEnabled', 'graphBusy', 'graphSleeping'] as const;
const KINDS = new Set(['invariant', 'step', 'deadlock', 'liveness']);
/** Thread masks are 31-bit (liveness.ts). */
const MAX_THREADS = 31;

/** Checkpoints found whole already: the command line checks one on reading, the search again on resuming. */
const whole = new WeakSet<Checkpoint>();

/** What is wrong with the checkpoint, in a phrase, or undefined when it is whole. */
export function checkpointProblem(cp: Checkpoint): string | undefined {
  if (whole.has(cp)) return undefined;
  const problem = headerProblem(cp.header) ?? arraysProblem(cp.header as unknown as SearchHeader, cp.arrays);
  if (problem === undefined) whole.add(cp);
  return problem;
}

const count = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

function headerProblem(h: Readonly<Record<string, unknown>>): string | undefined {
  if (typeof h.identity !== 'string') return 'the header has no identity';
  if (h.strategy !== 'bfs' && h.strategy !== 'dfs') return `the header's strategy is ${JSON.stringify(h.strategy)}, not bfs or dfs`;
  for (const f of ['states', 'transitions', 'maxDepthSeen'] as const) {
    if (!count(h[f])) return `the header's ${f} is ${JSON.stringify(h[f])}, not a count`;
  }
  if (typeof h.cutByDepth !== 'boolean') return "the header's cutByDepth is not true or false";
  if (typeof h.seconds !== 'number' || !(h.seconds >= 0) || !Number.isFinite(h.seconds)) return "the header's seconds is not a duration";
  if (!Array.isArray(h.kindCounts) || !h.kindCounts.every(count)) return "the header's kindCounts is not a list of counts";
  if (!Array.isArray(h.violations)) return 'the header has no violations list';
  const ids = new Set<string>();
  for (const v of h.violations as unknown[]) {
    const what = violationProblem(v);
    if (what !== undefined) return `a violation in the header ${what}`;
    const id = (v as SavedViolation).id;
    if (ids.has(id)) return `the header lists violation ${id} twice`;
    ids.add(id);
  }
  return undefined;
}

function violationProblem(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null) return 'is not a record';
  const r = v as Record<string, unknown>;
  if (typeof r.kind !== 'string' || !KINDS.has(r.kind)) return `has kind ${JSON.stringify(r.kind)}`;
  if (typeof r.id !== 'string' || typeof r.sentence !== 'string') return 'has no id or sentence';
  if (!Array.isArray(r.indices) || r.indices.length === 0 || !r.indices.every(count)) return `(${r.id}) has no path of action indices`;
  // A livelock is a lasso, and only a livelock: its loop starts on the path.
  const lasso = r.kind === 'liveness';
  if (lasso !== (r.loopStart !== undefined) || lasso !== (r.starved !== undefined)) return `(${r.id}) has a loop start and starved thread only if it is a livelock`;
  if (lasso && (!count(r.loopStart) || r.loopStart >= r.indices.length || !count(r.starved) || r.starved >= MAX_THREADS)) {
    return `(${r.id}) has its loop start off its path, or no starved thread`;
  }
  return undefined;
}

function arraysProblem(h: SearchHeader, arrays: Readonly<Record<string, CheckpointArray>>): string | undefined {
  for (const [name, a] of Object.entries(arrays)) {
    const type = ARRAYS[name];
    if (type === undefined) return `array ${name} is not one a search saves`;
    if (!(type === 'i32' ? a instanceof Int32Array : a instanceof Uint16Array)) return `array ${name} is not of type ${type}`;
  }
  const { table, parents, actions, queue, ids } = arrays as Partial<Record<string, Int32Array>>;
  if (!table || !parents || !actions || !queue) return 'the fingerprint table, path links or queue are missing';
  return tableProblem(h, table, ids) ?? linksProblem(h, parents, actions as unknown as Uint16Array) ?? queueProblem(h, table, queue, ids) ?? graphProblem(h, arrays, ids);
}

/**
 * The table holds exactly `states` fingerprints and at least one empty slot
 * (a lookup probes until it meets one); the ids, when kept, give each stored
 * fingerprint a distinct state id.
 */
function tableProblem(h: SearchHeader, table: Int32Array, ids: Int32Array | undefined): string | undefined {
  if (table.length === 0 || table.length % 2 !== 0) return `the fingerprint table has ${table.length} words, not a positive even number`;
  const slots = table.length / 2;
  if (h.states >= slots) return `the fingerprint table has ${slots} slots for ${h.states} states (one must stay empty)`;
  if (ids && ids.length !== slots) return `the table's ids are ${ids.length} for ${slots} slots`;
  const seen = ids ? new Uint8Array(h.states) : undefined;
  let used = 0;
  for (let s = 0; s < slots; s++) {
    if ((table[2 * s]! | table[2 * s + 1]!) === 0) continue;
    used++;
    if (ids && seen) {
      const id = ids[s]!;
      if (id < 0 || id >= h.states || seen[id]) return `slot ${s} of the fingerprint table has the id ${id}, out of range or another slot's`;
      seen[id] = 1;
    }
  }
  if (used !== h.states) return `the fingerprint table holds ${used} fingerprints and the header says ${h.states} states`;
  return undefined;
}

/** One link per state, each to a state stored before it (or -1, an initial state): every path back ends. */
function linksProblem(h: SearchHeader, parents: Int32Array, actions: Uint16Array): string | undefined {
  if (parents.length !== h.states || actions.length !== h.states) {
    return `the path links are ${parents.length} parents and ${actions.length} actions for ${h.states} states`;
  }
  for (let id = 0; id < parents.length; id++) {
    const p = parents[id]!;
    if (p < -1 || p >= id) return `state ${id}'s path link points to state ${p}, not to one stored before it`;
  }
  return undefined;
}

/**
 * Every record whole, of a distinct stored state no deeper than the search
 * went, and holding the words of that state: their fingerprint is in the
 * table, in the slot of that state's id when the ids are kept.
 */
function queueProblem(h: SearchHeader, table: Int32Array, queue: Int32Array, ids: Int32Array | undefined): string | undefined {
  const set = new FingerprintSet(1);
  // The checkpoint's own table, only looked up: `add` of a fingerprint that is there changes nothing.
  set.restore(table, h.states);
  const queued = new Uint8Array(h.states);
  for (let at = 0; at < queue.length; ) {
    if (at + 3 > queue.length) return `the queue's last record is cut off at word ${at}`;
    const id = queue[at]!;
    const depth = queue[at + 1]!;
    const n = queue[at + 2]!;
    if (id < 0 || id >= h.states || queued[id]) return `the queue's record at word ${at} is of state ${id}, not a stored state queued once`;
    queued[id] = 1;
    if (depth < 0 || depth > h.maxDepthSeen) return `the queue's record at word ${at} has depth ${depth}, beyond the search's ${h.maxDepthSeen}`;
    if (n < 0 || at + 3 + n > queue.length) return `the queue's record at word ${at} has ${n} words, more than the queue holds`;
    hash64(queue.subarray(at + 3, at + 3 + n), n);
    const hi = HASH[0]!;
    const lo = HASH[1]!;
    if (!set.has(hi, lo)) return `the queue's record at word ${at} (state ${id}) holds a state that is not in the fingerprint table`;
    if (ids) {
      set.add(hi, lo);
      if (ids[set.slot] !== id) return `the queue's record at word ${at} says state ${id}, and its fingerprint is state ${ids[set.slot]}'s`;
    }
    at += 3 + n;
  }
  return undefined;
}

/**
 * The progress graph: all seven arrays or none, only beside the slot ids (a
 * resumed search records edges by id), edges of expanded states (each
 * state's together) to stored states, threads that fit the masks.
 */
function graphProblem(h: SearchHeader, arrays: Readonly<Record<string, CheckpointArray>>, ids: Int32Array | undefined): string | undefined {
  const present = GRAPH.filter((n) => arrays[n] !== undefined);
  if (present.length === 0) return undefined;
  if (present.length !== GRAPH.length) return `the progress graph has ${present.join(', ')} and not ${GRAPH.filter((n) => !present.includes(n)).join(', ')}`;
  if (!ids) return 'the progress graph is saved without the table slots\' ids';
  const [from, to, by, action, enabled, busy, sleeping] = GRAPH.map((n) => arrays[n]!);
  const e = from!.length;
  const n = enabled!.length;
  if (to!.length !== e || by!.length !== e || action!.length !== e) return 'the progress graph\'s edge arrays differ in length';
  if (busy!.length !== n || sleeping!.length !== n) return 'the progress graph\'s enabled, busy and sleeping masks differ in length';
  if (n > h.states) return `the progress graph has ${n} expanded states of ${h.states} stored`;
  const started = new Uint8Array(n);
  let run = 0;
  for (let k = 0; k < e; k++) {
    const v = from![k]!;
    const t = to![k]!;
    if (v < 0 || v >= n) return `edge ${k} of the progress graph leaves state ${v}, which was not expanded`;
    if (t < 0 || t >= h.states) return `edge ${k} of the progress graph goes to state ${t}, which is not stored`;
    if (by![k]! >= MAX_THREADS) return `edge ${k} of the progress graph is taken by thread ${by![k]}`;
    if (k === 0 || from![k - 1] !== v) {
      if (started[v]) return `state ${v}'s edges in the progress graph are not together`;
      started[v] = 1;
      run = 0;
    }
    // A state's degree is 16-bit (liveness.ts).
    if (++run > 0xffff) return `state ${v} has more than 65535 edges in the progress graph`;
  }
  for (let v = 0; v < n; v++) {
    if (enabled![v]! < 0 || busy![v]! < 0 || sleeping![v]! < 0) return `state ${v}'s thread masks in the progress graph are not ${MAX_THREADS}-bit`;
  }
  return undefined;
}
