/**
 * `hmmcheck replay TRACE`: is this recorded behaviour one HMM allows, and if
 * not, where and why (TRACE-FORMAT.md, "Verdicts").
 */
import { writeFileSync } from 'node:fs';
import { replayFile, type ReplayReport } from '../hmm/replayFile.js';
import { bool, list, num, parseArgs, str, UsageError, type FlagSpec } from './args.js';
import type { Io } from './io.js';
import { resolveVariants } from './world.js';

const FLAGS: FlagSpec = {
  variant: 'list',
  json: 'boolean',
  out: 'string',
  quiet: 'boolean',
  'max-candidates': 'integer',
  'max-hidden-depth': 'integer',
  lookahead: 'integer',
};

const EXIT = { valid: 0, invalid: 1, incomplete: 3 } as const;

export function renderReplayText(r: ReplayReport): string {
  const lines: string[] = [];
  const verdict = r.outcome === 'valid' ? 'valid' : r.line !== null ? `${r.outcome} at line ${r.line}` : r.outcome;
  lines.push(`hmmcheck replay ${r.file}: ${verdict}`);
  if (r.source) lines.push(`source: ${r.source}`);
  if (r.context.length > 0) {
    lines.push('');
    for (const c of r.context) lines.push(`${c.line === r.line ? '>' : ' '} ${String(c.line).padStart(6)} | ${JSON.stringify(c.event)}`);
  }
  lines.push('');
  if (r.invariant) lines.push(`${r.invariant}: ${r.sentence}`);
  lines.push(`why: ${r.reason}`);
  if (r.allowed.length > 0) {
    lines.push('the model allows here instead:');
    for (const a of r.allowed) lines.push(`  ${a}`);
  }
  if (r.outcome === 'incomplete') lines.push('The trace was NOT fully checked: this is not a verdict of valid.');
  lines.push('');
  const s = r.stats;
  lines.push(
    `${r.events.toLocaleString('en-US')} events, ${s.seconds.toFixed(2)} s, ${s.eventsPerSecond.toLocaleString('en-US')} events/s, ` +
      `at most ${s.maxCandidates} candidate states, ${s.hiddenSteps.toLocaleString('en-US')} unlogged steps explored`,
  );
  if (r.hidden.length > 0) lines.push(`unlogged steps allowed: ${r.hidden.join(', ')}`);
  if (r.variants.length > 0) lines.push(`variants: ${r.variants.join(', ')}`);
  return lines.join('\n') + '\n';
}

export async function runReplay(argv: readonly string[], io: Io): Promise<number> {
  const args = parseArgs('replay', argv, FLAGS);
  if (args.positionals.length !== 1) {
    throw new UsageError(`replay: expected one trace file (or - for standard input), found ${args.positionals.length} arguments`);
  }
  const controller = new AbortController();
  const stop = io.onInterrupt(() => controller.abort());
  let report: ReplayReport;
  try {
    const maxCandidates = num(args, 'max-candidates');
    const maxHiddenDepth = num(args, 'max-hidden-depth');
    const lookahead = num(args, 'lookahead');
    ({ report } = await replayFile(args.positionals[0]!, {
      variants: resolveVariants(list(args, 'variant')),
      signal: controller.signal,
      ...(maxCandidates !== undefined ? { maxCandidates } : {}),
      ...(maxHiddenDepth !== undefined ? { maxHiddenDepth } : {}),
      ...(lookahead !== undefined ? { lookahead } : {}),
    }));
  } finally {
    stop();
  }
  const out = str(args, 'out');
  if (out !== undefined) writeFileSync(out, JSON.stringify(report, null, 1) + '\n');
  io.out(bool(args, 'json') ? JSON.stringify(report) + '\n' : renderReplayText(report));
  return EXIT[report.outcome];
}
