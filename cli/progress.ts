/**
 * How often the long verbs (check, simulate, replay) print progress on
 * standard error: about every two seconds (CLI.md), or every
 * HMMCHECK_PROGRESS_MS milliseconds when that is set (tests use it to see
 * progress from runs of a fraction of a second).
 */
export function progressEveryMs(env: NodeJS.ProcessEnv = process.env): number {
  const ms = Number(env['HMMCHECK_PROGRESS_MS']);
  return Number.isFinite(ms) && ms >= 0 && env['HMMCHECK_PROGRESS_MS'] !== '' ? ms : 2000;
}
