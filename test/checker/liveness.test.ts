/**
 * The progress check (checker/liveness.ts) on toy models whose livelocks,
 * or their absence, can be checked by hand: weak fairness, strong fairness
 * for threads asleep on a lock that is handed over, lassos, and when the
 * check cannot run.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BitstateStore, check, checkParallel, Explorer, replayIndices } from '../../checker/index.js';
import { handoff, mutualAbort, repeat, spinLock, type HandoffState } from '../fixtures/models/index.js';
import { ProgressGraph } from '../../checker/liveness.js';

test('a spinner whose lock holder needs it to stop spinning livelocks: a lasso of prefix 1 and cycle 2', () => {
  const m = spinLock({ spins: true, holderWaits: true });
  const r = check(m);
  assert.is(r.outcome, 'violated');
  const v = r.violations[0]!;
  assert.is(v.kind, 'liveness');
  assert.is(v.id, 'PROGRESS');
  assert.is(v.starved, 1);
  assert.is(v.loopStart, 1);
  assert.equal(v.path.actions.map((a) => `t${a.t} ${a.k}`), ['t0 acquire', 't1 spin', 't1 retry']);
  // The cycle comes back to the state it started from.
  assert.equal(v.path.states[3], v.path.states[1]);
  assert.equal(replayIndices(m, v.path.indices).states, v.path.states);
  assert.equal(r.progress, { id: 'PROGRESS', checked: true, bytesPerState: r.progress!.bytesPerState });
});

test('weak fairness: a spin while the holder can always release is not a livelock', () => {
  const r = check(spinLock({ spins: true, holderWaits: false }));
  assert.is(r.outcome, 'ok');
  assert.is(r.progress!.checked, true);
  assert.is(r.stats.states, 10);
});

test('a waiter that sleeps instead of spinning (disabled while the lock is held) is not a livelock', () => {
  const r = check(spinLock({ spins: false, holderWaits: true }));
  assert.is(r.outcome, 'ok');
  assert.is(r.progress!.checked, true);
});

test('two threads aborting each other forever: a fair cycle in which both step', () => {
  const r = check(mutualAbort());
  assert.is(r.outcome, 'violated');
  const v = r.violations[0]!;
  assert.is(v.kind, 'liveness');
  assert.is(v.starved, 0);
  const cycle = v.path.actions.slice(v.loopStart);
  assert.ok(cycle.some((a) => a.t === 0) && cycle.some((a) => a.t === 1), 'both threads step on the cycle');
  assert.equal(v.path.states[v.path.states.length - 1], v.path.states[v.loopStart!]);
  // The shallowest state of the cycle: thread 0 holds a reference (one get).
  assert.is(v.loopStart, 1);
});

test('a cycle through states where the operation has finished is not a livelock', () => {
  const r = check(repeat());
  assert.is(r.outcome, 'ok');
  assert.is(r.stats.states, 2);
  assert.is(r.progress!.checked, true);
});

test('the check does not run on a search that stopped early, was turned off, or keeps no ids', () => {
  const m = spinLock({ spins: true, holderWaits: true });
  const cut = check(m, { maxStates: 2 });
  assert.is(cut.outcome, 'incomplete');
  assert.equal(cut.progress, { id: 'PROGRESS', checked: false, why: 'the search did not cover the whole state space' });
  const off = check(m, { liveness: false, livenessOff: 'asked' });
  assert.is(off.outcome, 'ok');
  assert.equal(off.progress, { id: 'PROGRESS', checked: false, why: 'asked' });
  const bits = check(m, { store: new BitstateStore((s, out) => (out[0] = JSON.stringify(s).length, 1), 1 << 16) });
  assert.is(bits.progress!.checked, false);
  assert.match(bits.progress!.why!, /bitstate/);
});

test('a checkpoint keeps the graph: a search stopped half-way and resumed finds the same livelock', () => {
  const m = mutualAbort(3000);
  const whole = check(m);
  const ex = new Explorer(m, { identity: 'abort' });
  ex.run(0);
  assert.not.ok(ex.done, 'stopped half-way');
  ex.interrupt();
  const cp = ex.checkpoint();
  assert.ok(cp.arrays['graphFrom'] && cp.arrays['ids'], 'the graph and the slot ids are saved');
  const resumed = check(m, { identity: 'abort', resume: cp });
  assert.is(resumed.outcome, 'violated');
  assert.equal(resumed.violations.map((v) => [v.id, v.path.indices.join('/'), v.loopStart]), whole.violations.map((v) => [v.id, v.path.indices.join('/'), v.loopStart]));
  // A checkpoint of a search that had found its livelock gives it back whole.
  const done = new Explorer(mutualAbort(), { identity: 'small' });
  done.run();
  const again = check(mutualAbort(), { identity: 'small', resume: done.checkpoint() });
  assert.equal([again.violations[0]!.loopStart, again.violations[0]!.starved, again.progress!.checked], [1, 0, true]);
  // A checkpoint without the graph (saved by a search that did not record it) resumes without the check, and says so.
  const { graphFrom: _f, graphTo: _t, graphBy: _b, graphAction: _a, graphEnabled: _e, graphBusy: _u, graphSleeping: _s, ...rest } = cp.arrays;
  const bare = check(m, { identity: 'abort', resume: { header: cp.header, arrays: rest } });
  assert.is(bare.outcome, 'ok');
  assert.equal(bare.progress, { id: 'PROGRESS', checked: false, why: 'the checkpoint resumed was saved without the progress graph' });
  // Part of a graph is a damaged checkpoint, never a search with a graph it did not record.
  const { graphFrom: _g, ...partial } = cp.arrays;
  assert.throws(() => check(m, { identity: 'abort', resume: { header: cp.header, arrays: partial } }), /checkpoint damaged: the progress graph has .* and not graphFrom/);
});

test('DFS finds the same livelock (the graph does not depend on the order)', () => {
  const r = check(mutualAbort(), { strategy: 'dfs' });
  assert.is(r.outcome, 'violated');
  assert.is(r.violations[0]!.kind, 'liveness');
});

test('the graph keeps each state\'s edges together: a stray edge is refused, a checkpoint of it round-trips, a scrambled one is not taken', () => {
  const g = new ProgressGraph(2);
  g.state(0, 0b11, 0b01);
  g.edge(0, 1, 0, 0);
  g.edge(0, 0, 1, 1);
  g.state(1, 0b01, 0b01);
  assert.throws(() => g.edge(0, 1, 0, 2), /edge of state 0 recorded while expanding state 1/);
  g.edge(1, 1, 0, 0);
  const snap = g.snapshot();
  assert.equal(Array.from(snap['graphFrom']!), [0, 0, 1]);
  assert.equal(Array.from(snap['graphTo']!), [1, 0, 1]);
  // State 1 spins on thread 0 (busy, enabled) while thread 1 is disabled there: a fair livelock.
  const lasso = g.findLivelock(2, 2);
  assert.equal(lasso, { thread: 0, entry: 1, cycle: [0] });
  const back = new ProgressGraph(2);
  assert.ok(back.restore(snap));
  assert.equal(back.findLivelock(2, 2), lasso);
  assert.equal(back.snapshot(), snap);
  const scrambled = { ...snap, graphFrom: Int32Array.from([0, 1, 0]) };
  assert.is(new ProgressGraph(2).restore(scrambled), false, "state 0's edges apart");
});

test('a thread asleep on a lock that is handed over gets it when it is free again and again: no livelock', () => {
  // Thread 2 takes and releases the lock for ever while thread 0 retries, as gpu0 and cpu0 do in B17 on tiny.
  const r = check(handoff({ handoff: true }));
  assert.is(r.outcome, 'ok');
  assert.is(r.progress!.checked, true);
  assert.is(r.stats.states, 12);
});

test('the same wait for a condition nothing hands over keeps weak fairness: the cycle that starves thread 0 is found', () => {
  const m = handoff({ handoff: false });
  const r = check(m);
  assert.is(r.outcome, 'violated');
  // The same graph: only the verdict of the search differs.
  assert.is(r.stats.states, 12);
  const v = r.violations[0]!;
  assert.is(v.starved, 0);
  const cycle = v.path.actions.slice(v.loopStart);
  assert.equal([...new Set(cycle.map((a) => a.t))].sort(), [0, 2], 'threads 0 and 2 step; thread 1 never does');
  // Thread 1 is disabled somewhere on the cycle (the lock held), and enabled somewhere too.
  const states = v.path.states.slice(v.loopStart!) as HandoffState[];
  assert.ok(states.some((s) => s.lock === 2) && states.some((s) => s.lock === -1));
  assert.equal(replayIndices(m, v.path.indices).states, v.path.states);
});

test('a holder that never releases starves a sleeper under strong fairness too: found on the part of the component where the lock is held', () => {
  for (const fair of [true, false]) {
    const r = check(handoff({ handoff: fair, holds: true }));
    assert.is(r.outcome, 'violated');
    const v = r.violations[0]!;
    assert.is(v.starved, 0);
    const states = v.path.states.slice(v.loopStart!) as HandoffState[];
    if (fair) assert.ok(states.every((s) => s.lock === 2), 'thread 1 is enabled nowhere on the cycle: the lock is held throughout');
    else assert.ok(states.some((s) => s.lock === -1), 'weak fairness takes the whole component, lock-free states included');
  }
});

test('a sleeper that steps on the cycle: the lasso takes a step of it, not only a state where it sleeps', () => {
  const r = check(handoff({ handoff: true, loops: true }));
  assert.is(r.outcome, 'violated');
  const v = r.violations[0]!;
  assert.is(v.starved, 0);
  const cycle = v.path.actions.slice(v.loopStart);
  assert.ok(cycle.some((a) => a.t === 1), 'thread 1 steps on the cycle');
  assert.equal(v.path.states[v.path.states.length - 1], v.path.states[v.loopStart!]);
});

test('workers carry the sleeping threads to the graph: the same verdicts as one thread', async () => {
  for (const opts of [{ handoff: true }, { handoff: false }, { handoff: true, holds: true }]) {
    const source = { module: new URL('../fixtures/models/handoff.js', import.meta.url).href, export: 'handoff', args: opts };
    const par = await checkParallel(handoff(opts), source, { workers: 2 });
    const one = check(handoff(opts));
    assert.equal([par.outcome, par.stats.states, par.violations.map((x) => x.path.indices.join('/'))], [one.outcome, one.stats.states, one.violations.map((x) => x.path.indices.join('/'))], JSON.stringify(opts));
  }
});

test('the graph keeps the sleeping threads: a checkpoint round-trips them, and one without them is not taken', () => {
  // Thread 0 busy and enabled everywhere, looping 0 <-> 1 and 0 <-> 2; thread 1 asleep in 0 and 2, enabled in 1, never stepping.
  const g = new ProgressGraph(2);
  g.state(0, 0b01, 0b01, 0b10);
  g.edge(0, 1, 0, 0);
  g.edge(0, 2, 0, 1);
  g.state(1, 0b11, 0b01, 0);
  g.edge(1, 0, 0, 0);
  g.state(2, 0b01, 0b01, 0b10);
  g.edge(2, 0, 0, 0);
  // Through state 1 thread 1 would find the lock free: only 0 <-> 2 is fair.
  const lasso = g.findLivelock(3, 2);
  assert.equal(lasso, { thread: 0, entry: 0, cycle: [1, 0] });
  const snap = g.snapshot();
  assert.equal(Array.from(snap['graphSleeping']!), [0b10, 0, 0b10]);
  const back = new ProgressGraph(2);
  assert.ok(back.restore(snap));
  assert.equal(back.findLivelock(3, 2), lasso);
  const { graphSleeping: _s, ...without } = snap;
  assert.is(new ProgressGraph(2).restore(without), false);
  // Without the sleeping mask (weak fairness for thread 1), the nearest cycle, through state 1, is fair.
  const weak = new ProgressGraph(2);
  assert.ok(weak.restore({ ...snap, graphSleeping: new Int32Array(3) }));
  assert.equal(weak.findLivelock(3, 2), { thread: 0, entry: 0, cycle: [0, 0] });
});

test.run();
