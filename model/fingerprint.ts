/**
 * The state's string key, for replay, which keys its candidate states by it,
 * and for the exact store of a model without packing.
 *
 * It is the packed encoding (packed.ts) through the checker's `wordsKey`, so
 * two states get the same key only if they pack to the same words, and the
 * exact store keys a packed state the same way. A test checks it against the
 * checker's canonical JSON key on reachable states, so a field added to the
 * state and forgotten in the encoding fails.
 */
import { wordsKey } from '../checker/index.js';
import { packState } from './packed.js';
import type { HmmState } from './state.js';
import type { World } from './world.js';

let buf = new Int32Array(1024);

/**
 * The state's key. Without a world it is exact: equal keys for equal states
 * only (replay needs that: it binds the trace's seq values to the model's).
 * With one, sequence numbers are renamed (packed.ts `seqRenaming`), so states
 * that differ only in the history of their sequence numbers share a key; with
 * `perm` too, frames are renumbered (symmetry.ts).
 */
export function stateKey(s: HmmState, w?: World, perm?: Int32Array): string {
  let n = packState(s, buf, w, perm);
  if (n > buf.length) {
    buf = new Int32Array(n * 2);
    n = packState(s, buf, w, perm);
  }
  return wordsKey(buf, n);
}
