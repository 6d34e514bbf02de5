/**
 * The worker threads of `check --workers N` (worker.ts), seen from the main
 * thread: which are ready for a batch, what came back, and whether one
 * failed. parallel.ts decides when to start them and what to send.
 */
import { Worker } from 'node:worker_threads';
import type { ModelSource } from './parallel.js';

/** What a worker sends back for a batch (worker.ts). */
export interface Done {
  readonly job: number;
  readonly out: Int32Array;
  readonly len: number;
  /** The batch's input buffer, back from the worker: reused for a later batch. */
  readonly input: Int32Array;
}

export class WorkerPool {
  /**
   * Workers that can take a batch now. A ready worker is listed twice: it
   * has two batches at a time, so that the next is there when it finishes
   * one, even while the main thread is busy with its own.
   */
  readonly idle: Worker[] = [];
  /** A worker's error, or its exit in the middle of the search. */
  failure: unknown;
  /** True once some worker has loaded the model and can take batches. */
  ready = false;
  private readonly workers: Worker[];
  private wake: (() => void) | undefined;
  private closing = false;

  constructor(count: number, source: ModelSource, maxDepth: number, warmStates: number, onDone: (d: Done) => void) {
    const workerData = { source, maxDepth, warmStates };
    this.workers = Array.from({ length: count }, () => new Worker(new URL('./worker.js', import.meta.url), { workerData }));
    for (const w of this.workers) {
      w.on('message', (m: Done & { ready?: true }) => {
        if (m.ready) {
          this.ready = true;
          this.idle.push(w, w);
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
    w.postMessage({ job, input, len, spare }, (spare ? [input.buffer, spare.buffer] : [input.buffer]) as ArrayBuffer[]);
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
