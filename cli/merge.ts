/**
 * `hmmcheck merge RESULT.json ...`: one verdict from the results of swarm
 * shards (`check --shard i/N --out RESULT.json`), SPIN swarm's idea.
 *
 * Shards are independent searches of one configuration in different orders
 * (and, with --bitstate, on lossy tables), each under its own budget. Merging
 * is sound in one direction only: any shard's violation is a real
 * counterexample (the merge keeps the shortest per invariant), and the merged
 * outcome is `ok` only when one shard on its own covered the whole state space
 * with fingerprints or whole keys. Shards that each stopped early never add up
 * to `ok`, however many states they saw between them: their searches overlap
 * and nothing records what none of them reached.
 */
import { TraceInputError } from '../traces/errors.js';
import { renderCheckText } from '../report/checkText.js';
import { neutralizeDeep, neutralizeLine, safeJson } from '../report/safe.js';
import { PLAIN, terminalStyle } from '../report/style.js';
import { bool, parseArgs, UsageError, type FlagSpec } from './args.js';
import type { CheckReport, ReportViolation } from '../report/checkReport.js';
import { EXIT } from './check.js';
import type { Io } from './io.js';
import { readResultJson, renderingInput } from './resultFile.js';

const FLAGS: FlagSpec = { json: 'boolean' };

export interface MergeReport {
  readonly verb: 'merge';
  readonly outcome: 'ok' | 'violated' | 'incomplete';
  /** One shard covered the whole state space (its own outcome was ok). */
  readonly exhaustive: boolean;
  readonly preset: string | null;
  readonly configFile: string | null;
  readonly variants: readonly string[];
  readonly shards: readonly {
    readonly file: string;
    readonly shard: CheckReport['shard'] | null;
    readonly outcome: string;
    readonly states: number;
    readonly transitions: number;
    readonly store: string;
    readonly stoppedBy: string | null;
  }[];
  /** Per invariant, the shortest counterexample any shard found, and which file has it. */
  readonly violations: readonly (ReportViolation & { readonly file: string })[];
  /** Transitions of each step kind, summed over shards. */
  readonly coverage: readonly { readonly kind: string; readonly count: number }[];
  /** Step kinds no shard fired. */
  readonly neverFired: readonly string[];
}

/** A result of `check --out`, checked for every field the merge reads, so a damaged one is input error naming the field. */
function load(file: string): CheckReport {
  const x = readResultJson(file, 'result of check --out');
  const bad = (field: string, expected: string, found: unknown): TraceInputError =>
    new TraceInputError(file, 1, field, expected, found === undefined ? 'nothing' : (JSON.stringify(found) ?? String(found)).slice(0, 60));
  const o = x as Record<string, unknown> | null;
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw bad('(result)', 'a JSON object from check --out', o);
  if (o['verb'] !== 'check') throw bad('verb', '"check" (merge combines results of check --shard)', o['verb'] ?? null);
  if (!['ok', 'violated', 'incomplete'].includes(o['outcome'] as string)) throw bad('outcome', '"ok", "violated" or "incomplete"', o['outcome']);
  if (o['config'] === null || typeof o['config'] !== 'object') throw bad('config', 'the checked configuration (an object)', o['config']);
  if (!Array.isArray(o['variants']) || !o['variants'].every((v) => typeof v === 'string')) throw bad('variants', 'an array of variant ids', o['variants']);
  const stats = o['stats'] as Record<string, unknown> | null;
  if (stats === null || typeof stats !== 'object') throw bad('stats', 'an object', stats);
  for (const k of ['states', 'transitions']) if (typeof stats[k] !== 'number') throw bad(`stats.${k}`, 'a number', stats[k]);
  if (!Array.isArray(o['violations'])) throw bad('violations', 'an array', o['violations']);
  (o['violations'] as unknown[]).forEach((v, i) => {
    const w = v as Record<string, unknown> | null;
    if (w === null || typeof w !== 'object') throw bad(`violations[${i}]`, 'an object', v);
    if (typeof w['invariant'] !== 'string') throw bad(`violations[${i}].invariant`, 'an invariant id', w['invariant']);
    if (typeof w['steps'] !== 'number') throw bad(`violations[${i}].steps`, 'a number', w['steps']);
    if (!Array.isArray(w['counterexample'])) throw bad(`violations[${i}].counterexample`, 'an array of steps', w['counterexample']);
  });
  if (!Array.isArray(o['coverage'])) throw bad('coverage', 'an array', o['coverage']);
  (o['coverage'] as unknown[]).forEach((c, i) => {
    const d = c as Record<string, unknown> | null;
    if (d === null || typeof d !== 'object' || typeof d['kind'] !== 'string' || typeof d['count'] !== 'number') throw bad(`coverage[${i}]`, '{"kind": string, "count": number}', c);
  });
  return o as unknown as CheckReport;
}

