/**
 * `npm run bench`: throughput of the checker on the HMM presets and on the
 * TLC calibration model LockCtr (shared/reference/anchors.md appendix A),
 * so that runs on the same machine compare as ratios.
 *
 *   npm run -s bench             a table
 *   npm run -s bench -- --json   {"presets": {...}, "lockctr": {...}}
 *   npm run -s bench -- --quick  skip LockCtr N=3,K=3 (2.5 M states)
 *
 * Each measurement runs in a fresh child process so that one run's heap does
 * not disturb the next and peak RSS is per run.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { check } from '../../checker/index.js';
import { buildWorld, findPreset, hmmModel } from '../../model/index.js';
import { lockCtr } from '../fixtures/models/lockCtr.js';

interface Measure {
  readonly states: number;
  readonly transitions: number;
  readonly seconds: number;
  readonly statesPerSecond: number;
  readonly bytesPerState: number;
  readonly peakRssMiB: number;
  readonly outcome: string;
}

function measureHere(what: string): Measure {
  const [kind, ...rest] = what.split(':');
  const model =
    kind === 'preset'
      ? hmmModel(buildWorld(findPreset(rest[0]!)!.config), { freeze: false })
      : lockCtr(Number(rest[0]), Number(rest[1]));
  // Warm the JIT on a bounded run so the measured run is steady state.
  check(model as never, { maxStates: 20000 });
  const r = check(model as never, {});
  return {
    states: r.stats.states,
    transitions: r.stats.transitions,
    seconds: r.stats.seconds,
    statesPerSecond: r.stats.statesPerSecond,
    bytesPerState: r.stats.bytesPerState,
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    outcome: r.outcome,
  };
}

function measure(what: string): Measure {
  const self = fileURLToPath(import.meta.url);
  const out = execFileSync(process.execPath, ['--max-old-space-size=16384', self, '--one', what], { encoding: 'utf8' });
  return JSON.parse(out) as Measure;
}

function main(argv: string[]): void {
  const one = argv.indexOf('--one');
  if (one >= 0) {
    process.stdout.write(JSON.stringify(measureHere(argv[one + 1]!)));
    return;
  }
  const json = argv.includes('--json');
  const quick = argv.includes('--quick');
  const presets: Record<string, Measure> = {};
  for (const p of ['tiny', 'small', 'migrate']) presets[p] = measure(`preset:${p}`);
  const lock32 = measure('lockctr:3:2');
  const lock33 = quick ? undefined : measure('lockctr:3:3');
  const result = {
    node: process.version,
    presets,
    lockctr: lock33 ?? lock32,
    lockctrN3K2: lock32,
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
    `hmmcheck bench (${process.version}, one worker, reductions off)`,
    `${'run'.padEnd(18)} ${'distinct'.padStart(11)} ${'transitions'.padStart(12)} ${'seconds'.padStart(8)} ${'states/s'.padStart(10)} ${'B/state'.padStart(8)} ${'peak RSS'.padStart(9)}`,
    ...rows.map(
      ([k, m]) =>
        `${k.padEnd(18)} ${f(m.states).padStart(11)} ${f(m.transitions).padStart(12)} ${m.seconds.toFixed(2).padStart(8)} ${f(m.statesPerSecond).padStart(10)} ${String(m.bytesPerState).padStart(8)} ${`${m.peakRssMiB} MiB`.padStart(9)}`,
    ),
    'B/state: the visited store only (fingerprint key, map entry, parent link); the queue of unexpanded states is on top.',
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

main(process.argv.slice(2));
