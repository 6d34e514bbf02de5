/**
 * The CLI's contact with the process, behind an interface so that tests run
 * verbs in-process and capture what they print.
 */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  readonly stdoutIsTTY: boolean;
  readonly stderrIsTTY: boolean;
  /** Calls `fn` on Ctrl-C; returns a function that stops listening. */
  onInterrupt(fn: () => void): () => void;
}

export function processIo(): Io {
  return {
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
    stdoutIsTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    onInterrupt(fn) {
      let count = 0;
      const handler = (): void => {
        // The first Ctrl-C stops the search and prints the summary so far; a
        // second one means the user wants out now.
        if (++count > 1) process.exit(3);
        process.stderr.write('hmmcheck: interrupted, finishing with the summary so far (Ctrl-C again to quit)\n');
        fn();
      };
      process.on('SIGINT', handler);
      return () => void process.off('SIGINT', handler);
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
      io.stderr += t;
    },
    stdoutIsTTY: false,
    stderrIsTTY: false,
    onInterrupt: () => () => undefined,
  };
  return io;
}
