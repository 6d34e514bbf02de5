#!/usr/bin/env node
/**
 * The `hmmcheck` command: dispatches verbs and turns errors into exit
 * statuses. Bad input of any kind (arguments, configuration files, traces)
 * is a one-line message on standard error and status 2, never a stack trace.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../model/index.js';
import { UsageError } from './args.js';
import { EXIT, runCheck } from './check.js';
import { GLOBAL_HELP, VERB_HELP } from './help.js';
import { processIo, type Io } from './io.js';
import { runDrivers, runInvariants, runKernels, runPresets, runVariants } from './lists.js';
import { runImport } from './import.js';
import { runMerge } from './merge.js';
import { runReplay } from './replay.js';
import { runReport } from './report.js';
import { runSimulate } from './simulate.js';
import { OutputError } from './output.js';

type Verb = (argv: readonly string[], io: Io) => number | Promise<number>;

const VERBS: Record<string, Verb> = {
  check: runCheck,
  simulate: runSimulate,
  replay: runReplay,
  import: runImport,
  report: runReport,
  merge: runMerge,
  presets: runPresets,
  variants: runVariants,
  invariants: runInvariants,
  kernels: runKernels,
  drivers: runDrivers,
};

/** Runs one command line; returns the exit status. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === undefined || verb === '--help' || verb === '-h' || verb === 'help') {
    io.out(GLOBAL_HELP);
    return verb === undefined ? EXIT.usage : 0;
  }
  const run = VERBS[verb];
  if (!run) {
    io.err(`hmmcheck: unknown verb "${verb}"; verbs are ${Object.keys(VERBS).join(', ')} (hmmcheck --help)\n`);
    return EXIT.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(VERB_HELP[verb] ?? GLOBAL_HELP);
    return 0;
  }
  try {
    return await run(rest, io);
  } catch (e) {
    if (e instanceof UsageError || e instanceof ConfigError || isInputError(e)) {
      io.err(`hmmcheck: ${(e as Error).message}\n`);
      return EXIT.usage;
    }
    const sys = systemError(e);
    if (sys !== null) {
      // A file that cannot be read or written (ENOSPC, EACCES, EIO, ...) is the environment, not hmmcheck: say which and stop.
      io.err(`hmmcheck: ${verb}: ${sys}\n`);
      return EXIT.usage;
    }
    throw e;
  }
}

/** The message of an operating-system error (one with an errno code), or null for anything else. */
function systemError(e: unknown): string | null {
  if (e instanceof OutputError) return e.message;
  const err = e as NodeJS.ErrnoException | null;
  if (!(err instanceof Error) || typeof err.code !== 'string' || !/^E[A-Z]+$/.test(err.code)) return null;
  const path = err.path !== undefined ? ` ${err.path}` : '';
  return `${err.syscall ?? 'I/O'}${path} failed: ${err.code}`;
}

/** Errors about the user's input from any layer carry file/line/field (TraceInputError). */
function isInputError(e: unknown): boolean {
  return e instanceof Error && e.name === 'TraceInputError';
}

/**
 * Run as the command, not imported (the tests import main). npm installs the
 * command as a symlink (bin/hmmcheck -> .../dist/cli/main.js), so the
 * path node was given is resolved before it is compared with this module's.
 */
function isMainModule(): boolean {
  const arg = process.argv[1];
  if (arg === undefined) return false;
  try {
    return realpathSync(arg) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

const isMain = isMainModule();
if (isMain) {
  main(process.argv.slice(2), processIo()).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`hmmcheck: internal error, please report it: ${(e as Error)?.stack ?? String(e)}\n`);
      process.exitCode = 70;
    },
  );
}
