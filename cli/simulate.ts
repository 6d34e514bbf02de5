/**
 * `hmmcheck simulate`: random walks of a configuration with fast-check,
 * shrinking the first walk that breaks an invariant (CLI.md). The report has
 * the check's shape (`verb: "simulate"`, plus the seed, walks and depth), so
 * every format and `report` render it; the counterexample replays as a trace.
 * Finding nothing is `incomplete` (exit 3): a simulation proves nothing.
 */
import { simulateAsync } from '../checker/index.js';
import { hmmModel } from '../model/index.js';
import { bool, list, num, parseArgs, str, UsageError, type FlagSpec } from './args.js';
import { EXIT } from './check.js';
import { buildCheckReport, type CheckReport } from '../report/checkReport.js';
import { deliverReport } from './deliverReport.js';
import type { Io } from './io.js';
import { checkOutputPath } from './output.js';
import { formatOption } from './report.js';
import { resolveTarget, TARGET_FLAGS } from './world.js';
import { progressEveryMs } from './progress.js';

const FLAGS: FlagSpec = {
  ...TARGET_FLAGS,
  runs: 'integer',
  depth: 'integer',
  seed: 'integer',
  'trace-out': 'string',
  json: 'boolean',
  out: 'string',
  quiet: 'boolean',
  format: 'string',
};

export async function runSimulate(argv: readonly string[], io: Io): Promise<number> {
  const args = parseArgs('simulate', argv, FLAGS);
  if (args.positionals.length > 0) throw new UsageError(`simulate: unexpected argument "${args.positionals[0]}"`);
  const target = resolveTarget(str(args, 'preset'), str(args, 'config'), list(args, 'variant'), str(args, 'kernel'), str(args, 'driver'), 'simulate');
  const format = formatOption('simulate', str(args, 'format'));
  const runs = num(args, 'runs') ?? 10000;
  const depth = num(args, 'depth') ?? 200;
  if (runs < 1) throw new UsageError(`simulate: --runs: expected a positive integer, found ${runs}`);
  if (depth < 1) throw new UsageError(`simulate: --depth: expected a positive integer, found ${depth}`);
  const seed = num(args, 'seed');
  const out = str(args, 'out');
  const traceOut = str(args, 'trace-out');
  checkOutputPath('simulate', '--out', out);
  checkOutputPath('simulate', '--trace-out', traceOut);
  const json = bool(args, 'json');
  const showProgress = !bool(args, 'quiet') && (!json || io.stderrIsTTY);
  const controller = new AbortController();
  const stop = io.onInterrupt(() => controller.abort());
  let r;
  try {
    r = await simulateAsync(hmmModel(target.world, { freeze: false }), {
      runs,
      depth,
      ...(seed !== undefined ? { seed } : {}),
      signal: controller.signal,
      ...(showProgress ? { onProgress: (p: SimProgress) => io.err(progressLine(p, runs)), progressEveryMs: progressEveryMs() } : {}),
    });
  } finally {
    stop();
  }
  const base = buildCheckReport(target.world, target, r);
  const report: CheckReport = { ...base, verb: 'simulate', simulation: { seed: r.seed, runs: r.runs, depth, shrinks: r.shrinks } };
  deliverReport(io, 'simulate', report, { out, traceOut, json, format });
  return EXIT[report.outcome];
}

type SimProgress = { readonly walks: number; readonly steps: number; readonly seconds: number; readonly shrinking: boolean };

function progressLine(p: SimProgress, runs: number): string {
  const f = (x: number): string => x.toLocaleString('en-US');
  const what = p.shrinking ? 'shrinking a counterexample' : `${f(p.walks)} of ${f(runs)} walks`;
  return `hmmcheck: ${what}, ${f(p.steps)} steps, ${p.seconds.toFixed(0)} s\n`;
}
