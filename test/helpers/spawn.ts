/**
 * Runs the built `hmmcheck` command in a child process, as a user's shell
 * does: for what only a real process shows (signals, exit statuses set by
 * the entry point, standard streams closing, files left behind).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** dist/cli/main.js, from dist/test/helpers/spawn.js. */
export const CLI = fileURLToPath(new URL('../../cli/main.js', import.meta.url));

export interface Spawned {
  readonly child: ChildProcess;
  /** Resolves when the process has exited, with everything it printed. */
  readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string; ms: number }>;
  /** Resolves when standard error has printed a line matching `re`. */
  waitErr(re: RegExp, timeoutMs?: number): Promise<void>;
}

export function spawnCli(argv: readonly string[], opts: { cwd?: string; stdin?: 'pipe' | 'ignore'; env?: NodeJS.ProcessEnv; command?: string } = {}): Spawned {
  const started = Date.now();
  const command = opts.command ?? process.execPath;
  const args = opts.command ? [...argv] : [CLI, ...argv];
  const child = spawn(command, args, { cwd: opts.cwd, stdio: [opts.stdin ?? 'ignore', 'pipe', 'pipe'], env: opts.env ?? process.env });
  let out = '';
  let err = '';
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    err += d;
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (waiters[i]!.re.test(err)) waiters.splice(i, 1)[0]!.resolve();
    }
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string; ms: number }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, out, err, ms: Date.now() - started }));
  });
  return {
    child,
    done,
    waitErr(re, timeoutMs = 60_000) {
      if (re.test(err)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no line matching ${re} on standard error within ${timeoutMs} ms; it printed: ${err.slice(-500)}`)), timeoutMs);
        waiters.push({
          re,
          resolve: () => {
            clearTimeout(t);
            resolve();
          },
        });
      });
    },
  };
}

/** Runs to the end: exit status and output. */
export async function runCli(argv: readonly string[], opts: Parameters<typeof spawnCli>[1] = {}): Promise<{ code: number | null; out: string; err: string; ms: number }> {
  return spawnCli(argv, opts).done;
}

/** No stack trace, no "internal error": what a user must never see. */
export function looksLikeCrash(stderr: string): boolean {
  return /internal error|^\s+at .+:\d+:\d+\)?$|Error: .*\n\s+at /m.test(stderr);
}
