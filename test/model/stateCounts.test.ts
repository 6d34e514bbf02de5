/**
 * Pinned state spaces: any change to the model's semantics or granularity
 * that grows or shrinks a preset's state space shows up here as a diff.
 * The numbers were obtained by running the checker; the assertions that
 * matter beyond the numbers are that the unmodified model verifies and that
 * every step the configuration can take fired.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BIG_PRESETS, tieredTest } from '../helpers/tier.js';
import { checkWorld, presetWorld } from '../helpers/hmm.js';

// With frame symmetry (on by default; fork has none: it forks and evicts).
// test/model/symmetry.test.ts pins the counts without it.
const PINNED: Record<string, { states: number; transitions: number; depth: number }> = {
  tiny: { states: 3276, transitions: 7498, depth: 37 },
  small: { states: 184545, transitions: 463989, depth: 67 },
  migrate: { states: 21016, transitions: 52666, depth: 42 },
  fork: { states: 453033, transitions: 1448042, depth: 90 },
  'cpu-faults': { states: 2272, transitions: 5499, depth: 42 },
  'two-devices': { states: 142656, transitions: 434134, depth: 64 },
  'oom-reaper': { states: 916, transitions: 2063, depth: 19 },
  exclusive: { states: 19874, transitions: 55651, depth: 48 },
  memcg: { states: 982, transitions: 1681, depth: 34 },
  'dirty-tlb': { states: 1752, transitions: 4284, depth: 24 },
  coherent: { states: 20320, transitions: 52928, depth: 40 },
  'mixed-migration': { states: 96397, transitions: 244961, depth: 77 },
  'racing-migrations': { states: 99484, transitions: 235471, depth: 156 },
  full: { states: 277590, transitions: 824011, depth: 67 },
};

for (const [name, want] of Object.entries(PINNED)) {
  tieredTest(BIG_PRESETS.has(name), `preset ${name} verifies with ${want.states} distinct states`, () => {
    const r = checkWorld(presetWorld(name));
    assert.is(r.outcome, 'ok');
    assert.equal(r.violations, []);
    assert.is(r.stats.states, want.states);
    assert.is(r.stats.transitions, want.transitions);
    assert.is(r.stats.depth, want.depth);
    assert.equal(r.neverFired, [], 'every step the configuration can take fires');
    // No livelock either: the progress check ran on the whole graph.
    assert.equal(r.progress && { id: r.progress.id, checked: r.progress.checked }, { id: 'LIVE-1', checked: true });
    // What the graph costs: 7 bytes a transition and 9 a state, with the
    // store's slot ids and the slack of growing by half within 20 more.
    const bound = (7 * want.transitions) / want.states + 9 + 20;
    if (want.states > 100_000) assert.ok(r.progress!.bytesPerState! <= bound, `LIVE-1 graph ${r.progress!.bytesPerState} B/state, over ${bound}`);
  });
}

test.run();
