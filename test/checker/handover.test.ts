/**
 * `--workers N` starts as the one-thread search and hands its frontier to
 * worker threads only once the search has proven big enough (checker/
 * handover.ts): a search that ends first never starts a worker, and one
 * that crosses over ends with every number the one-thread search gives
 * (counts, coverage, violations and their paths, the livelock check), also
 * when stopped after the switch and resumed from its checkpoint.
 */
import { cpus } from 'node:os';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { check, checkParallel, type Checkpoint, type ModelSource, type Stats } from '../../checker/index.js';
import type { Handover } from '../../checker/handover.js';
import { lockCtr, mutualAbort } from '../fixtures/models/index.js';
import { lockSource, summary } from '../helpers/runs.js';



/** A worker started from this fails at once (there is no such module): the search then throws. */
const nowhere: ModelSource = { module: new URL('./no-such-model.js', import.meta.url).href, export: 'none', args: {} };

/**
 * Over as soon as a hundred states are queued (the first slice has run),
 * whatever the machine's load, and the main thread then waits for the
 * workers (warmed up as by default): the switch surely happens mid-search.
 */
const EARLY: Partial<Handover> = { afterMs: 0, minQueued: 100, minIdleCores: 0, aloneMs: 0 };

/** The one-thread result of each LockCtr search these tests run, computed once. */
const oneThread = new Map<string, string>();
function lockOne(n: number, k: number, racyOk: boolean, stopAtFirst = true): string {
  const key = `${n} ${k} ${racyOk} ${stopAtFirst}`;
  if (!oneThread.has(key)) oneThread.set(key, summary(check(lockCtr(n, k, { racyOk }), { stopAtFirst })));
  return oneThread.get(key)!;
}

/** Progress reports before and after the switch (stats.workers says which). */
function progressLog(): { onProgress: (s: Stats) => void; progressEveryMs: number; alone: number; together: number } {
  const log = {
    alone: 0,
    together: 0,
    progressEveryMs: 0,
    onProgress: (s: Stats): void => {
      if (s.workers === undefined) log.alone++;
      else log.together++;
    },
  };
  return log;
}

test('a search that ends below the threshold starts no worker and gives the one-thread result', async () => {
  for (const racyOk of [false, true]) {
    const m = lockCtr(3, 2, { racyOk });
    const r = await checkParallel(m, nowhere, { workers: 2, handover: { afterMs: 60_000, minIdleCores: 0 } });
    assert.is(summary(r), lockOne(3, 2, racyOk));
    assert.is(r.stats.workers, undefined);
  }
});

test('no worker while the machine has no idle core to give it', async () => {
  // Were a worker started, the main thread would wait for it (aloneMs 0) and get its failure.
  const m = lockCtr(2, 4);
  const r = await checkParallel(m, nowhere, { workers: 2, handover: { ...EARLY, minIdleCores: cpus().length + 1 } });
  assert.is(summary(r), lockOne(2, 4, false));
  assert.is(r.stats.workers, undefined);
});

test('crossing the threshold mid-search: the counts, violations and paths of one thread', async () => {
  for (const [racyOk, stopAtFirst] of [[false, true], [true, true], [true, false]] as const) {
    const m = lockCtr(2, 4, { racyOk });
    const log = progressLog();
    const r = await checkParallel(m, lockSource(2, 4, racyOk), { workers: 2, stopAtFirst, handover: EARLY, ...log });
    assert.is(summary(r), lockOne(2, 4, racyOk, stopAtFirst), `racyOk ${racyOk} stopAtFirst ${stopAtFirst}`);
    assert.is(r.stats.workers, 2);
    assert.ok(log.alone > 0 && log.together > 0, `progress alone ${log.alone}, together ${log.together}`);
  }
});

