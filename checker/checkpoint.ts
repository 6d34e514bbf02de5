/**
 * Checkpoint files: a search's whole progress (visited fingerprints, path
 * links, queue of packed states, counters) so that `--resume` finishes with the
 * same counts and verdict as a run that was never stopped (TLC's -recover).
 *
 * Layout (format 2):
 *
 *   hmmcheck-checkpoint 2
 *   sha256 <64 hex digits>
 *   {"writer":{...},"endian":"le","search":{...},"arrays":[{"name","type","length"}...]}
 *   the arrays' bytes back to back, in the byte order the header names
 *
 * The checksum covers everything after its own line. A changed byte in a path
 * link or a queued state would otherwise resume quietly into counts and a
 * verdict of a search that never happened, and one in the fingerprint table
 * or the queue could crash the search; a damaged file is refused whole
 * instead. The writer (hmmcheck's version and the model's) is refused when it
 * is not the reader: a search saved under other rules must not be finished
 * under these. Past the checksum the contents are still checked against each
 * other (checkpointShape.ts), so that even a file hmmcheck wrote wrongly is
 * an error, never a crash.
 *
 * Written to a temporary file of its own beside FILE, synced and renamed over
 * FILE: a crash while saving leaves the previous checkpoint whole, and two
 * runs saving to one FILE do not trip over each other (the last rename wins).
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, fsyncSync, openSync, readSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { endianness } from 'node:os';
import { dirname, resolve } from 'node:path';
import { checkpointProblem } from './checkpointShape.js';
import { hmmcheckVersion } from './version.js';

const FORMAT = 2;
const MAGIC = `hmmcheck-checkpoint ${FORMAT}\n`;
const ENDIAN = endianness() === 'LE' ? 'le' : 'be';
/** Bytes per read or write call: Node refuses single calls above 2 GiB, and a big table is larger. */
const CHUNK = 1 << 26;
/** The header is counters and a few counterexample paths: far below this, which only bounds a damaged file's reading. */
const MAX_HEADER = 1 << 26;

export type CheckpointArray = Int32Array | Uint16Array;

export interface Checkpoint {
  readonly header: Record<string, unknown>;
  readonly arrays: Readonly<Record<string, CheckpointArray>>;
}

/** Who wrote a checkpoint: only the same hmmcheck with the same model may resume it. */
export interface CheckpointWriter {
  readonly hmmcheck: string;
  readonly model: string;
}

/** This hmmcheck with the caller's model version (the checker does not know the model). */
export function checkpointWriter(model: string): CheckpointWriter {
  return { hmmcheck: hmmcheckVersion(), model };
}

/** A checkpoint file that cannot be used: unreadable, damaged, or written by another version. */
export class CheckpointError extends Error {
  /** `file` is undefined for a checkpoint that was never a file (one passed in memory). */
  constructor(
    readonly file: string | undefined,
    readonly detail: string,
  ) {
    super(file === undefined ? detail : `${file}: ${detail}`);
    this.name = 'CheckpointError';
  }
}

export function writeCheckpoint(file: string, cp: Checkpoint, writer: CheckpointWriter): void {
  const arrays = Object.entries(cp.arrays);
  const layout = arrays.map(([name, a]) => ({ name, type: a instanceof Int32Array ? 'i32' : 'u16', length: a.length }));
  const head = Buffer.from(JSON.stringify({ writer: { hmmcheck: writer.hmmcheck, model: writer.model }, endian: ENDIAN, search: cp.header, arrays: layout }) + '\n', 'utf8');
  // Hashed over views of the arrays: a table of a few GiB is not copied to be saved.
  const hash = createHash('sha256').update(head);
  for (const [, a] of arrays) hash.update(bytesOf(a));
  const top = Buffer.from(`${MAGIC}sha256 ${hash.digest('hex')}\n`, 'utf8');
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  let fd = -1;
  let created = false;
  try {
    // 'wx': a name that exists is someone else's file, never truncated.
    fd = openSync(tmp, 'wx', 0o644);
    created = true;
    writeAll(fd, top);
    writeAll(fd, head);
    for (const [, a] of arrays) writeAll(fd, bytesOf(a));
    fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    renameSync(tmp, file);
    created = false;
  } catch (e) {
    if (fd >= 0) closeQuietly(fd);
    if (created) unlinkQuietly(tmp);
    throw isSystemError(e) ? new CheckpointError(file, `cannot write the checkpoint (${e.message})`) : e;
  }
  syncDirectory(dirname(resolve(file)));
}

