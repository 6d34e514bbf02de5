/**
 * `check --workers N`: breadth-first search with the expansion of states
 * spread over worker threads (node:worker_threads), TLC-style, once the
 * search has shown it is big enough to pay for them.
 *
 * It starts as the ordinary one-thread search (Explorer.run in slices, as
 * checkAsync runs it), so a search that ends early runs at exactly the
 * one-thread speed and never starts a worker. Once it has run `afterMs` with
 * a frontier of `minQueued` states (HANDOVER, handover.ts) it starts the
 * workers and goes on alone while they load the model; when one is ready
 * the frontier is handed over.
 *
 * From there the main thread keeps the visited store and the queue of
 * packed states; it cuts the head of the queue into batches, in queue order,
 * and each worker expands its batch (expand.ts) and returns successors as
 * words with their fingerprints. N threads expand: N - 1 workers and the main
 * thread itself, which takes a batch whenever it would otherwise wait. (A
 * main thread that only kept the books left its core mostly idle while N
 * workers shared the others, each warming up its own copy of the model.)
 * Results are absorbed strictly in the order the batches were cut, so states
 * get the same ids in the same order as with one thread: the same distinct
 * counts, the same first violation, the same shortest counterexample. Only
 * the model's `pack`, `unpack` and a module a worker can import
 * (`ModelSource`) are needed; the checker still knows nothing of HMM.
 */
import type { CheckOptions, CheckpointOption } from './explore.js';
import { Explorer } from './explore.js';
import { Expander, Words } from './expand.js';
import { HANDOVER, IdleMeter, type Handover } from './handover.js';
import type { Model } from './model.js';
import type { CheckResult, Stats } from './result.js';
import { WorkerPool } from './workerPool.js';

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
  /** When the workers take over (default HANDOVER); tests set it low. */
  readonly handover?: Partial<Handover>;
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
  const search = new Search(ex, model, source, options);
  const onAbort = (): void => ex.interrupt();
  options.signal?.addEventListener('abort', onAbort);
  try {
    if (options.signal?.aborted) ex.interrupt();
    if (await search.alone()) await search.together();
    ex.settle();
    search.saveIfResumable();
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await search.close();
  }
  const r = ex.result();
  return search.handedOver ? { ...r, stats: { ...r.stats, workers: options.workers } as Stats } : r;
}

const NO_RECORDS = new Int32Array(0);

class Search<S, A> {
  /** Set once the frontier went to the workers: the result then says how many threads expanded. */
  handedOver = false;
  private pool: WorkerPool | undefined;
  private readonly when: Handover;
  private readonly maxDepth: number;
  private readonly cp: CheckpointOption | undefined;
  private lastSave = Date.now();
  /** Batches out, in the order they were cut; absorbed from the front only. */
  private pending: Pending[] = [];
  private readonly jobs = new Map<number, Pending>();

  constructor(
    private readonly ex: Explorer<S, A>,
    private readonly model: Model<S, A>,
    private readonly source: ModelSource,
    private readonly options: ParallelOptions<S>,
  ) {
    this.when = { ...HANDOVER, ...options.handover };
    this.maxDepth = options.maxDepth ?? Infinity;
    this.cp = options.checkpoint;
  }

