/**
 * Checkpoints: a search stopped anywhere between slices, saved, read back and
 * resumed ends with exactly the counts, coverage and verdict of a search that
 * never stopped; a damaged or foreign checkpoint is refused, never resumed.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  check,
  checkAsync,
  CheckpointError,
  CheckpointMismatch,
  checkParallel,
  Explorer,
  readCheckpoint,
  writeCheckpoint,
  type CheckResult,
  type Checkpoint,
} from '../../checker/index.js';
import { lockCtr } from '../fixtures/models/index.js';
import type { Handover } from '../../checker/handover.js';

/** Workers from the start, whatever the machine's load (handover.test.ts: checkpoints across the switch). */
const AT_ONCE: Partial<Handover> = { afterMs: 0, minQueued: 0, minIdleCores: 0, aloneMs: 0, warmStates: 0 };

const dir = mkdtempSync(join(tmpdir(), 'hmmcheck-cp-'));
const summary = (r: CheckResult<unknown, unknown>): string =>
  JSON.stringify([r.outcome, r.stats.states, r.stats.transitions, r.stats.depth, r.coverage, r.violations.map((v) => `${v.id} ${v.path.indices.join('/')}`)]);

test('stopped at many points, saved to a file and resumed: the uninterrupted result', () => {
  for (const [racyOk, strategy] of [[false, 'bfs'], [true, 'bfs'], [false, 'dfs']] as const) {
    const m = lockCtr(3, 2, { racyOk });
    const whole = check(m, { strategy, stopAtFirst: false });
    for (const stopAfter of [1, 7, 40]) {
      const ex = new Explorer(m, { strategy, identity: 'lockctr 3 2', stopAtFirst: false });
      // run a few thousand expansions, then stop as Ctrl-C would
      for (let i = 0; i < stopAfter && !ex.done; i++) ex.run(0);
      if (ex.done) continue;
      ex.interrupt();
      assert.ok(ex.resumable);
      const file = join(dir, `cp-${racyOk}-${strategy}-${stopAfter}`);
      writeCheckpoint(file, ex.checkpoint());
      const resumed = check(m, { strategy, identity: 'lockctr 3 2', resume: readCheckpoint(file), stopAtFirst: false });
      assert.is(summary(resumed), summary(whole), `racyOk ${racyOk} ${strategy} after ${stopAfter} slices`);
    }
  }
});

test('checkAsync saves periodically and on interrupt; resuming finishes the search', async () => {
  const m = lockCtr(3, 2);
  const saved: Checkpoint[] = [];
  const ac = new AbortController();
  // Ctrl-C right after the first periodic save (after the first 100 ms slice):
  // mid-search wherever LockCtr N=3 K=2 takes longer than one slice.
  const save = (cp: Checkpoint): void => {
    saved.push(cp);
    if (saved.length === 1) ac.abort();
  };
  const first = await checkAsync(m, { identity: 'x', signal: ac.signal, checkpoint: { everySeconds: 1e-9, save } });
  assert.is(first.outcome, 'incomplete');
  assert.is(first.stoppedBy, 'interrupted');
  assert.ok(saved.length >= 1);
  const last = saved[saved.length - 1]!;
  assert.is(last.header.states, first.stats.states, 'the last save is the state at the stop');
  const file = join(dir, 'async');
  writeCheckpoint(file, last);
  assert.is(summary(await checkAsync(m, { identity: 'x', resume: readCheckpoint(file) })), summary(check(m)));
});

test('a parallel search interrupted with batches out resumes to the same result', async () => {
  const m = lockCtr(3, 2);
  const source = { module: new URL('../fixtures/models/lockCtr.js', import.meta.url).href, export: 'lockCtrFromArgs', args: { n: 3, k: 2 } };
  const saved: Checkpoint[] = [];
  const ac = new AbortController();
  // Ctrl-C after the third periodic save, with batches out on the workers.
  const save = (cp: Checkpoint): void => {
    saved.push(cp);
    if (saved.length === 3) ac.abort();
  };
  const first = await checkParallel(m, source, { workers: 2, identity: 'x', signal: ac.signal, checkpoint: { everySeconds: 1e-9, save }, handover: AT_ONCE });
  assert.is(first.stats.workers, 2);
  assert.is(first.outcome, 'incomplete');
  assert.is(first.stoppedBy, 'interrupted');
  const cp = saved[saved.length - 1]!;
  const again = await checkParallel(m, source, { workers: 2, identity: 'x', resume: cp, handover: AT_ONCE });
  assert.is(summary(again), summary(check(m)));
  assert.is(summary(check(m, { identity: 'x', resume: cp })), summary(check(m)));
});

test('a checkpoint of another search, or a damaged file, is refused', () => {
  const m = lockCtr(2, 2);
  const ex = new Explorer(m, { identity: 'a' });
  ex.run(0);
  ex.interrupt();
  const file = join(dir, 'foreign');
  writeCheckpoint(file, ex.checkpoint());
  assert.throws(() => new Explorer(m, { identity: 'b', resume: readCheckpoint(file) }), (e: unknown) => e instanceof CheckpointMismatch);
  assert.throws(() => new Explorer(m, { identity: 'a', strategy: 'dfs', resume: readCheckpoint(file) }), /dfs|bfs/);
  const bytes = readFileSync(file);
  writeFileSync(join(dir, 'cut'), bytes.subarray(0, bytes.length - 10));
  assert.throws(() => readCheckpoint(join(dir, 'cut')), (e: unknown) => e instanceof CheckpointError && /truncated/.test(String(e)));
  writeFileSync(join(dir, 'junk'), 'hello\n');
  assert.throws(() => readCheckpoint(join(dir, 'junk')), /not an hmmcheck checkpoint/);
  assert.throws(() => readCheckpoint(join(dir, 'missing')), /ENOENT/);
});

test('max-memory stops with incomplete instead of growing', () => {
  const r = check(lockCtr(3, 3), { maxMemoryMiB: 1 });
  assert.is(r.outcome, 'incomplete');
  assert.is(r.stoppedBy, 'max-memory');
  assert.ok(r.stats.states < 2_547_432);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