test('the livelock graph recorded partly alone, partly from the workers: the same lasso', async () => {
  const m = mutualAbort(1000);
  const source: ModelSource = { module: new URL('./workerModels.js', import.meta.url).href, export: 'mutualAbortFromArgs', args: { count: 1000 } };
  const log = progressLog();
  const r = await checkParallel(m, source, { workers: 2, handover: { ...EARLY, minQueued: 2 }, ...log });
  const one = check(m);
  assert.is(one.violations[0]?.kind, 'liveness');
  assert.is(summary(r), summary(one));
  assert.ok(log.alone > 0 && log.together > 0, `progress alone ${log.alone}, together ${log.together}`);
});

test('stopped after the switch (Ctrl-C) with batches out, saved and resumed: the one-thread result', async () => {
  const m = lockCtr(2, 4);
  const whole = lockOne(2, 4, false);
  const ac = new AbortController();
  const log = progressLog();
  // A checkpoint's arrays are the live search's (Explorer.checkpoint): the
  // one kept from before the switch is copied, as writing it to a file would.
  let before: Checkpoint | undefined;
  let last: { cp: Checkpoint; together: boolean } | undefined;
  let savesTogether = 0;
  const save = (cp: Checkpoint): void => {
    if (log.together === 0) before ??= structuredClone(cp);
    // Ctrl-C once the workers' batches have been absorbed for a while.
    else if ((cp.header.states as number) > (before!.header.states as number) && ++savesTogether === 3) ac.abort();
    last = { cp, together: log.together > 0 };
  };
  const first = await checkParallel(m, lockSource(2, 4), {
    workers: 2,
    identity: 'x',
    signal: ac.signal,
    checkpoint: { everySeconds: 1e-9, save },
    handover: EARLY,
    ...log,
  });
  assert.is(first.outcome, 'incomplete');
  assert.is(first.stoppedBy, 'interrupted');
  assert.is(first.stats.workers, 2);
  assert.ok(before && last?.together, 'checkpoints from both sides of the switch');
  assert.ok((before.header.states as number) < (last.cp.header.states as number));
  for (const cp of [before, last.cp]) {
    // Resumed on workers (crossing over again), and on one thread.
    const again = await checkParallel(m, lockSource(2, 4), { workers: 2, identity: 'x', resume: cp, handover: EARLY });
    assert.is(summary(again), whole);
    assert.is(summary(check(m, { identity: 'x', resume: cp })), whole);
  }
});

test('Ctrl-C before the switch: no worker, and the checkpoint resumes', async () => {
  const m = lockCtr(3, 2);
  const saved: Checkpoint[] = [];
  const ac = new AbortController();
  const save = (cp: Checkpoint): void => {
    saved.push(cp);
    ac.abort();
  };
  const handover = { afterMs: 60_000, minIdleCores: 0 };
  const first = await checkParallel(m, nowhere, { workers: 2, identity: 'x', signal: ac.signal, checkpoint: { everySeconds: 1e-9, save }, handover });
  assert.is(first.stoppedBy, 'interrupted');
  assert.is(first.stats.workers, undefined);
  const again = await checkParallel(m, lockSource(3, 2), { workers: 2, identity: 'x', resume: saved[saved.length - 1]!, handover: EARLY });
  assert.is(summary(again), lockOne(3, 2, false));
});

test('time and memory limits stop the search on either side of the switch', async () => {
  const m = lockCtr(3, 3);
  const alone = await checkParallel(m, nowhere, { workers: 2, maxSeconds: 0.2, handover: { afterMs: 60_000, minIdleCores: 0 } });
  assert.is(alone.stoppedBy, 'max-seconds');
  assert.is(alone.stats.workers, undefined);
  const together = await checkParallel(m, lockSource(3, 3), { workers: 2, maxSeconds: 1, handover: EARLY });
  assert.is(together.stoppedBy, 'max-seconds');
  assert.is(together.stats.workers, 2);
  const memory = await checkParallel(m, lockSource(3, 3), { workers: 2, maxMemoryMiB: 1, handover: { ...EARLY, minQueued: 0 } });
  assert.is(memory.stoppedBy, 'max-memory');
  assert.is(memory.stats.workers, 2);
});

test.run();