/**
 * Reads a checkpoint `writer` may resume: the checksum must match, the writer
 * must be `writer`, and the contents must hang together (checkpointShape.ts).
 * Anything else is a CheckpointError naming the file and what is wrong.
 */
export function readCheckpoint(file: string, writer: CheckpointWriter): Checkpoint {
  let fd: number;
  try {
    // Non-blocking: a named pipe with no writer is refused below, not waited on.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw new CheckpointError(file, `cannot read the checkpoint (${isSystemError(e) ? e.code : String(e)})`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new CheckpointError(file, `not an hmmcheck checkpoint: expected a regular file, found ${st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a pipe' : st.isCharacterDevice() ? 'a character device' : 'a special file'}`);
    return readOpen(new Reader(fd, file), writer);
  } catch (e) {
    if (isSystemError(e)) throw new CheckpointError(file, `cannot read the checkpoint (${e.code})`);
    throw e;
  } finally {
    closeQuietly(fd);
  }
}

/**
 * Throws a CheckpointError unless a checkpoint can be saved as `file`: its
 * folder exists and takes a new file (tried, with the temporary name a save
 * uses), and `file` is not a folder. For the command line, before a search
 * of hours finds out at its first save.
 */
export function checkCheckpointTarget(file: string): void {
  const dir = dirname(resolve(file));
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (e) {
    const code = isSystemError(e) ? e.code : String(e);
    throw new CheckpointError(file, code === 'ENOENT' ? `its folder ${dir} does not exist` : `cannot look at its folder ${dir} (${code})`);
  }
  if (!isDir) throw new CheckpointError(file, `${dir} is not a folder`);
  try {
    if (statSync(file).isDirectory()) throw new CheckpointError(file, 'it is a folder, not a file');
  } catch (e) {
    if (e instanceof CheckpointError) throw e;
    // Not there yet: the first save makes it.
  }
  const probe = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    closeSync(openSync(probe, 'wx', 0o644));
  } catch (e) {
    throw new CheckpointError(file, `cannot create a file in ${dir} (${isSystemError(e) ? e.code : String(e)})`);
  }
  unlinkQuietly(probe);
}

function readOpen(r: Reader, writer: CheckpointWriter): Checkpoint {
  const damaged = (detail: string): CheckpointError => new CheckpointError(r.file, `checkpoint damaged: ${detail}`);
  const first = r.line(64)?.toString('latin1');
  const format = first === undefined ? undefined : /^hmmcheck-checkpoint (\d+)$/.exec(first)?.[1];
  if (format === undefined) throw new CheckpointError(r.file, `not an hmmcheck checkpoint: expected a first line "${MAGIC.trim()}"`);
  if (Number(format) !== FORMAT) {
    const why = format === '1' ? 'format 1, which has no checksum' : `format ${format}`;
    throw new CheckpointError(r.file, `written by another version of hmmcheck (checkpoint ${why}; this version reads format ${FORMAT}): start the search again without --resume`);
  }
  const sum = /^sha256 ([0-9a-f]{64})$/.exec(r.line(128)?.toString('latin1') ?? '')?.[1];
  if (sum === undefined) throw damaged('the checksum line is not "sha256" and 64 hex digits');
  const headBytes = r.line(MAX_HEADER);
  if (headBytes === undefined) throw damaged(`the header line is cut off (no end of line within ${MAX_HEADER} bytes)`);
  const hash = createHash('sha256').update(headBytes).update('\n');
  let head: { writer?: unknown; endian?: unknown; search?: unknown; arrays?: unknown };
  try {
    head = JSON.parse(headBytes.toString('utf8')) as typeof head;
  } catch {
    throw damaged('the header line is not JSON');
  }
  if (!isRecord(head)) throw damaged('the header line is not a JSON object');
  const layout = arrayLayout(head.arrays);
  if (typeof layout === 'string') throw damaged(layout);
  const need = layout.reduce((n, a) => n + a.length * (a.type === 'i32' ? 4 : 2), 0);
  // Before anything is allocated: a damaged length must not ask for terabytes.
  if (need !== r.size - r.pos) {
    throw damaged(need > r.size - r.pos ? `its arrays take ${need} bytes and only ${r.size - r.pos} follow the header (the file is truncated)` : `${r.size - r.pos - need} bytes after the last array`);
  }
  const arrays: Record<string, CheckpointArray> = {};
  for (const { name, type, length } of layout) {
    // Read straight into the array's own buffer: aligned, and no second copy of the file.
    const a = type === 'i32' ? new Int32Array(length) : new Uint16Array(length);
    r.fill(bytesOf(a), hash);
    arrays[name] = a;
  }
  if (hash.digest('hex') !== sum) throw damaged('its checksum does not match its contents (a byte changed since it was written)');
  const w = isRecord(head.writer) ? head.writer : {};
  if (w.hmmcheck !== writer.hmmcheck || w.model !== writer.model) {
    throw new CheckpointError(
      r.file,
      `written by another version: hmmcheck ${String(w.hmmcheck)} with model ${String(w.model)}, and this is hmmcheck ${writer.hmmcheck} with model ${writer.model}; start the search again without --resume`,
    );
  }
  if (head.endian !== ENDIAN) throw new CheckpointError(r.file, `written on a machine of the other byte order (${String(head.endian)}); start the search again without --resume`);
  if (!isRecord(head.search)) throw damaged('the header has no search record');
  const cp: Checkpoint = { header: head.search, arrays };
  const problem = checkpointProblem(cp);
  if (problem !== undefined) throw damaged(problem);
  return cp;
}

