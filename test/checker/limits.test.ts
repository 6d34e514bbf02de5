/**
 * Bounds, deadlocks, interruption: whatever stops the search early, the
 * outcome is `incomplete`, never `ok`.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { check, checkAsync, Explorer, MapStore } from '../../checker/index.js';
import { counters, graphModel, lockCtr, philosophers } from '../fixtures/models/index.js';

test('maxStates stops with incomplete and says why', () => {
  const r = check(lockCtr(3, 2), { maxStates: 1000 });
  assert.is(r.outcome, 'incomplete');
  assert.is(r.stoppedBy, 'max-states');
  assert.is(r.stats.states, 1000);
  assert.ok(r.stats.queued > 0);
});

test('maxDepth stops with incomplete when deeper states exist, ok when none do', () => {
  const r = check(counters(3, 2), { maxDepth: 2 });
  assert.is(r.outcome, 'incomplete');
  assert.is(r.stoppedBy, 'max-depth');
  assert.is(r.stats.depth, 2);
  assert.is(check(counters(3, 2), { maxDepth: 5 }).outcome, 'ok');
});

test('maxSeconds stops a long search with incomplete', () => {
  const r = check(lockCtr(3, 3), { maxSeconds: 0.05 });
  assert.is(r.outcome, 'incomplete');
  assert.is(r.stoppedBy, 'max-seconds');
});

test('a violation found before a bound is still reported as violated', () => {
  const r = check(counters(3, 3, 2), { maxStates: 100 });
  assert.is(r.outcome, 'violated');
});

test('a non-final state with nothing enabled is a deadlock, with the shortest path to it', () => {
  const r = check(philosophers());
  assert.is(r.outcome, 'violated');
  const v = r.violations[0]!;
  assert.is(v.kind, 'deadlock');
  assert.is(v.id, 'DEADLOCK');
  assert.is(v.path.actions.length, 2, 'each takes its first lock');
  assert.equal(v.path.states[2], [1, 1, 0, 1]);
});

test('final states are not deadlocks; without isFinal none is reported', () => {
  assert.is(check(counters(2, 2)).outcome, 'ok');
  const line = graphModel({ initial: ['a'], edges: [{ from: 'a', to: 'b', label: 'go' }] });
  assert.is(check(line).outcome, 'ok');
  const stuck = graphModel({ initial: ['a'], edges: [{ from: 'a', to: 'b', label: 'go' }], final: ['c'] });
  assert.is(check(stuck).violations[0]!.kind, 'deadlock');
});

test('an aborted checkAsync is incomplete; run in slices gives what check gives', async () => {
  const ac = new AbortController();
  ac.abort();
  const r = await checkAsync(lockCtr(3, 2), { signal: ac.signal });
  assert.is(r.outcome, 'incomplete');
  assert.is(r.stoppedBy, 'interrupted');
  const ex = new Explorer(lockCtr(2, 2), {});
  while (!ex.run(1));
  assert.is(ex.result().stats.states, check(lockCtr(2, 2)).stats.states);
  assert.is((await checkAsync(lockCtr(2, 2))).stats.states, ex.result().stats.states);
});

test('MapStore: dense ids, duplicates refused, parent links kept; a custom store is used', () => {
  const s = new MapStore<string>((x) => x);
  assert.is(s.insert('a', -1, 0), 0);
  assert.is(s.insert('b', 0, 3), 1);
  assert.is(s.insert('a', 1, 0), -1);
  assert.is(s.parentOf(1), 0);
  assert.is(s.actionOf(1), 3);
  assert.is(s.size, 2);
  for (let i = 0; i < 5000; i++) s.insert(`k${i}`, 0, 0);
  assert.is(s.size, 5002);
  assert.ok(s.bytesPerState() > 0);
  let inserts = 0;
  const inner = new MapStore<readonly [number, number]>((x) => x.join());
  const counting = {
    insert: (st: readonly [number, number], p: number, a: number) => (inserts++, inner.insert(st, p, a)),
    parentOf: (id: number) => inner.parentOf(id),
    actionOf: (id: number) => inner.actionOf(id),
    get size() {
      return inner.size;
    },
    bytesPerState: () => inner.bytesPerState(),
  };
  const r = check(counters(3, 2), { store: counting });
  assert.is(r.stats.states, 12);
  assert.is(inserts, 1 + 17, 'the initial state and every transition');
});

test.run();
