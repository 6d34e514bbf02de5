/**
 * `hmmcheck simulate`: random walks of a configuration with fast-check,
 * shrinking the first walk that breaks an invariant (CLI.md). The report has
 * the check's shape (`verb: "simulate"`, plus the seed, walks and depth), so
 * every format and `report` render it; the counterexample replays as a trace.
 * Finding nothing is `incomplete` (exit 3): a simulation proves nothing.
 */
import { writeFileSync } from 'node:fs';
import { simulate } from '../../checker/index.js';
import { hmmModel } from '../../model/index.js';
import { render, terminalStyle } from '../report/index.js';
import { bool, list, num, parseArgs, str, UsageError, type FlagSpec } from './args.js';
import { EXIT } from './check.js';
import { buildCheckReport, type CheckReport } from './checkReport.js';
import type { Io } from './io.js';
import { formatOption } from './report.js';
import { resolveTarget } from './world.js';

const FLAGS: FlagSpec = {
  preset: 'string',
  config: 'string',
  variant: 'list',
  runs: 'integer',
  depth: 'integer',
  seed: 'integer',
  'trace-out': 'string',
  json: 'boolean',
  out: 'string',
  quiet: 'boolean',
  format: 'string',
};

export function runSimulate(argv: readonly string[], io: Io): number {
  const args = parseArgs('simulate', argv, FLAGS);
  if (args.positionals.length > 0) throw new UsageError(`simulate: unexpected argument "${args.positionals[0]}"`);
  const target = resolveTarget(str(args, 'preset'), str(args, 'config'), list(args, 'variant'));
  const format = formatOption('simulate', str(args, 'format'));
  const runs = num(args, 'runs') ?? 10000;
  const depth = num(args, 'depth') ?? 200;
  if (runs < 1) throw new UsageError(`simulate: --runs: expected a positive integer, found ${runs}`);
  if (depth < 1) throw new UsageError(`simulate: --depth: expected a positive integer, found ${depth}`);
  const seed = num(args, 'seed');
  const r = simulate(hmmModel(target.world, { freeze: false }), { runs, depth, ...(seed !== undefined ? { seed } : {}) });
  const base = buildCheckReport(target.world, target, r);
  const report: CheckReport = { ...base, verb: 'simulate', simulation: { seed: r.seed, runs: r.runs, depth, shrinks: r.shrinks } };
  const out = str(args, 'out');
  if (out !== undefined) writeFileSync(out, JSON.stringify(report, null, 1) + '\n');
  const traceOut = str(args, 'trace-out');
  if (traceOut !== undefined && report.violations.length > 0) {
    writeFileSync(traceOut, report.violations[0]!.trace.map((e) => JSON.stringify(e)).join('\n') + '\n');
  }
  io.out(bool(args, 'json') ? JSON.stringify(report) + '\n' : render(report, format, terminalStyle(io.stdoutIsTTY)));
  return EXIT[report.outcome];
}
