/**
 * The scale flags of `hmmcheck check` end to end: --workers, --exact,
 * --checkpoint/--resume and --max-memory give the counts of a plain run or
 * say plainly why they stopped; misuse exits 2 naming the flag or the file.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run } from '../helpers/cli.js';
import { runCli } from '../helpers/spawn.js';
import { tempDir } from '../helpers/tmp.js';


const dir = tempDir('scale');

test('--workers 2 and --exact: the counts and verdicts of the default run', async () => {
  for (const args of [['--preset', 'migrate'], ['--preset', 'migrate', '--variant', 'D3']]) {
    const plain = JSON.parse((await run('check', ...args, '--json')).out);
    const par = await run('check', ...args, '--json', '--workers', '2');
    const exact = await run('check', ...args, '--json', '--exact');
    for (const r of [par, exact]) {
      const j = JSON.parse(r.out);
      assert.is(r.code, plain.outcome === 'ok' ? 0 : 1);
      assert.is(j.stats.states, plain.stats.states);
      assert.is(j.stats.transitions, plain.stats.transitions);
      assert.equal(j.violations.map((v: { id: string; path: string }) => `${v.id} ${v.path}`), plain.violations.map((v: { id: string; path: string }) => `${v.id} ${v.path}`));
    }
    assert.is(plain.stats.store, 'fingerprint');
    assert.ok(plain.stats.collisionProbability > 0 && plain.stats.collisionProbability < 1e-9);
    assert.is(JSON.parse(exact.out).stats.store, 'exact');
  }
});

test('--checkpoint on a stopped run, then --resume: the uninterrupted counts', async () => {
  const file = join(dir, 'small.cp');
  // small takes seconds: a tenth of one stops it well before the end.
  const first = await run('check', '--preset', 'small', '--max-seconds', '0.1', '--checkpoint', file, '--json');
  const j1 = JSON.parse(first.out);
  assert.is(first.code, 3);
  assert.is(j1.stoppedBy, 'max-seconds');
  assert.match(first.err, `--resume ${file}`);
  const second = await run('check', '--preset', 'small', '--resume', file, '--json');
  assert.is(second.code, 0);
  const j2 = JSON.parse(second.out);
  assert.is(j2.stats.states, 184545);
  assert.is(j2.stats.transitions, 463989);
  assert.is(j2.stats.depth, 67);
  const other = await run('check', '--preset', 'small', '--variant', 'D1', '--resume', file);
  assert.is(other.code, 2);
  assert.match(other.err, file);
  assert.match(other.err, 'another configuration or other variants');
});

test('bad scale flags exit 2 naming the flag', async () => {
  const junk = join(dir, 'junk');
  writeFileSync(junk, 'not a checkpoint\n');
  for (const [args, says] of [
    [['--workers', '0'], '--workers'],
    [['--workers', '2', '--strategy', 'dfs'], '--strategy bfs'],
    [['--workers', '2', '--exact'], '--exact'],
    [['--checkpoint', join(dir, 'x'), '--exact'], '--exact'],
    [['--resume', join(dir, 'x'), '--bitstate', '1'], '--bitstate'],
    [['--resume', junk], 'not an hmmcheck checkpoint'],
    [['--resume', join(dir, 'nowhere')], 'ENOENT'],
    [['--max-memory', '10'], '--max-memory 10: hmmcheck already takes'],
    [['--checkpoint-every', '0', '--checkpoint', join(dir, 'y')], '--checkpoint-every'],
  ] as const) {
    const r = await run('check', '--preset', 'tiny', ...args);
    assert.is(r.code, 2, args.join(' '));
    assert.match(r.err, says);
  }
});

test('--max-memory stops with incomplete and the summary so far, well into the search', async () => {
  // A process of its own: the bound is on the whole process, whose start is what a user's is.
  const r = await runCli(['check', '--preset', 'fork', '--max-memory', '115', '--json']);
  const j = JSON.parse(r.out);
  assert.is(r.code, 3);
  assert.is(j.outcome, 'incomplete');
  assert.is(j.stoppedBy, 'max-memory');
  assert.ok(j.stats.states < 453033);
  assert.ok(j.stats.states > 20000, `${j.stats.states} states: a bound of 115 MiB leaves room for a real search`);
});

test('--max-memory below what hmmcheck holds at the start is exit 2 saying how much it needs', async () => {
  const r = await runCli(['check', '--preset', 'tiny', '--max-memory', '64']);
  assert.is(r.code, 2);
  assert.match(r.err, /^hmmcheck: check: --max-memory 64: hmmcheck already takes \d+ MiB before the search starts; give at least \d+ \(MiB\)$/m);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
