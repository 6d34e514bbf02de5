/**
 * Swarm shards and `hmmcheck merge`: any shard's violation is kept (the
 * shortest per invariant), `ok` only when one shard alone covered the whole
 * space, bounded shards never add up to `ok`, bitstate never verifies, and
 * results of different configurations are refused.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';


const dir = tempDir('merge');
const f = (name: string): string => join(dir, name);

test('shards of a buggy driver: each finds it, merge keeps the shortest (the breadth-first shard)', async () => {
  const files: string[] = [];
  for (let i = 0; i < 3; i++) {
    const out = f(`d1-${i}.json`);
    const r = await run('check', '--preset', 'small', '--variant', 'D1', '--shard', `${i}/3`, '--out', out, '--quiet');
    assert.is(r.code, 1);
    if (i > 0) assert.match(r.out, 'found depth-first: maybe not the shortest');
    files.push(out);
  }
  const m = await run('merge', ...files, '--json');
  assert.is(m.code, 1);
  const j = JSON.parse(m.out);
  assert.is(j.outcome, 'violated');
  assert.is(j.violations[0].invariant, 'INV-4');
  assert.is(j.violations[0].steps, 8, 'the shortest, from shard 0');
  assert.is(j.violations[0].file, files[0]);
  assert.equal(j.shards.map((s: { shard: { strategy: string } }) => s.shard.strategy), ['bfs', 'dfs', 'dfs']);
  const text = await run('merge', ...files);
  assert.match(text.out, 'the shortest counterexample, from');
  assert.match(text.out, 'handle_mm_fault');
});

test('a shard that covers the whole space makes the merge ok; shuffled DFS shards find the same states', async () => {
  const files = [f('t0.json'), f('t1.json'), f('t2.json')];
  for (let i = 0; i < 3; i++) {
    const r = await run('check', '--preset', 'tiny', '--shard', `${i}/3`, '--out', files[i]!, '--json');
    assert.is(r.code, 0);
    assert.is(JSON.parse(r.out).stats.states, 3276, `shard ${i} covers the same space in its own order`);
  }
  const m = await run('merge', ...files, '--json');
  assert.is(m.code, 0);
  assert.is(JSON.parse(m.out).outcome, 'ok');
  assert.is(JSON.parse(m.out).exhaustive, true);
});

test('bounded shards never add up to ok', async () => {
  const files = [f('b0.json'), f('b1.json')];
  for (let i = 0; i < 2; i++) {
    const r = await run('check', '--preset', 'small', '--shard', `${i}/2`, '--max-states', '2000', '--out', files[i]!, '--quiet');
    assert.is(r.code, 3);
  }
  const m = await run('merge', ...files);
  assert.is(m.code, 3);
  assert.match(m.out, 'do NOT make an exhaustive check');
});

test('--bitstate: fixed memory, never ok', async () => {
  const r = await run('check', '--preset', 'tiny', '--bitstate', '1', '--json');
  assert.is(r.code, 3);
  const j = JSON.parse(r.out);
  assert.is(j.outcome, 'incomplete');
  assert.is(j.stoppedBy, 'bitstate');
  assert.is(j.stats.store, 'bitstate');
  assert.ok(j.stats.states <= 3276 && j.stats.states > 3000);
  const bug = await run('check', '--preset', 'tiny', '--variant', 'D1', '--bitstate', '1', '--json');
  assert.is(bug.code, 1, 'a violation found on bits is still real');
});

test('merge refuses other configurations, other verbs and no files', async () => {
  const a = f('a.json');
  const b = f('b.json');
  await run('check', '--preset', 'tiny', '--shard', '0/2', '--out', a, '--quiet');
  await run('check', '--preset', 'tiny', '--variant', 'D1', '--shard', '1/2', '--out', b, '--quiet');
  const m = await run('merge', a, b);
  assert.is(m.code, 2);
  assert.match(m.err, b);
  assert.match(m.err, 'another configuration or other variants');
  writeFileSync(f('r.json'), JSON.stringify({ verb: 'replay' }));
  const r = await run('merge', f('r.json'));
  assert.is(r.code, 2);
  assert.match(r.err, 'verb');
  assert.is((await run('merge')).code, 2);
  assert.is((await run('check', '--preset', 'tiny', '--shard', '3/3')).code, 2);
});

test('a damaged result is exit 2 naming the field, in merge and in report, never a TypeError', async () => {
  const good = f('good.json');
  await run('check', '--preset', 'tiny', '--variant', 'D1', '--out', good, '--quiet');
  const base = JSON.parse(readFileSync(good, 'utf8'));
  const damaged: [string, (o: Record<string, any>) => void, RegExp][] = [
    ['violations', (o) => (o.violations = 'x'), /violations: expected an array/],
    ['violations[0].steps', (o) => (o.violations[0].steps = null), /violations\[0\]\.steps: expected a number/],
    ['coverage', (o) => (o.coverage = [1]), /coverage\[0\]: expected/],
    ['stats.states', (o) => (o.stats.states = '1'), /stats\.states: expected a number/],
  ];
  for (const [name, damage, message] of damaged) {
    const o = JSON.parse(JSON.stringify(base));
    damage(o);
    writeFileSync(f('bad.json'), JSON.stringify(o));
    const m = await run('merge', f('bad.json'));
    assert.is(m.code, 2, name);
    assert.match(m.err, message, name);
  }
  const o = JSON.parse(JSON.stringify(base));
  delete o.violations[0].counterexample[0].changes;
  writeFileSync(f('bad.json'), JSON.stringify(o));
  for (const verb of [['report', f('bad.json')], ['merge', f('bad.json')]]) {
    const r = await run(...verb);
    assert.is(r.code, 2, verb[0]);
    assert.match(r.err, /\(result\): expected a result written by hmmcheck, found a result the renderer cannot read/);
  }
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
