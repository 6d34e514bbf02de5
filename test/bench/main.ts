/**
 * `npm run bench`: throughput of the checker on the HMM presets and on the
 * TLC calibration model LockCtr (shared/reference/anchors.md appendix A),
 * so that runs on the same machine compare as ratios.
 *
 *   npm run -s bench             a table
 *   npm run -s bench -- --json   {"presets": {...}, "lockctr": {...}}
 *   npm run -s bench -- --quick  skip LockCtr N=3,K=3 (2.5 M states) and
 *                                the large space on two workers
 *                                (workers.ts), replay 100k events
 *                                instead of 1M
 *   npm run -s bench -- --por-ceiling [preset ...]
 *                                the most a partial-order reduction could
 *                                save there (porCeiling.ts)
 *
 * Replay: a fully observed trace of a long random walk (longTrace.ts) is
 * written to a temporary file and replayed end to end (both passes: the
 * world scan and the replay), at two lengths, so that memory can be seen
 * not to grow with the trace: peak RSS, and the heap still live after a
 * full GC at the end.
 *
 * Each measurement runs in a fresh child process so that one run's heap does
 * not disturb the next and peak RSS is per run; the presets' runs (one
 * thread, two workers, no symmetry) are each the fastest of several (5 to 9
 * for one thread and two workers, 3 without symmetry), taken in turns, and
 * two workers are also compared with one thread round by round (workers.ts).
 *
 * The bound on two workers: small in two processes at once, against one
 * alone (JSON `parallel`), next to the CPU time one thread already takes.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { replayFile } from '../../traces/hmm/replayFile.js';
import { importToFile } from '../../traces/ftrace/index.js';
import { writeLongTrace } from './longTrace.js';
import { printPorCeilings } from './porCeiling.js';
import os from 'node:os';
import { check, checkParallel, type ModelSource } from '../../checker/index.js';
import { HANDOVER } from '../../checker/handover.js';
import { buildWorld, hmmModel } from '../../model/index.js';
import { lockCtr } from '../fixtures/models/lockCtr.js';
import { benchConfig, formatRatio, LARGE, range, workerRatio, type WorkerRatio } from './workers.js';

interface Measure {
  readonly states: number;
  readonly transitions: number;
  readonly seconds: number;
  readonly statesPerSecond: number;
  readonly bytesPerState: number;
  readonly peakRssMiB: number;
  readonly outcome: string;
  /** What the livelock search's graph took per state (absent: it did not run). */
  readonly livenessBytesPerState?: number;
  /** CPU time of the whole process (every thread: V8's GC and compiler threads, workers) during the search. */
  readonly cpuSeconds: number;
  /** Threads that expanded states, when worker threads took over (checkParallel). */
  readonly workers?: number;
}

async function measureHere(what: string): Promise<Measure> {
  // preset:NAME[:workers=N][:nosym][:nolive], or lockctr:N:K
  const [kind, ...rest] = what.split(':');
  const symmetry = !rest.includes('nosym');
  const liveness = !rest.includes('nolive');
  const workers = Number(rest.find((r) => r.startsWith('workers='))?.slice(8) ?? 1);
  const model =
    kind === 'preset'
      ? hmmModel(buildWorld(benchConfig(rest[0]!)), { freeze: false, symmetry })
      : lockCtr(Number(rest[0]), Number(rest[1]));
  // Warm the JIT on a bounded run so the measured run is steady state.
  check(model as never, { maxStates: 20000 });
  const source: ModelSource = {
    module: new URL('../../model/index.js', import.meta.url).href,
    export: 'hmmModelFromConfig',
    args: { config: kind === 'preset' ? benchConfig(rest[0]!) : undefined, variants: [], symmetry },
  };
  // Workers start cold and are timed from their start: what a user waits.
  const cpu0 = process.cpuUsage();
  const r = workers > 1 ? await checkParallel(model as never, source, { workers }) : check(model as never, { liveness });
  return {
    states: r.stats.states,
    transitions: r.stats.transitions,
    seconds: r.stats.seconds,
    statesPerSecond: r.stats.statesPerSecond,
    bytesPerState: r.stats.bytesPerState,
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    outcome: r.outcome,
    cpuSeconds: cpuSince(cpu0),
    ...(r.stats.workers !== undefined ? { workers: r.stats.workers } : {}),
    ...(r.progress?.bytesPerState !== undefined ? { livenessBytesPerState: r.progress.bytesPerState } : {}),
  };
}

