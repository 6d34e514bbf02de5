/**
 * Checkpoint files: a search's whole progress (visited fingerprints, path
 * links, queue of packed states, counters) so that `--resume` finishes with the
 * same counts and verdict as a run that was never stopped (TLC's -recover).
 *
 * Layout: one line "hmmcheck-checkpoint 1", one line of JSON (the header: what
 * the search was, its counters, and each array's name, type and length), then
 * the arrays' bytes back to back, little-endian as the machine writes them.
 * Written to FILE.tmp and renamed over FILE, so a crash while saving leaves
 * the previous checkpoint whole.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';

const MAGIC = 'hmmcheck-checkpoint 1\n';

export type CheckpointArray = Int32Array | Uint16Array;

export interface Checkpoint {
  readonly header: Record<string, unknown>;
  readonly arrays: Readonly<Record<string, CheckpointArray>>;
}

export class CheckpointError extends Error {
  constructor(file: string, detail: string) {
    super(`${file}: ${detail}`);
    this.name = 'CheckpointError';
  }
}

export function writeCheckpoint(file: string, cp: Checkpoint): void {
  const layout = Object.entries(cp.arrays).map(([name, a]) => ({ name, type: a instanceof Int32Array ? 'i32' : 'u16', length: a.length }));
  const head = Buffer.from(MAGIC + JSON.stringify({ ...cp.header, arrays: layout }) + '\n', 'utf8');
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, head);
    for (const a of Object.values(cp.arrays)) writeSync(fd, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

export function readCheckpoint(file: string): Checkpoint {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new CheckpointError(file, `cannot read the checkpoint (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  if (bytes.subarray(0, MAGIC.length).toString('utf8') !== MAGIC) {
    throw new CheckpointError(file, `not an hmmcheck checkpoint: expected a first line "${MAGIC.trim()}"`);
  }
  const nl = bytes.indexOf(10, MAGIC.length);
  if (nl < 0) throw new CheckpointError(file, 'the header line is cut off');
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(bytes.subarray(MAGIC.length, nl).toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new CheckpointError(file, 'the header line is not JSON');
  }
  const layout = header.arrays as { name: string; type: string; length: number }[] | undefined;
  if (!Array.isArray(layout)) throw new CheckpointError(file, 'the header lists no arrays');
  const arrays: Record<string, CheckpointArray> = {};
  let at = nl + 1;
  for (const { name, type, length } of layout) {
    const size = type === 'i32' ? 4 : 2;
    if (at + length * size > bytes.length) throw new CheckpointError(file, `array ${name} is cut off (the file is truncated)`);
    // Copy into an aligned buffer: the file's offsets need not be multiples of 4.
    const copy = new Uint8Array(length * size);
    copy.set(bytes.subarray(at, at + length * size));
    arrays[name] = type === 'i32' ? new Int32Array(copy.buffer) : new Uint16Array(copy.buffer);
    at += length * size;
  }
  if (at !== bytes.length) throw new CheckpointError(file, `${bytes.length - at} bytes after the last array`);
  return { header, arrays };
}
