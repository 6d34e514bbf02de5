/**
 * The CLI's contact with the process, behind an interface so that tests run
 * verbs in-process and capture what they print.
 */
import { neutralize } from '../report/safe.js';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  readonly stdoutIsTTY: boolean;
  readonly stderrIsTTY: boolean;
  /** Calls `fn` on Ctrl-C or SIGTERM; returns a function that stops listening. */
  onInterrupt(fn: () => void): () => void;
}

/** The signals that ask hmmcheck to stop: Ctrl-C, and what CI runners and Kubernetes send. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

export function processIo(): Io {
  // A reader that went away (`hmmcheck import ... | head`) is not an error of
  // ours: stop quietly instead of dying on an unhandled EPIPE.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    const why = e.code === 'EPIPE' ? 'standard output was closed by its reader' : `cannot write to standard output (${e.code ?? e.message})`;
    process.stderr.write(`hmmcheck: ${why}; stopping\n`);
    process.exit(3);
  });
  return {
    out: (t) => void process.stdout.write(t),
    // Messages quote the user's input (file names, field values): shown, never obeyed.
    err: (t) => void process.stderr.write(neutralize(t)),
    stdoutIsTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    onInterrupt(fn) {
      let count = 0;
      const handler = (signal: NodeJS.Signals): void => {
        // The first signal stops the work and delivers the summary so far
        // (and the checkpoint and --out); a second one means out now.
        if (++count > 1) process.exit(3);
        const how = signal === 'SIGINT' ? 'interrupted (Ctrl-C again to quit at once)' : `${signal} received (send it again to quit at once)`;
        process.stderr.write(`hmmcheck: ${how}; finishing with the summary so far\n`);
        fn();
      };
      for (const s of STOP_SIGNALS) process.on(s, handler);
      return () => {
        for (const s of STOP_SIGNALS) process.off(s, handler);
      };
    },
  };
}

/** An Io that records output, for tests. */
export function memoryIo(): Io & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    out(t: string) {
      io.stdout += t;
    },
    err(t: string) {
      io.stderr += neutralize(t);
    },
    stdoutIsTTY: false,
    stderrIsTTY: false,
    onInterrupt: () => () => undefined,
  };
  return io;
}
