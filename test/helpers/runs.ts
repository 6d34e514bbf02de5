/**
 * Comparing whole searches of the toy models, for the tests that run one
 * search several ways (one thread, workers, a handover, a fallback, a
 * checkpoint resumed): a summary that is equal exactly when the verdicts,
 * counts, coverage, counterexample paths and livelock checks are.
 */
import type { CheckResult, ModelSource } from '../../checker/index.js';

export const summary = (r: CheckResult<unknown, unknown>): string =>
  JSON.stringify({
    outcome: r.outcome,
    states: r.stats.states,
    transitions: r.stats.transitions,
    depth: r.stats.depth,
    stoppedBy: r.stoppedBy,
    coverage: r.coverage,
    violations: r.violations.map((v) => `${v.kind} ${v.id} ${v.path.indices.join('/')} ${v.loopStart ?? ''}`),
    progress: r.progress && { id: r.progress.id, checked: r.progress.checked, why: r.progress.why },
  });

/** Where a worker finds LockCtr (N processes, K increments; racyOk: the racy variant verifies). */
export const lockSource = (n: number, k: number, racyOk = false): ModelSource => ({
  module: new URL('../fixtures/models/lockCtr.js', import.meta.url).href,
  export: 'lockCtrFromArgs',
  args: { n, k, racyOk },
});