/** The header's list of arrays, or what is wrong with it. */
function arrayLayout(v: unknown): { name: string; type: 'i32' | 'u16'; length: number }[] | string {
  if (!Array.isArray(v)) return 'the header lists no arrays';
  const names = new Set<string>();
  for (const a of v as unknown[]) {
    if (!isRecord(a) || typeof a.name !== 'string' || (a.type !== 'i32' && a.type !== 'u16') || !Number.isSafeInteger(a.length) || (a.length as number) < 0) {
      return `the header's array entry ${JSON.stringify(a)} is not {name, type i32 or u16, length}`;
    }
    if (names.has(a.name)) return `the header lists array ${a.name} twice`;
    names.add(a.name);
  }
  return v as { name: string; type: 'i32' | 'u16'; length: number }[];
}

/** Sequential reads of an open file, with its size known up front. */
class Reader {
  readonly size: number;
  pos = 0;

  constructor(
    readonly fd: number,
    readonly file: string,
  ) {
    this.size = fstatSync(fd).size;
  }

  /** The bytes up to the next newline (which is skipped); undefined when there is none within `max` bytes. */
  line(max: number): Buffer | undefined {
    const parts: Buffer[] = [];
    let got = 0;
    while (this.pos < this.size && got <= max) {
      const chunk = Buffer.allocUnsafe(Math.min(65536, this.size - this.pos));
      const n = readSync(this.fd, chunk, 0, chunk.length, this.pos);
      if (n === 0) break;
      const nl = chunk.subarray(0, n).indexOf(10);
      if (nl >= 0) {
        parts.push(chunk.subarray(0, nl));
        this.pos += nl + 1;
        const line = Buffer.concat(parts);
        return line.length <= max ? line : undefined;
      }
      parts.push(chunk.subarray(0, n));
      got += n;
      this.pos += n;
    }
    return undefined;
  }

  /** Fills `into` from the file, feeding the hash as it goes. */
  fill(into: Uint8Array, hash: { update(b: Uint8Array): unknown }): void {
    for (let at = 0; at < into.length; ) {
      const n = readSync(this.fd, into, at, Math.min(CHUNK, into.length - at), this.pos);
      // The size was checked against the layout; a file shrinking under us is cut off.
      if (n === 0) throw new CheckpointError(this.file, 'checkpoint damaged: the file ended early (truncated while being read)');
      hash.update(into.subarray(at, at + n));
      at += n;
      this.pos += n;
    }
  }
}

function bytesOf(a: CheckpointArray): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, Math.min(CHUNK, bytes.length - at));
}

/** Makes the rename itself durable; a system that cannot sync a folder (Windows) loses only that. */
function syncDirectory(dir: string): void {
  let fd = -1;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Best effort: the checkpoint is written either way.
  } finally {
    if (fd >= 0) closeQuietly(fd);
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Already failing or done: nothing more to save.
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Gone already.
  }
}

function isSystemError(e: unknown): e is NodeJS.ErrnoException & { code: string } {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
