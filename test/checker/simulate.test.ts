/**
 * simulate on toy models: it finds an invariant violation, a deadlock and a
 * forbidden step, shrinks the walk, is reproducible from its seed, and says
 * `incomplete` (never `ok`) when it finds nothing.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { replayIndices, simulate } from '../../checker/index.js';
import { counters, graphModel, philosophers } from '../fixtures/models/index.js';

test('an invariant violation is found and shrunk to a shortest walk', () => {
  // x + y < 5 on a 10x10 grid: every walk of 5 steps breaks it; shrinking keeps 5.
  const r = simulate(counters(10, 10, 5), { runs: 50, depth: 30, seed: 1 });
  assert.is(r.outcome, 'violated');
  const v = r.violations[0]!;
  assert.is(v.id, 'SumBelow');
  assert.is(v.kind, 'invariant');
  assert.is(v.path.actions.length, 5);
  const s = v.path.states[v.path.states.length - 1]!;
  assert.is(s[0] + s[1], 5);
  // Shrinking prefers earlier actions: all incX.
  assert.equal(v.path.actions, ['incX', 'incX', 'incX', 'incX', 'incX']);
  // The indices rebuild the same path.
  assert.equal(replayIndices(counters(10, 10, 5), v.path.indices).actions, v.path.actions);
});

test('the same seed gives the same result; the seed is reported when none is given', () => {
  const a = simulate(philosophers(), { runs: 100, seed: 1234 });
  const b = simulate(philosophers(), { runs: 100, seed: 1234 });
  assert.equal(a.violations[0]!.path.indices, b.violations[0]!.path.indices);
  assert.is(a.runs, b.runs);
  const c = simulate(philosophers(), { runs: 100 });
  assert.type(c.seed, 'number');
  assert.equal(simulate(philosophers(), { runs: 100, seed: c.seed }).violations[0]!.path.indices, c.violations[0]!.path.indices);
});

test('a deadlock is found as a deadlock', () => {
  const r = simulate(philosophers(), { runs: 200, seed: 5 });
  assert.is(r.outcome, 'violated');
  assert.is(r.violations[0]!.kind, 'deadlock');
  assert.is(r.violations[0]!.path.actions.length, 2, 'each takes its first lock');
});

test('a forbidden step is found by its step property', () => {
  const e = (from: string, to: string): { from: string; to: string; label: string } => ({ from, to, label: `${from}->${to}` });
  const g = graphModel({ initial: ['a'], edges: [e('a', 'b'), e('b', 'c'), e('a', 'c'), e('c', 'd')], forbidden: ['c->d'] });
  const r = simulate(g, { runs: 50, seed: 9 });
  assert.is(r.outcome, 'violated');
  assert.is(r.violations[0]!.kind, 'step');
  // Shrinking prefers earlier actions, not fewer steps: a->b is a's first edge.
  assert.equal(r.violations[0]!.path.actions.map((x) => x.label), ['a->b', 'b->c', 'c->d']);
});

test('finding nothing is incomplete, never ok, and the counts are the walks run', () => {
  const r = simulate(counters(3, 3), { runs: 40, depth: 10, seed: 2 });
  assert.is(r.outcome, 'incomplete');
  assert.equal(r.violations, []);
  assert.is(r.runs, 40);
  assert.ok(r.stats.transitions <= 40 * 6, 'each walk ends at the final state (6 steps) or earlier');
  assert.ok(r.stats.depth <= 6);
});

test.run();
