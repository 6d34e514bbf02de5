/**
 * `hmmcheck replay TRACE`: is this recorded behaviour one HMM allows, and if
 * not, where and why (TRACE-FORMAT.md, "Verdicts").
 */
import { writeFileSync } from 'node:fs';
import { withInputBounds } from '../bounds.js';
import { replayFile, type ReplayReport } from '../hmm/replayFile.js';
import { bool, list, num, parseArgs, str, UsageError, type FlagSpec } from './args.js';
import { render, terminalStyle } from '../report/index.js';
import type { Io } from './io.js';
import { maxLineBytes } from './inputFlags.js';
import { formatOption } from './report.js';
import { resolveVariants } from './world.js';

const FLAGS: FlagSpec = {
  variant: 'list',
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
  const controller = new AbortController();
  const stop = io.onInterrupt(() => controller.abort());
  let report: ReplayReport;
  try {
    const maxCandidates = num(args, 'max-candidates');
    const maxHiddenDepth = num(args, 'max-hidden-depth');
    const lookahead = num(args, 'lookahead');
    ({ report } = await withInputBounds(maxLineBytes('replay', args), () => replayFile(args.positionals[0]!, {
      variants: resolveVariants(list(args, 'variant')),
      ...(str(args, 'probes') !== undefined ? { probes: str(args, 'probes')! } : {}),
      signal: controller.signal,
      ...(maxCandidates !== undefined ? { maxCandidates } : {}),
      ...(maxHiddenDepth !== undefined ? { maxHiddenDepth } : {}),
      ...(lookahead !== undefined ? { lookahead } : {}),
    })));
  } finally {
    stop();
  }
  const out = str(args, 'out');
  if (out !== undefined) writeFileSync(out, JSON.stringify(report, null, 1) + '\n');
  io.out(bool(args, 'json') ? JSON.stringify(report) + '\n' : render(report, format, terminalStyle(io.stdoutIsTTY)));
  return EXIT[report.outcome];
}
