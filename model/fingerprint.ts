/**
 * The state's string key, for the exact visited store (`check --exact`) and
 * for replay, which keys its candidate states by it.
 *
 * It is the packed encoding (packed.ts) written as UTF-16 code units: each
 * word that fits becomes one code unit, any other is spelled out between two
 * markers, so two states get the same key only if they pack to the same words.
 * A test checks it against the checker's canonical JSON key on reachable
 * states, so a field added to the state and forgotten in the encoding fails.
 */
import { packState } from './packed.js';
import type { HmmState } from './state.js';
import type { World } from './world.js';

/** Words are mostly small integers >= -1; shifting by 2 keeps them clear of the markers' low neighbours. */
const OFF = 2;
/** Opens a word that does not fit one code unit (big sequence numbers or data values from traces). */
const WIDE = 0xffff;
const WIDE_END = 0xfffe;

let buf = new Int32Array(1024);

/**
 * The state's key. Without a world it is exact: equal keys for equal states
 * only (replay needs that: it binds the trace's seq values to the model's).
 * With one, sequence numbers are renamed (packed.ts `seqRenaming`), so states
 * that differ only in the history of their sequence numbers share a key.
 */
export function stateKey(s: HmmState, w?: World, perm?: Int32Array): string {
  let n = packState(s, buf, w, perm);
  if (n > buf.length) {
    buf = new Int32Array(n * 2);
    n = packState(s, buf, w, perm);
  }
  const units: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = buf[i]!;
    const c = x + OFF;
    if (c >= 0 && c < WIDE_END) {
      units.push(c);
      continue;
    }
    units.push(WIDE);
    const digits = String(x);
    for (let k = 0; k < digits.length; k++) units.push(digits.charCodeAt(k));
    units.push(WIDE_END);
  }
  // apply() takes the array as arguments: fine for the few hundred a state has.
  return String.fromCharCode.apply(null, units);
}
