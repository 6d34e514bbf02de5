/**
 * The search itself on hand-checkable graphs: BFS gives shortest paths,
 * paths replay, DFS finds violations too, stop-at-first semantics.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { check, decodePath, encodePath, replayIndices } from '../../checker/index.js';
import { counters, graphModel } from '../fixtures/models/index.js';

// Two routes to X: a long one found first by DFS (a-b-c-X) and a short one (d-X).
const twoRoutes = graphModel({
  initial: ['s'],
  edges: [
    { from: 's', to: 'a', label: 'long' },
    { from: 'a', to: 'b', label: 'long' },
    { from: 'b', to: 'c', label: 'long' },
    { from: 'c', to: 'X', label: 'long' },
    { from: 's', to: 'd', label: 'short' },
    { from: 'd', to: 'X', label: 'short' },
  ],
  bad: ['X'],
});

test('BFS reports the shortest counterexample, DFS a longer one', () => {
  const bfs = check(twoRoutes);
  assert.is(bfs.outcome, 'violated');
  assert.equal(bfs.violations[0]!.path.states, ['s', 'd', 'X']);
  const dfs = check(twoRoutes, { strategy: 'dfs' });
  assert.is(dfs.outcome, 'violated');
  assert.ok(dfs.violations[0]!.path.actions.length >= 2);
});

test('a path is rebuilt from its action indices, and encodes to text and back', () => {
  const v = check(twoRoutes).violations[0]!;
  assert.equal(v.path.indices, [0, 1, 0]);
  assert.is(encodePath(v.path.indices), '0/1/0');
  assert.equal(decodePath('0/1/0'), [0, 1, 0]);
  assert.equal(replayIndices(twoRoutes, decodePath('0/1/0')).states, ['s', 'd', 'X']);
  assert.throws(() => decodePath('0/x'), /action indices separated by/);
  assert.throws(() => replayIndices(twoRoutes, [0, 5]), /only 2 are enabled/);
});

test('counters 3 x 2: (3+1)(2+1) = 12 states, depth 3+2 = 5, 2*3*2+3+2 = 17 transitions', () => {
  const r = check(counters(3, 2));
  assert.is(r.outcome, 'ok');
  assert.is(r.stats.states, 12);
  assert.is(r.stats.depth, 5);
  assert.is(r.stats.transitions, 17);
  assert.is(r.stats.queued, 0);
});

test('the first state breaking an invariant is at the BFS depth where it first can be', () => {
  const r = check(counters(3, 3, 4));
  assert.is(r.outcome, 'violated');
  assert.is(r.violations[0]!.path.actions.length, 4);
});

test('stopAtFirst false keeps one violation per property and explores the rest', () => {
  const m = graphModel({
    initial: ['s'],
    edges: [
      { from: 's', to: 'X', label: 'go' },
      { from: 's', to: 'Y', label: 'bad' },
      { from: 'X', to: 'Z', label: 'go' },
    ],
    bad: ['X', 'Z'],
    forbidden: ['bad'],
  });
  const all = check(m, { stopAtFirst: false });
  assert.is(all.outcome, 'violated');
  assert.equal(all.violations.map((v) => v.id).sort(), ['NoForbidden', 'NotBad']);
  const first = check(m);
  assert.is(first.violations.length, 1);
});

test('a violating state is not expanded: nothing is reached through it', () => {
  const m = graphModel({ initial: ['s'], edges: [{ from: 's', to: 'X', label: 'go' }, { from: 'X', to: 'Z', label: 'go' }], bad: ['X'] });
  const r = check(m, { stopAtFirst: false });
  assert.is(r.stats.states, 2);
});

test('a step property failing on a transition reports that transition as the last step', () => {
  const m = graphModel({
    initial: ['s'],
    edges: [
      { from: 's', to: 'a', label: 'ok' },
      { from: 'a', to: 'b', label: 'oops' },
    ],
    forbidden: ['oops'],
  });
  const r = check(m);
  assert.is(r.outcome, 'violated');
  const v = r.violations[0]!;
  assert.is(v.kind, 'step');
  assert.is(v.id, 'NoForbidden');
  assert.equal(v.path.states, ['s', 'a', 'b']);
  assert.is(v.path.actions[v.path.actions.length - 1]!.label, 'oops');
});

test('coverage counts every transition by kind and lists kinds that never fired', () => {
  const r = check(counters(3, 2));
  // incX fires from every state with x < 3: 3 * (2+1) = 9; incY: (3+1) * 2 = 8.
  assert.equal(r.coverage, [
    { kind: 'incX', count: 9 },
    { kind: 'incY', count: 8 },
    { kind: 'reset', count: 0 },
  ]);
  assert.equal(r.neverFired, ['reset']);
});

test.run();
