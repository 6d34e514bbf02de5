/**
 * The terminal rendering of a replay verdict: the verdict and line, the
 * failing line in context (the earlier lines the reason names marked), the
 * invariant, the reason, and what the model allows there instead.
 */
import type { ReplayReport } from '../traces/hmm/replayFile.js';
import { driverLabel } from './checkReport.js';
import { PLAIN, type Style } from './style.js';
import { clip as clipText } from './safe.js';

/** Lines other than the judged one that the reason cites ("the invalidate at line 7 ..."). */
export function citedLines(r: ReplayReport): Set<number> {
  const out = new Set<number>();
  for (const m of r.reason.matchAll(/\blines? (\d+)/g)) if (Number(m[1]) !== r.line) out.add(Number(m[1]));
  return out;
}

/** A terminal line per event: a long event (a kernel trace's 64 pfns) is cut, saying how much. */
function clip(json: string, max = 400): string {
  return json.length <= max ? json : `${json.slice(0, max)} … (${json.length - max} more characters; --json or --format markdown shows all)`;
}

export function renderReplayText(r: ReplayReport, st: Style = PLAIN): string {
  const lines: string[] = [];
  const word = r.outcome === 'valid' ? st.good(r.outcome) : r.outcome === 'invalid' ? st.bad(r.outcome) : st.warn(r.outcome);
  const from = r.imported?.sourceLine ? ` (ftrace line ${r.imported.sourceLine})` : '';
  const verdict = r.outcome === 'valid' ? word : r.line !== null ? `${word} at line ${r.line}${from}` : `${word}${from}`;
  lines.push(`hmmcheck replay ${r.file}: ${verdict}`);
  if (r.source) lines.push(`source: ${clipText(r.source)}`);
  if (r.imported) lines.push(r.imported.note);
  if (r.context.length > 0) {
    lines.push('');
    const cited = citedLines(r);
    for (const c of r.context) {
      const mark = c.line === r.line ? '>' : cited.has(c.line) ? '*' : ' ';
      const text = `${mark} ${String(c.line).padStart(6)} | ${clip(JSON.stringify(c.event))}`;
      lines.push(c.line === r.line ? st.strong(text) : text);
    }
    if (cited.size > 0) lines.push('  (> the line judged; * an earlier line the reason names)');
  }
  lines.push('');
  if (r.invariant) lines.push(`${st.bad(r.invariant)}: ${r.sentence}`);
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
  if (r.kernel !== undefined) {
    const driver = r.driver === undefined ? '' : ` and driver ${driverLabel(r.driver)}`;
    lines.push(`judged under kernel ${r.kernel}${driver} (hmmcheck kernels and hmmcheck drivers list what differs)`);
  }
  if (r.variants.length > 0) lines.push(`variants: ${r.variants.join(', ')}`);
  return lines.join('\n') + '\n';
}
