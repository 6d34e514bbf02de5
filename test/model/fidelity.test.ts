/**
 * Where the model once disagreed with every kernel (kernel-audit.md section
 * 2), each pinned against the kernel line it now follows.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildWorld, type Config, type HmmAction, type HmmState } from '../../model/index.js';
import { Script, shortestTo } from '../helpers/hmm.js';

test("R4, mm/hmm.c hmm_vma_handle_pte:250-257: the caller's own read-only device-private page comes back valid without HMM_PFN_WRITE, never -EPERM", () => {
  // A page migrated to the device, then mprotect(PROT_READ), then a device write (the audit's interleaving).
  const w = buildWorld({
    pages: 1,
    systemFrames: 2,
    devices: [{ frames: 1 }],
    actors: [
      { kind: 'cpu', ops: { cpu_write: 1, mprotect: 1 } },
      { kind: 'device', name: 'mig0', ops: { migrate_to_device: 1 } },
      { kind: 'device', name: 'gpu0', ops: { device_write: 1 } },
    ],
  });
  const ownReadOnly = (b: HmmState, a: HmmAction): boolean => {
    if (a.k !== 'hmm_range_fault' || !a.write) return false;
    const pte = b.mms[a.mm!]!.pte[a.start!]!;
    return pte.k === 'devpriv' && b.mms[a.mm!]!.vma[a.start!] === 'r';
  };
  const found = shortestTo(w, (b, a) => ownReadOnly(b, a) && a.result === 'ok' && a.pfns!.length === 1 && a.pfns![0]!.w === false);
  assert.ok(found, 'hmm_range_fault returns the page, read-only');
  assert.is(shortestTo(w, (b, a) => ownReadOnly(b, a) && a.result === 'EPERM'), null, 'never -EPERM for it');
  // dmirror_do_fault (lib/test_hmm.c:280) then gives up with -EFAULT rather than map it read-only.
  const gaveUp = shortestTo(w, (b, a) => a.k === 'driver_unlock' && a.result === 'EFAULT' && b.mms[0]!.vma[0] === 'r');
  assert.ok(gaveUp);
  // A page that needs a write fault in the read-only VMA is still -EPERM (hmm_vma_fault, mm/hmm.c:73-76).
  assert.ok(shortestTo(w, (b, a) => a.k === 'hmm_range_fault' && a.result === 'EPERM' && b.mms[0]!.pte[0]!.k === 'present'));
});

// R13: mprotect's invalidation. The kernel tests the page tables before it
// starts one (mm/mprotect.c change_pmd_range:376-386 in 6.1: pmd_none goes to
// the next PMD before mmu_notifier_invalidate_range_start, whose range begins
// at the first populated one; change_pud_range:451-459 since v6.12, the same
// at the PUD). munmap and MADV_DONTNEED test nothing first: unmap_vmas
// (mm/memory.c:1729-1731) and zap_page_range (1756-1760; zap_page_range_single,
// 1784-1788, in 6.1.176 and since) start theirs over the whole range before
// zap_pmd_range skips an empty PMD (1575). A page table, once a fault or
// migrate_vma_insert_page has allocated it, stays until munmap's
// free_pgtables (mm/mmap.c unmap_region:2188-2190) or exit.

const oneCpu = (ops: Config['actors'][number]['ops'], extra: Partial<Config> = {}): ReturnType<typeof buildWorld> =>
  buildWorld({ pages: 1, systemFrames: 2, devices: [{ frames: 1 }], actors: [{ kind: 'cpu', ops }], ...extra });

/** The step is mprotect, munmap or madvise, and it opened an invalidation (else it returned at once). */
const opened = (k: string) => (_b: HmmState, a: HmmAction, s: HmmState): boolean => a.k === k && s.threads[a.t]!.inv !== null;
const returned = (k: string) => (_b: HmmState, a: HmmAction, s: HmmState): boolean => a.k === k && s.threads[a.t]!.pc === 'idle';

test('R13, mm/mprotect.c change_pmd_range:376-386 (6.1), change_pud_range (v6.12): mprotect of pages no fault populated runs no invalidation', () => {
  for (const kernel of ['6.1', 'latest'] as const) {
    const w = oneCpu({ mprotect: 1 }, { kernel });
    assert.ok(shortestTo(w, returned('mprotect')), kernel);
    assert.is(shortestTo(w, opened('mprotect')), null, kernel);
  }
});