interface ReplayMeasure {
  readonly events: number;
  readonly outcome: string;
  /** Wall time of the whole replay, both passes. */
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly peakRssMiB: number;
  /** Heap still in use after a full GC once the replay is done. */
  readonly liveHeapMiB: number;
}

async function replayHere(path: string): Promise<ReplayMeasure> {
  const started = process.hrtime.bigint();
  const { report } = await replayFile(path);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  (globalThis as { gc?: () => void }).gc?.();
  return {
    events: report.events,
    outcome: report.outcome,
    seconds: Math.round(seconds * 100) / 100,
    eventsPerSecond: Math.round(report.events / seconds),
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    liveHeapMiB: Math.round((process.memoryUsage().heapUsed / 1048576) * 10) / 10,
  };
}

interface KernelMeasure {
  readonly trace: string;
  readonly lines: number;
  readonly events: number;
  readonly outcome: string;
  readonly importSeconds: number;
  readonly replaySeconds: number;
  /** Events imported and replayed per second, both stages. */
  readonly eventsPerSecond: number;
  readonly peakRssMiB: number;
}

/** A shared kernel trace: import (ftrace to hmmtrace) then replay page by page, timed apart. */
async function kernelHere(path: string): Promise<KernelMeasure> {
  const dir = mkdtempSync(join(tmpdir(), 'hmmcheck-bench-kernel-'));
  try {
    const out = join(dir, 'imported.jsonl');
    const t0 = process.hrtime.bigint();
    const { summary } = await importToFile(path, out, {});
    const t1 = process.hrtime.bigint();
    const { report } = await replayFile(out);
    const t2 = process.hrtime.bigint();
    const importSeconds = Number(t1 - t0) / 1e9;
    const replaySeconds = Number(t2 - t1) / 1e9;
    return {
      trace: basename(path).replace(/^hmm\.hmm_device_private\.|\.trace\.txt\.gz$/g, ''),
      lines: summary.lines,
      events: summary.events,
      outcome: report.outcome,
      importSeconds: Math.round(importSeconds * 100) / 100,
      replaySeconds: Math.round(replaySeconds * 100) / 100,
      eventsPerSecond: Math.round(summary.events / (importSeconds + replaySeconds)),
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The shared Linux 6.1 captures beside the checkout, if there. */
function measureKernel(): KernelMeasure[] {
  const dir = fileURLToPath(new URL('../../../../shared/kernel-traces/linux-6.1/', import.meta.url));
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.trace.txt.gz'))
    .sort()
    .map((f) => child<KernelMeasure>([], ['--kernel', join(dir, f)]));
}

function child<T>(flags: string[], args: string[]): T {
  const self = fileURLToPath(import.meta.url);
  const out = execFileSync(process.execPath, [...flags, self, ...args], { encoding: 'utf8' });
  return JSON.parse(out) as T;
}

function measure(what: string): Measure {
  return child<Measure>(['--max-old-space-size=16384'], ['--one', what]);
}

/**
 * Each measurement `rounds` times, each run in a fresh process, taken in
 * turns (a, b, c, c, b, a, a, b, c, ...): on this kind of shared machine a
 * run can be a third slower for a while for reasons of its own, noise only
 * ever slows a run down, and runs taken in turns see the same slow spells;
 * every other round backwards, so that no measurement always runs first,
 * or always right after another. All runs, per measurement, in round order.
 */
function inTurns(whats: readonly string[], rounds = 3): Measure[][] {
  const out: Measure[][] = whats.map(() => []);
  for (let r = 0; r < rounds; r++) {
    const order = whats.map((_, i) => (r % 2 === 0 ? i : whats.length - 1 - i));
    for (const i of order) out[i]!.push(measure(whats[i]!));
  }
  return out;
}

/** Rounds of one thread against two workers, per preset (their runs take: tiny 0.1 s, migrate 0.3 s, small 2 s, fork 5 to 6 s). */
const PAIR_ROUNDS: Readonly<Record<string, number>> = { tiny: 9, migrate: 9, small: 7, fork: 5 };

const fastest = (ms: readonly Measure[]): Measure => ms.reduce((a, b) => (b.seconds < a.seconds ? b : a));

const cpuSince = (c0: NodeJS.CpuUsage): number => {
  const c = process.cpuUsage(c0);
  return Math.round((c.user + c.system) / 1e4) / 100;
};

/**
 * The same measurement in two processes at once: how much two independent
 * searches get out of the machine together, the most two workers could get
 * (they share the cores with each other and with V8's own threads).
 */
async function measureTwoAtOnce(what: string): Promise<Measure[]> {
  const self = fileURLToPath(import.meta.url);
  const one = (): Promise<Measure> =>
    new Promise((resolve, reject) =>
      execFile(process.execPath, ['--max-old-space-size=16384', self, '--one', what], { encoding: 'utf8' }, (e, out) =>
        e ? reject(e) : resolve(JSON.parse(out) as Measure),
      ),
    );
  return Promise.all([one(), one()]);
}

async function measureReplay(lengths: readonly number[]): Promise<Record<string, ReplayMeasure>> {
  const dir = mkdtempSync(join(tmpdir(), 'hmmcheck-bench-'));
  try {
    const out: Record<string, ReplayMeasure> = {};
    for (const n of lengths) {
      const path = join(dir, `walk-${n}.jsonl`);
      await writeLongTrace(path, n, 1);
      out[String(n)] = child<ReplayMeasure>(['--expose-gc'], ['--replay', path]);
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(argv: string[]): Promise<void> {
  const pc = argv.indexOf('--por-ceiling');
  if (pc >= 0) {
    printPorCeilings(argv.slice(pc + 1));
    return;
  }
  const one = argv.indexOf('--one');
  if (one >= 0) {
    process.stdout.write(JSON.stringify(await measureHere(argv[one + 1]!)));
    return;
  }
  const kp = argv.indexOf('--kernel');
  if (kp >= 0) {
    process.stdout.write(JSON.stringify(await kernelHere(argv[kp + 1]!)));
    return;
  }
  const rp = argv.indexOf('--replay');
  if (rp >= 0) {
    process.stdout.write(JSON.stringify(await replayHere(argv[rp + 1]!)));
    return;
  }
  const json = argv.includes('--json');
  const quick = argv.includes('--quick');
  const presets: Record<string, Measure> = {};
  const plain: Record<string, Measure> = {};
  const speedup: Record<string, WorkerRatio> = {};
  for (const p of ['tiny', 'small', 'migrate', 'fork']) {
    // One thread and two workers next to each other in every round, so that
    // each round's pair saw the same load, and more rounds of those than of
    // the rest: best of 3 moved their ratio by 5% either way on runs that
    // were the same search, the more so the shorter the run (and a short
    // run costs little to repeat).
    const [symRuns, twoRuns, nosymRuns] = inTurns([`preset:${p}`, `preset:${p}:workers=2`, `preset:${p}:nosym`]) as [Measure[], Measure[], Measure[]];
    const [moreSym, moreTwo] = inTurns([`preset:${p}`, `preset:${p}:workers=2`], PAIR_ROUNDS[p]! - 3) as [Measure[], Measure[]];
    symRuns.push(...moreSym);
    twoRuns.push(...moreTwo);
    presets[p] = fastest(symRuns);
    plain[p] = fastest(nosymRuns);
    for (const two of twoRuns) {
      if (two.states !== presets[p]!.states) throw new Error(`bench: ${p} on 2 workers found ${two.states} states, one thread ${presets[p]!.states}`);
    }
    speedup[p] = workerRatio(symRuns, twoRuns);
  }
  // A space large enough for the workers to take over, in turns, 2 rounds (not with --quick: over 2 minutes).
  let large: { one: Measure; two: Measure; ratio: WorkerRatio } | undefined;
  if (!quick) {
    const [oneRuns, twoRuns] = inTurns([`preset:${LARGE}`, `preset:${LARGE}:workers=2`], 2) as [Measure[], Measure[]];
    for (const two of twoRuns) {
      if (two.states !== oneRuns[0]!.states) throw new Error(`bench: ${LARGE} on 2 workers found ${two.states} states, one thread ${oneRuns[0]!.states}`);
    }
    large = { one: fastest(oneRuns), two: fastest(twoRuns), ratio: workerRatio(oneRuns, twoRuns) };
  }
  // The ceiling of two workers on this machine, measured next to them on small.
  // In turns: one alone, then two at once (both must finish).
  const bounds: number[] = [];
  const alones: Measure[] = [];
  for (let r = 0; r < 3; r++) {
    const a = measure('preset:small');
    alones.push(a);
    const together = Math.max(...(await measureTwoAtOnce('preset:small')).map((m) => m.seconds));
    bounds.push((2 * a.seconds) / together);
  }
  const alone = fastest([presets['small']!, ...alones]);
  const ceiling = Math.round(Math.max(...bounds) * 100) / 100;
  const coresOfOne = Math.round((alone.cpuSeconds / alone.seconds) * 100) / 100;
  const lock32 = measure('lockctr:3:2');
  const lock33 = quick ? undefined : measure('lockctr:3:3');
  const replay = await measureReplay(quick ? [10_000, 100_000] : [100_000, 1_000_000]);
  const kernel = measureKernel();
  const result = {
    node: process.version,
    presets: Object.fromEntries(
      Object.entries(presets).map(([k, m]) => [
        k,
        {
          // The rate with reductions off (no symmetry; sequence renaming is
          // part of the encoding), as issue 6 asks; the counts with symmetry.
          states: m.states,
          statesPerSecond: plain[k]!.statesPerSecond,
          bytesPerState: plain[k]!.bytesPerState,
          symmetryFactor: Math.round((plain[k]!.states / m.states) * 100) / 100,
          workerSpeedup: speedup[k]!.median,
          // Each round's pair (one thread, two workers) ran one after the other: the range of their ratios.
          workerSpeedupRounds: { low: speedup[k]!.low, median: speedup[k]!.median, high: speedup[k]!.high, best: speedup[k]!.best, workersTookOver: speedup[k]!.tookOver, runs: speedup[k]!.runs },
          statesWithoutSymmetry: plain[k]!.states,
          withSymmetry: m,
        },
      ]),
    ),
    // What one thread already keeps busy (cores), and what two searches at
    // once get together (x one alone): the bound on workerSpeedup here.
    ...(large
      ? {
          large: {
            name: LARGE,
            states: large.one.states,
            seconds: large.one.seconds,
            workersSeconds: large.two.seconds,
            workerSpeedup: large.ratio.median,
            workerSpeedupRounds: { low: large.ratio.low, median: large.ratio.median, high: large.ratio.high, best: large.ratio.best, workersTookOver: large.ratio.tookOver, runs: large.ratio.runs },
          },
        }
      : {}),
    parallel: { coresOfOneThread: coresOfOne, twoSearchesAtOnce: ceiling, twoSearchesAtOnceRounds: bounds.map((b) => Math.round(b * 100) / 100) },
    lockctr: lock33 ?? lock32,
    lockctrN3K2: lock32,
    replay,
    kernel,
  };
  if (json) {
    process.stdout.write(JSON.stringify(result) + '\n');
    return;
  }
  const rows: [string, Measure][] = [
    ...Object.entries(presets).map(([k, v]) => [`preset ${k}`, v] as [string, Measure]),
    ['LockCtr N=3 K=2', lock32],
    ...(lock33 ? [['LockCtr N=3 K=3', lock33] as [string, Measure]] : []),
  ];
  const f = (x: number): string => x.toLocaleString('en-US');
  const lines = [
    `hmmcheck bench (${process.version}, ${os.cpus().length} cores; seq renaming and frame symmetry on unless said, no partial-order reduction)`,
    `${'run'.padEnd(18)} ${'distinct'.padStart(11)} ${'transitions'.padStart(12)} ${'seconds'.padStart(8)} ${'states/s'.padStart(10)} ${'B/state'.padStart(8)} ${'peak RSS'.padStart(9)} ${'2 workers'.padStart(9)}`,
    ...rows.map(
      ([k, m]) =>
        `${k.padEnd(18)} ${f(m.states).padStart(11)} ${f(m.transitions).padStart(12)} ${m.seconds.toFixed(2).padStart(8)} ${f(m.statesPerSecond).padStart(10)} ${String(m.bytesPerState).padStart(8)} ${`${m.peakRssMiB} MiB`.padStart(9)} ${(speedup[k.replace('preset ', '')] !== undefined ? `${speedup[k.replace('preset ', '')]!.median.toFixed(2)}x` : '').padStart(9)}`,
    ),
    ...Object.entries(plain).map(
      ([k, m]) =>
        `${`${k} no symmetry`.padEnd(18)} ${f(m.states).padStart(11)} ${f(m.transitions).padStart(12)} ${m.seconds.toFixed(2).padStart(8)} ${f(m.statesPerSecond).padStart(10)} ${String(m.bytesPerState).padStart(8)} ${`${m.peakRssMiB} MiB`.padStart(9)} ${`${(m.states / presets[k]!.states).toFixed(2)}x`.padStart(9)}`,
    ),
    'Each preset row: the fastest of 3 runs (one thread and 2 workers: of 5 to 9), each in a fresh process, taken in turns with the other rows of its preset.',
    'B/state: the visited table of 64-bit fingerprints (path links add 6 B/state, the queue of unexpanded states is on top).',
    '2 workers: speed-up of check --workers 2 over one thread (both record the livelock graph), wall time: the median of the rounds\' ratios,',
    `each round a pair taken one after the other (in the same spell of the machine). The workers start only once the search has run ${HANDOVER.afterMs / 1000} s with an idle core for`,
    'them (checker/handover.ts), cold, and are timed from the start; where they never did, the ratio is the noise between identical runs.',
    ...Object.entries(speedup).map(([k, r]) => `  2 workers on ${k.padEnd(12)} ${formatRatio(r)}`),
    ...(large
      ? [
          `  2 workers on ${LARGE.padEnd(12)} ${formatRatio(large.ratio)}: ${f(large.one.states)} states, ${large.one.seconds.toFixed(1)} s on one thread, ${large.two.seconds.toFixed(1)} s on two (best of 2)`,
        ]
      : []),
    `The bound on it here: one thread of small keeps ${coresOfOne} cores busy (V8's GC and compiler threads); two searches of small in two processes at once`,
    `  got ${ceiling}x the throughput of one alone (the best of 3 rounds, each in turns with one alone; rounds ${range(bounds)}).`,
    `LIVE-1 graph (B/state on top of B/state): ${Object.entries(presets)
      .map(([k, m]) => `${k} ${m.livenessBytesPerState ?? '-'}`)
      .join(', ')}; without symmetry: ${Object.entries(plain)
      .map(([k, m]) => `${k} ${m.livenessBytesPerState ?? '-'}`)
      .join(', ')}`,
    'no symmetry rows: --no-symmetry; their last column is the symmetry factor (states without / with). fork: symmetry does not apply.',
    '',
    `${'replay (fully observed)'.padEnd(24)} ${'events'.padStart(10)} ${'seconds'.padStart(8)} ${'events/s'.padStart(10)} ${'peak RSS'.padStart(9)} ${'live heap'.padStart(10)}`,
    ...Object.values(replay).map(
      (m) =>
        `${`random walk, ${m.outcome}`.padEnd(24)} ${f(m.events).padStart(10)} ${m.seconds.toFixed(2).padStart(8)} ${f(m.eventsPerSecond).padStart(10)} ${`${m.peakRssMiB} MiB`.padStart(9)} ${`${m.liveHeapMiB} MiB`.padStart(10)}`,
    ),
    'replay: end to end (world scan and replay), one process per run; live heap: after a full GC at the end.',
    ...(kernel.length > 0
      ? [
          '',
          `${'kernel trace (6.1)'.padEnd(24)} ${'lines'.padStart(8)} ${'events'.padStart(8)} ${'import s'.padStart(9)} ${'replay s'.padStart(9)} ${'events/s'.padStart(9)} ${'peak RSS'.padStart(9)}  outcome`,
          ...kernel.map(
            (m) =>
              `${m.trace.padEnd(24)} ${f(m.lines).padStart(8)} ${f(m.events).padStart(8)} ${m.importSeconds.toFixed(2).padStart(9)} ${m.replaySeconds.toFixed(2).padStart(9)} ${f(m.eventsPerSecond).padStart(9)} ${`${m.peakRssMiB} MiB`.padStart(9)}  ${m.outcome}`,
          ),
          'kernel trace: ../shared/kernel-traces/linux-6.1 imported (ftrace to hmmtrace) then replayed page by page; events/s over both.',
        ]
      : []),
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

await main(process.argv.slice(2));
