/**
 * The fast path of the generic checker on toy models: 64-bit fingerprints in
 * an open-addressing table, and a frontier of packed words. Everything the
 * exact store finds, it finds too: counts, verdicts, shortest lengths.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { check, FingerprintStore, hash64, HASH, type Model } from '../../checker/index.js';
import { WordQueue } from '../../checker/wordQueue.js';
import { FingerprintSet } from '../../checker/fingerprintSet.js';
import { counters, lockCtr, philosophers } from '../fixtures/models/index.js';

const summary = (r: ReturnType<typeof check>): string =>
  `${r.outcome} ${r.stats.states} ${r.stats.transitions} ${r.violations.map((v) => `${v.id}@${v.path.actions.length}`).join(',')}`;

/** A model that packs its states as their numbers, so the fast path applies to it. */
function packing<S extends readonly number[], A>(m: Model<S, A>): Model<S, A> {
  return {
    ...m,
    pack(s, out) {
      for (let i = 0; i < s.length; i++) out[i] = s[i]!;
      return s.length;
    },
    unpack: (w) => Array.from(w) as unknown as S,
  };
}

test('LockCtr: fingerprints and packed frontier agree with the exact store (ok and violated)', () => {
  for (const [n, k, racyOk] of [[2, 2, false], [2, 2, true], [3, 1, true]] as const) {
    const m = lockCtr(n, k, { racyOk });
    const fast = check(m);
    const exact = check(m, { exact: true });
    assert.is(fast.stats.store, 'fingerprint');
    assert.is(exact.stats.store, 'exact');
    assert.is(summary(fast), summary(exact), `N=${n} K=${k} racyOk=${racyOk}`);
    for (const strategy of ['dfs'] as const) {
      assert.is(check(m, { strategy }).stats.states, check(m, { strategy, exact: true }).stats.states);
    }
  }
  assert.is(check(lockCtr(3, 2)).stats.states, 195080, "TLC's count");
});

test('toy models without packing keep the exact store; with it, the same results', () => {
  for (const m of [counters(3, 2), counters(4, 4), philosophers()] as Model<readonly number[], unknown>[]) {
    const plain = check(m);
    assert.is(plain.stats.store, 'exact');
    assert.is(plain.stats.collisionProbability, 0);
    for (const strategy of ['bfs', 'dfs'] as const) {
      const fast = check(packing(m), { strategy });
      assert.is(fast.stats.store, 'fingerprint');
      assert.is(summary(fast), summary(check(m, { strategy })));
    }
  }
});

test('FingerprintStore: dense ids, duplicates refused, links kept, at most 16 bytes per state', () => {
  const s = new FingerprintStore<number[]>((st, out) => {
    st.forEach((x, i) => (out[i] = x));
    return st.length;
  });
  assert.is(s.insert([1, 2], -1, 0), 0);
  assert.is(s.insert([2, 1], 0, 7), 1);
  assert.is(s.insert([1, 2], 1, 0), -1);
  assert.is(s.parentOf(1), 0);
  assert.is(s.actionOf(1), 7);
  for (let i = 0; i < 200_000; i++) {
    assert.ok(s.insert([i, i >> 3, 5], 1, i & 0xff) >= 0);
    if (i % 9973 === 0 && s.size > 768) assert.ok(s.bytesPerState() <= 16, `${s.bytesPerState()} B/state at ${s.size}`);
  }
  assert.is(s.size, 200_002);
  for (let i = 0; i < 200_000; i += 997) assert.is(s.insert([i, i >> 3, 5], 0, 0), -1, 'still there after growing');
  assert.ok(s.bytesPerState() >= 8 && s.bytesPerState() <= 16);
  assert.ok(s.collisionProbability() > 0 && s.collisionProbability() < 1e-8);
  assert.throws(() => s.insert([9, 9, 9, 9], 0, 70_000), /16 bits/);
});

