/**
 * `--workers 2` against one thread, as the bench reports it. On a machine
 * shared with other work a single ratio says little: each round runs one
 * thread and two workers one right after the other (in turns with the other
 * rows), so a round's ratio compares runs that saw about the same load, and
 * the bench gives the range of the rounds' ratios next to best against best.
 */
import { findPreset, type Config } from '../../model/index.js';

/**
 * The large space the bench runs two workers on: `small` with the CPU's
 * accesses and the device's faults on both pages (3,231,891 states with
 * symmetry, 35 to 41 s on one thread here), long enough for the workers to
 * take over (checker/handover.ts) and to show what they gain.
 */
export const LARGE = 'small-2pages';

/** A preset's configuration, or the large space's. */
export function benchConfig(name: string): Config {
  if (name !== LARGE) return findPreset(name)!.config;
  const small = findPreset('small')!.config;
  return {
    ...small,
    name: LARGE,
    actors: small.actors.map((a) => (a.name === 'mig0' ? a : { ...a, pages: [0, 1] })),
  };
}

export interface Timed {
  readonly seconds: number;
  /** Set when worker threads took over the search (absent: it stayed on one thread). */
  readonly workers?: number;
}

export interface WorkerRatio {
  /** The fastest one-thread run over the fastest two-worker run. */
  readonly best: number;
  /** The lowest, middle and highest ratio of one round's pair of runs. */
  readonly low: number;
  readonly median: number;
  readonly high: number;
  /** Two-worker runs in which the workers took over, of `runs` (the others ended, or found no idle core, first). */
  readonly tookOver: number;
  readonly runs: number;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** `one[i]` and `two[i]` ran in the same round. */
export function workerRatio(one: readonly Timed[], two: readonly Timed[]): WorkerRatio {
  const ratios = one.map((o, i) => o.seconds / two[i]!.seconds).sort((a, b) => a - b);
  const fastest = (ms: readonly Timed[]): number => Math.min(...ms.map((m) => m.seconds));
  const mid = ratios.length >> 1;
  return {
    best: round2(fastest(one) / fastest(two)),
    low: round2(ratios[0]!),
    median: round2(ratios.length % 2 === 1 ? ratios[mid]! : (ratios[mid - 1]! + ratios[mid]!) / 2),
    high: round2(ratios[ratios.length - 1]!),
    tookOver: two.filter((m) => m.workers !== undefined).length,
    runs: two.length,
  };
}

/**
 * "1.01x (the median of 9 rounds, 0.97 to 1.05; fastest against fastest
 * 1.02; workers took over in 2 of 9 runs)". The median of the rounds is the
 * figure: each round runs one thread and two workers back to back, in the
 * same spell of the machine, while the fastest of each side may come from
 * different spells (on a short preset, a spell moves a run by a tenth).
 */
export function formatRatio(r: WorkerRatio): string {
  return `${r.median.toFixed(2)}x (the median of ${r.runs} rounds, ${r.low.toFixed(2)} to ${r.high.toFixed(2)}; fastest against fastest ${r.best.toFixed(2)}; workers took over in ${r.tookOver} of ${r.runs} runs)`;
}

/** The range of a list of ratios, "1.16 to 1.49". */
export function range(xs: readonly number[]): string {
  return `${Math.min(...xs).toFixed(2)} to ${Math.max(...xs).toFixed(2)}`;
}
