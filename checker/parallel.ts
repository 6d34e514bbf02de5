/**
 * `check --workers N`: breadth-first search with the expansion of states
 * spread over worker threads (node:worker_threads), TLC-style.
 *
 * The main thread keeps the visited store and the queue of packed states;
 * it cuts the head of the queue into batches, in queue order, and each worker
 * expands its batch (expand.ts) and returns successors as words with their
 * fingerprints. N threads expand: N - 1 workers and the main thread itself,
 * which takes a batch whenever it would otherwise wait. (A main thread that
 * only kept the books left its core mostly idle while N workers shared the
 * others, each warming up its own copy of the model.) Results are absorbed
 * strictly in the order the batches were cut, so states get the same ids in
 * the same order as with one thread: the same distinct counts, the same
 * first violation, the same shortest counterexample. Only the model's `pack`, `unpack` and a module a worker can
 * import (`ModelSource`) are needed; the checker still knows nothing of HMM.
 */
import { Worker } from 'node:worker_threads';
import type { CheckOptions, CheckpointOption } from './explore.js';
import { Explorer } from './explore.js';
import { Expander, Words } from './expand.js';
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
  const local = new Expander(model, maxDepth, (hi, lo) => ex.stored(hi, lo));
  const workers = Array.from(
    { length: options.workers - 1 },
    () => new Worker(new URL('./worker.js', import.meta.url), { workerData: { source, maxDepth } }),
  );
  const onAbort = (): void => ex.interrupt();
  options.signal?.addEventListener('abort', onAbort);
  let lastProgress = Date.now();
  const cp = options.checkpoint;
  let lastSave = Date.now();
  let pending: Pending[] = [];
  let closing = false;
  try {
    // Batches out, in the order they were cut; absorbed from the front only.
    pending = [];
    // A worker gets batches once it is ready (the main thread expands
    // meanwhile), two at a time: the next is there when it finishes one,
    // even while the main thread is busy expanding its own.
    const idle: Worker[] = [];
    let wake: (() => void) | undefined;
    let failure: unknown;
    workers.forEach((w) => {
      w.on('message', (m: { ready?: true; job: number; out: Int32Array; len: number; input: Int32Array }) => {
        if (m.ready) {
          idle.push(w, w);
          return;
        }
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
      w.on('exit', (code) => {
        if (closing) return;
        failure ??= new Error(`a worker exited with code ${code} in the middle of the search`);
        wake?.();
      });
    });
    const jobs = new Map<number, Pending>();
    const spareIn: Int32Array[] = [];
    const spareOut: Int32Array[] = [];
    let nextJob = 0;
    // Batches sized to the queue: large enough to amortise a message, small
    // enough that all threads get some.
    const batchSize = (): number => Math.max(8, Math.min(4096, Math.ceil(ex.queuedCount / (2 * options.workers))));
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
      // Keep every worker busy.
      while (idle.length > 0) {
        if (ex.queuedCount === 0) break;
        const size = batchSize();
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
      if (ex.queuedCount > 0 && (pending.length === 0 || pending[0]!.out === undefined)) {
        // Rather than wait for the front batch, expand the next one here;
        // then let the workers' messages in.
        const input = new Words(spareIn.pop());
        ex.takeBatch(batchSize(), input);
        const out = new Words(spareOut.pop());
        local.expand(input.buf, input.n, out);
        pending.push({ records: cp ? input.buf.slice(0, input.n) : NO_RECORDS, out: out.buf, len: out.n, input: input.buf });
        await new Promise<void>((r) => setImmediate(r));
        continue;
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
    closing = true;
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
