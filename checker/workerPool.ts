/**
 * The worker threads of `check --workers N` (worker.ts), seen from the main
 * thread: which can take a batch, what came back, whether one failed, and
 * which batches sent are not started yet (the main thread may take one back
 * and expand it itself). parallel.ts decides when to start them and what to
 * send.
 */
import { Worker } from 'node:worker_threads';
import type { ModelSource } from './parallel.js';

/** What a worker sends back for a batch (worker.ts). */
export interface Done {
  readonly job: number;
  /** Absent when the main thread took the batch back before the worker started it: `spare` then comes back unused. */
  readonly out?: Int32Array;
  readonly len?: number;
  readonly spare?: Int32Array;
  /** The batch's input buffer, back from the worker: reused for a later batch. */
  readonly input: Int32Array;
}

/**
 * Batches a worker holds at once: the next ones are there when it finishes
 * one, even while the main thread is busy with its own, and the main thread
 * takes back those not started when it would otherwise wait.
 */
const DEPTH = 3;

/** Claim slots, one per batch out (job modulo RING): far more than workers x DEPTH. */
const RING = 4096;

export class WorkerPool {
  /** Workers that can take a batch now, once per batch they can take. */
  readonly idle: Worker[] = [];
  /** A worker's error, or its exit in the middle of the search. */
  failure: unknown;
  /** True once some worker has loaded the model and can take batches. */
  ready = false;
  private readonly workers: Worker[];
  /**
   * Per batch out, who has it: job + 1 while nobody started it, -(job + 1)
   * once its worker did, 0 once the main thread took it back. Shared with
   * the workers, changed only by compare-and-exchange, so that exactly one
   * thread expands a batch.
   */
  private readonly claims = new Int32Array(new SharedArrayBuffer(4 * RING));
  private wake: (() => void) | undefined;
  private closing = false;

  constructor(count: number, source: ModelSource, maxDepth: number, warmStates: number, onDone: (d: Done) => void) {
    const workerData = { source, maxDepth, warmStates, claims: this.claims };
    this.workers = Array.from({ length: count }, () => new Worker(new URL('./worker.js', import.meta.url), { workerData }));
    for (const w of this.workers) {
      w.on('message', (m: Done & { ready?: true }) => {
        if (m.ready) {
          this.ready = true;
          for (let i = 0; i < DEPTH; i++) this.idle.push(w);
        } else {
          onDone(m);
          this.idle.push(w);
        }
        this.wake?.();
      });
      w.on('error', (e) => {
        this.failure ??= e;
        this.wake?.();
      });
      w.on('exit', (code) => {
        if (this.closing) return;
        this.failure ??= new Error(`a worker exited with code ${code} in the middle of the search`);
        this.wake?.();
      });
    }
  }

  /** Sends a batch to an idle worker, transferring its buffers. */
  send(job: number, input: Int32Array, len: number, spare: Int32Array | undefined): void {
    const w = this.idle.pop()!;
    Atomics.store(this.claims, job % RING, job + 1);
    w.postMessage({ job, input, len, spare }, (spare ? [input.buffer, spare.buffer] : [input.buffer]) as ArrayBuffer[]);
  }

  /** Takes a batch back from its worker; false once the worker has started it. */
  takeBack(job: number): boolean {
    return Atomics.compareExchange(this.claims, job % RING, job + 1, 0) === job + 1;
  }

  /** Until a worker reports (a result, readiness, a failure) or `ms` pass: Ctrl-C and time limits must not wait for a slow batch. */
  async wait(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((r) => {
      this.wake = r;
      timer = setTimeout(r, ms);
    });
    clearTimeout(timer);
    this.wake = undefined;
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
