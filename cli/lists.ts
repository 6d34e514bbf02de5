/**
 * `presets`, `variants`, `invariants`, `kernels`, `drivers`: what exists, one per line with a sentence.
 */
import { CHECKED, choiceIn, DEFAULT_DRIVER, DEFAULT_KERNEL, DRIVER_VARIANTS, DRIVERS, KERNEL_RULES, KERNELS, PRESETS, SENTENCES, VARIANTS, type KernelRule, type KernelVersion, type Variant } from '../model/index.js';
import { bool, parseArgs, UsageError } from './args.js';
import type { Io } from './io.js';

function listVerb(verb: string, argv: readonly string[], io: Io, rows: () => { json: unknown; line: string }[]): number {
  const args = parseArgs(verb, argv, { json: 'boolean' });
  if (args.positionals.length > 0) throw new UsageError(`${verb}: unexpected argument "${args.positionals[0]}"`);
  const r = rows();
  io.out(bool(args, 'json') ? JSON.stringify({ verb, items: r.map((x) => x.json) }) + '\n' : r.map((x) => x.line + '\n').join(''));
  return 0;
}

export const runPresets = (argv: readonly string[], io: Io): number =>
  listVerb('presets', argv, io, () =>
    PRESETS.map((p) => ({ json: { name: p.name, sentence: p.sentence, config: p.config }, line: `${p.name.padEnd(12)} ${p.sentence}` })),
  );

export const runVariants = (argv: readonly string[], io: Io): number =>
  listVerb('variants', argv, io, () =>
    (VARIANTS as readonly Variant[]).map((v) => ({
      json: v,
      line: `${v.id.padEnd(4)} ${v.level}  ${v.expected.join('/').padEnd(20)} ${v.behaviour}  [fix: ${v.origin}]`,
    })),
  );

export const runInvariants = (argv: readonly string[], io: Io): number =>
  listVerb('invariants', argv, io, () =>
    (Object.keys(SENTENCES) as (keyof typeof SENTENCES)[]).map((id) => {
      // LIVE-1 is judged on the graph of the whole search (checker/liveness.ts), not state by state.
      const live = id === 'LIVE-1';
      const checked = live || (CHECKED as readonly string[]).includes(id);
      const note = live
        ? '  (on the whole graph once the search covers the space; --no-liveness skips it)'
        : id === 'INV-8'
          ? '  (in configurations with "dirty": true; the others have no dirty bit)'
          : checked
            ? ''
            : '  (not checked yet: a later model level)';
      return {
        json: { id, sentence: SENTENCES[id], checked },
        line: `${id.padEnd(7)} ${SENTENCES[id]}${note}`,
      };
    }),
  );

/** Each version's line: the choice of every rule that differs between versions. */
const KERNEL_NOTES: Readonly<Record<KernelVersion, string>> = {
  '6.1': 'Linux 6.1 LTS (as in 6.1.176)',
  '6.12': 'Linux 6.12 LTS',
  '6.15': 'Linux 6.15 to 6.19',
  latest: 'v7.0 as far as it is known; the default',
};

export function runKernels(argv: readonly string[], io: Io): number {
  const args = parseArgs('kernels', argv, { json: 'boolean' });
  if (args.positionals.length > 0) throw new UsageError(`kernels: unexpected argument "${args.positionals[0]}"`);
  const versions = KERNELS.map((v) => ({ version: v, note: KERNEL_NOTES[v], rules: Object.fromEntries(KERNEL_RULES.map((r) => [r.id, choiceIn(r as KernelRule, v)])) }));
  if (bool(args, 'json')) {
    io.out(JSON.stringify({ verb: 'kernels', items: versions, rules: KERNEL_RULES }) + '\n');
    return 0;
  }
  const lines = versions.map((v) => `${v.version.padEnd(7)} ${v.note}: ${Object.entries(v.rules).map(([id, c]) => `${id} ${c}`).join(', ')}`);
  lines.push('', 'what differs, and where it changed (model/kernel/versions.ts):');
  for (const r of KERNEL_RULES as readonly KernelRule[]) {
    lines.push(`${r.id} (${r.where})`);
    for (const h of r.history) {
      const when = h.since === undefined ? 'before' : h.commit ? `${h.since} ${h.commit.hash ?? ''}${h.commit.hash ? ' ' : ''}"${h.commit.subject}"` : h.since;
      lines.push(`  ${h.choice.padEnd(13)} ${when}: ${r.choices[h.choice]}`);
    }
  }
  io.out(lines.join('\n') + '\n');
  return 0;
}

/** Each driver: what it is, its sources and versions, then its choice at every point where drivers differ. */
export function runDrivers(argv: readonly string[], io: Io): number {
  const args = parseArgs('drivers', argv, { json: 'boolean' });
  if (args.positionals.length > 0) throw new UsageError(`drivers: unexpected argument "${args.positionals[0]}"`);
  const items = DRIVERS.map((d) => ({
    name: d.name,
    summary: d.summary,
    sources: d.sources,
    kernels: d.kernels,
    replayOnly: d.replayOnly,
    behaviour: d.behaviour(DEFAULT_KERNEL),
  }));
  if (bool(args, 'json')) {
    const aliases = Object.entries(DRIVER_VARIANTS).map(([variant, options]) => ({ variant, options }));
    io.out(JSON.stringify({ verb: 'drivers', items, aliases }) + '\n');
    return 0;
  }
  const lines: string[] = [];
  for (const d of items) {
    lines.push(`${d.name.padEnd(10)} ${d.summary}${d.replayOnly ? ' (replay only)' : d.name === DEFAULT_DRIVER ? ' (the default)' : ''}`);
    if (d.sources.length > 0) lines.push(`${''.padEnd(10)} follows ${d.sources.join(', ')}; ${d.kernels}`);
    lines.push(`${''.padEnd(10)} ${Object.entries(d.behaviour).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  }
  lines.push('', 'variants that are one driver option (model/drivers/index.ts), over any driver:');
  for (const [id, o] of Object.entries(DRIVER_VARIANTS)) lines.push(`  ${id.padEnd(4)} ${Object.entries(o).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  io.out(lines.join('\n') + '\n');
  return 0;
}
