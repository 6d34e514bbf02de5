/** Runs hmmcheck in process, as the CLI tests do: exit status, standard output and error. */
import { main } from '../../traces/cli/main.js';
import { memoryIo } from '../../traces/cli/io.js';

export async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIo();
  const code = await main(argv, io);
  return { code, out: io.stdout, err: io.stderr };
}
