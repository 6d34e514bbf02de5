/**
 * One entry point for every rendering of a saved result: `check` and
 * `replay` print through it with `--format`, and `report` renders a result
 * saved with `--out` or `--json`. A result file that is not one of those is
 * bad input, named by file and field.
 */
import type { CheckReport } from './checkReport.js';
import { TraceInputError } from '../traces/errors.js';
import type { ReplayReport } from '../traces/hmm/replayFile.js';
import { renderCheckText } from './checkText.js';
import { renderHtml } from './html.js';
import { checkMarkdown, replayMarkdown } from './markdown.js';
import { renderReplayText } from './replayText.js';
import { neutralizeDeep } from './safe.js';
import { PLAIN, type Style } from './style.js';

export const FORMATS = ['text', 'markdown', 'html'] as const;
export type Format = (typeof FORMATS)[number];

export type Result = CheckReport | ReplayReport;

export function render(result: Result, format: Format, style: Style = PLAIN): string {
  // HTML puts text on the page only as text; the others go to terminals.
  if (format === 'html') return renderHtml(result);
  const r = neutralizeDeep(result);
  if (r.verb !== 'replay') return format === 'markdown' ? checkMarkdown(r) : renderCheckText(r, style);
  return format === 'markdown' ? replayMarkdown(r) : renderReplayText(r, style);
}

/** Checks that parsed JSON is a result hmmcheck wrote, enough to render it. */
export function asResult(file: string, x: unknown): Result {
  const bad = (field: string, expected: string, found: unknown): TraceInputError =>
    new TraceInputError(file, 1, field, expected, found === undefined ? 'nothing' : JSON.stringify(found).slice(0, 60));
  if (x === null || typeof x !== 'object' || Array.isArray(x)) throw bad('(result)', 'a JSON object from hmmcheck check or replay --json/--out', x);
  const o = x as Record<string, unknown>;
  if (o['verb'] !== 'check' && o['verb'] !== 'simulate' && o['verb'] !== 'replay') throw bad('verb', '"check", "simulate" or "replay"', o['verb']);
  const outcomes = o['verb'] !== 'replay' ? ['ok', 'violated', 'incomplete'] : ['valid', 'invalid', 'incomplete'];
  if (!outcomes.includes(o['outcome'] as string)) throw bad('outcome', outcomes.map((s) => `"${s}"`).join(' or '), o['outcome']);
  if (o['stats'] === null || typeof o['stats'] !== 'object') throw bad('stats', 'an object', o['stats']);
  if (o['verb'] !== 'replay') {
    if (!Array.isArray(o['violations'])) throw bad('violations', 'an array', o['violations']);
    (o['violations'] as unknown[]).forEach((v, i) => {
      if (!v || typeof v !== 'object' || !Array.isArray((v as Record<string, unknown>)['counterexample'])) {
        throw bad(`violations[${i}].counterexample`, 'an array of steps', (v as Record<string, unknown> | null)?.['counterexample']);
      }
    });
  } else {
    if (typeof o['reason'] !== 'string') throw bad('reason', 'a string', o['reason']);
    if (!Array.isArray(o['context'])) throw bad('context', 'an array', o['context']);
  }
  return x as Result;
}
