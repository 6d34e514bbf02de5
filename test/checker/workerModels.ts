/**
 * Toy models a worker thread can build from structured-cloneable arguments
 * (checker/parallel.ts ModelSource), for the handover tests.
 */
import { lockCtr, mutualAbort } from '../fixtures/models/index.js';

/** mutualAbort: two threads that can abort each other forever (a LIVE-1 livelock), with a third counting to `count`. */
export const mutualAbortFromArgs = (a: { count: number }): ReturnType<typeof mutualAbort> => mutualAbort(a.count);

/** LockCtr N, K that takes `delayMs` to list each state's actions: a worker the machine keeps waiting. */
export function slowLockCtrFromArgs(a: { n: number; k: number; delayMs: number }): ReturnType<typeof lockCtr> {
  const m = lockCtr(a.n, a.k);
  return {
    ...m,
    actions: (s) => {
      const until = performance.now() + a.delayMs;
      while (performance.now() < until);
      return m.actions(s);
    },
  };
}
