/**
 * Two tiers of tests. `npm test` runs the quick one, minutes on a 2-core
 * machine, for every change; `npm run test:all` (what CI runs) runs both,
 * adding the exhaustive checks of the big presets, the replays of their
 * counterexamples, the browser tests and the command-line fuzzing. A
 * full-tier test in the quick run is registered as skipped, so uvu's summary
 * counts it ("Skipped: N") and nothing is left out silently.
 */
import { test, type Callback } from 'uvu';

/** True under `npm run test:all` (HMMCHECK_TESTS=all). */
export const FULL_TIER = process.env['HMMCHECK_TESTS'] === 'all';

/** A test of the full tier only: skipped, and counted as skipped, by `npm test`. */
export function fullTest(name: string, fn: Callback): void {
  if (FULL_TIER) test(name, fn);
  else test.skip(`${name} (npm run test:all)`, fn);
}

/** `fullTest` when `slow`, else an ordinary test: for loops over cases of which a few are big. */
export function tieredTest(slow: boolean, name: string, fn: Callback): void {
  if (slow) fullTest(name, fn);
  else test(name, fn);
}

/**
 * Presets whose exhaustive check takes seconds (a hundred thousand states
 * and more with or without symmetry, and the LIVE-1 search of that graph):
 * their checks, variants and counterexample replays are the full tier. The
 * quick tier still checks every variant on `tiny` and its own small preset.
 */
export const BIG_PRESETS: ReadonlySet<string> = new Set(['small', 'two-devices', 'fork', 'full', 'racing-migrations', 'mixed-migration']);
