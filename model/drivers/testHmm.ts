/**
 * lib/test_hmm.c as shipped, the driver of the kernel's HMM selftest
 * (tools/testing/selftests/mm/hmm-tests.c). It differs from the reference
 * protocol in two places, both unchanged from 6.1.176 to the newest
 * test_hmm.c read (../shared/reference/kernel-audit.md sections R3, 3):
 *
 *   - dmirror_interval_invalidate returns on its own MMU_NOTIFY_MIGRATE
 *     before mmu_interval_set_seq (6.1 lib/test_hmm.c:316-318, set_seq at
 *     325), so a device fault that read the page before the migration's
 *     invalidation can still map it (variant H1: a use-after-free, since
 *     dmirror_devmem_free frees the backing page, test_hmm.c:1426);
 *   - dmirror_migrate_alloc_and_copy (test_hmm.c:694-746) copies to device
 *     memory without erasing its own device entry of the source (only the
 *     device-to-system path erases, test_hmm.c:932), so a device write
 *     between the copy and finalize_and_map's overwrite is lost.
 *
 * dmirror_migrate_finalize_and_map (test_hmm.c:804-828) and
 * dmirror_atomic_map (764-792) map without a sequence check, as the
 * reference driver does too; dmirror_do_fault's WARN_ON and -EFAULT on the
 * caller's own read-only device page (test_hmm.c:280) is the fault loop's.
 */
import { REFERENCE } from './reference.js';
import type { Driver, DriverBehaviour } from './types.js';

const BEHAVIOUR: DriverBehaviour = { ...REFERENCE.behaviour('latest'), ownMigrateSetsSeq: false, eraseBeforeCopy: false };

export const TEST_HMM: Driver = {
  name: 'test_hmm',
  summary: "lib/test_hmm.c as shipped: returns before set_seq on its own MIGRATE events, copies to device memory without erasing its own entry",
  sources: ['lib/test_hmm.c'],
  kernels: '6.1 to v7.0-rc (the two differences from the reference are in every version read)',
  replayOnly: false,
  behaviour: () => BEHAVIOUR,
};
