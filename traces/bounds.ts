/**
 * How much of the user's input hmmcheck is willing to read: the bounds that
 * keep /dev/zero, a 100 MB line or a gzip bomb an error at once rather than a
 * process that runs for minutes and dies of memory.
 *
 * A verb sets them for everything it calls with withInputBounds (the reader
 * of a replay is several layers down, and standard input is spooled before
 * any reader sees it); a caller may also pass them to a reader directly.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface InputBounds {
  /** The longest trace line, in bytes without its "\n". */
  readonly maxLineBytes: number;
  /** How many times its own size a gzip stream may inflate to... */
  readonly maxGzipRatio: number;
  /** ...once more than this many bytes have come out of it. */
  readonly gzipFloorBytes: number;
}

export const MiB = 1 << 20;

/**
 * 8 MiB lines: a trace line is one event (the longest in the kernel captures
 * is under 3 KB), and a `source` or `note` of a few megabytes still fits.
 * Ratio 200 past 64 MiB: the shared kernel captures inflate 9 to 26 times
 * (ftrace text) and hmmtrace written from them 19 to 21 times under gzip -9,
 * while a file of one repeated byte inflates about 1000 times.
 */
export const DEFAULT_INPUT_BOUNDS: InputBounds = { maxLineBytes: 8 * MiB, maxGzipRatio: 200, gzipFloorBytes: 64 * MiB };

const scope = new AsyncLocalStorage<InputBounds>();

/** The bounds in force: those of the innermost withInputBounds, else the defaults. */
export const inputBounds = (): InputBounds => scope.getStore() ?? DEFAULT_INPUT_BOUNDS;

/** Runs `fn` (and everything it awaits) with `bounds` in force. */
export function withInputBounds<T>(bounds: Partial<InputBounds>, fn: () => T): T {
  return scope.run({ ...inputBounds(), ...bounds }, fn);
}

/** "17.2 MiB", "512 bytes": a size as the user would say it. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1).replace(/\.0$/, '')} ${units[u]}`;
}
