/**
 * `hmmcheck replay TRACE`: is this recorded behaviour one HMM allows, and if
 * not, where and why (TRACE-FORMAT.md, "Verdicts").
 */
import { withInputBounds } from '../traces/bounds.js';
import { replayFile, type ReplayReport } from '../traces/hmm/replayFile.js';
import type { ReplayProgress } from '../traces/replay/index.js';
import { bool, list, num, parseArgs, str, UsageError, type FlagSpec } from './args.js';
import { deliverReport } from './deliverReport.js';
import type { Io } from './io.js';
import { maxLineBytes } from './inputFlags.js';
import { checkOutputPath } from './output.js';
import { formatOption } from './report.js';
import { resolveDriver, resolveKernel, resolveVariants } from './world.js';
import { progressEveryMs } from './progress.js';

const FLAGS: FlagSpec = {
  variant: 'list',
  kernel: 'string',
  driver: 'string',
  json: 'boolean',
  out: 'string',
  quiet: 'boolean',
  'max-candidates': 'integer',
  'max-hidden-depth': 'integer',
  lookahead: 'integer',
  format: 'string',
  probes: 'string',
  'max-line-bytes': 'integer',
};

const EXIT = { valid: 0, invalid: 1, incomplete: 3 } as const;

export async function runReplay(argv: readonly string[], io: Io): Promise<number> {
  const args = parseArgs('replay', argv, FLAGS);
  if (args.positionals.length !== 1) {
    throw new UsageError(`replay: expected one trace file (or - for standard input), found ${args.positionals.length} arguments`);
  }
  const format = formatOption('replay', str(args, 'format'));
  const out = str(args, 'out');
  checkOutputPath('replay', '--out', out);
  const json = bool(args, 'json');
  const showProgress = !bool(args, 'quiet') && (!json || io.stderrIsTTY);
  const f = (x: number): string => x.toLocaleString('en-US');
  const controller = new AbortController();
  const stop = io.onInterrupt(() => controller.abort());
  let report: ReplayReport;
  try {
    const maxCandidates = num(args, 'max-candidates');
    const maxHiddenDepth = num(args, 'max-hidden-depth');
    const lookahead = num(args, 'lookahead');
    ({ report } = await withInputBounds(maxLineBytes('replay', args), () => replayFile(args.positionals[0]!, {
      variants: resolveVariants(list(args, 'variant')),
      ...(str(args, 'kernel') !== undefined ? { kernel: resolveKernel(str(args, 'kernel'))! } : {}),
      ...(str(args, 'driver') !== undefined ? { driver: resolveDriver(str(args, 'driver'), 'replay')! } : {}),
      ...(str(args, 'probes') !== undefined ? { probes: str(args, 'probes')! } : {}),
      signal: controller.signal,
      ...(maxCandidates !== undefined ? { maxCandidates } : {}),
      ...(maxHiddenDepth !== undefined ? { maxHiddenDepth } : {}),
      ...(lookahead !== undefined ? { lookahead } : {}),
      ...(showProgress
        ? {
            progressEveryMs: progressEveryMs(),
            onReading: (line: number) => io.err(`hmmcheck: reading the trace, line ${f(line)}\n`),
            onProgress: (p: ReplayProgress) =>
              io.err(
                p.pages !== undefined
                  ? `hmmcheck: page ${f(p.page!)} of ${f(p.pages)} replayed, at most ${f(p.candidates)} candidate states, ${p.seconds.toFixed(0)} s\n`
                  : `hmmcheck: line ${f(p.line)}, ${f(p.events)} events replayed, ${f(p.candidates)} candidate states, ${f(Math.round(p.events / Math.max(p.seconds, 1e-3)))} events/s, ${p.seconds.toFixed(0)} s\n`,
              ),
          }
        : {}),
    })));
  } finally {
    stop();
  }
  deliverReport(io, 'replay', report, { out, json, format });
  return EXIT[report.outcome];
}
