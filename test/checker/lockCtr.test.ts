/**
 * Cross-check with TLC: LockCtr (anchors.md appendix A) must give exactly the
 * distinct-state counts TLC gives for the same module.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { check } from '../../checker/index.js';
import { lockCtr } from '../fixtures/models/index.js';

test('LockCtr N=3 K=2: 195,080 distinct states, as TLC counts, and both invariants hold', () => {
  const r = check(lockCtr(3, 2));
  assert.is(r.outcome, 'ok');
  assert.is(r.stats.states, 195_080);
  assert.is(r.stats.transitions, 541_197);
  assert.is(r.stats.depth, 54);
  assert.equal(r.neverFired, []);
});

test('LockCtr N=2 K=1: 192 states, depth 20 (2 x 10 steps, one process at a time at the end)', () => {
  const r = check(lockCtr(2, 1));
  assert.is(r.outcome, 'ok');
  assert.is(r.stats.states, 192);
  // Each process takes 10 steps (Loop Acq Rd Wr Rel RRd RWr Clr Loop Fin): the last state is 20 deep.
  assert.is(r.stats.depth, 20);
});

test('RacyOK fails: the shortest counterexample is the 20-step run where the racy updates interleave', () => {
  const r = check(lockCtr(2, 1, { racyOk: true }));
  assert.is(r.outcome, 'violated');
  const v = r.violations[0]!;
  assert.is(v.id, 'RacyOK');
  // Both processes must finish (2 x 10 steps) for RacyOK to be checked at all, so 20 is the minimum.
  assert.is(v.path.actions.length, 20);
  const last = v.path.states[v.path.states.length - 1]!;
  assert.is(last[2], 1, 'racy lost an update');
  assert.is(last[1], 2, 'counter, updated under the lock, did not');
});

test('a DFS search of LockCtr finds the same state count', () => {
  const r = check(lockCtr(2, 2), { strategy: 'dfs' });
  assert.is(r.stats.states, check(lockCtr(2, 2)).stats.states);
});

test.run();
