/**
 * `presets`, `variants`, `invariants`: what exists, one per line with a sentence.
 */
import { CHECKED, PRESETS, SENTENCES, VARIANTS, type Variant } from '../model/index.js';
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
