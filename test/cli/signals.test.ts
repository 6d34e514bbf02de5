/**
 * SIGTERM (what CI runners and Kubernetes send) and SIGINT (Ctrl-C) stop
 * `check`, `simulate` and `replay` the same way: promptly, with the summary
 * so far, the checkpoint and --out written, the seed of a simulation, and
 * exit 3 (incomplete). Real child processes: only they receive signals.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { simulateAsync } from '../../checker/index.js';
import { hmmModel } from '../../model/index.js';
import { presetWorld } from '../helpers/hmm.js';
import { run } from '../helpers/cli.js';
import { writeLongTrace } from '../bench/longTrace.js';
import { looksLikeCrash, spawnCli } from '../helpers/spawn.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('signals');

test('check: SIGTERM stops the search with the summary so far, the checkpoint and --out, exit 3', async () => {
  const cp = join(dir, 'fork.cp');
  const out = join(dir, 'fork.json');
  const p = spawnCli(['check', '--preset', 'fork', '--checkpoint', cp, '--out', out]);
  await p.waitErr(/states, .* queued/);
  p.child.kill('SIGTERM');
  const r = await p.done;
  assert.is(r.code, 3);
  assert.match(r.out, /^outcome: incomplete: interrupted after [\d,]+ distinct states/m);
  assert.match(r.err, /SIGTERM received/);
  assert.match(r.err, new RegExp(`progress saved in ${cp.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  assert.ok(existsSync(cp), 'the checkpoint is on disk');
  const j = JSON.parse(readFileSync(out, 'utf8'));
  assert.is(j.outcome, 'incomplete');
  assert.is(j.stoppedBy, 'interrupted');
  assert.not.ok(looksLikeCrash(r.err), r.err);
});

test('simulate: SIGINT prints the summary and the seed, and the printed command repeats exactly the walks done', async () => {
  const p = spawnCli(['simulate', '--preset', 'small', '--runs', '100000000', '--json']);
  // Progress goes to stderr only on a TTY with --json: wait for the walks to start instead.
  await new Promise((r) => setTimeout(r, 1500));
  p.child.kill('SIGINT');
  const r = await p.done;
  assert.is(r.code, 3);
  const j = JSON.parse(r.out);
  assert.is(j.outcome, 'incomplete');
  assert.is(j.stoppedBy, 'interrupted');
  assert.ok(j.simulation.runs > 0 && j.simulation.runs < 100000000, `${j.simulation.runs} walks`);
  const again = await run('simulate', '--preset', 'small', '--seed', String(j.simulation.seed), '--runs', String(j.simulation.runs), '--json');
  assert.is(again.code, 3);
  const k = JSON.parse(again.out);
  assert.is(k.simulation.runs, j.simulation.runs);
  assert.is(k.stats.transitions, j.stats.transitions, 'the same walks, step for step');
  assert.ok(r.ms < 20_000);
});

test('replay: SIGINT while standard input is still open stops at once: incomplete, nothing checked', async () => {
  const p = spawnCli(['replay', '-'], { stdin: 'pipe' });
  p.child.stdin!.write('{"hmmtrace": 1}\n{"ev": "cpu_read", "tid": "c0", "page": 0, "value": 0}\n');
  await new Promise((r) => setTimeout(r, 700));
  p.child.kill('SIGINT');
  const r = await p.done;
  p.child.stdin!.destroy();
  assert.is(r.code, 3);
  assert.match(r.out, /incomplete/);
  assert.match(r.out, /interrupted while standard input was being read, before any event was replayed: nothing was checked/);
  assert.not.ok(looksLikeCrash(r.err), r.err);
});

test('replay: SIGINT while the trace is read to learn its world stops there, before any event is judged', async () => {
  const trace = join(dir, 'walk.jsonl');
  await writeLongTrace(trace, 100_000, 5);
  const p = spawnCli(['replay', trace], { env: { ...process.env, HMMCHECK_PROGRESS_MS: '0' } });
  await p.waitErr(/reading the trace, line/);
  p.child.kill('SIGINT');
  const r = await p.done;
  assert.is(r.code, 3);
  assert.match(r.out, /interrupted while the trace was read to learn its world, before any event was replayed: nothing was checked/);
  assert.not.ok(looksLikeCrash(r.err), r.err);
});

test('a reader that closes standard output early (import ... | head) stops hmmcheck quietly, exit 3, no stack trace', async () => {
  const kernel = new URL('../../../../shared/kernel-traces/linux-6.1/hmm.hmm_device_private.migrate_fault.trace.txt.gz', import.meta.url).pathname;
  const p = spawnCli(['import', 'ftrace', kernel]);
  await new Promise<void>((resolve) => p.child.stdout!.once('data', () => resolve()));
  p.child.stdout!.destroy();
  const r = await p.done;
  assert.is(r.code, 3);
  assert.match(r.err, /^hmmcheck: standard output was closed by its reader; stopping$/m);
  assert.not.ok(looksLikeCrash(r.err), r.err);
});

test('simulateAsync: the same seed gives the same walks as simulate; aborted before any walk it is incomplete', async () => {
  const { simulate } = await import('../../checker/index.js');
  const w = presetWorld('tiny');
  const a = simulate(hmmModel(w, { freeze: false }), { runs: 40, depth: 50, seed: 3 });
  const b = await simulateAsync(hmmModel(w, { freeze: false }), { runs: 40, depth: 50, seed: 3 });
  assert.is(b.runs, a.runs);
  assert.is(b.stats.transitions, a.stats.transitions);
  const c = new AbortController();
  c.abort();
  const d = await simulateAsync(hmmModel(w, { freeze: false }), { runs: 40, seed: 3, signal: c.signal });
  assert.is(d.outcome, 'incomplete');
  assert.is(d.stoppedBy, 'interrupted');
  assert.is(d.runs, 0);
});

test('simulateAsync: a stop while shrinking keeps the violation found (exit 1 material), shrunk as far as it got', async () => {
  const w = presetWorld('small', ['D1']);
  const c = new AbortController();
  const r = await simulateAsync(hmmModel(w, { freeze: false }), {
    runs: 1000,
    depth: 100,
    seed: 42,
    signal: c.signal,
    progressEveryMs: 0,
    onProgress: (p) => {
      if (p.shrinking) c.abort();
    },
  });
  assert.is(r.outcome, 'violated');
  assert.is(r.stoppedBy, 'interrupted');
  const full = await simulateAsync(hmmModel(w, { freeze: false }), { runs: 1000, depth: 100, seed: 42 });
  assert.ok(r.shrinks < full.shrinks, `${r.shrinks} shrinks against ${full.shrinks}`);
  assert.ok(r.violations[0]!.path.actions.length >= full.violations[0]!.path.actions.length);
});

test.run();
