/**
 * How big a trace may make its world. A trace names its world's threads,
 * processes, devices, pages and frames as it goes; replay builds a model
 * state with room for every one of them and keeps up to --max-candidates
 * (100,000) such states between two events. Names far beyond any real
 * capture are an input error at the line that first names them, not a
 * crash: before these limits a two-line trace naming page 1e9 ran V8 out of
 * memory building the world, a world of 20,000 pages or 5,000 processes
 * overflowed the stack turning a state into its key (checker/wordsKey.ts
 * spreads the state's words as arguments), 5,000 threads ran for minutes,
 * and two threads in a world of 1,024 pages ran out of memory exploring the
 * unlogged steps between three events.
 *
 * What real traces have (the 58 Linux 6.1 hmm-tests captures in
 * ../shared/kernel-traces, imported): at most 6 threads, 4 processes (fork
 * children included), 2 devices, page indices below 10,240 and 11,425
 * distinct pfns in one trace, replayed page by page in one-page worlds of at
 * most 174 state words. Times below are of this project's 2-vCPU machine,
 * for traces whose few events leave every other step unlogged, the worst
 * case for replay (each ends `incomplete` at --max-candidates).
 */

export const LIMITS = {
  /**
   * Page indices (`page`, `start`, `end` - 1) below 2^20: a buffer of 4 GiB
   * in 4 KiB pages, a hundred times the captures' largest (10,240, the 40
   * MiB buffers of hmm-tests' *_multiple cases). Any trace, whole or page by
   * page; a page-by-page replay takes each index in turn (2^20 in 0.3 s, 1e9
   * in 53 s), and a world replayed whole is held far lower by `stateWords`.
   */
  pageIndex: 1 << 20,
  /**
   * Distinct `tid`s: 64, ten times the captures' 6 and eight times the
   * actors a configuration may list. Each thread adds the unlogged steps it
   * may take between events: 64 threads on one page reach --max-candidates
   * in 5 s (0.3 GiB), 256 took 50 s, 2,000 more than a minute.
   */
  threads: 64,
  /**
   * Distinct `mm`s (fork children included): 16, four times the captures'
   * 4 and the most a configuration has. Each process has a page table and
   * threads of its own: 16 processes of one page take 7 s (0.7 GiB), 64 took
   * 2 minutes and 3 GiB.
   */
  processes: 16,
  /**
   * Distinct `dev`s: 16, eight times the captures' 2 and four times the
   * test driver's dmirror devices (lib/test_hmm.c creates 4).
   */
  devices: 16,
  /**
   * Distinct pfns: 2^20, ninety times the captures' 11,425. It bounds the
   * first pass's memory; a world replayed whole is held far lower by
   * `stateWords` (a frame is 7 words).
   */
  pfns: 1 << 20,
  /**
   * The model state of a world inferred from the trace (no `preset` or
   * `config` in the header), in 32-bit words as `stateWords` counts them:
   * 2,048, twelve times the captures' one-page worlds. Replay holds up to
   * 100,000 states of about 5 bytes a word: at this size two threads in 199
   * pages take 6 s and 1.0 GiB, 8 processes of 23 pages 21 s and 1.2 GiB, 64
   * threads with 16 processes and 16 devices 17 s and 1.3 GiB, well inside
   * V8's heap (4 GiB here, 2 GiB on a machine of 8 GiB). Two threads in 512
   * pages took 2.7 GiB, in 1,024 pages ran out of memory. A world given by
   * the header is bounded by config.schema.json instead (16 pages, 4
   * processes, 4 devices, 32 frames).
   */
  stateWords: 2048,
} as const;

/** What a world inferred from a trace holds (replayWorld.ts inferConfig). */
export interface WorldSize {
  readonly pages: number;
  readonly processes: number;
  /** Model threads: a tid that does both CPU and device work is two, and one more per further mirror it faults through. */
  readonly threads: number;
  readonly devices: number;
  /** Distinct pfns (device pfns included). */
  readonly pfns: number;
  /** Device pfns, summed over devices. */
  readonly devicePfns: number;
}

/**
 * The words of the initial packed state (model/packed.ts) of the world
 * inferConfig builds for these counts: per process its VMA, PTE and
 * expected-value word per page and 9 more; 7 per frame (the zero page, a
 * frame per pfn and per page of each process and 2 spare, a device frame
 * per device pfn and 1 spare per device); per mirror 3 and one per page;
 * 12 per thread. A test holds it equal to packState's count.
 */
export function stateWords(s: WorldSize): number {
  const pages = Math.max(1, s.pages);
  const processes = Math.max(1, s.processes);
  const frames = 1 + s.pfns + pages * processes + 2 + s.devicePfns + s.devices;
  return processes * (3 * pages + 9) + 7 * frames + s.devices * (3 + pages) + 12 * s.threads;
}

/** A number as the README writes it: 2,048. */
export const fmt = (n: number): string => n.toLocaleString('en-US');

/** 65th, 17th. */
export function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${fmt(n)}${suffix}`;
}

const plural = (n: number, one: string, many = `${one}s`): string => `${fmt(n)} ${n === 1 ? one : many}`;

/** "201 pages, 1 process, 2 threads, 0 devices, 0 pfns" */
export function describeSize(s: WorldSize): string {
  return [
    plural(Math.max(1, s.pages), 'page'),
    plural(Math.max(1, s.processes), 'process', 'processes'),
    plural(s.threads, 'thread'),
    plural(s.devices, 'device'),
    plural(s.pfns, 'pfn'),
  ].join(', ');
}
