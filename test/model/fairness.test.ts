/**
 * LIVE-1 verdicts that hinge on the fairness towards threads asleep on a
 * lock the kernel hands over (model/lockWaits.ts, checker/liveness.ts).
 *
 * From v6.1 to v6.14 (B17; B12 before that) do_swap_page takes only a
 * reference on a device-private page: a CPU fault on a page that a
 * migration holds locked between migrate_vma_pages and
 * migrate_vma_finalize fails collect's trylock and faults again. On tiny,
 * mig0 holds pfn3 locked and sleeps on the driver's mutex for
 * dmirror_migrate_finalize_and_map, while gpu0's fault loop takes and
 * releases that mutex on every turn. Under weak fairness alone that was a
 * 40-step livelock of cpu0; the mutex is handed over to mig0 (mutex
 * handoff, v4.10), which then finalizes and unlocks pfn3, and cpu0's next
 * fault migrates the page: no livelock. The graph is the same (same state
 * count); only the search's verdict changed.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { check } from '../../checker/index.js';
import { buildWorld, findPreset, hmmModel, threadSteps, type HmmState, type KernelVersion, type VariantId, type World } from '../../model/index.js';
import { lockWait } from '../../model/lockWaits.js';
import { fullTest } from '../helpers/tier.js';
import { tempDir } from '../helpers/tmp.js';
import { counterexampleTrace } from '../../traces/hmm/fromActions.js';
import { replayFile } from '../../traces/hmm/replayFile.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const world = (preset: string, variants: VariantId[], kernel?: KernelVersion): World => {
  const c = findPreset(preset)!.config;
  return buildWorld(kernel ? { ...c, kernel } : c, variants);
};

/** The model with every thread treated weakly fairly, as before. */
const weakOnly = (w: World): ReturnType<typeof hmmModel> => {
  const m = hmmModel(w);
  const { sleeping: _, ...progress } = m.progress!;
  return { ...m, progress };
};

test('B17 on tiny: cpu0 refaults only until mig0 gets the driver mutex it sleeps on; under weak fairness alone this was LIVE-1', () => {
  const w = world('tiny', ['B17']);
  const r = check(hmmModel(w));
  assert.is(r.outcome, 'ok');
  assert.is(r.stats.states, 4319);
  assert.is(r.progress!.checked, true);
  const weak = check(weakOnly(w));
  assert.is(weak.stats.states, 4319);
  const v = weak.violations[0]!;
  assert.equal([v.id, v.path.actions.length, v.loopStart, w.actors[v.starved!]!.name], ['LIVE-1', 40, 13, 'cpu0']);
  // The artifact: on that cycle mig0 never steps, sleeps on L(d) where gpu0 holds it, and finds it free elsewhere.
  const mig0 = w.actors.findIndex((a) => a.name === 'mig0');
  const cycle = v.path.states.slice(v.loopStart!, -1) as HmmState[];
  assert.ok(v.path.actions.slice(v.loopStart).every((a) => a.t !== mig0), 'mig0 never steps on the cycle');
  assert.ok(cycle.some((s) => lockWait(s, w, mig0)?.lock === 'mutex'), 'mig0 sleeps on the driver mutex somewhere on it');
  assert.ok(cycle.some((s) => threadSteps(w, s, mig0).some((a) => a.k === 'driver_lock')), 'and could take it somewhere on it');
});

test('replay agrees: the old B17 lasso on tiny, as a trace, is a cycle that closes but starves no one under fair scheduling', async () => {
  const w = world('tiny', ['B17']);
  const v = check(weakOnly(w)).violations[0]!;
  const t = counterexampleTrace(w, 'the weak-fairness lasso of B17 on tiny', v.path.actions, v.loopStart);
  const file = join(tempDir('fairness'), 'b17-lasso.jsonl');
  writeFileSync(file, [t.header, ...t.events].map((e) => JSON.stringify(e)).join('\n') + '\n');
  const { report } = await replayFile(file);
  assert.is(report.outcome, 'valid', report.reason);
  assert.match(report.reason, /repeat forever, but no started operation starves on them under fair scheduling/);
});

for (const [preset, variants, kernel, states] of [
  ['tiny', ['B12'], undefined, 4319],
  ['tiny', [], '6.1', 4319],
  ['tiny', [], '6.12', 4319],
  ['migrate', [], '6.1', 26115],
] as const) {
  test(`${preset} ${variants.join(',') || `--kernel ${kernel}`}: the same refaults end, no livelock in ${states} states`, () => {
    const r = check(hmmModel(world(preset, [...variants], kernel)));
    assert.is(r.outcome, 'ok');
    assert.is(r.stats.states, states);
  });
}

fullTest('small --kernel 6.1: the same refaults end, no livelock in 216547 states', () => {
  const r = check(hmmModel(world('small', [], '6.1')));
  assert.is(r.outcome, 'ok');
  assert.is(r.stats.states, 216547);
});

test('cpu-faults --kernel 6.1 keeps its livelock: cpu0 and cpu1 abort each other, no thread sleeps on a lock on the cycle', () => {
  const w = world('cpu-faults', [], '6.1');
  const v = check(hmmModel(w)).violations[0]!;
  assert.equal([v.id, v.path.actions.length, v.loopStart], ['LIVE-1', 58, 36]);
  const cycle = v.path.states.slice(v.loopStart!) as HmmState[];
  assert.ok(cycle.every((s) => w.actors.every((_, t) => lockWait(s, w, t) === null)));
});

test.run();