test('FingerprintSet: new once, (0, 0) kept apart from empty, every entry and its slot across growth', () => {
  const set = new FingerprintSet(8);
  assert.is(set.add(0, 0), true);
  assert.is(set.add(0, 0), false);
  assert.is(set.add(0, 1), false, '(0, 0) is stored as (0, 1)');
  const slotOf = new Map<number, number>();
  const tag = new Map<number, number>();
  for (let i = 1; i <= 5000; i++) {
    assert.is(set.add(i * 7919, -i), true);
    tag.set(set.slot, i);
    if (set.full) {
      const moved = new Map<number, number>();
      set.grow((from, to) => moved.set(to, tag.get(from)!));
      assert.is(moved.size, tag.size + 1, 'every entry moved once (and the (0, 1) one)');
      tag.clear();
      for (const [to, t] of moved) if (t !== undefined) tag.set(to, t);
    }
  }
  assert.is(set.size, 5001);
  for (let i = 1; i <= 5000; i++) {
    assert.is(set.add(i * 7919, -i), false);
    slotOf.set(i, set.slot);
  }
  for (const [slot, i] of tag) assert.is(slotOf.get(i), slot, `entry ${i} where grow said it went`);
  assert.ok(set.table.byteLength / set.size <= 16);
});

test('FingerprintStore asks for a larger buffer when a state does not fit', () => {
  const long = Array.from({ length: 1000 }, (_, i) => i);
  const s = new FingerprintStore<number[]>((st, out) => {
    for (let i = 0; i < Math.min(st.length, out.length); i++) out[i] = st[i]!;
    return st.length;
  });
  assert.is(s.insert(long, -1, 0), 0);
  // differs only past the first buffer's end: must still be a new state
  assert.is(s.insert([...long.slice(0, 999), -5], 0, 0), 1);
});

test('hash64: order, length and every word count', () => {
  const h = (xs: number[]): string => {
    hash64(Int32Array.from(xs), xs.length);
    return `${HASH[0]},${HASH[1]}`;
  };
  const seen = new Set<string>();
  const inputs = [[], [0], [0, 0], [1, 2], [2, 1], [1, 2, 0], [-1], [0x7fffffff], [-0x80000000]];
  for (const x of inputs) seen.add(h(x));
  assert.is(seen.size, inputs.length);
  assert.is(h([5, 6, 7]), h([5, 6, 7]));
});

test('WordQueue: every int32 comes back, in about a byte a word for small ones', () => {
  const q = new WordQueue(false);
  const edge = [0, 1, -1, 63, -64, 64, -65, 127, 128, 8191, -8192, 2 ** 31 - 1, -(2 ** 31), 1025, -0x12345678];
  q.push(-5, 2 ** 31 - 1, Int32Array.from(edge), edge.length);
  const into = { id: 0, depth: 0, words: new Int32Array(0) };
  assert.ok(q.take(into));
  assert.equal([into.id, into.depth, ...into.words], [-5, 2 ** 31 - 1, ...edge]);
  const small = Int32Array.from({ length: 100 }, (_, i) => (i % 9) - 4);
  for (let i = 0; i < 1000; i++) q.push(i, 0, small, small.length);
  assert.ok(q.bytesPerWord() < 1.1, `${q.bytesPerWord()} bytes a word`);
});

test('WordQueue: FIFO and LIFO order, words intact across growth and compaction', () => {
  for (const lifo of [false, true]) {
    const q = new WordQueue(lifo);
    const got: number[] = [];
    const into = { id: 0, depth: 0, words: new Int32Array(0) };
    let next = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 3000; i++, next++) {
        const n = next % 7;
        q.push(next, next % 5, Int32Array.from({ length: n }, (_, j) => next * 10 + j), n);
      }
      for (let i = 0; i < 2000 && q.take(into); i++) {
        assert.is(into.depth, into.id % 5);
        assert.equal(Array.from(into.words), Array.from({ length: into.id % 7 }, (_, j) => into.id * 10 + j));
        got.push(into.id);
      }
    }
    assert.is(q.length, next - got.length);
    const rest = [...q.records()].map((r) => r.id);
    while (q.take(into)) got.push(into.id);
    assert.is(got.length, next);
    if (!lifo) {
      assert.equal(got, Array.from({ length: next }, (_, i) => i));
      assert.equal(rest, got.slice(got.length - rest.length));
    } else assert.is(new Set(got).size, next);
  }
});

test.run();
