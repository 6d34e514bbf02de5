/**
 * `check --workers N`: breadth-first search with the expansion of states
 * spread over worker threads (node:worker_threads), TLC-style, once the
 * search has shown it is big enough to pay for them.
 *
 * It starts as the ordinary one-thread search (Explorer.run in slices, as
 * checkAsync runs it), so a search that ends early runs at exactly the
 * one-thread speed and never starts a worker. Once it has run long enough,
 * with a frontier to share and idle cores for the workers (HANDOVER,
 * handover.ts, has the measurements), it starts them and goes on alone
 * while they load the model and warm up; when one is ready the frontier is
 * handed over. Should the workers then fall behind one thread (other work
 * on the machine), the search finishes the batches out and goes on alone,
 * and tries the workers again later: between batches the Explorer is the
 * same either way.
 *
 * From there the main thread keeps the visited store and the queue of
 * packed states; it cuts the head of the queue into batches, in queue order,
 * and each worker expands its batch (expand.ts) and returns successors as
 * words with their fingerprints. N threads expand: N - 1 workers and the main
 * thread itself, which takes a batch whenever it would otherwise wait, or
 * takes back one a worker has not started (workerPool.ts). (A main thread
 * that only kept the books left its core mostly idle while N workers shared
 * the others, each warming up its own copy of the model.)
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
import { WorkerPool, type Done } from './workerPool.js';

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
   * A copy of the batch's records: a checkpoint puts them back in the queue
   * if the batch is not absorbed, and this thread expands them if it takes
   * the batch back from its worker. (Empty for a batch expanded here when
   * no checkpoint is kept.)
   */
  readonly records: Int32Array;
  /** Set for a batch sent to a worker. */
  readonly job?: number;
  out?: Int32Array;
  len?: number;
  /** The input buffer of a batch expanded here: reused for a later batch. */
  readonly input?: Int32Array;
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
    while ((await search.alone()) && !(await search.together()));
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

const nextTick = (): Promise<void> => new Promise<void>((r) => setImmediate(r));

class Search<S, A> {
  /** Set once the frontier went to the workers: the result then says how many threads expanded. */
  handedOver = false;
  private pool: WorkerPool | undefined;
  private readonly when: Handover;
  private readonly maxDepth: number;
  private readonly cp: CheckpointOption | undefined;
  private lastSave = Date.now();
  private readonly started = Date.now();
  private readonly idle: IdleMeter | undefined;
  /** The one-thread search's pace (transitions per ms) when the workers last took over. */
  private alonePace = 0;
  /** After the workers fell behind one thread: not before this time again (counted from the return to one thread), and the wait doubles each time. */
  private retryAt = 0;
  private retryMs: number;
  /** Batches out, in the order they were cut; absorbed from the front only. */
  private readonly pending: Pending[] = [];
  private readonly jobs = new Map<number, Pending>();
  private nextJob = 0;
  /** Buffers back from the workers, reused for later batches. */
  private readonly spareIn: Int32Array[] = [];
  private readonly spareOut: Int32Array[] = [];

  constructor(
    private readonly ex: Explorer<S, A>,
    private readonly model: Model<S, A>,
    private readonly source: ModelSource,
    private readonly options: ParallelOptions<S>,
  ) {
    this.when = { ...HANDOVER, ...options.handover };
    this.maxDepth = options.maxDepth ?? Infinity;
    this.cp = options.checkpoint;
    this.idle = this.when.minIdleCores > 0 ? new IdleMeter() : undefined;
    this.retryMs = this.when.retryMs;
  }

  /**
   * The one-thread search, in slices, until it ends (false) or the workers
   * are to take over (true). They are started once the search has run
   * `afterMs` with `minQueued` states queued and `minIdleCores` idle; the
   * main thread goes on alone for up to `aloneMs` while they load the model
   * and warm up, then waits for them. After they fell behind (together),
   * they take over again once the same holds and `retryAt` has passed.
   */
  async alone(): Promise<boolean> {
    const { ex, when } = this;
    const pace = new Pace(ex, when.windowMs);
    /** When this call started the workers (0: it did not). */
    let startedAt = 0;
    while (!ex.done) {
      const now = Date.now();
      const elapsed = now - this.started;
      // Looked at on every slice, so that the window is of this search alone.
      const idleCores = this.idle?.look() ?? Infinity;
      const worth =
        this.options.workers > 1 &&
        elapsed >= when.afterMs &&
        now >= this.retryAt &&
        ex.queuedCount >= when.minQueued &&
        idleCores >= when.minIdleCores;
      if (this.pool?.failure) throw this.pool.failure;
      if (!this.pool) {
        if (worth) {
          this.pool = new WorkerPool(this.options.workers - 1, this.source, this.maxDepth, when.warmStates, (d) => this.done(d));
          startedAt = now;
          // Measured before the workers' warm-up takes a share of the machine.
          this.alonePace = pace.perMs();
          continue;
        }
      } else if (this.pool.ready) {
        // Warmed up just now, or idle since they fell behind and worth a try
        // again, once the pace alone is measured afresh.
        if (startedAt > 0) return true;
        if (worth && pace.measured) {
          this.alonePace = pace.perMs();
          return true;
        }
      } else if (now - startedAt >= when.aloneMs) {
        // The time limit and Ctrl-C still hold (memory is checked where it grows).
        await this.pool.wait(200);
        ex.checkDeadline();
        continue;
      }
      // Slices as checkAsync's until `afterMs`, then short ones, so that a
      // frontier grown large enough, idle cores or a ready worker are seen
      // at once (a slice ends at a time check every 256 states).
      const slice = elapsed < when.afterMs ? Math.min(100, when.afterMs - elapsed) : 10;
      if (ex.run(slice)) break;
      pace.note();
      this.savePeriodically();
      await nextTick();
    }
    return false;
  }

