/**
 * The model's compact state key must agree with the checker's canonical key:
 * equal keys exactly for equal states. Checked on states from random walks
 * of several configurations and variants.
 */
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { canonicalKey } from '../../checker/index.js';
import { stateKey } from '../../model/index.js';
import { presetWorld, walkStates } from '../helpers/hmm.js';


for (const [preset, variants] of [['small', []], ['small', ['D2']], ['small', ['B3']]] as const) {
  test(`stateKey agrees with canonicalKey on random walks of ${preset} ${variants.join(',')}`, () => {
    const w = presetWorld(preset, [...variants]);
    fc.assert(
      fc.property(fc.array(fc.nat(1000), { maxLength: 40 }), fc.array(fc.nat(1000), { maxLength: 40 }), (a, b) => {
        const states = [...walkStates(w, a), ...walkStates(w, b)];
        const byKey = new Map<string, string>();
        for (const s of states) {
          const k = stateKey(s);
          const c = canonicalKey(s);
          const prev = byKey.get(k);
          if (prev !== undefined && prev !== c) return false;
          byKey.set(k, c);
        }
        // and different canonical forms never share a key
        return new Set(states.map(canonicalKey)).size === byKey.size;
      }),
      { numRuns: 300 },
    );
  });
}

test('stateKey is much shorter than JSON', () => {
  const w = presetWorld('small');
  const s = walkStates(w, [3, 1, 4, 1, 5, 9, 2, 6])[8]!;
  assert.ok(stateKey(s).length * 4 < JSON.stringify(s).length);
});

test.run();
