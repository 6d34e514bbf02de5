/**
 * A run of 32-bit words as a string key, exactly: two runs get the same key
 * only if they are the same words. The exact store (`check --exact`) keys
 * packed states with it, and the HMM model's `stateKey` is its packed words
 * through it, so the two agree.
 *
 * Each word that fits becomes one UTF-16 code unit (words are mostly small
 * integers >= -1: shifted by 2), any other is spelled out in decimal between
 * two markers no shifted word can be.
 */
const OFF = 2;
const WIDE = 0xffff;
const WIDE_END = 0xfffe;

export function wordsKey(words: Int32Array, n: number): string {
  const units: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = words[i]!;
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
  // apply() takes the array as arguments, which the stack bounds: one call
  // for the few hundred units a state has, chunks for a state of any size.
  if (units.length <= CHUNK) return String.fromCharCode.apply(null, units);
  let key = '';
  for (let i = 0; i < units.length; i += CHUNK) key += String.fromCharCode.apply(null, units.slice(i, i + CHUNK));
  return key;
}

const CHUNK = 8192;
