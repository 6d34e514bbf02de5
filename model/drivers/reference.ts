/**
 * The reference driver: the protocol of Documentation/mm/hmm.rst
 * ("Address space mirroring implementation and API"), in the shape of
 * lib/test_hmm.c but with the sequence discipline that document asks for:
 * its invalidate callback calls mmu_interval_set_seq for every event it
 * receives, its own MIGRATE events included, and it erases its own device
 * mapping of a page before copying it to device memory. The default for
 * `check`: every preset verifies with it on the latest kernel.
 */
import type { Driver, DriverBehaviour } from './types.js';

const BEHAVIOUR: DriverBehaviour = {
  ownMigrateSetsSeq: true,
  invalidateClears: true,
  holdsLockToEnd: false,
  readRetry: true,
  exclusiveSeqLoop: false,
  selectOwn: false,
  allOrNothing: false,
  migrateRwsem: true,
  eraseBeforeCopy: true,
  allocByPfn: false,
  finalizeAndMap: 'lock-and-map',
};

export const REFERENCE: Driver = {
  name: 'reference',
  summary: 'the protocol of Documentation/mm/hmm.rst: set_seq on every invalidation, read_retry under the driver lock, erase before copy',
  sources: ['Documentation/mm/hmm.rst', 'lib/test_hmm.c (its structure)'],
  kernels: 'every version (the protocol did not change since the interval notifier, v5.5)',
  replayOnly: false,
  behaviour: () => BEHAVIOUR,
};
