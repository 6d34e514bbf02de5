/**
 * Reading a small file the user names (a configuration, a kprobe_events
 * file, a result to report or merge) whole: only a regular file, and only up
 * to a bound, both decided on the opened descriptor before a byte is read.
 * `--config /dev/zero` used to read until the process died of memory.
 *
 * The descriptor is opened non-blocking, so that a named pipe with no writer
 * is refused rather than waited on; fstat on it (not a stat of the path
 * before opening) is what was opened. A UTF-8 byte-order mark, which some
 * editors write, is dropped.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { formatBytes, MiB } from './bounds.js';

export const MAX_USER_FILE_BYTES = 16 * MiB;

export interface UserFileOptions {
  /** What the file should be, for the message: "a readable JSON file". */
  readonly what: string;
  /** Default MAX_USER_FILE_BYTES. */
  readonly maxBytes?: number;
  /** Builds the caller's error type from what was expected and what was found. */
  readonly fail: (expected: string, found: string) => Error;
}

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a named pipe';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** The text of `path`, UTF-8, if it is a regular file of at most the bound; else `fail`. */
export function readUserFile(path: string, opts: UserFileOptions): string {
  const max = opts.maxBytes ?? MAX_USER_FILE_BYTES;
  const io = <T>(f: () => T): T => {
    try {
      return f();
    } catch (e) {
      throw opts.fail(opts.what, (e as NodeJS.ErrnoException).code ?? String(e));
    }
  };
  const fd = io(() => openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0)));
  try {
    const st = io(() => fstatSync(fd));
    if (!st.isFile()) throw opts.fail(`${opts.what} (a regular file)`, kindOf(st));
    const tooLarge = (size: string): Error => opts.fail(`${opts.what} of at most ${formatBytes(max)}`, `${size}, above the bound`);
    // Just past the bound, a rounded size would read as the bound itself.
    if (st.size > max) throw tooLarge(formatBytes(st.size) === formatBytes(max) ? `${st.size} bytes` : formatBytes(st.size));
    // Read to the end, not to st.size: the file may have grown since.
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(chunks.length === 0 ? st.size + 1 : 1 << 16);
      const n = io(() => readSync(fd, buf, 0, buf.length, null));
      if (n === 0) break;
      chunks.push(buf.subarray(0, n));
      total += n;
      if (total > max) throw tooLarge('a file that grew past it while read');
    }
    const text = Buffer.concat(chunks, total).toString('utf8');
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } finally {
    closeSync(fd);
  }
}
