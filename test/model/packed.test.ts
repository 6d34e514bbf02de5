/**
 * The packed encoding is one statement of the state's shape in two
 * directions: unpacking what was packed gives the state back (exactly, without
 * renaming; a state that packs the same, with it), and the checker's fast path
 * (fingerprints, packed frontier, plain copies instead of immer) finds what
 * the exact store over immer-made states finds.
 */
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { canonicalKey, check } from '../../checker/index.js';
import { enabledSteps, hmmModel, initialState, packState, unpackState, type HmmState, type World } from '../../model/index.js';
import { presetWorld, walkStates } from '../helpers/hmm.js';

const words = (s: HmmState, w?: World): number[] => {
  const buf = new Int32Array(4096);
  return Array.from(buf.subarray(0, packState(s, buf, w)));
};

for (const [preset, variants] of [['small', []], ['migrate', ['D4']], ['fork', ['B6']], ['tiny', ['D2']]] as const) {
  test(`unpack(pack(s)) is s on random walks of ${preset} ${variants.join(',')}`, () => {
    const w = presetWorld(preset, [...variants]);
    const template = initialState(w);
    fc.assert(
      fc.property(fc.array(fc.nat(1000), { maxLength: 60 }), (choices) => {
        for (const s of walkStates(w, choices)) {
          const exact = unpackState(Int32Array.from(words(s)), template);
          assert.is(canonicalKey(exact), canonicalKey(s));
          const renamed = unpackState(Int32Array.from(words(s, w)), template);
          assert.equal(words(renamed, w), words(s, w));
          // a renamed representative enables the same steps in the same order
          assert.equal(enabledSteps(w, renamed).map((a) => `${a.t}:${a.k}`), enabledSteps(w, s).map((a) => `${a.t}:${a.k}`));
        }
      }),
      { numRuns: 60 },
    );
  });
}

test('numbers outside int32 survive the round trip (values bound from traces)', () => {
  const w = presetWorld('tiny');
  const s = initialState(w);
  const big: HmmState = { ...s, mms: [{ ...s.mms[0]!, seq: 2 ** 40 + 3 }], frames: s.frames.map((f, i) => (i === 1 ? { ...f, val: -(2 ** 33) } : f)) };
  const back = unpackState(Int32Array.from(words(big)), s);
  assert.is(back.mms[0]!.seq, 2 ** 40 + 3);
  assert.is(back.frames[1]!.val, -(2 ** 33));
  assert.is(canonicalKey(back), canonicalKey(big));
});

test('unpack refuses words that are not a state of the world', () => {
  const w = presetWorld('tiny');
  const s = initialState(w);
  const ws = words(s);
  assert.throws(() => unpackState(Int32Array.from(ws.slice(0, -1)), s), /ends early/);
  assert.throws(() => unpackState(Int32Array.from([...ws, 0]), s), /left over/);
});

for (const preset of ['tiny', 'migrate']) {
  test(`${preset}: the fast path and the exact store over immer agree (counts, verdicts, lengths)`, () => {
    const w = presetWorld(preset);
    const fast = check(hmmModel(w, { freeze: false }));
    const exact = check(hmmModel(w), { exact: true });
    assert.is(fast.stats.store, 'fingerprint');
    assert.is(exact.stats.store, 'exact');
    assert.is(`${fast.outcome} ${fast.stats.states} ${fast.stats.transitions} ${fast.stats.depth}`, `${exact.outcome} ${exact.stats.states} ${exact.stats.transitions} ${exact.stats.depth}`);
  });
}

test.run();
