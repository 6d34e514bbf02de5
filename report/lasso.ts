/**
 * Words for a livelock counterexample (LIVE-1), shared by every report
 * format: a lasso is a prefix that reaches a cycle, then the cycle, which a
 * weakly fair scheduler may run forever while one thread's operation never
 * finishes.
 */
import type { ReportViolation } from './checkReport.js';

/** True when the violation is a livelock with its lasso. */
export function isLasso(v: ReportViolation): v is ReportViolation & { loopStart: number } {
  return v.kind === 'liveness' && v.loopStart !== undefined;
}

/** One sentence: where the cycle is and who starves. */
export function lassoSummary(v: ReportViolation & { loopStart: number }): string {
  const k = v.loopStart;
  const cycle = v.steps - k;
  const prefix = k === 0 ? 'from the initial state' : `steps 1..${k} reach it`;
  const who = v.starved ? `; ${v.starved.thread} never finishes its ${v.starved.op}, though it can always take a step` : '';
  return `a livelock: a cycle of ${cycle} step${cycle === 1 ? '' : 's'} (steps ${k + 1}..${v.steps}) that leads back to the state after step ${k} and can repeat forever under fair scheduling (${prefix})${who}`;
}

/** The line printed before the first step of the cycle. */
export const CYCLE_START = '-- the cycle: the steps below repeat forever --';

/** The line printed after the cycle's last step. */
export function cycleEnd(v: ReportViolation & { loopStart: number }): string {
  return `-- back to the state after step ${v.loopStart}: the cycle repeats --`;
}
