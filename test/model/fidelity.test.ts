/**
 * Where the model once disagreed with every kernel (kernel-audit.md section
 * 2), each pinned against the kernel line it now follows.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildWorld, type Config, type HmmAction, type HmmState } from '../../model/index.js';
import { Script, shortestTo } from '../helpers/hmm.js';
import { replayText } from '../helpers/traces.js';

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

/**
 * R6: two CPU threads read one device-private page on Linux 6.1, where
 * do_swap_page takes a reference but no lock (mm/memory.c:3801-3817), and
 * the driver (lib/test_hmm.c dmirror_devmem_fault) migrates it back for
 * cpu0. One page, migrated to the device first by mig0.
 */
const r6World = buildWorld({
  pages: 1,
  systemFrames: 2,
  devices: [{ frames: 1, owner: 'dmirror0' }],
  kernel: '6.1',
  actors: [
    { kind: 'cpu', name: 'cpu0', ops: { cpu_read: 1 } },
    { kind: 'cpu', name: 'cpu1', ops: { cpu_read: 1 } },
    { kind: 'device', name: 'mig0', ops: { migrate_to_device: 1 } },
  ],
});

test('R6, mm/migrate_device.c migrate_vma_check_page:346-347: a device page with one reference too many is kept at setup, and commits in migrate_vma_pages once that reference is gone', () => {
  const sc = new Script(r6World);
  sc.runAlone(2);
  const pte = sc.state.mms[0]!.pte[0]!;
  assert.is(pte.k, 'devpriv');
  const pfn = (pte as { pfn: number }).pfn;
  // Both faults take their reference under the PTL: the page's count is its mapping and two faults.
  sc.step(0, 'handle_mm_fault');
  sc.step(1, 'handle_mm_fault');
  sc.step(0, 'do_swap_page');
  sc.step(1, 'do_swap_page');
  assert.equal([sc.state.frames[pfn]!.ref, sc.state.frames[pfn]!.map], [3, 1]);
  // cpu0's migrate_to_ram collects (folio_trylock: cpu0 now holds the page lock) and unmaps.
  sc.step(0, 'migrate_to_ram');
  sc.step(0, 'invalidate_range_start');
  sc.step(0, 'invalidate');
  sc.step(0, 'migrate_vma_collect');
  sc.step(0, 'invalidate_range_end');
  // migrate_device_unmap: count 3 (collect's, cpu0's, cpu1's), extra 3 (1 + the
  // fault page + ZONE_DEVICE), mapcount 0: 3 - 3 > 0 is false, the page stays.
  const setup = sc.step(0, 'migrate_vma_setup');
  assert.equal(setup.mig!.map((e) => [e.pfn, e.migrate]), [[pfn, true]], 'kept at setup');
  assert.equal([sc.state.frames[pfn]!.ref, sc.state.frames[pfn]!.map, sc.state.frames[pfn]!.lock], [3, 0, 0]);
  sc.step(0, 'alloc_page');
  sc.step(0, 'devpt_unmap');
  sc.step(0, 'migrate_copy');
  // Now migrate_vma_pages would fail it: migrate_folio_extra(..., 1) expects a
  // count of exactly 2 (mm/migrate_device.c:766-772, folio_migrate_mapping).
  const now = sc.enabled(0).find((a) => a.k === 'migrate_vma_pages')!;
  assert.equal(now.mig!.map((e) => e.migrate), [false], 'cpu1 still holds its reference');
  // cpu1's migrate_to_ram finds the migration entry (collect skips it),
  // returns, and do_swap_page drops its reference; the access will fault again.
  for (const k of ['migrate_to_ram', 'invalidate_range_start', 'invalidate', 'migrate_vma_collect', 'invalidate_range_end', 'migrate_vma_setup', 'migrate_vma_pages', 'migrate_vma_finalize'] as const) sc.step(1, k);
  assert.is(sc.state.threads[1]!.pc, 'access');
  assert.is(sc.state.frames[pfn]!.ref, 2);
  // The commit is judged now, with cpu1's reference gone: the page migrates.
  const pages = sc.step(0, 'migrate_vma_pages');
  assert.equal(pages.mig!.map((e) => [e.pfn, e.migrate]), [[pfn, true]], 'committed in migrate_vma_pages');
  sc.step(0, 'migrate_vma_finalize');
  assert.equal(sc.state.mms[0]!.pte[0], { k: 'present', pfn: pages.mig![0]!.dst!, w: true });
  assert.is(sc.state.frames[pfn]!.ref, 0, 'the device page is freed');
});