  /**
   * The one-thread search, in slices, until it ends or a worker is ready to
   * take over (true). The workers are started once the search has run
   * `afterMs` with `minQueued` states queued; the main thread goes on alone
   * for up to `aloneMs` while they load the model, then waits for them.
   */
  async alone(): Promise<boolean> {
    const { ex, when } = this;
    const t0 = Date.now();
    const meter = when.minIdleCores > 0 ? new IdleMeter() : undefined;
    let poolAt = 0;
    while (!ex.done) {
      const elapsed = Date.now() - t0;
      if (
        !this.pool &&
        this.options.workers > 1 &&
        elapsed >= when.afterMs &&
        ex.queuedCount >= when.minQueued &&
        (meter === undefined || meter.look() >= when.minIdleCores)
      ) {
        this.pool = new WorkerPool(this.options.workers - 1, this.source, this.maxDepth, when.warmStates, (d) => {
          const p = this.jobs.get(d.job)!;
          this.jobs.delete(d.job);
          p.out = d.out;
          p.len = d.len;
          p.input = d.input;
        });
        poolAt = Date.now();
      }
      if (this.pool) {
        if (this.pool.failure) throw this.pool.failure;
        if (this.pool.ready) return true;
        if (Date.now() - poolAt >= when.aloneMs) {
          // The time limit and Ctrl-C still hold (memory is checked where it grows).
          await this.pool.wait(200);
          ex.checkDeadline();
          continue;
        }
      }
      // Slices as checkAsync's until `afterMs`, then short ones, so that a
      // frontier grown large enough, idle cores or a ready worker are seen
      // at once (a slice ends at a time check every 256 states).
      const slice = elapsed < when.afterMs ? Math.min(100, when.afterMs - elapsed) : 10;
      if (ex.run(slice)) break;
      this.savePeriodically();
      await new Promise((r) => setImmediate(r));
    }
    return false;
  }

  /** The search on N threads, from the frontier the main thread built alone, to the end. */
  async together(): Promise<void> {
    const { ex, options } = this;
    const pool = this.pool!;
    this.handedOver = true;
    const local = new Expander(this.model, this.maxDepth, (hi, lo) => ex.stored(hi, lo));
    const keep = this.cp !== undefined;
    const spareIn: Int32Array[] = [];
    const spareOut: Int32Array[] = [];
    let nextJob = 0;
    let lastProgress = Date.now();
    // Batches sized to the queue: large enough to amortise a message, small
    // enough that all threads get some.
    const batchSize = (): number => Math.max(8, Math.min(4096, Math.ceil(ex.queuedCount / (2 * options.workers))));
    const pending = this.pending;
    while (true) {
      if (pool.failure) throw pool.failure;
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
        options.onProgress({ ...ex.stats(), workers: options.workers });
      }
      if (ex.done) break;
      this.savePeriodically();
      // Keep every worker busy.
      while (pool.idle.length > 0) {
        if (ex.queuedCount === 0) break;
        const input = new Words(spareIn.pop());
        const k = ex.takeBatch(batchSize(), input);
        if (k === 0) break;
        const job = nextJob++;
        const p: Pending = { records: keep ? input.buf.slice(0, input.n) : NO_RECORDS };
        pending.push(p);
        this.jobs.set(job, p);
        pool.send(job, input.buf, input.n, spareOut.pop());
      }
      if (ex.queuedCount > 0 && (pending.length === 0 || pending[0]!.out === undefined)) {
        // Rather than wait for the front batch, expand the next one here;
        // then let the workers' messages in.
        const input = new Words(spareIn.pop());
        ex.takeBatch(batchSize(), input);
        const out = new Words(spareOut.pop());
        local.expand(input.buf, input.n, out);
        pending.push({ records: keep ? input.buf.slice(0, input.n) : NO_RECORDS, out: out.buf, len: out.n, input: input.buf });
        await new Promise<void>((r) => setImmediate(r));
        continue;
      }
      if (pending.length === 0) {
        ex.settle();
        if (ex.done) break;
        continue;
      }
      if (pending[0]!.out === undefined) await pool.wait(200);
    }
  }

  /** A checkpoint every `everySeconds`, batches out on workers included. */
  private savePeriodically(): void {
    if (this.cp && Date.now() - this.lastSave >= this.cp.everySeconds * 1000) {
      this.cp.save(this.ex.checkpoint(this.pendingRecords()));
      this.lastSave = Date.now();
    }
  }

  /** The last checkpoint, when the search stopped where it can go on. */
  saveIfResumable(): void {
    if (this.cp && this.ex.resumable) this.cp.save(this.ex.checkpoint(this.pendingRecords()));
  }

  /** The records of batches not yet absorbed, in order (their results are dropped on a stop). */
  private pendingRecords(): Int32Array[] {
    return this.pending.map((p) => p.records);
  }

  async close(): Promise<void> {
    await this.pool?.close();
  }
}
