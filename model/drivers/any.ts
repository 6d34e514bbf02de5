/**
 * `any`, for replay only: a driver hmmcheck does not know. Its steps (its
 * lock, its device page-table updates, its accesses) are taken as the trace
 * records them, in any order and with any locking, a migration may map none,
 * some or all of its pages before migrate_vma_finalize, and the invariants
 * judge the result. The core kernel's steps must still be what the kernel
 * does. A trace whose header names no driver is judged under it.
 */
import { REFERENCE } from './reference.js';
import type { Driver, DriverBehaviour } from './types.js';

// Its own device mapping is erased before a copy only if the trace shows it (devpt_unmap, taken as recorded).
// Whether its callback sets the sequence on its own MIGRATE events shows only in later read_retry results: both are explored.
const BEHAVIOUR: DriverBehaviour = { ...REFERENCE.behaviour('latest'), ownMigrateSetsSeq: 'as-recorded', eraseBeforeCopy: false, finalizeAndMap: 'as-recorded' };

export const ANY: Driver = {
  name: 'any',
  summary: "a driver hmmcheck does not know: its steps are taken as the trace records them and judged by the invariants",
  sources: [],
  kernels: 'every version',
  replayOnly: true,
  behaviour: () => BEHAVIOUR,
};
