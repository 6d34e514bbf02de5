/** Runs hmmcheck in process, as the CLI tests do: exit status, standard output and error. */
import { spawn } from 'node:child_process';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { main } from '../../cli/main.js';
import { memoryIo } from '../../cli/io.js';

export async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIo();
  const code = await main(argv, io);
  return { code, out: io.stdout, err: io.stderr };
}

const MAIN = fileURLToPath(new URL('../../cli/main.js', import.meta.url));

/**
 * Runs hmmcheck as its own process (`node dist/cli/main.js`), for what
 * only a process shows: reading devices, pipes and standard input, and that
 * bad input ends it with a status, not a stack trace or a kill. `feed` gets
 * the child's standard input (ignored if the child has gone); it is closed
 * when `feed` returns unless `feed` returns false, to keep it open (a stream
 * that never ends). A child still running after a minute is killed (status
 * null), and one that grows past 1 GiB of heap dies, so that a regression
 * fails the test instead of hanging it or eating the machine.
 */
export function runChild(argv: readonly string[], feed?: (stdin: Writable) => boolean | void): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--max-old-space-size=1024', MAIN, ...argv], { stdio: ['pipe', 'pipe', 'pipe'], timeout: 60_000 });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (out += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => (err += t));
    child.stdin.on('error', () => undefined);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
    if (!feed || feed(child.stdin) !== false) child.stdin.end();
  });
}
