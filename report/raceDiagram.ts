/**
 * The kernel race diagram of a counterexample: one column per thread, time
 * going down, as in the race diagrams of kernel commit messages (for
 * example the one in "mm/memory.c: fix race when faulting a device private
 * page", or in the hmm_range_fault and mmu_interval_read_retry
 * documentation of Documentation/mm/hmm.rst).
 *
 * Only the steps that touch what the violation is about are shown: the
 * pages and frames the last step names (and the frames those pages held on
 * the way), the driver lock and sequence of the device involved. That is a
 * slice of the counterexample, not all of it: the step numbers in the left
 * margin are the counterexample's, so gaps show where steps were left out.
 */
import type { ReportStep, ReportViolation } from './checkReport.js';
import { CYCLE_START, cycleEnd, isLasso, lassoSummary } from './lasso.js';

const GUTTER = 5;
const GAP = 2;

/** Pages and frames an event names. */
export function eventFootprint(e: Readonly<Record<string, unknown>>): { pages: Set<number>; pfns: Set<string> } {
  const pages = new Set<number>();
  const pfns = new Set<string>();
  const pfn = (x: unknown): void => {
    if (typeof x === 'number' || typeof x === 'string') pfns.add(String(x));
  };
  if (typeof e['page'] === 'number') pages.add(e['page']);
  if (typeof e['start'] === 'number' && typeof e['end'] === 'number') for (let p = e['start']; p < e['end']; p++) pages.add(p);
  for (const p of Array.isArray(e['migrated']) ? e['migrated'] : []) if (typeof p === 'number') pages.add(p);
  pfn(e['pfn']);
  pfn(e['src']);
  pfn(e['dst']);
  for (const key of ['src', 'pfns'] as const) {
    const xs = e[key];
    if (!Array.isArray(xs)) continue;
    for (const x of xs) {
      if (x !== null && typeof x === 'object') {
        const o = x as Record<string, unknown>;
        if (typeof o['page'] === 'number') pages.add(o['page']);
        pfn(o['pfn']);
      } else pfn(x);
    }
  }
  return { pages, pfns };
}

/** The page a change key is about (`mm0.pte[1]`, `dmirror0.pt[1]`), or -1. */
const keyPage = (key: string): number => {
  const m = /\.(?:pte|pt)\[(\d+)\]$/.exec(key);
  return m ? Number(m[1]) : -1;
};

/** The device or mm a key belongs to (`dmirror0.lock` -> dmirror0). */
const keyOwner = (key: string): string => key.split('.')[0]!;

const pfnsIn = (text: string | undefined): string[] => [...(text ?? '').matchAll(/pfn(\d+)/g)].map((m) => m[1]!);

/** What the violation is about, grown once through the frames its pages held. */
function involved(v: ReportViolation): { pages: Set<number>; pfns: Set<string>; owners: Set<string> } {
  const last = v.counterexample[v.counterexample.length - 1]!;
  const { pages, pfns } = eventFootprint(last.event);
  const owners = new Set<string>();
  if (typeof last.event['dev'] === 'string') owners.add(last.event['dev']);
  for (const c of last.changes) {
    const p = keyPage(c.key);
    if (p >= 0) {
      pages.add(p);
      owners.add(keyOwner(c.key));
    }
    for (const f of [...pfnsIn(c.before), ...pfnsIn(c.after)]) pfns.add(f);
  }
  // The frames the involved pages held at any point, and the pages those frames backed.
  for (const s of v.counterexample) {
    for (const c of s.changes) {
      if (pages.has(keyPage(c.key))) for (const f of [...pfnsIn(c.before), ...pfnsIn(c.after)]) pfns.add(f);
    }
  }
  for (const s of v.counterexample) {
    const t = eventFootprint(s.event);
    if ([...t.pfns].some((f) => pfns.has(f))) for (const p of t.pages) pages.add(p);
  }
  return { pages, pfns, owners };
}

const LOCK_SEQ_STEPS = new Set(['driver_lock', 'driver_unlock', 'mmu_interval_read_begin', 'mmu_interval_read_retry']);

/** The steps of the slice, and the changes of each worth showing. */
export function raceSlice(v: ReportViolation): { step: ReportStep; notes: string[] }[] {
  const inv = involved(v);
  const out: { step: ReportStep; notes: string[] }[] = [];
  for (const s of v.counterexample) {
    const t = eventFootprint(s.event);
    const dev = typeof s.event['dev'] === 'string' ? s.event['dev'] : undefined;
    const onPage = [...t.pages].some((p) => inv.pages.has(p)) || [...t.pfns].some((f) => inv.pfns.has(f));
    const lockOrSeq = LOCK_SEQ_STEPS.has(s.step) && (dev === undefined || inv.owners.size === 0 || inv.owners.has(dev));
    const inCycle = isLasso(v) && s.n > v.loopStart;
    if (!onPage && !lockOrSeq && !inCycle && s !== v.counterexample[v.counterexample.length - 1]) continue;
    const notes = s.changes.flatMap((c): string[] => {
      if (c.after === undefined) return [];
      const p = keyPage(c.key);
      if (p >= 0) return inv.pages.has(p) ? [`${c.key.replace(/^mm\d+\./, '').replace(/^(dmirror\d+)\./, '$1 ')} = ${c.after}`] : [];
      if (/^mm\d+\.invalidate_seq$/.test(c.key)) return [`${keyOwner(c.key)} seq = ${c.after}`];
      if (/^dmirror\d+\.invalidate_seq$/.test(c.key)) return [`${keyOwner(c.key)} seq = ${c.after}`];
      if (c.key === `${s.thread}.seq`) return [`seq = ${c.after}`];
      return [];
    });
    out.push({ step: s, notes });
  }
  return out;
}

