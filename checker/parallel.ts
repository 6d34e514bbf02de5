/**
 * `check --workers N`: breadth-first search with the expansion of states
 * spread over worker threads (node:worker_threads), TLC-style.
 *
 * The main thread keeps the visited store and the queue of packed states;
 * it cuts the head of the queue into batches, in queue order, and each worker
 * expands its batch (expand.ts) and returns successors as words with their
 * fingerprints. Results are absorbed strictly in the order the batches were
 * cut, so states get the same ids in the same order as with one thread:
 * the same distinct counts, the same first violation, the same shortest
 * counterexample. Only the model's `pack`, `unpack` and a module a worker can
 * import (`ModelSource`) are needed; the checker still knows nothing of HMM.
 */
import { Worker } from 'node:worker_threads';
import type { CheckOptions, CheckpointOption } from './explore.js';
import { Explorer } from './explore.js';
import { Words } from './expand.js';
import type { Model } from './model.js';
import type { CheckResult, Stats } from './result.js';

/** Where a worker finds the model: `(await import(module))[exportName](args)`. */
export interface ModelSource {
  /** A file: URL (or a path a worker can import) of an ES module. */
  readonly module: string;
  readonly export: string;
  /** Structured-cloneable arguments of that factory. */
  readonly args: unknown;
}

export interface ParallelOptions<S> extends CheckOptions<S> {
  readonly workers: number;
  readonly signal?: AbortSignal;
  readonly checkpoint?: CheckpointOption;
}

interface Pending {
  /**
   * A copy of the batch's records, kept only when checkpointing: a
   * checkpoint puts them back in the queue if the batch is not absorbed.
   */
  readonly records: Int32Array;
  out?: Int32Array;
  len?: number;
  /** The batch's input buffer, back from the worker: reused for a later batch. */
  input?: Int32Array;
}

export async function checkParallel<S, A>(
  model: Model<S, A>,
  source: ModelSource,
  options: ParallelOptions<S>,
): Promise<CheckResult<S, A>> {
  if (!model.pack || !model.unpack) throw new Error('checkParallel: the model must pack and unpack states');
  if ((options.strategy ?? 'bfs') !== 'bfs') throw new Error('checkParallel: only breadth-first search runs on workers');
  // The main thread records the progress graph from what the workers report (expand.ts).
  const ex = new Explorer(model, options);
  const maxDepth = options.maxDepth ?? Infinity;
  const workers = Array.from(
    { length: options.workers },
    () => new Worker(new URL('./worker.js', import.meta.url), { workerData: { source, maxDepth } }),
  );
  const onAbort = (): void => ex.interrupt();
  options.signal?.addEventListener('abort', onAbort);
  let lastProgress = Date.now();
  const cp = options.checkpoint;
  let lastSave = Date.now();
  let pending: Pending[] = [];
  try {
    await Promise.all(workers.map((w) => once(w, (m) => (m as { ready?: boolean }).ready === true)));
    // Batches out, in the order they were cut; absorbed from the front only.
    pending = [];
    const idle: Worker[] = [...workers];
    let wake: (() => void) | undefined;
    let failure: unknown;
    workers.forEach((w) => {
      w.on('message', (m: { job: number; out: Int32Array; len: number; input: Int32Array }) => {
        const p = jobs.get(m.job)!;
        jobs.delete(m.job);
        p.out = m.out;
        p.len = m.len;
        p.input = m.input;
        idle.push(w);
        wake?.();
      });
      w.on('error', (e) => {
        failure = e;
        wake?.();
      });
    });
    const jobs = new Map<number, Pending>();
    const spareIn: Int32Array[] = [];
    const spareOut: Int32Array[] = [];
    let nextJob = 0;
    while (true) {
      if (failure) throw failure;
      // Absorb finished batches at the front, in order.
      while (pending.length > 0 && pending[0]!.out !== undefined && !ex.done) {
        const p = pending.shift()!;
        ex.absorb(p.out!, p.len!);
        spareOut.push(p.out!);
        spareIn.push(p.input!);
      }
      ex.checkDeadline();
      ex.checkMemory();
      if (options.onProgress && Date.now() - lastProgress >= (options.progressEveryMs ?? 2000)) {
        lastProgress = Date.now();
        options.onProgress(ex.stats());
      }
      if (ex.done) break;
      if (cp && Date.now() - lastSave >= cp.everySeconds * 1000) {
        cp.save(ex.checkpoint(pendingRecords(pending)));
        lastSave = Date.now();
      }
      // Keep every worker busy with a batch sized to the queue: large enough
      // to amortise a message, small enough that all workers get some.
      while (idle.length > 0) {
        const queued = ex.queuedCount;
        if (queued === 0) break;
        const size = Math.max(8, Math.min(4096, Math.ceil(queued / (2 * workers.length))));
        const input = new Words(spareIn.pop());
        const k = ex.takeBatch(size, input);
        if (k === 0) break;
        const w = idle.pop()!;
        const job = nextJob++;
        const p: Pending = { records: cp ? input.buf.slice(0, input.n) : NO_RECORDS };
        pending.push(p);
        jobs.set(job, p);
        const spare = spareOut.pop();
        w.postMessage({ job, input: input.buf, len: input.n, spare }, (spare ? [input.buf.buffer, spare.buffer] : [input.buf.buffer]) as ArrayBuffer[]);
      }
      if (pending.length === 0) {
        ex.settle();
        if (ex.done) break;
        continue;
      }
      if (pending[0]!.out === undefined) {
        await new Promise<void>((r) => {
          wake = r;
          // Ctrl-C or the time limit must not wait for a slow batch forever.
          setTimeout(r, 200);
        });
        wake = undefined;
      }
    }
    ex.settle();
    if (cp && ex.resumable) cp.save(ex.checkpoint(pendingRecords(pending)));
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await Promise.all(workers.map((w) => w.terminate()));
  }
  const r = ex.result();
  return { ...r, stats: { ...r.stats, workers: options.workers } as Stats };
}

const NO_RECORDS = new Int32Array(0);

/** The records of batches not yet absorbed, in order (their results are dropped on a stop). */
function pendingRecords(pending: readonly Pending[]): Int32Array[] {
  return pending.map((p) => p.records);
}

function once(w: Worker, match: (m: unknown) => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMsg = (m: unknown): void => {
      if (!match(m)) return;
      w.off('message', onMsg);
      w.off('error', reject);
      resolve();
    };
    w.on('message', onMsg);
    w.once('error', reject);
    w.once('exit', (code) => reject(new Error(`worker exited with code ${code} before it was ready`)));
  });
}