test('R6, replay: the same interleaving as a hand-written 6.1 trace is valid (it was "page 0 is skipped in the model")', async () => {
  const ev = (tid: string, e: string, rest: Record<string, unknown> = {}): string => JSON.stringify({ ev: e, tid, ...rest });
  const mig = (tid: string, dev: string, start = 0): string[] => [
    ev(tid, 'invalidate_range_start', { mm: 0, start, end: 1, event: 'migrate' }),
    ev(tid, 'invalidate', { dev, mm: 0, start, end: 1, event: 'migrate' }),
    ev(tid, 'invalidate_range_end', { mm: 0, start, end: 1 }),
  ];
  const lines = [
    JSON.stringify({ hmmtrace: 1, source: 'hand-written: audit R6, two faults on one device page, Linux 6.1', kernel: '6.1', config: r6World.config }),
    // mig0 migrates the empty page into device memory (migrate_vma_insert_page).
    ...mig('mig0', 'dmirror0'),
    ev('mig0', 'migrate_vma_setup', { dev: 'dmirror0', mm: 0, start: 0, end: 1, select: ['system'], src: [{ page: 0, pfn: null, migrate: true, write: true }] }),
    ev('mig0', 'alloc_page', { pfn: 'd0', dev: 'dmirror0' }),
    ev('mig0', 'migrate_copy', { page: 0, src: null, dst: 'd0' }),
    // __migrate_device_pages brackets the populating of an empty entry with a MIGRATE invalidation.
    ev('mig0', 'invalidate_range_start', { mm: 0, start: 0, end: 1, event: 'migrate' }),
    ev('mig0', 'invalidate', { dev: 'dmirror0', mm: 0, start: 0, end: 1, event: 'migrate' }),
    ev('mig0', 'migrate_vma_pages', { dev: 'dmirror0', migrated: [0] }),
    ev('mig0', 'invalidate_range_end', { mm: 0, start: 0, end: 1 }),
    ev('mig0', 'migrate_vma_finalize', { dev: 'dmirror0' }),
    // Both threads fault on the device-private entry; each takes a reference.
    ev('cpu0', 'handle_mm_fault', { mm: 0, page: 0, write: false }),
    ev('cpu1', 'handle_mm_fault', { mm: 0, page: 0, write: false }),
    ev('cpu0', 'do_swap_page', { mm: 0, page: 0, pfn: 'd0' }),
    ev('cpu1', 'do_swap_page', { mm: 0, page: 0, pfn: 'd0' }),
    ev('cpu0', 'migrate_to_ram', { dev: 'dmirror0', mm: 0, page: 0, pfn: 'd0' }),
    ...mig('cpu0', 'dmirror0'),
    // Kept: migrate_vma_check_page allows one unexpected reference on a ZONE_DEVICE page.
    ev('cpu0', 'migrate_vma_setup', { dev: 'dmirror0', mm: 0, start: 0, end: 1, select: ['device_private'], src: [{ page: 0, pfn: 'd0', migrate: true, write: true }] }),
    ev('cpu0', 'alloc_page', { pfn: 's0' }),
    ev('cpu0', 'migrate_copy', { page: 0, src: 'd0', dst: 's0' }),
    // cpu1's migrate_to_ram collects nothing (a migration entry) and drops its reference.
    ev('cpu1', 'migrate_to_ram', { dev: 'dmirror0', mm: 0, page: 0, pfn: 'd0' }),
    ...mig('cpu1', 'dmirror0'),
    ev('cpu1', 'migrate_vma_setup', { dev: 'dmirror0', mm: 0, start: 0, end: 1, select: ['device_private'], src: [{ page: 0, pfn: null, migrate: false, write: false }] }),
    ev('cpu1', 'migrate_vma_pages', { dev: 'dmirror0', migrated: [] }),
    ev('cpu1', 'migrate_vma_finalize', { dev: 'dmirror0' }),
    // Then cpu0's commit goes through, and the device page is freed at finalize.
    ev('cpu0', 'migrate_vma_pages', { dev: 'dmirror0', migrated: [0] }),
    ev('cpu0', 'migrate_vma_finalize', { dev: 'dmirror0' }),
    ev('cpu0', 'folio_free', { pfn: 'd0', dev: 'dmirror0' }),
    ev('cpu0', 'cpu_read', { mm: 0, page: 0, value: 0 }),
    ev('cpu1', 'cpu_read', { mm: 0, page: 0, value: 0 }),
  ];
  const report = await replayText(lines.join('\n') + '\n');
  assert.is(report.outcome, 'valid', report.reason);
});

test.run();