/**
 * A step's text without what every step shares: the mm and device names when
 * the counterexample has only one of each, one-page ranges as one page.
 */
export function compactText(text: string, oneMm: boolean, oneDev: boolean): string {
  let t = text.replace(/pages (\d+)\.\.\1\b/g, 'page $1');
  if (oneMm) t = t.replace(/\bmm\d+, /g, '').replace(/\(mm\d+\)/g, '()');
  if (oneDev) t = t.replace(/\bdmirror\d+, /g, '').replace(/\(dmirror\d+\)/g, '()').replace(/\(dmirror\d+, /g, '(');
  return t;
}

/** Splits text into lines of at most `width`, breaking after spaces and commas where it can. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let rest = text;
  while (rest.length > width) {
    // A space first, then after a comma or an opening bracket, else hard.
    let cut = -1;
    for (let i = width; i > width / 3 && cut < 0; i--) if (rest[i] === ' ') cut = i;
    for (let i = width; i > width / 3 && cut < 0; i--) if (',(['.includes(rest[i - 1]!)) cut = i;
    if (cut < 0) cut = width;
    lines.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest.length > 0 || lines.length === 0) lines.push(rest);
  return lines;
}

/**
 * The diagram as plain fixed-width text, at most `width` columns wide where
 * the number of threads allows (each column at least 16 wide).
 */
export function raceDiagram(v: ReportViolation, width = 80): string {
  const slice = raceSlice(v);
  const names = (re: RegExp): Set<string> => new Set(v.counterexample.flatMap((s) => [...s.text.matchAll(re)].map((m) => m[0])));
  const oneMm = names(/\bmm\d+/g).size <= 1;
  const oneDev = names(/\bdmirror\d+/g).size <= 1;
  const own = (t: string): string => (oneMm ? t.replace(/^mm\d+ seq/, 'mm seq') : t);
  const threads: string[] = [];
  for (const { step } of slice) if (!threads.includes(step.thread)) threads.push(step.thread);
  const col = Math.max(16, Math.floor((width - GUTTER - GAP * (threads.length - 1)) / threads.length));
  const row = (cells: readonly string[], gutter = ''): string => {
    const parts = threads.map((_, i) => (cells[i] ?? '').padEnd(col));
    return (gutter.padStart(GUTTER - 2) + '  ' + parts.join(' '.repeat(GAP))).trimEnd();
  };
  const lines: string[] = [];
  lines.push(row(threads));
  lines.push(row(threads.map((t) => '-'.repeat(t.length))));
  let prev = 0;
  const loopStart = isLasso(v) ? v.loopStart : -1;
  for (const { step, notes } of slice) {
    if (loopStart >= 0 && prev <= loopStart && step.n > loopStart) lines.push(' '.repeat(GUTTER) + CYCLE_START);
    else if (prev > 0 && step.n > prev + 1) lines.push(row([], '..'));
    prev = step.n;
    const i = threads.indexOf(step.thread);
    const body = [...wrap(compactText(step.text, oneMm, oneDev), col), ...notes.flatMap((n) => wrap(oneDev ? own(n).replace(/^dmirror\d+ seq/, 'interval seq').replace(/^dmirror\d+ pt/, 'dev pt') : own(n), col - 2).map((l) => `  ${l}`))];
    body.forEach((l, j) => {
      const cells: string[] = [];
      cells[i] = l;
      lines.push(row(cells, j === 0 ? String(step.n) : ''));
    });
  }
  lines.push('');
  if (loopStart >= 0) lines.push(' '.repeat(GUTTER) + cycleEnd(v as ReportViolation & { loopStart: number }));
  const kind = v.kind === 'deadlock' ? 'deadlock' : v.kind === 'step' ? 'broken by this step' : 'broken in the state after this step';
  const what = isLasso(v) ? `${v.invariant}, ${lassoSummary(v)}` : `${v.invariant} ${kind}: ${v.sentence}`;
  for (const l of wrap(what, width)) lines.push(l);
  const left = v.counterexample.length - slice.length;
  if (left > 0) lines.push(...wrap(`(${left} of ${v.counterexample.length} steps left out: they touch neither these pages nor these frames)`, width));
  return lines.join('\n') + '\n';
}
