/**
 * Markdown reports, for a bug report, a patch's cover letter or a CI summary:
 * the verdict, the invariant and its sentence, the statistics, then the steps
 * (check: the race diagram and a table of every step; replay: the failing
 * line in context). Text from a trace or a configuration (thread names,
 * sources, events) is escaped so that it cannot become markup or HTML.
 */
import { CYCLE_START, cycleEnd, isLasso, lassoSummary } from './lasso.js';
import { driverLabel, driverSuffix, type CheckReport } from './checkReport.js';
import type { ReplayReport } from '../traces/hmm/replayFile.js';
import { changeLine, fingerprintNote } from './checkText.js';
import { raceDiagram } from './raceDiagram.js';
import { citedLines } from './replayText.js';
import { clip } from './safe.js';

/** Inline text: HTML metacharacters and the markdown punctuation that could start markup neutralised. */
export function mdText(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    // Emphasis, code, links, table cells and strikethrough; intra-word _ is literal in GFM.
    .replace(/([\\`*[\]|~])/g, '\\$1')
    .replace(/\r?\n/g, ' ');
}

/** A fenced block whose fence no line of the content can close. */
export function mdFence(content: string, info = 'text'): string {
  const longest = Math.max(2, ...[...content.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${info}\n${content.replace(/\n$/, '')}\n${fence}\n`;
}

const n = (x: number): string => x.toLocaleString('en-US');

export function checkMarkdown(r: CheckReport): string {
  const out: string[] = [];
  const what = r.preset ? `preset ${r.preset}` : `config ${r.configFile}`;
  const variants = r.variants.length > 0 ? `, variant ${r.variants.join(', ')}` : '';
  const kernel = r.kernel !== undefined && r.kernel !== 'latest' ? `, kernel ${r.kernel}` : '';
  out.push(`# hmmcheck ${r.verb}: ${mdText(what + variants + kernel + driverSuffix(r.driver))}`, '');
  const verdict =
    r.outcome === 'ok'
      ? `**ok**: no invariant violated${r.progress?.checked ? ', no deadlock and no livelock' : ' and no deadlock'} in ${n(r.stats.states)} distinct states (the whole state space)`
      : r.outcome === 'incomplete'
        ? `**incomplete**: stopped by ${mdText(r.stoppedBy ?? 'a bound')} after ${n(r.stats.states)} distinct states; the state space was NOT covered`
        : `**violated**`;
  const sim = r.simulation;
  const simNote = sim ? `\n\nRandom walks, not an exhaustive check: ${n(sim.runs)} walks of at most ${sim.depth} steps, seed ${sim.seed}.` : '';
  out.push(`Outcome: ${verdict}${simNote}`, '');
  for (const v of r.violations) {
    out.push(`## ${v.invariant}${v.kind === 'deadlock' ? ' (deadlock)' : v.kind === 'liveness' ? ' (livelock)' : ''}`, '', `> ${mdText(v.sentence)}`, '');
    if (isLasso(v)) out.push(`Counterexample: ${v.steps} steps, ${mdText(lassoSummary(v))}.`, '');
    else {
      const last = v.kind === 'step' ? 'the last step breaks it' : 'the state after the last step breaks it';
      out.push(`${sim ? 'Shrunk' : 'Shortest'} counterexample: ${v.steps} steps; ${last}.`, '');
    }
    out.push('### Race', '', mdFence(raceDiagram(v)));
    out.push('### Every step', '', '| # | thread | step | what changed |', '|---:|---|---|---|');
    for (const s of v.counterexample) {
      if (isLasso(v) && s.n === v.loopStart + 1) out.push(`| | | **${mdText(CYCLE_START)}** | |`);
      const changes = s.changes.map((c) => changeLine(c, '→'));
      out.push(`| ${s.n} | ${mdText(s.thread)} | \`${s.text.replace(/`/g, "'").replace(/\|/g, '\\|')}\` | ${changes.map(mdText).join('<br>')} |`);
    }
    if (isLasso(v)) out.push(`| | | **${mdText(cycleEnd(v))}** | |`);
    out.push('', `Path (replays the run): \`${v.path}\``, '');
  }
  const s = r.stats;
  out.push('## Statistics', '', '| states | transitions | depth | seconds | states/s | B/state |', '|---:|---:|---:|---:|---:|---:|');
  out.push(`| ${n(s.states)} | ${n(s.transitions)} | ${s.depth} | ${s.seconds.toFixed(2)} | ${n(s.statesPerSecond)} | ${s.bytesPerState} |`, '');
  if (!r.simulation && s.store === 'fingerprint') out.push(`${fingerprintNote(s.collisionProbability)}.`, '');
  out.push(`Invariants checked: ${r.invariants.map((i) => i.id).join(', ')}.`, '');
  if (r.progress && !r.progress.checked) out.push(`${r.progress.id} (livelocks) not checked: ${mdText(r.progress.why ?? 'unknown')}.`, '');
  return out.join('\n');
}

export function replayMarkdown(r: ReplayReport): string {
  const out: string[] = [];
  out.push(`# hmmcheck replay: ${mdText(r.file)}`, '');
  const from = r.imported?.sourceLine ? ` (ftrace line ${r.imported.sourceLine})` : '';
  const where = r.outcome === 'valid' ? '' : r.line !== null ? ` at line ${r.line}${from}` : from;
  out.push(`Outcome: **${r.outcome}**${where}`, '');
  if (r.source) out.push(`Source: ${mdText(clip(r.source))}`, '');
  if (r.imported) out.push(mdText(r.imported.note), '');
  if (r.kernel !== undefined) out.push(`Judged under kernel ${mdText(r.kernel)}${r.driver !== undefined ? ` and driver ${mdText(driverLabel(r.driver))}` : ''}.`, '');
  if (r.invariant) out.push(`## ${r.invariant}`, '', `> ${mdText(r.sentence ?? '')}`, '');
  out.push(`Why: ${mdText(r.reason)}`, '');
  if (r.context.length > 0) {
    const cited = citedLines(r);
    const block = r.context.map((c) => `${c.line === r.line ? '>' : cited.has(c.line) ? '*' : ' '} ${String(c.line).padStart(6)} | ${JSON.stringify(c.event)}`).join('\n');
    out.push('### The trace around it', '', mdFence(block), '`>` the line judged; `*` an earlier line the reason names.', '');
  }
  if (r.allowed.length > 0) {
    out.push('### What the model allows there instead', '');
    for (const a of r.allowed) out.push(`- \`${a.replace(/`/g, "'")}\``);
    out.push('');
  }
  if (r.outcome === 'incomplete') out.push('The trace was **not** fully checked: this is not a verdict of valid.', '');
  const s = r.stats;
  out.push(`${n(r.events)} events, ${s.seconds.toFixed(2)} s, ${n(s.eventsPerSecond)} events/s.`, '');
  return out.join('\n');
}