  /**
   * The search on N threads, from the frontier the main thread built alone,
   * to the end (true), or until a window of `windowMs` went slower than
   * `minSpeedup` times the pace alone (the machine's other work leaves the
   * workers too little): then the batches out are finished and absorbed, and
   * the main thread goes on alone (false).
   */
  async together(): Promise<boolean> {
    const { ex, options, pending, when } = this;
    const pool = this.pool!;
    this.handedOver = true;
    const local = new Expander(this.model, this.maxDepth, (hi, lo) => ex.stored(hi, lo));
    const keep = this.cp !== undefined;
    let lastProgress = Date.now();
    let falling = false;
    let windows = 0;
    const pace = new Pace(ex, when.windowMs);
    // Batches sized to the queue: large enough to amortise a message, small
    // enough that all threads get some.
    const batchSize = (): number => Math.max(8, Math.min(4096, Math.ceil(ex.queuedCount / (2 * options.workers))));
    /** Expands a batch on this thread: its result goes in `p`. */
    const expandHere = (p: Pending, records: Int32Array, len: number): void => {
      const out = new Words(this.spareOut.pop());
      local.expand(records, len, out);
      p.out = out.buf;
      p.len = out.n;
    };
    while (true) {
      if (pool.failure) throw pool.failure;
      // Absorb finished batches at the front, in order.
      while (pending.length > 0 && pending[0]!.out !== undefined && !ex.done) {
        const p = pending.shift()!;
        ex.absorb(p.out!, p.len!);
        this.spareOut.push(p.out!);
        if (p.input) this.spareIn.push(p.input);
      }
      ex.checkDeadline();
      ex.checkMemory();
      if (options.onProgress && Date.now() - lastProgress >= (options.progressEveryMs ?? 2000)) {
        lastProgress = Date.now();
        options.onProgress({ ...ex.stats(), workers: options.workers });
      }
      if (ex.done) return true;
      if (falling && pending.length === 0) {
        // Counted from now: the batches out may have taken a while.
        this.retryAt = Date.now() + this.retryMs;
        this.retryMs *= 2;
        return false;
      }
      this.savePeriodically();
      // Judged from the third window on: in the first two the main thread's
      // share of the work (expand.ts, absorb) is still being compiled.
      if (!falling && pace.note() && windows++ > 1 && pace.perMs() < when.minSpeedup * this.alonePace) falling = true;
      // Keep every worker busy. A batch's records are kept: for a
      // checkpoint, and for this thread to expand should it take it back.
      while (!falling && pool.idle.length > 0) {
        if (ex.queuedCount === 0) break;
        const input = new Words(this.spareIn.pop());
        const k = ex.takeBatch(batchSize(), input);
        if (k === 0) break;
        const job = this.nextJob++;
        const p: Pending = { records: input.buf.slice(0, input.n), job };
        pending.push(p);
        this.jobs.set(job, p);
        pool.send(job, input.buf, input.n, this.spareOut.pop());
      }
      if (pending.length === 0 || pending[0]!.out === undefined) {
        // Rather than wait for the front batch: expand the next one here
        // (not when falling back: the queue is for one thread then), or
        // take back the first batch no worker has started (a worker the
        // machine keeps waiting must not hold the search up); then let the
        // workers' messages in.
        if (!falling && ex.queuedCount > 0) {
          const input = new Words(this.spareIn.pop());
          ex.takeBatch(batchSize(), input);
          const p: Pending = { records: keep ? input.buf.slice(0, input.n) : NO_RECORDS, input: input.buf };
          expandHere(p, input.buf, input.n);
          pending.push(p);
          await nextTick();
          continue;
        }
        const back = pending.find((p) => p.out === undefined && p.job !== undefined && pool.takeBack(p.job));
        if (back) {
          expandHere(back, back.records, back.records.length);
          await nextTick();
          continue;
        }
      }
      if (pending.length === 0) {
        ex.settle();
        if (ex.done) return true;
        continue;
      }
      if (pending[0]!.out === undefined) await pool.wait(200);
    }
  }

  /** A worker's result: into its batch, unless this thread took the batch back (then only the buffers are kept). */
  private done(d: Done): void {
    const p = this.jobs.get(d.job)!;
    this.jobs.delete(d.job);
    this.spareIn.push(d.input);
    if (d.out === undefined) {
      if (d.spare) this.spareOut.push(d.spare);
      return;
    }
    p.out = d.out;
    p.len = d.len;
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

/** A search's pace: transitions per ms over the last window of about `windowMs`. */
class Pace {
  private at = Date.now();
  private transitions: number;
  private last = 0;

  constructor(
    private readonly ex: { stats(): Stats },
    private readonly windowMs: number,
  ) {
    this.transitions = ex.stats().transitions;
  }

  /** Ends the current window if it is long enough (true), and starts the next. */
  note(): boolean {
    const now = Date.now();
    if (now - this.at < this.windowMs) return false;
    const t = this.ex.stats().transitions;
    this.last = (t - this.transitions) / (now - this.at);
    this.at = now;
    this.transitions = t;
    return true;
  }

  /** True once a whole window has been measured. */
  get measured(): boolean {
    return this.last > 0;
  }

  /** The pace over the last whole window, or since the start when there was none. */
  perMs(): number {
    if (this.last > 0) return this.last;
    const now = Date.now();
    return now > this.at ? (this.ex.stats().transitions - this.transitions) / (now - this.at) : 0;
  }
}
