/**
 * Rebuilding runs from the store's parent links.
 *
 * The store keeps only (parent, action index) per state; a path is rebuilt by
 * replaying the indices from an initial state. If the model is not
 * deterministic the replay diverges, and we say so instead of printing a wrong
 * counterexample.
 */
import { canonicalKey } from './fingerprint.js';
import type { Model } from './model.js';
import type { Path } from './result.js';
import type { StateStore } from './store.js';

export class NondeterminismError extends Error {
  constructor(detail: string) {
    super(
      `replaying a stored path failed: ${detail}. This usually means the model's ` +
        '`actions` or `next` vary for equal states (for example they depend on object ' +
        'identity, iteration order of a Map, or a random number).',
    );
    this.name = 'NondeterminismError';
  }
}

/** Action indices from an initial state to `id`: first the initial state's index. */
export function indicesTo<S>(store: StateStore<S>, id: number): number[] {
  const out: number[] = [];
  for (let cur = id; cur !== -1; cur = store.parentOf(cur)) out.push(store.actionOf(cur));
  return out.reverse();
}

/** Replays `indices` (initial-state index first) through the model. */
export function replayIndices<S, A>(model: Model<S, A>, indices: readonly number[]): Path<S, A> {
  if (indices.length === 0) throw new NondeterminismError('empty path');
  const inits = model.initialStates();
  let state = inits[indices[0]!];
  if (state === undefined) throw new NondeterminismError(`no initial state ${indices[0]}`);
  const states: S[] = [state];
  const actions: A[] = [];
  for (let i = 1; i < indices.length; i++) {
    const enabled = model.actions(state);
    const action = enabled[indices[i]!];
    if (action === undefined) {
      throw new NondeterminismError(`step ${i} wants action ${indices[i]} but only ${enabled.length} are enabled`);
    }
    state = model.next(state, action);
    actions.push(action);
    states.push(state);
  }
  return { states, actions, indices: [...indices] };
}

/**
 * Rebuilds a path the search found, from the action indices it stored.
 *
 * When the model packs states, the search expanded unpacked representatives
 * (canonical under the model's reductions: renamed sequence numbers, renumbered
 * frames), whose actions may come in another order than those of the real
 * state. So each step is taken on the representative, and the real state's
 * action is the one whose successor packs to the same words. The path returned
 * is real: its states are the model's own and its indices replay with
 * `replayIndices`.
 */
export function replaySearchPath<S, A>(model: Model<S, A>, indices: readonly number[]): Path<S, A> {
  const { pack, unpack } = model;
  if (!pack || !unpack) return replayIndices(model, indices);
  if (indices.length === 0) throw new NondeterminismError('empty path');
  const words = (s: S): Int32Array => packedWords(model, s);
  let real = model.initialStates()[indices[0]!];
  if (real === undefined) throw new NondeterminismError(`no initial state ${indices[0]}`);
  let rep = unpack.call(model, words(real));
  const states: S[] = [real];
  const actions: A[] = [];
  const out = [indices[0]!];
  for (let i = 1; i < indices.length; i++) {
    const repAction = model.actions(rep)[indices[i]!];
    if (repAction === undefined) throw new NondeterminismError(`step ${i} wants action ${indices[i]} of the explored state, which has fewer`);
    const target = words(model.next(rep, repAction));
    const enabled = model.actions(real);
    let found = -1;
    let next: S | undefined;
    for (let j = 0; j < enabled.length && found < 0; j++) {
      const cand = model.next(real, enabled[j]!);
      if (same(words(cand), target)) {
        found = j;
        next = cand;
      }
    }
    if (found < 0 || next === undefined) throw new NondeterminismError(`step ${i}: no action of the real state leads where the explored one did (a reduction the model applies is not a symmetry)`);
    actions.push(enabled[found]!);
    states.push(next);
    out.push(found);
    real = next;
    rep = unpack.call(model, target);
  }
  return { states, actions, indices: out };
}

/** A state's packed words (the model must pack), in a buffer of their own. */
function packedWords<S, A>(model: Model<S, A>, s: S): Int32Array {
  let buf = new Int32Array(1024);
  let n = model.pack!(s, buf);
  if (n > buf.length) {
    buf = new Int32Array(n);
    n = model.pack!(s, buf);
  }
  return buf.subarray(0, n);
}

const same = (a: Int32Array, b: Int32Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** Equal states under the model's quotient: the same packed words, or the same fingerprint. */
export function sameUpToQuotient<S, A>(model: Model<S, A>, a: S, b: S): boolean {
  if (model.pack) return same(packedWords(model, a), packedWords(model, b));
  const key = model.fingerprint ? model.fingerprint.bind(model) : canonicalKey;
  return key(a) === key(b);
}

/** Encodes a path as "0/3/1", the string a user passes back to rebuild it. */
export function encodePath(indices: readonly number[]): string {
  return indices.join('/');
}

export function decodePath(text: string): number[] {
  const parts = text.trim().split('/');
  const out = parts.map((p) => Number(p));
  if (text.trim() === '' || out.some((n) => !Number.isInteger(n) || n < 0)) {
    throw new Error(`a path is action indices separated by "/", like 0/3/1; found "${text}"`);
  }
  return out;
}
