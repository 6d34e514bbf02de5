/**
 * Output files: an unwritable path is exit 2 before any work, naming the
 * path and why; files are written whole through a temporary name; and a
 * result that still cannot be written at the end is saved elsewhere or
 * printed, with the verdict's exit status: a finished search is never lost.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { memoryIo } from '../../cli/io.js';
import { deliver, unwritableReason, writeAtomic } from '../../cli/output.js';
import { run } from '../helpers/cli.js';
import { looksLikeCrash, runCli, spawnCli } from '../helpers/spawn.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('outputs');
const missing = join(dir, 'no-such-dir', 'x.json');
const SHARED = new URL('../../../../shared/traces/map-without-retry.invalid.jsonl', import.meta.url).pathname;

const cases: [string, string[], string][] = [
  ['check --out', ['check', '--preset', 'small', '--out', missing], '--out'],
  ['check --trace-out', ['check', '--preset', 'small', '--variant', 'D1', '--trace-out', missing], '--trace-out'],
  ['check --checkpoint', ['check', '--preset', 'small', '--checkpoint', missing], '--checkpoint'],
  ['check --out a directory', ['check', '--preset', 'small', '--out', dir], '--out'],
  ['simulate --out', ['simulate', '--preset', 'small', '--out', missing], '--out'],
  ['simulate --trace-out', ['simulate', '--preset', 'small', '--trace-out', missing], '--trace-out'],
  ['replay --out', ['replay', SHARED, '--out', missing], '--out'],
  ['report --out', ['report', SHARED, '--out', missing], '--out'],
  ['import --out', ['import', 'ftrace', SHARED, '--out', missing], '--out'],
];

for (const [name, argv, flag] of cases) {
  test(`${name} that cannot be written is exit 2 before any work, naming the path and why`, async () => {
    const started = Date.now();
    const r = await run(...argv);
    assert.is(r.code, 2);
    const first = r.err.split('\n')[0]!;
    assert.match(first, `hmmcheck: ${argv[0]}: ${flag} `);
    assert.match(first, /cannot write there: (its directory .* does not exist \(ENOENT\)|it is a directory)|: its folder .* does not exist/);
    assert.is(r.out, '', 'no search ran, nothing was printed');
    assert.ok(Date.now() - started < 1500, 'refused before the search');
  });
}

test('writeAtomic replaces the file whole and leaves no temporary file', () => {
  const d = tempDir('atomic');
  const f = join(d, 'r.json');
  writeFileSync(f, 'old');
  writeAtomic(f, 'new text\n');
  assert.is(readFileSync(f, 'utf8'), 'new text\n');
  assert.equal(readdirSync(d), ['r.json']);
  assert.throws(() => writeAtomic(join(d, 'gone', 'r.json'), 'x'), /cannot write .*gone.*ENOENT/);
  assert.equal(readdirSync(d), ['r.json']);
});

test('unwritableReason: fine for a new file or a pipe, not for a directory or a missing folder', () => {
  assert.is(unwritableReason(join(dir, 'new.json')), null);
  assert.is(unwritableReason('/dev/null'), null);
  assert.match(unwritableReason(dir)!, /it is a directory/);
  assert.match(unwritableReason(missing)!, /does not exist/);
});

test('deliver: a directory removed meanwhile sends the result to the working directory under a name it prints', () => {
  const d = tempDir('deliver');
  const gone = join(d, 'gone');
  mkdirSync(gone);
  rmSync(gone, { recursive: true });
  const io = memoryIo();
  const cwd = process.cwd();
  process.chdir(d);
  try {
    deliver(io, 'check', 'the JSON result', join(gone, 'r.json'), '{"outcome":"ok"}\n');
  } finally {
    process.chdir(cwd);
  }
  const saved = /saved it as (\S+) instead/.exec(io.stderr)?.[1];
  assert.ok(saved, io.stderr);
  assert.is(readFileSync(saved!, 'utf8'), '{"outcome":"ok"}\n');
  assert.match(io.stderr, /could not write the JSON result to .*gone\/r\.json \(ENOENT\)/);
});

test('deliver: when the working directory cannot take it either, the result is printed on standard output', () => {
  const d = tempDir('deliver2');
  const gone = join(d, 'gone');
  mkdirSync(gone);
  const io = memoryIo();
  const cwd = process.cwd();
  process.chdir(gone);
  rmSync(gone, { recursive: true });
  try {
    deliver(io, 'replay', 'the JSON result', join(gone, 'r.json'), '{"outcome":"valid"}\n');
  } finally {
    process.chdir(cwd);
  }
  assert.match(io.stderr, /it follows on standard output/);
  assert.match(io.stdout, /----- the JSON result \(meant for .*\) -----\n\{"outcome":"valid"\}\n----- end of the JSON result -----/);
  // With --json, standard output is one JSON object that holds the result already: nothing more goes there.
  const j = memoryIo();
  const gone2 = join(d, 'gone2');
  mkdirSync(gone2);
  process.chdir(gone2);
  rmSync(gone2, { recursive: true });
  try {
    deliver(j, 'replay', 'the JSON result', join(gone, 'r.json'), '{"outcome":"valid"}\n', { inStdoutJson: true });
  } finally {
    process.chdir(cwd);
  }
  assert.is(j.stdout, '');
  assert.match(j.stderr, /the JSON on standard output holds it/);
});

test('check whose --out folder disappears during the search: the verdict still arrives, saved beside, exit status kept', async () => {
  const d = tempDir('vanish');
  const folder = join(d, 'results');
  mkdirSync(folder);
  const p = spawnCli(['check', '--preset', 'fork', '--out', join(folder, 'fork.json')], { cwd: d });
  await p.waitErr(/states, .* queued/);
  rmSync(folder, { recursive: true });
  p.child.kill('SIGTERM');
  const r = await p.done;
  assert.is(r.code, 3);
  assert.match(r.out, /outcome: incomplete: interrupted/);
  const saved = /saved it as (\S+) instead/.exec(r.err)?.[1];
  assert.ok(saved && existsSync(saved), r.err);
  assert.is(JSON.parse(readFileSync(saved!, 'utf8')).outcome, 'incomplete');
  assert.not.ok(looksLikeCrash(r.err), r.err);
});

test('check --out writes the result whole, with no temporary file beside it', async () => {
  const d = tempDir('whole');
  const r = await run('check', '--preset', 'tiny', '--variant', 'D1', '--out', join(d, 'r.json'), '--trace-out', join(d, 't.jsonl'), '--quiet');
  assert.is(r.code, 1);
  assert.equal(readdirSync(d).sort(), ['r.json', 't.jsonl']);
  assert.is(JSON.parse(readFileSync(join(d, 'r.json'), 'utf8')).outcome, 'violated');
});

test("the tests' own temporary folders are removed when the process exits", async () => {
  const helper = new URL('../helpers/tmp.js', import.meta.url).href;
  const r = await runCli(['-e', `import(${JSON.stringify(helper)}).then((m) => console.log(m.tempDir('exit-check')))`], { command: process.execPath });
  const made = r.out.trim();
  assert.match(made, /hmmcheck-exit-check-/);
  assert.not.ok(existsSync(made), `${made} is gone`);
});

test.run();
