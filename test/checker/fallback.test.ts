/**
 * When the workers fall behind (the machine's other work leaves them too
 * little), `--workers N` does not wait for them: the main thread takes back
 * the batches a worker has not started (workerPool.ts), and a search on
 * workers slower than one thread goes back to one thread and tries the
 * workers again later (checker/parallel.ts). Either way the result is the
 * one-thread result.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { check, checkParallel, type ModelSource, type Stats } from '../../checker/index.js';
import { Words } from '../../checker/expand.js';
import type { Handover } from '../../checker/handover.js';
import { WorkerPool, type Done } from '../../checker/workerPool.js';
import { lockCtr } from '../fixtures/models/index.js';
import { lockSource, summary } from '../helpers/runs.js';


const workerModels = new URL('./workerModels.js', import.meta.url).href;

/** Workers as soon as a hundred states are queued, whatever the machine's load (handover.test.ts). */
const EARLY: Partial<Handover> = { afterMs: 0, minQueued: 100, minIdleCores: 0, aloneMs: 0 };

/** How often the search changed sides, from progress reports (stats.workers is set while the workers have it). */
function switchCounter(): { onProgress: (s: Stats) => void; progressEveryMs: number; switches: number } {
  let side: boolean | undefined;
  const log = {
    switches: 0,
    progressEveryMs: 0,
    onProgress: (s: Stats): void => {
      const together = s.workers !== undefined;
      if (side !== undefined && side !== together) log.switches++;
      side = together;
    },
  };
  return log;
}

test('workers that fall behind one thread hand the search back, and take it again later: the one-thread result', async () => {
  // Every window of 10 ms counts as too slow: the search changes sides again and again.
  const handover = { ...EARLY, windowMs: 10, minSpeedup: Infinity, retryMs: 10 };
  for (const [racyOk, stopAtFirst] of [[false, true], [true, false]] as const) {
    const m = lockCtr(3, 2, { racyOk });
    const source = lockSource(3, 2, racyOk);
    const log = switchCounter();
    const r = await checkParallel(m, source, { workers: 2, stopAtFirst, handover, ...log });
    assert.is(summary(r), summary(check(m, { stopAtFirst })));
    assert.ok(log.switches >= 3, `${log.switches} switches`);
  }
});

test('a worker the machine keeps waiting: the main thread takes back its batches not started, with the same result', async () => {
  const m = lockCtr(2, 4);
  const source: ModelSource = { module: workerModels, export: 'slowLockCtrFromArgs', args: { n: 2, k: 4, delayMs: 0.05 } };
  // Never back to one thread: the workers stay, however slow.
  const r = await checkParallel(m, source, { workers: 2, handover: { ...EARLY, warmStates: 0, minSpeedup: 0 } });
  assert.is(summary(r), summary(check(m)));
  assert.is(r.stats.workers, 2);
});

test('a batch taken back before its worker starts it comes back unexpanded; one started cannot be taken back', async () => {
  const m = lockCtr(2, 1);
  const source: ModelSource = { module: workerModels, export: 'slowLockCtrFromArgs', args: { n: 2, k: 1, delayMs: 100 } };
  const done: Done[] = [];
  const pool = new WorkerPool(1, source, Infinity, 0, (d) => done.push(d));
  try {
    const until = async (done: () => boolean): Promise<void> => {
      while (!done()) {
        if (pool.failure) throw pool.failure;
        await pool.wait(50);
      }
    };
    await until(() => pool.ready);
    const words = new Int32Array(64);
    const n = m.pack!(m.initialStates()[0]!, words);
    const batch = (): Words => {
      const b = new Words(new Int32Array(64));
      for (const x of [0, 0, n, ...words.subarray(0, n)]) b.push(x);
      return b;
    };
    for (const job of [0, 1, 2]) {
      const b = batch();
      pool.send(job, b.buf, b.n, undefined);
    }
    // The worker spends 100 ms on job 0 first: job 1 is not started yet.
    assert.ok(pool.takeBack(1));
    await until(() => done.length === 3);
    assert.equal(
      done.map((d) => [d.job, d.out !== undefined]),
      [
        [0, true],
        [1, false],
        [2, true],
      ],
    );
    assert.not.ok(pool.takeBack(0), 'expanded by its worker');
    assert.not.ok(pool.takeBack(1), 'taken back once');
  } finally {
    await pool.close();
  }
});

test.run();
