/**
 * Toy models a worker thread can build from structured-cloneable arguments
 * (checker/parallel.ts ModelSource), for the handover tests.
 */
import { mutualAbort } from '../fixtures/models/index.js';

/** mutualAbort: two threads that can abort each other forever (a LIVE-1 livelock), with a third counting to `count`. */
export const mutualAbortFromArgs = (a: { count: number }): ReturnType<typeof mutualAbort> => mutualAbort(a.count);
