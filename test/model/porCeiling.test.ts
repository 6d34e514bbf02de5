/**
 * The partial-order reduction ceiling (test/bench/porCeiling.ts): the most a
 * persistent-set reduction could save on a preset, given exact futures. The
 * figures are pinned, as the presets' state counts are: they are the
 * evidence for what issue 6 item 3 can buy on this model, and a change to
 * the model's footprints shows up here. The write footprints it records are
 * held against immer's patches for the same steps.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyStepWithPatches, enabledSteps, hmmModel } from '../../model/index.js';
import { changed, granule, porCeiling } from '../bench/porCeiling.js';
import { presetWorld } from '../helpers/hmm.js';

/** The value at a slash path in `x`. */
function at(x: unknown, path: string): unknown {
  return path
    .split('/')
    .slice(1)
    .reduce<unknown>((o, k) => (o === null || o === undefined ? undefined : (o as Record<string, unknown>)[k]), x);
}

test('tiny and cpu-faults: full and reduced counts', () => {
  const tiny = porCeiling('tiny');
  assert.equal([tiny.states, tiny.reducible, tiny.reduced], [4617, 2045, 3791]);
  const faults = porCeiling('cpu-faults');
  assert.equal([faults.states, faults.reducible, faults.reduced], [4186, 2126, 3121]);
});

test('a graph past --max-states is refused, not measured in part', () => {
  assert.throws(() => porCeiling('tiny', 1000), /more than 1000 states/);
});

test('write footprints are the locations immer patches touch', () => {
  const w = presetWorld('tiny');
  const m = hmmModel(w, { freeze: false, symmetry: false });
  const seen = new Set<string>();
  const queue = [m.initialStates()[0]!];
  let steps = 0;
  for (let i = 0; i < queue.length && i < 400; i++) {
    const s = queue[i]!;
    for (const a of enabledSteps(w, s)) {
      const { state, patches } = applyStepWithPatches(w, s, a);
      const fromDiff = new Set<string>();
      changed(s, state, '', fromDiff);
      const g = (paths: Iterable<string>): string[] => [...new Set([...paths].map(granule))].sort();
      // immer also records a write of an equal value (a new PTE object with the same fields): keep the patches that change something.
      const fromPatches = g(patches.map((p) => '/' + p.path.join('/'))).filter((p) => JSON.stringify(at(s, p)) !== JSON.stringify(at(state, p)));
      assert.equal(g(fromDiff), fromPatches, a.k);
      steps++;
      const k = m.fingerprint!(state);
      if (!seen.has(k)) seen.add(k), queue.push(state);
    }
  }
  assert.ok(steps > 1000);
});

test.run();
