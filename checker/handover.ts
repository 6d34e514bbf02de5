/**
 * When `check --workers N` hands its frontier to worker threads
 * (parallel.ts), and why then. TODO: measured justification.
 */
import { cpus } from 'node:os';

export interface Handover {
  /** The main thread searches alone at least this long, so that a short search never starts a worker... */
  readonly afterMs: number;
  /** ...and until this many states are queued: a frontier worth cutting into batches for every thread... */
  readonly minQueued: number;
  /**
   * ...and while the machine has at least this many cores idle (cores the
   * search's own threads leave idle, measured since the last look): workers
   * on cores that other processes keep busy only slow the search down.
   */
  readonly minIdleCores: number;
  /**
   * How long the main thread goes on alone once it has started the workers,
   * while they load the model and warm up (Infinity: until one is ready);
   * then it waits for them. Tests set 0 so that the workers surely take over.
   */
  readonly aloneMs: number;
  /** States a worker explores on its own, to warm up its JIT, before it says it is ready (worker.ts). */
  readonly warmStates: number;
  /** The window over which the search's pace (transitions per ms) is measured, alone and with the workers. */
  readonly windowMs: number;
  /** With the workers, a window slower than this times the pace alone sends the search back to one thread... */
  readonly minSpeedup: number;
  /** ...until this many ms later at the earliest (twice as long after each time). */
  readonly retryMs: number;
}

export const HANDOVER: Handover = { afterMs: 8000, minQueued: 1000, minIdleCores: 0.5, aloneMs: Infinity, warmStates: 2000, windowMs: 1000, minSpeedup: 1, retryMs: 2000 };

/**
 * Idle cores of the whole machine (the kernel's per-CPU idle time,
 * /proc/stat on Linux), averaged over the last window of at least
 * WINDOW_MS: the kernel counts it in 10 ms ticks.
 */
export class IdleMeter {
  private at = Date.now();
  private idle = idleMs();
  private cores = 0;

  /** Idle cores over the last whole window (0 before the first). */
  look(): number {
    const now = Date.now();
    if (now - this.at >= WINDOW_MS) {
      const idle = idleMs();
      this.cores = (idle - this.idle) / (now - this.at);
      this.at = now;
      this.idle = idle;
    }
    return this.cores;
  }
}

const WINDOW_MS = 250;

function idleMs(): number {
  let ms = 0;
  for (const c of cpus()) ms += c.times.idle;
  return ms;
}
