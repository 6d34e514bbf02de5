/**
 * The checker's key renames sequence numbers (model/fingerprint.ts): states
 * that differ only in how many invalidations happened before share a key.
 * That is sound only if such states behave the same, so: equal renamed keys
 * give the same enabled steps (seq values aside) and the same invariant
 * verdicts, and checking with and without the renaming gives the same
 * verdicts and shortest counterexamples, except that without it a fault
 * that retries for ever (variants B12 and B17) grows the space without end.
 */
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tieredTest } from '../helpers/tier.js';
import { check } from '../../checker/index.js';
import { enabledSteps, hmmModel, initialState, invariants, packState, stateKey, VARIANTS, type HmmAction, type HmmState, type VariantId, type World } from '../../model/index.js';
import { presetWorld, walkStates } from '../helpers/hmm.js';


/** Every sequence value of the state moved up by `by` (even: parity kept). */
function shifted(s: HmmState, by: number): HmmState {
  const up = (x: number): number => (x < 0 ? x : x + by);
  return {
    ...s,
    mms: s.mms.map((m) => ({ ...m, seq: up(m.seq) })),
    mirrors: s.mirrors.map((m) => ({ ...m, seq: up(m.seq) })),
    threads: s.threads.map((t) => ({ ...t, seq: up(t.seq), snapSeq: up(t.snapSeq), inv: t.inv ? { ...t.inv, cur: up(t.inv.cur) } : null })),
  };
}

const withoutSeq = (a: HmmAction): string => JSON.stringify({ ...a, seq: undefined });

test('a state and the same state after more invalidations share a renamed key, not an exact one', () => {
  const w = presetWorld('tiny');
  for (const s of walkStates(w, [0, 5, 2, 7, 1, 1, 3, 8, 2, 4])) {
    assert.is(stateKey(shifted(s, 6), w), stateKey(s, w));
    assert.is.not(stateKey(shifted(s, 6)), stateKey(s));
  }
});

test('a driver seq that went stale is told apart from a current one', () => {
  const w = presetWorld('tiny');
  const s = initialState(w);
  const gpu = w.actors.findIndex((a) => a.kind === 'device' && a.name === 'gpu0');
  const current = { ...s, threads: s.threads.map((t, i) => (i === gpu ? { ...t, seq: s.mirrors[0]!.seq } : t)) };
  const stale = { ...s, threads: s.threads.map((t, i) => (i === gpu ? { ...t, seq: s.mirrors[0]!.seq - 1 } : t)) };
  assert.is.not(stateKey(current, w), stateKey(stale, w));
  // and an odd (invalidating) mm seq from an even one
  const odd = { ...s, mms: s.mms.map((m) => ({ ...m, seq: m.seq + 1 })) };
  assert.is.not(stateKey(odd, w), stateKey(s, w));
});

for (const preset of ['tiny', 'migrate', 'fork']) {
  test(`on ${preset}, states with equal renamed keys enable the same steps and break the same invariants`, () => {
    const w = presetWorld(preset);
    const invs = invariants(w);
    fc.assert(
      fc.property(fc.array(fc.nat(1000), { maxLength: 50 }), fc.array(fc.nat(1000), { maxLength: 50 }), (a, b) => {
        const byKey = new Map<string, HmmState>();
        for (const s of [...walkStates(w, a), ...walkStates(w, b)]) {
          const k = stateKey(s, w);
          const prev = byKey.get(k);
          if (prev === undefined) {
            byKey.set(k, s);
            continue;
          }
          const steps = (x: HmmState): string[] => enabledSteps(w, x).map(withoutSeq);
          assert.equal(steps(s), steps(prev));
          assert.equal(invs.map((i) => i.holds(s)), invs.map((i) => i.holds(prev)));
        }
        return true;
      }),
      { numRuns: 200 },
    );
  });
}

const exact = (w: World): ReturnType<typeof hmmModel> => ({
  ...hmmModel(w),
  fingerprint: (s: HmmState) => stateKey(s),
  pack: (s: HmmState, out: Int32Array) => packState(s, out),
});
const verdict = (r: ReturnType<typeof check<HmmState, HmmAction>>): string =>
  `${r.outcome} ${r.violations.map((v) => `${v.id}@${v.path.actions.length}`).join(' ')}`;

for (const [preset, ids] of [
  // B12 and B17 retry a fault without end on tiny: their own test below.
  ['tiny', VARIANTS.map((v) => v.id).filter((id) => id !== 'B12' && id !== 'B17')],
  ['migrate', ['D2', 'D3', 'H1']],
] as const) {
  for (const id of [null, ...ids]) {
    tieredTest(preset === 'migrate', `${preset}${id ? ` ${id}` : ''}: the same verdict and counterexample lengths with and without renaming`, () => {
      const w = presetWorld(preset, id ? [id as VariantId] : []);
      const renamed = check(hmmModel(w));
      const plain = check(exact(w));
      assert.is(verdict(renamed), verdict(plain));
      assert.ok(renamed.stats.states <= plain.stats.states);
    });
  }
}

for (const id of ['B12', 'B17'] as const) {
  test(`without renaming, ${id} on tiny never ends (the fault retries forever); with it the space is finite and the retries end`, () => {
    const w = presetWorld('tiny', [id]);
    const renamed = check(hmmModel(w));
    // cpu0 refaults while mig0 holds the page locked and sleeps on the
    // driver's mutex, which gpu0 takes and releases on every turn: the
    // mutex is handed over to mig0 (strong fairness for a sleeper,
    // checker/liveness.ts), which then unlocks the page, so no livelock.
    assert.is(renamed.outcome, 'ok');
    assert.is(renamed.stats.states, 4319);
    assert.is(renamed.progress!.checked, true);
    const plain = check(exact(w), { maxStates: renamed.stats.states * 4 });
    assert.is(plain.outcome, 'incomplete');
  });
}

test.run();
