/**
 * A 64-bit hash of a run of 32-bit words, as two 32-bit halves.
 *
 * Two MurmurHash3 x86_32 lanes over the same words with different seeds and
 * multipliers, each with the full avalanche finaliser: non-cryptographic, but
 * state words are not chosen by an adversary, and the visited table needs the
 * full 64 bits only to keep the collision odds at n^2 / 2^65 (TLC's
 * fingerprints make the same bargain; `check --exact` does not).
 * Math.imul keeps everything in int32 arithmetic, with no allocation.
 */

/** The halves of the last hash: [0] high, [1] low. Read them before the next call. */
export const HASH = new Int32Array(2);

export function hash64(words: Int32Array, n: number): void {
  let h1 = 0x9747b28c | 0;
  let h2 = 0x3c6ef372 | 0;
  for (let i = 0; i < n; i++) {
    const k = words[i]!;
    let k1 = Math.imul(k, 0xcc9e2d51);
    k1 = (k1 << 15) | (k1 >>> 17);
    h1 ^= Math.imul(k1, 0x1b873593);
    h1 = (h1 << 13) | (h1 >>> 19);
    h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
    let k2 = Math.imul(k ^ 0x5bd1e995, 0x85ebca6b);
    k2 = (k2 << 17) | (k2 >>> 15);
    h2 ^= Math.imul(k2, 0xc2b2ae35);
    h2 = (h2 << 11) | (h2 >>> 21);
    h2 = (Math.imul(h2, 9) + 0x52dce729) | 0;
  }
  HASH[0] = fmix(h1 ^ n);
  HASH[1] = fmix(h2 ^ Math.imul(n, 0x27d4eb2f));
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
