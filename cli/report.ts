/**
 * `hmmcheck report RESULT.json --format text|markdown|html [--out FILE]`: renders
 * a result saved by `check` or `replay` (`--out`, or `--json` redirected).
 * `--format` is also an option of `check` and `replay` themselves.
 */
import { asResult, FORMATS, render, terminalStyle, type Format } from '../report/index.js';
import { parseArgs, str, UsageError, type FlagSpec } from './args.js';
import type { Io } from './io.js';
import { checkOutputPath, deliver } from './output.js';
import { readResultJson, renderingInput } from './resultFile.js';

const FLAGS: FlagSpec = { format: 'string', out: 'string' };

/** The --format value, checked; text when absent. */
export function formatOption(verb: string, value: string | undefined): Format {
  if (value === undefined) return 'text';
  if (!(FORMATS as readonly string[]).includes(value)) {
    throw new UsageError(`${verb}: --format: expected ${FORMATS.join(' or ')}, found "${value}"`);
  }
  return value as Format;
}

export function runReport(argv: readonly string[], io: Io): number {
  const args = parseArgs('report', argv, FLAGS);
  if (args.positionals.length !== 1) throw new UsageError(`report: expected one result file (from check or replay --out), found ${args.positionals.length} arguments`);
  const file = args.positionals[0]!;
  const format = formatOption('report', str(args, 'format'));
  const out = str(args, 'out');
  checkOutputPath('report', '--out', out);
  const parsed = readResultJson(file, 'result file');
  const result = asResult(file, parsed);
  if (out !== undefined) {
    deliver(io, 'report', `the ${format} report`, out, renderingInput(file, () => render(result, format)));
    return 0;
  }
  io.out(renderingInput(file, () => render(result, format, terminalStyle(io.stdoutIsTTY))));
  return 0;
}
