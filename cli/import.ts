/**
 * `hmmcheck import ftrace FILE`: a kernel trace (ftrace text of a kernel
 * running lib/test_hmm.c with kprobe events) written as hmmtrace v1
 * (traces/ftrace/importer.ts holds the mapping table). The trace goes to
 * --out or standard output; what was imported, ignored and where the import
 * stopped goes to standard error (or, with --json and --out, to standard
 * output as one object).
 */
import { withInputBounds } from '../traces/bounds.js';
import { importToFile } from '../traces/ftrace/index.js';
import { bool, parseArgs, str, UsageError, type FlagSpec } from './args.js';
import { createReadStream, createWriteStream, renameSync, rmSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { maxLineBytes } from './inputFlags.js';
import { resolveKernel } from './world.js';
import type { Io } from './io.js';
import { checkOutputPath, OutputError, tempBeside } from './output.js';

const FLAGS: FlagSpec = {
  out: 'string',
  probes: 'string',
  json: 'boolean',
  quiet: 'boolean',
  'max-line-bytes': 'integer',
  kernel: 'string',
};

/**
 * The trace goes to a temporary file beside --out and is renamed over it
 * only when the import finished, so --out never holds half a trace.
 */
async function importAtomically(file: string, out: string, io: Io, opts: Parameters<typeof importToFile>[2]): ReturnType<typeof importToFile> {
  if (out === '-') return importToFile(file, (t) => io.out(t), opts);
  const tmp = tempBeside(out);
  const zipped = out.endsWith('.gz') ? tempBeside(out) : null;
  try {
    const r = await importToFile(file, tmp, { ...opts, file: file === '-' ? '<stdin>' : file });
    // A name ending in .gz gets gzip data, as a user reading the name expects.
    if (zipped !== null) await pipeline(createReadStream(tmp), createGzip(), createWriteStream(zipped));
    renameSync(zipped ?? tmp, out);
    return r;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.syscall === 'rename' || err.syscall === 'write' || err.syscall === 'open') throw new OutputError(out, err.code ?? String(e));
    throw e;
  } finally {
    rmSync(tmp, { force: true });
    if (zipped !== null) rmSync(zipped, { force: true });
  }
}

/** 0 imported in full; 3 stopped outside the model, or the capture is not whole (what could be imported is written). */
const EXIT = { ok: 0, incomplete: 3 } as const;

export async function runImport(argv: readonly string[], io: Io): Promise<number> {
  const args = parseArgs('import', argv, FLAGS);
  const [format, file, ...rest] = args.positionals;
  if (format !== 'ftrace') {
    throw new UsageError(`import: expected the format of the recording first (ftrace), found ${format === undefined ? 'nothing' : JSON.stringify(format)}`);
  }
  if (file === undefined || rest.length > 0) {
    throw new UsageError(`import: expected one ftrace file (or - for standard input) after "ftrace", found ${file === undefined ? 0 : 1 + rest.length} arguments`);
  }
  const out = str(args, 'out') ?? '-';
  const json = bool(args, 'json');
  if (json && out === '-') throw new UsageError('import: --json prints the summary on standard output, so the trace needs --out FILE');
  if (out !== '-') checkOutputPath('import', '--out', out);
  const probes = str(args, 'probes');
  const kernel = resolveKernel(str(args, 'kernel'));
  const { header, summary } = await withInputBounds(maxLineBytes('import', args), () => importAtomically(file, out, io, { ...(probes ? { probes } : {}), ...(kernel ? { kernel } : {}) }));
  const display = file === '-' ? '<stdin>' : file;
  const outcome = summary.unsupported ? 'incomplete' : 'ok';
  if (json) {
    io.out(JSON.stringify({ verb: 'import', format: 'ftrace', file: display, out, outcome, header, summary }) + '\n');
  } else if (!bool(args, 'quiet')) {
    const counts = Object.entries(summary.counts)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    const lines = [
      `hmmcheck import ftrace ${display}: ${summary.lines.toLocaleString('en-US')} lines -> ${summary.events.toLocaleString('en-US')} hmmtrace events${out === '-' ? '' : ` in ${out}`}`,
      `test: ${summary.test ?? '(not named by a tracing mark)'}${summary.rc !== null ? `, rc=${summary.rc}` : ''}`,
      header.kernel !== undefined
        ? `kernel: ${header.kernel}${kernel === undefined ? ' (the default probe set is Linux 6.1\'s; --kernel says otherwise)' : ''}`
        : 'kernel: not said (a capture does not name its kernel): replay judges it under latest unless --kernel is given here or to replay',
      `events: ${counts || 'none'}`,
      `left out: ${summary.outside} events outside the test's buffers, ${summary.afterRelease} after the mirror was released, ${summary.splits} huge-PMD split brackets`,
    ];
    if (summary.unsupported) {
      const why = summary.unsupported.missing ? 'the capture is not whole' : 'outside what the model covers';
      lines.push(`stopped at line ${summary.unsupported.line}: ${summary.unsupported.reason} (${why}; replay judges this trace incomplete)`);
    }
    for (const note of summary.notes) lines.push(`note: ${note}`);
    io.err(lines.join('\n') + '\n');
  }
  return EXIT[outcome];
}
