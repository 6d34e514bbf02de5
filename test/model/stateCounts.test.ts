/**
 * Pinned state spaces: any change to the model's semantics or granularity
 * that grows or shrinks a preset's state space shows up here as a diff.
 * The numbers were obtained by running the checker; the assertions that
 * matter beyond the numbers are that the unmodified model verifies and that
 * every step the configuration can take fired.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkWorld, presetWorld } from '../helpers/hmm.js';

// With frame symmetry (on by default; fork has none: it forks and evicts).
// test/model/symmetry.test.ts pins the counts without it.
const PINNED: Record<string, { states: number; transitions: number; depth: number }> = {
  tiny: { states: 3389, transitions: 7754, depth: 37 },
  small: { states: 192768, transitions: 488762, depth: 67 },
  migrate: { states: 21491, transitions: 53878, depth: 42 },
  fork: { states: 453033, transitions: 1448042, depth: 90 },
};

for (const [name, want] of Object.entries(PINNED)) {
  test(`preset ${name} verifies with ${want.states} distinct states`, () => {
    const r = checkWorld(presetWorld(name));
    assert.is(r.outcome, 'ok');
    assert.equal(r.violations, []);
    assert.is(r.stats.states, want.states);
    assert.is(r.stats.transitions, want.transitions);
    assert.is(r.stats.depth, want.depth);
    assert.equal(r.neverFired, [], 'every step the configuration can take fires');
  });
}

test.run();