function mergeReports(files: readonly string[], reports: readonly CheckReport[]): MergeReport {
  const first = reports[0]!;
  const same = JSON.stringify([first.config, [...first.variants].sort()]);
  reports.forEach((r, i) => {
    if (JSON.stringify([r.config, [...r.variants].sort()]) !== same) {
      throw new UsageError(`merge: ${files[i]} checked another configuration or other variants than ${files[0]}; shards must all check the same one`);
    }
  });
  const best = new Map<string, ReportViolation & { file: string }>();
  reports.forEach((r, i) => {
    for (const v of r.violations) {
      const had = best.get(v.invariant);
      if (!had || v.steps < had.steps) best.set(v.invariant, { ...v, file: files[i]! });
    }
  });
  const counts = new Map<string, number>();
  for (const r of reports) for (const c of r.coverage) counts.set(c.kind, (counts.get(c.kind) ?? 0) + c.count);
  const exhaustive = reports.some((r) => r.outcome === 'ok');
  const outcome = best.size > 0 ? 'violated' : exhaustive ? 'ok' : 'incomplete';
  return {
    verb: 'merge',
    outcome,
    exhaustive,
    preset: first.preset,
    configFile: first.configFile,
    variants: first.variants,
    shards: reports.map((r, i) => ({
      file: files[i]!,
      shard: r.shard ?? null,
      outcome: r.outcome,
      states: r.stats.states,
      transitions: r.stats.transitions,
      store: r.stats.store ?? 'exact',
      stoppedBy: r.stoppedBy ?? null,
    })),
    violations: [...best.values()].sort((a, b) => a.steps - b.steps),
    coverage: [...counts].map(([kind, count]) => ({ kind, count })),
    neverFired: [...counts].filter(([, c]) => c === 0).map(([k]) => k),
  };
}

function renderMergeText(m: MergeReport, reports: ReadonlyMap<string, CheckReport>, style = PLAIN): string {
  const f = (x: number): string => x.toLocaleString('en-US');
  const lines = [`hmmcheck merge: ${m.shards.length} shard results of ${m.preset ? `preset ${m.preset}` : `config ${m.configFile}`}${m.variants.length ? `, variant ${m.variants.join(', ')}` : ''}`];
  if (m.outcome === 'ok') lines.push(`outcome: ${style.good('ok')}: a shard covered the whole state space and no shard found a violation`);
  else if (m.outcome === 'incomplete') {
    lines.push(`outcome: ${style.warn('incomplete')}: no shard found a violation and none covered the whole state space; together they do NOT make an exhaustive check`);
  } else lines.push(`outcome: ${style.bad('violated')}: ${m.violations.map((v) => `${v.invariant} (${v.steps} steps, ${v.file})`).join(', ')}`);
  lines.push('', `${'file'.padEnd(28)} ${'shard'.padEnd(7)} ${'search'.padEnd(14)} ${'outcome'.padEnd(10)} ${'states'.padStart(11)} store`);
  for (const s of m.shards) {
    const search = s.shard ? `${s.shard.strategy}${s.shard.orderSeed !== undefined ? ` seed ${s.shard.orderSeed}` : ''}` : '';
    const shard = s.shard ? `${s.shard.index}/${s.shard.count}` : '-';
    lines.push(`${s.file.padEnd(28)} ${shard.padEnd(7)} ${search.padEnd(14)} ${(s.outcome + (s.stoppedBy && s.outcome !== 'violated' ? '*' : '')).padEnd(10)} ${f(s.states).padStart(11)} ${s.store}`);
  }
  if (m.shards.some((s) => s.stoppedBy && s.outcome !== 'violated')) lines.push('* stopped early: see that result for why');
  const fired = m.coverage.filter((c) => c.count > 0).length;
  lines.push(`steps fired in some shard: ${fired} of ${m.coverage.length} kinds${m.neverFired.length ? `; in none: ${m.neverFired.join(', ')}` : ''}`);
  const v = m.violations[0];
  if (v) {
    lines.push('', `the shortest counterexample, from ${v.file}:`, '');
    const r = reports.get(v.file)!;
    lines.push(renderCheckText({ ...r, violations: r.violations.filter((x) => x.invariant === v.invariant) }, style).trimEnd());
  }
  return lines.join('\n') + '\n';
}

export function runMerge(argv: readonly string[], io: Io): number {
  const args = parseArgs('merge', argv, FLAGS);
  const files = args.positionals;
  if (files.length === 0) throw new UsageError('merge: expected the result files of check --shard i/N --out FILE, found none');
  const reports = files.map(load);
  const m = mergeReports(files, reports);
  io.out(renderingInput(files.join(', '), () => bool(args, 'json') ? safeJson(m) + '\n' : renderMergeText(neutralizeDeep(m), new Map(files.map((f, i) => [neutralizeLine(f), neutralizeDeep(reports[i]!)])), terminalStyle(io.stdoutIsTTY))));
  return EXIT[m.outcome];
}
