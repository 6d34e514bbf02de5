/**
 * memcg accounting (reference 2.14): charges follow pages through faults and
 * migrations, populating an empty entry charges and may fail at the limit,
 * and migration back to system memory never does.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyStep, buildWorld, initialState, type Config, type HmmAction, type HmmState } from '../../model/index.js';
import { runScript } from '../fixtures/traces/generate.js';
import type { ScriptItem } from '../fixtures/traces/scenarios.js';

const config = (memcgLimit: number): Config => ({
  pages: 1,
  systemFrames: 2,
  memcgLimit,
  devices: [{ frames: 1, owner: 'dmirror0' }],
  actors: [
    { kind: 'cpu', name: 'cpu0', ops: { cpu_write: 1, cpu_read: 1 } },
    { kind: 'device', name: 'mig0', ops: { migrate_to_device: 1 } },
  ],
});

function run(limit: number, script: readonly ScriptItem[]): { actions: HmmAction[]; states: HmmState[] } {
  const w = buildWorld(config(limit));
  const actions = runScript(w, script, 'memcg');
  const states = [initialState(w)];
  for (const a of actions) states.push(applyStep(w, states[states.length - 1]!, a));
  return { actions, states };
}

const migrated = (actions: HmmAction[]): number[][] =>
  actions.filter((a) => a.k === 'migrate_vma_pages').map((a) => (a.mig ?? []).filter((e) => e.migrate && e.dst !== null).map((e) => e.page));

test('populating an empty entry charges the new device page, and fails at the limit', () => {
  const ok = run(1, [{ t: 'mig0', op: 'migrate_to_device', range: [0, 1] }]);
  assert.equal(migrated(ok.actions), [[0]]);
  const end = ok.states[ok.states.length - 1]!;
  assert.is(end.mms[0]!.pte[0]!.k, 'devpriv');
  assert.is(end.mms[0]!.charged, 1);
  const full = run(0, [{ t: 'mig0', op: 'migrate_to_device', range: [0, 1] }]);
  assert.equal(migrated(full.actions), [[]]);
  const after = full.states[full.states.length - 1]!;
  assert.is(after.mms[0]!.pte[0]!.k, 'none');
  assert.is(after.mms[0]!.charged, 0);
  assert.ok(after.frames.every((f) => f.memcg === -1 && (f.ref === 0 || f === after.frames[0])), 'the failed destination is freed uncharged');
});

test('the charge moves with a migrated page both ways and is never checked against the limit', () => {
  const { actions, states } = run(1, [
    { t: 'cpu0', op: 'cpu_write', page: 0 },
    { t: 'mig0', op: 'migrate_to_device', range: [0, 1] },
    { t: 'cpu0', op: 'cpu_read', page: 0 },
  ]);
  assert.equal(migrated(actions), [[0], [0]]);
  const usage = states.map((s) => s.mms[0]!.charged);
  assert.ok(usage.every((u) => u <= 1), `usage ${usage}`);
  const end = states[states.length - 1]!;
  const pte = end.mms[0]!.pte[0]!;
  assert.is(pte.k, 'present');
  assert.is(end.frames[(pte as { pfn: number }).pfn]!.memcg, 0);
  assert.is(end.mms[0]!.charged, 1);
});

test.run();
