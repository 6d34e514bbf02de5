/**
 * Files the command line writes (`--out`, `--trace-out`, `--checkpoint`,
 * `report --out`, `import --out`): checked before any work starts, written
 * whole or not at all, and never the reason a finished verdict is lost.
 *
 * A path is checked at argument time (its directory exists and can be
 * written, it is not a directory, an existing file can be overwritten), so a
 * search of hours does not end in ENOENT. A file is written to a temporary
 * name beside it and renamed, so a reader never sees half a result and a
 * crash leaves the previous file. When writing still fails at the end (disk
 * full, the directory removed meanwhile), `deliver` saves the text in the
 * working directory under a name it prints, or failing that prints it on
 * standard output: the verdict the search paid for reaches the user either way,
 * and the exit status stays the verdict's.
 */
import { accessSync, closeSync, constants, fsyncSync, openSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from './args.js';
import type { Io } from './io.js';

/** Why `path` cannot take a file, or null when it can. */
export function unwritableReason(path: string): string | null {
  if (path === '') return 'the path is empty';
  const dir = dirname(resolve(path));
  let d;
  try {
    d = statSync(dir);
  } catch (e) {
    return `its directory ${dirname(path)} does not exist (${code(e)})`;
  }
  if (!d.isDirectory()) return `${dirname(path)} is not a directory`;
  try {
    accessSync(dir, constants.W_OK);
  } catch (e) {
    return `its directory ${dirname(path)} is not writable (${code(e)})`;
  }
  let f;
  try {
    f = statSync(path);
  } catch {
    return null;
  }
  if (f.isDirectory()) return 'it is a directory';
  if (!f.isFile() && !f.isFIFO() && !f.isCharacterDevice()) return 'it exists and is neither a regular file, a pipe nor a terminal';
  try {
    accessSync(path, constants.W_OK);
  } catch (e) {
    return `the file exists and is not writable (${code(e)})`;
  }
  return null;
}

/** Exit 2 before any work when `--flag path` cannot be written. */
export function checkOutputPath(verb: string, flag: string, path: string | undefined): void {
  if (path === undefined) return;
  const why = unwritableReason(path);
  if (why !== null) throw new UsageError(`${verb}: ${flag} ${path}: cannot write there: ${why}`);
}

function code(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err?.code ?? err?.message ?? String(e);
}

/** A temporary name beside `path`, unique to this process and call. */
export function tempBeside(path: string): string {
  const rand = Math.random().toString(36).slice(2, 10);
  return join(dirname(path), `.${basename(path)}.${process.pid}.${rand}.tmp`);
}

export class OutputError extends Error {
  constructor(
    readonly path: string,
    readonly code: string,
  ) {
    super(`cannot write ${path} (${code})`);
    this.name = 'OutputError';
  }
}

function isStream(path: string): boolean {
  try {
    const f = statSync(path);
    return f.isFIFO() || f.isCharacterDevice();
  } catch {
    return false;
  }
}

/** Writes `text` to `path` through a temporary file and a rename; throws OutputError, leaving no temporary behind. */
export function writeAtomic(path: string, text: string | Uint8Array): void {
  if (isStream(path)) {
    // A pipe or a device (/dev/stdout, a FIFO): nothing to rename over.
    try {
      writeFileSync(path, text);
      return;
    } catch (e) {
      throw new OutputError(path, code(e));
    }
  }
  const tmp = tempBeside(path);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx');
    const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
    let at = 0;
    while (at < bytes.length) at += writeSync(fd, bytes, at, bytes.length - at);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // The write's error is the one to report.
      }
    }
    rmSync(tmp, { force: true });
    throw new OutputError(path, code(e));
  }
}

/**
 * Writes `text` (what: "the JSON result", "the counterexample trace") to
 * `path`; if that fails, saves it in the working directory under a name the
 * message gives, and if that fails too, prints it on standard output between
 * two marker lines. Never throws: the caller's exit status stands.
 */
export function deliver(io: Io, verb: string, what: string, path: string, text: string, options: { readonly inStdoutJson?: boolean } = {}): void {
  try {
    writeAtomic(path, text);
    return;
  } catch (e) {
    const first = e instanceof OutputError ? e.code : code(e);
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const fallback = `hmmcheck-${verb}-${stamp}-${basename(path) || 'output'}`;
    try {
      writeAtomic(fallback, text);
      io.err(`hmmcheck: could not write ${what} to ${path} (${first}); saved it as ${resolve(fallback)} instead\n`);
      return;
    } catch (e2) {
      const second = e2 instanceof OutputError ? e2.code : code(e2);
      if (options.inStdoutJson) {
        // --json: standard output carries one JSON object, which holds this already.
        io.err(`hmmcheck: could not write ${what} to ${path} (${first}) nor to ${fallback} in the working directory (${second}); the JSON on standard output holds it\n`);
        return;
      }
      io.err(`hmmcheck: could not write ${what} to ${path} (${first}) nor to ${fallback} in the working directory (${second}); it follows on standard output\n`);
      io.out(`----- ${what} (meant for ${path}) -----\n${text}${text.endsWith('\n') ? '' : '\n'}----- end of ${what} -----\n`);
    }
  }
}
