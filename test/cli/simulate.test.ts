/**
 * `hmmcheck simulate` end to end: exit statuses (1 found, 3 nothing found,
 * 2 bad usage), the line that repeats a run and reproduces it, the JSON
 * shape, the counterexample as a trace, and `report` on a saved result.
 */

import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';


const dir = tempDir('sim');
const counterexample = (out: string): string => out.slice(out.indexOf('every step'), out.indexOf('  path:'));

test('a variant is found (exit 1), and the printed command repeats the same counterexample', async () => {
  const r = await run('simulate', '--variant', 'D1', '--seed', '42', '--runs', '100', '--depth', '100');
  assert.is(r.code, 1);
  assert.match(r.out, /^hmmcheck simulate: preset small, variant D1$/m);
  assert.match(r.out, /^INV-4: /m);
  assert.match(r.out, /counterexample: \d+ steps \(shrunk by fast-check from a random walk, seed 42\)/);
  const again = /^repeat it: hmmcheck (simulate .*)$/m.exec(r.out)![1]!;
  const r2 = await run(...again.split(' '));
  assert.is(r2.code, 1);
  assert.is(counterexample(r2.out), counterexample(r.out));
});

test('nothing found is incomplete, exit 3, and says the state space was not covered', async () => {
  const r = await run('simulate', '--preset', 'tiny', '--runs', '50', '--seed', '1');
  assert.is(r.code, 3);
  assert.match(r.out, /outcome: incomplete: no invariant violated in 50 random walks of at most 200 steps \(seed 1\); a simulation covers only what it walked, NOT the state space/);
});

test('--json has verb simulate and the seed; --trace-out replays; report renders the saved result', async () => {
  const trace = join(dir, 'd2.jsonl');
  const saved = join(dir, 'd2.json');
  const r = await run('simulate', '--variant', 'D2', '--seed', '7', '--runs', '200', '--json', '--trace-out', trace, '--out', saved);
  assert.is(r.code, 1);
  const j = JSON.parse(r.out);
  assert.is(j.verb, 'simulate');
  assert.is(j.outcome, 'violated');
  assert.is(j.simulation.seed, 7);
  const rep = await run('replay', trace, '--json');
  assert.is(rep.code, 1);
  assert.is(JSON.parse(rep.out).invariant, j.violations[0].invariant);
  const md = await run('report', saved, '--format', 'markdown');
  assert.is(md.code, 0);
  assert.match(md.out, /^# hmmcheck simulate: preset small, variant D2$/m);
  assert.match(md.out, /Random walks, not an exhaustive check: \d+ walks of at most 200 steps, seed 7\./);
});

test('bad usage exits 2', async () => {
  let r = await run('simulate', '--runs', '0');
  assert.is(r.code, 2);
  assert.match(r.err, /--runs: expected a positive integer, found 0/);
  r = await run('simulate', '--depth', 'x');
  assert.is(r.code, 2);
  r = await run('simulate', '--preset', 'huge');
  assert.is(r.code, 2);
  assert.match(r.err, /unknown preset "huge"/);
});

test.run();
