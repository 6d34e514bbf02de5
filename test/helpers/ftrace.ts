/**
 * Changing an ftrace capture in a test while keeping it whole: a capture
 * whose ring-buffer count (`# entries-in-buffer/entries-written`) does not
 * match its event lines, or that lacks its HMMTEST_END marker, is judged
 * incomplete (traces/ftrace/capture.ts). A doctored capture stands for a
 * whole capture of another run, so its counts are made to match it.
 */

const ENTRIES = /^# entries-in-buffer\/entries-written: \d+\/\d+/;

/** The event lines of a capture (not comments, not blank). */
export function entryCount(lines: readonly string[]): number {
  return lines.filter((l) => l.trim() !== '' && !l.startsWith('#')).length;
}

/** Sets the header's counts to the capture's own event lines (in place); `written` defaults to the same. */
export function recount(lines: string[], written?: number): string[] {
  const i = lines.findIndex((l) => ENTRIES.test(l));
  if (i < 0) throw new Error('no "# entries-in-buffer/entries-written" line to recount');
  const n = entryCount(lines);
  lines[i] = lines[i]!.replace(ENTRIES, `# entries-in-buffer/entries-written: ${n}/${written ?? n}`);
  return lines;
}

/** The HMMTEST_END marker init writes after the test, as a trace line. */
export function endMarker(test: string, rc: number, ts = '9.000000'): string {
  return `            init-1       (      1) [000] .....     ${ts}: tracing_mark_write: HMMTEST_END ${test} rc=${rc}`;
}
