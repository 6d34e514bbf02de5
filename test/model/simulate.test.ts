/**
 * simulate on HMM: with pinned seeds it finds every variant the exhaustive
 * check finds on small, each counterexample breaks the variant's invariant
 * and replays as a trace to the same invariant; the unmodified model gives
 * incomplete, never ok.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { simulate } from '../../checker/index.js';
import { findVariant, hmmModel, type VariantId } from '../../model/index.js';
import { presetWorld } from '../helpers/hmm.js';
import { replayText, traceText } from '../helpers/traces.js';

// Seeds pinned so that each run is short; D3 needs a pin held across a whole migration, rarer at random.
const FOUND: [VariantId, number, number][] = [
  ['D1', 42, 200],
  ['D2', 42, 200],
  ['B3', 42, 200],
  ['D3', 2, 3000],
  ['D5', 42, 200],
  ['D4', 42, 200],
  ['H1', 42, 200],
];

for (const [id, seed, runs] of FOUND) {
  test(`simulate finds ${id} on small (seed ${seed}) and its walk replays to the same invariant`, async () => {
    const w = presetWorld('small', [id]);
    const r = simulate(hmmModel(w, { freeze: false }), { runs, depth: 100, seed });
    assert.is(r.outcome, 'violated');
    const v = r.violations[0]!;
    assert.ok((findVariant(id)!.expected as readonly string[]).includes(v.id), `${v.id} is one of ${id}'s invariants`);
    const rep = await replayText(traceText(w, v.path.actions));
    assert.is(rep.outcome, 'invalid', rep.reason);
    assert.is(rep.invariant, v.id);
  });
}

test('the unmodified small model: incomplete after every walk, nothing broken', () => {
  const r = simulate(hmmModel(presetWorld('small'), { freeze: false }), { runs: 300, depth: 100, seed: 11 });
  assert.is(r.outcome, 'incomplete');
  assert.is(r.runs, 300);
  assert.ok(r.stats.depth > 20, 'walks go deep');
});

test.run();
