/**
 * Counterexamples are traces: every variant's counterexample replays to the
 * invariant the checker reported (a livelock's as a lasso, with the header's
 * `loop`; without it, one turn of the cycle is a valid finite run), and
 * random walks of the unmodified model replay as valid, whether every step
 * is logged or a recorder left some out.
 */
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BIG_PRESETS, tieredTest } from '../helpers/tier.js';
import { check } from '../../checker/index.js';
import { hmmModel, VARIANTS, type VariantId } from '../../model/index.js';
import { presetWorld } from '../helpers/hmm.js';
import { replayText, traceText, walkActions } from '../helpers/traces.js';
import { TraceInputError } from '../../traces/errors.js';

for (const v of VARIANTS) {
  for (const preset of new Set(['tiny', v.preset])) {
    tieredTest(BIG_PRESETS.has(preset), `the ${v.id} counterexample on ${preset} replays to the same invariant`, async () => {
      const w = presetWorld(preset, [v.id as VariantId]);
      const r = check(hmmModel(w));
      if (r.outcome !== 'violated') {
        assert.is(preset, 'tiny', `${v.id} must be found on ${v.preset}`);
        return;
      }
      const viol = r.violations[0]!;
      const rep = await replayText(traceText(w, viol.path.actions));
      if (viol.kind === 'liveness') {
        // Without `loop` the trace is its prefix and one turn of the cycle:
        // every step is one the model allows, and a finite trace cannot show
        // that the cycle repeats, so it replays valid.
        assert.is(rep.outcome, 'valid', rep.reason);
        assert.is(rep.events, viol.path.actions.length);
        // As a lasso, replay closes the cycle and finds the livelock.
        const lasso = await replayText(traceText(w, viol.path.actions, [], viol.loopStart));
        assert.is(lasso.outcome, 'invalid', lasso.reason);
        assert.is(lasso.invariant, 'LIVE-1', lasso.reason);
        assert.is(lasso.line, viol.path.actions.length + 1);
        assert.match(lasso.reason, new RegExp(`after line ${viol.loopStart! + 1}`));
        return;
      }
      assert.is(rep.outcome, 'invalid', rep.reason);
      assert.is(rep.invariant, viol.id, rep.reason);
      assert.is(rep.line, viol.path.actions.length + 1, 'the last event, one line after the header');
      assert.is(rep.events, viol.path.actions.length);
    });
  }
}

test('a lasso whose cycle does not come back to its start is invalid, and a loop past the end is bad input', async () => {
  const w = presetWorld('cpu-faults', ['B17']);
  const viol = check(hmmModel(w)).violations[0]!;
  const off = await replayText(traceText(w, viol.path.actions, [], viol.loopStart! + 1));
  assert.is(off.outcome, 'invalid');
  assert.is(off.invariant, null);
  assert.match(off.reason, /^loop: the header says the lines after line \d+ repeat forever, but after line \d+ the model is not in the state they started from/);
  // The same cycle, with its first unlogged step left out of the trace, still closes.
  const partial = await replayText(traceText(w, viol.path.actions, ['handle_mm_fault'], viol.loopStart));
  assert.is(partial.invariant, 'LIVE-1', partial.reason);
  try {
    await replayText(traceText(w, viol.path.actions, [], viol.path.actions.length));
    assert.unreachable('a loop with no events after it is refused');
  } catch (e) {
    assert.instance(e, TraceInputError);
    assert.match((e as Error).message, /loop: expected the number of events before the cycle, below the trace's 58 events, found 58/);
  }
});

/** Step kinds a kernel recorder may not see: the fault internals and the driver's lock and retry. */
const UNLOGGED = ['handle_mm_fault', 'do_anonymous_page', 'do_wp_page', 'wp_page_copy', 'zap_pte_range', 'change_pte_range', 'mmu_interval_read_retry', 'driver_lock', 'driver_unlock'];

for (const preset of ['tiny', 'small', 'migrate', 'fork', 'racing-migrations']) {
  test(`random walks of ${preset} replay valid, fully logged and partly logged`, async () => {
    const w = presetWorld(preset);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(1000), { minLength: 1, maxLength: 60 }), fc.subarray(UNLOGGED), async (choices, drop) => {
        const actions = walkActions(w, choices);
        const full = await replayText(traceText(w, actions));
        if (full.outcome !== 'valid') return false;
        const partial = await replayText(traceText(w, actions, drop));
        return partial.outcome === 'valid';
      }),
      { numRuns: Number(process.env.HMMCHECK_RUNS ?? (preset === 'tiny' ? 60 : 100)) },
    );
  });
}

test('a trace that needs more unlogged steps than allowed is incomplete, never valid', async () => {
  const w = presetWorld('tiny');
  const actions = walkActions(w, Array.from({ length: 40 }, (_, i) => i * 7));
  const text = traceText(w, actions, UNLOGGED);
  const r = await replayText(text, { maxHiddenDepth: 1 });
  assert.is(r.outcome, 'incomplete');
  assert.match(r.reason, /unlogged steps in a row/);
  const c = await replayText(text, { maxCandidates: 1 });
  assert.is(c.outcome, 'incomplete');
});

test.run();
