/**
 * The end of `check`, `simulate` and `replay`: the result to `--out`, the
 * counterexample to `--trace-out`, the report to standard output. Files
 * first, each whole or saved elsewhere (output.ts), so the report printed
 * last can say nothing that is not on disk.
 */
import { render, safeJson, terminalStyle, type Format, type Result } from '../report/index.js';
import type { Io } from './io.js';
import { deliver } from './output.js';

export interface ReportOutputs {
  readonly out: string | undefined;
  readonly traceOut?: string | undefined;
  readonly json: boolean;
  readonly format: Format;
}

export function deliverReport(io: Io, verb: string, report: Result, o: ReportOutputs): void {
  const opts = { inStdoutJson: o.json };
  if (o.out !== undefined) deliver(io, verb, 'the JSON result', o.out, safeJson(report, 1) + '\n', opts);
  if (o.traceOut !== undefined && report.verb !== 'replay' && report.violations.length > 0) {
    deliver(io, verb, 'the counterexample trace', o.traceOut, report.violations[0]!.trace.map((e) => safeJson(e)).join('\n') + '\n', opts);
  }
  io.out(o.json ? safeJson(report) + '\n' : render(report, o.format, terminalStyle(io.stdoutIsTTY)));
}