test('R13: a fault allocates the page table and MADV_DONTNEED leaves it: mprotect of the zapped page invalidates; never without', () => {
  const w = oneCpu({ cpu_write: 1, madvise_dontneed: 1, mprotect: 1 });
  const zapped = shortestTo(w, (b, a, s) => opened('mprotect')(b, a, s) && b.mms[0]!.pte[0]!.k === 'none');
  assert.ok(zapped);
  assert.equal(zapped!.map((a) => a.k).slice(0, 3), ['handle_mm_fault', 'do_anonymous_page', 'cpu_write']);
  assert.ok(zapped!.some((a) => a.k === 'zap_pte_range'), 'the PTE went with MADV_DONTNEED');
  // After the fault, every mprotect invalidates.
  assert.is(shortestTo(w, (b, a, s) => returned('mprotect')(b, a, s) && b.mms[0]!.tables !== 0), null);
  // A migration into the empty page allocates it too (migrate_vma_insert_page, mm/migrate_device.c:612).
  const migrated = buildWorld({ pages: 1, systemFrames: 2, devices: [{ frames: 1 }], actors: [{ kind: 'cpu', ops: { mprotect: 1 } }, { kind: 'device', name: 'mig0', ops: { migrate_to_device: 1 } }] });
  const after = shortestTo(migrated, (b, a, s) => opened('mprotect')(b, a, s) && b.mms[0]!.pte[0]!.k === 'devpriv');
  assert.ok(after);
  assert.ok(!after!.some((a) => a.k === 'handle_mm_fault'), 'no fault: the migration populated it');
});

test('R13, mm/memory.c unmap_vmas:1729-1731, zap_page_range:1756-1760: munmap and MADV_DONTNEED invalidate with no page table there, unlike mprotect', () => {
  for (const op of ['munmap', 'madvise_dontneed'] as const) {
    // With an mprotect to come, so that the world keeps its page tables (World.tables).
    const w = oneCpu({ [op]: 1, mprotect: 1 });
    assert.ok(shortestTo(w, (b, a, s) => opened(op)(b, a, s) && b.mms[0]!.tables === 0), op);
    assert.is(shortestTo(w, returned(op)), null, op);
  }
});

test('R13, 6.1: the invalidation starts at the first populated PMD of the range (a PTE table of pmdPages pages), and munmap frees a table nothing is mapped under; since v6.12 the PUD decides', () => {
  // Page 1 written, page 0 never touched, then mprotect of both: what the 6.1 capture of
  // anon_teardown shows (run1: mprotect of 0x800000 bytes at 0x7ff964fa8000, its PROTECTION_VMA
  // range from the PMD boundary 0x7ff965600000 to the end).
  const run = (kernel: '6.1' | 'latest'): { first: number; second: number | null } => {
    const sc = new Script(
      buildWorld({
        pages: 2,
        pmdPages: 1,
        systemFrames: 2,
        devices: [{ frames: 1 }],
        kernel,
        actors: [{ kind: 'cpu', ops: { cpu_write: 1, munmap: 1, mprotect: 2 }, pages: [1], ranges: [[0, 2], [1, 2]] }],
      }),
    );
    sc.step(0, 'handle_mm_fault', { page: 1 });
    sc.step(0, 'do_anonymous_page');
    sc.step(0, 'cpu_write');
    sc.step(0, 'mprotect', { start: 0, end: 2 });
    const first = sc.state.threads[0]!.inv!.start;
    sc.runAlone(0);
    // munmap of page 1: free_pgtables (mm/mmap.c:2189-2190) frees the PTE table nothing else is under.
    sc.step(0, 'munmap', { start: 1, end: 2 });
    sc.runAlone(0);
    sc.step(0, 'mprotect', { start: 0, end: 2 });
    const inv = sc.state.threads[0]!.inv;
    return { first, second: inv ? inv.start : null };
  };
  // 6.1: from page 1's PMD; after the munmap no page of the range has a PTE table, and there is none.
  assert.equal(run('6.1'), { first: 1, second: null });
  // Since v6.12: the PMD table under the PUD stays while page 0 is mapped, and covers the range.
  assert.equal(run('latest'), { first: 0, second: 0 });
});

test.run();
