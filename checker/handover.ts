/**
 * When `check --workers N` hands its frontier to worker threads
 * (parallel.ts), and why then: measured on this project's machine (2 vCPUs
 * shared with other engineers' runs, Node 20), from timelines (transitions
 * done against time) of each run and of a one-thread run taken right
 * before or after it, in spells when the machine was otherwise idle.
 *
 * What the workers gain, once going: two threads do 380,000 to 470,000
 * transitions/s on fork and on the two-page small where one does 230,000
 * to 280,000, about 1.5 times (the two-page small, 3,231,891 states: 34.6
 * to 40.6 s on one thread, 24.6 to 28.6 s with these settings, handed
 * over at 8.5 s, 1.34 to 1.56 times one thread; the bench's bound, two
 * one-thread searches in two processes at once, measured 1.1 to 1.6 times
 * one alone).
 *
 * What starting them costs: a worker loads the model in about 0.1 s, then
 * compiles it (`warmStates` of its own: 2,000 take about 0.5 s; 20,000
 * took 0.9 to 1.3 s for the same pace after), and the main thread's share
 * (expand.ts, absorb) compiles in the first second after the handover.
 * Meanwhile the main thread runs at about half its speed: the compilers
 * and the worker take the second vCPU and part of the first. On fork
 * (spawned at 0.5 s, 1.21 to 1.23 times one thread in the end) the search
 * was 0.4 to 0.5 s behind one thread about 0.7 s after the workers
 * started, even again 2.4 s after (the break-even), and ahead from then.
 * With the workers started after 0.5 or 1 s (and 20,000 warm-up states),
 * `small` (2 s on one thread) ended at 0.71 to 0.75 times one thread.
 *
 * Hence `afterMs`: the worst case is a search that ends 0.7 s after the
 * workers start, 0.45 s late; to keep it within 5% of one thread the
 * workers start once the search has run 0.45 / 0.05 - 0.7 = 8 s alone.
 * Every preset the bench times ends before that on one thread (fork, the
 * longest, in 4.9 to 6.3 s) and never starts a worker.
 *
 * And `minIdleCores`, `minSpeedup`: with other processes on the cores, the
 * workers were slower than one thread (fork with workers forced on: 0.46
 * to 0.75 times one thread). One thread here leaves 0.6 to 1 core idle on
 * a quiet machine, none with one other busy process.
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
  /** ...for this many ms at least from its return there, and a window measured alone (twice as long after each time). */
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
