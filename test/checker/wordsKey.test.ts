/**
 * wordsKey: exact keys for runs of words, of any length (a state of
 * hundreds of thousands of words once overflowed the stack through
 * String.fromCharCode.apply).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { wordsKey } from '../../checker/index.js';

test('equal runs, equal keys; a one-word difference anywhere, different keys; wide words spelled out', () => {
  const a = Int32Array.from([0, 1, -1, 70000, -5, 2 ** 31 - 1]);
  const b = a.slice();
  assert.is(wordsKey(a, a.length), wordsKey(b, b.length));
  b[3] = 70001;
  assert.is.not(wordsKey(a, a.length), wordsKey(b, b.length));
  assert.is.not(wordsKey(a, 5), wordsKey(a, 6));
});

test('a run of 500,000 words keys without overflowing the stack, and stays exact', () => {
  const big = new Int32Array(500_000).map((_, i) => i % 97);
  const k = wordsKey(big, big.length);
  assert.is(k.length, big.length);
  const other = big.slice();
  other[499_999] = 1000;
  assert.is.not(wordsKey(other, other.length), k);
});

test.run();
