/**
 * hmm_range_fault and the device-fault loop against reference 2.2: per-PTE
 * outcomes, -EBUSY on a stale sequence, -EFAULT without a VMA, -EPERM for a
 * write to a read-only VMA, and read_begin blocking while an invalidation
 * that hit the interval is open.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildWorld } from '../../model/index.js';
import { oneDevice, Script } from '../helpers/hmm.js';

const CPU = 0;
const GPU = 1;

function world(cpuOps: Record<string, number>, devOps: Record<string, number>, pages = 1) {
  return buildWorld(oneDevice([{ kind: 'cpu', ops: cpuOps }, { kind: 'device', ops: devOps }], pages));
}

test('a device read of an untouched page faults in the zero page and maps it read-only', () => {
  const s = new Script(world({ cpu_read: 1 }, { device_read: 1 }));
  s.step(GPU, 'mmu_interval_read_begin');
  s.step(GPU, 'handle_mm_fault', { write: false });
  s.step(GPU, 'do_anonymous_page', { pfn: null });
  const hrf = s.step(GPU, 'hmm_range_fault');
  assert.is(hrf.result, 'ok');
  assert.equal(hrf.pfns, [{ page: 0, pfn: 0, w: false }]);
  s.step(GPU, 'driver_lock');
  assert.is(s.step(GPU, 'mmu_interval_read_retry').retry, false);
  s.step(GPU, 'devpt_map', { pfn: 0, write: false });
  s.step(GPU, 'driver_unlock');
  assert.is(s.step(GPU, 'device_read').value, 0);
  assert.is(s.state.threads[GPU]!.pc, 'idle');
});

test('a device write faults in a new writable page (no invalidation: the PTE was empty)', () => {
  const s = new Script(world({ cpu_read: 1 }, { device_write: 1 }));
  const steps = s.runAlone(GPU).map((a) => a.k);
  assert.equal(steps, [
    'mmu_interval_read_begin',
    'handle_mm_fault',
    'do_anonymous_page',
    'hmm_range_fault',
    'driver_lock',
    'mmu_interval_read_retry',
    'devpt_map',
    'driver_unlock',
    'device_write',
  ]);
  assert.equal(s.state.mms[0]!.pte[0], { k: 'present', pfn: 1, w: true });
  assert.equal(s.state.mirrors[0]!.pt[0], { pfn: 1, w: true, atomic: false });
  assert.is(s.state.mms[0]!.expect[0], s.state.frames[1]!.val);
});

test('a write fault on the zero page breaks COW inside a CLEAR invalidation, which makes the racing fault retry', () => {
  const s = new Script(world({ cpu_write: 1 }, { device_read: 1 }));
  // The device maps the zero page ...
  s.runAlone(GPU);
  assert.equal(s.state.mirrors[0]!.pt[0], { pfn: 0, w: false, atomic: false });
  // ... and a CPU write replaces it: the callback clears the device entry first.
  s.step(CPU, 'handle_mm_fault', { write: true });
  s.step(CPU, 'invalidate_range_start', { event: 'clear' });
  assert.is(s.state.mms[0]!.seq % 2, 1, 'S is odd while the invalidation is open');
  s.step(CPU, 'invalidate', { dev: 0 });
  assert.is(s.state.mirrors[0]!.pt[0], null);
  assert.is(s.state.mirrors[0]!.seq, s.state.mms[0]!.seq, 'set_seq gave the interval the current sequence');
  s.step(CPU, 'wp_page_copy');
  s.step(CPU, 'invalidate_range_end');
  assert.is(s.state.mms[0]!.seq % 2, 0);
  s.step(CPU, 'cpu_write');
  assert.is(s.state.frames[1]!.val, s.state.mms[0]!.expect[0]);
});

test('read_begin blocks while the interval has been invalidated, and hmm_range_fault returns -EBUSY for a stale seq', () => {
  const s = new Script(world({ cpu_write: 1 }, { device_read: 1 }));
  s.step(CPU, 'handle_mm_fault', { write: true });
  s.step(CPU, 'do_anonymous_page');
  s.step(CPU, 'cpu_write');
  // A second world where the CPU's invalidation starts after the device took its seq.
  // The CPU reads the page first: mprotect invalidates only where a page table exists (R13).
  const s2 = new Script(world({ cpu_read: 1, mprotect: 1 }, { device_read: 1 }));
  s2.step(CPU, 'handle_mm_fault', { write: false });
  s2.step(CPU, 'do_anonymous_page');
  s2.step(CPU, 'cpu_read');
  s2.step(GPU, 'mmu_interval_read_begin');
  s2.step(CPU, 'mprotect');
  s2.step(CPU, 'invalidate_range_start');
  s2.step(CPU, 'invalidate');
  // mprotect holds mmap_lock for write: the walk cannot even start.
  assert.equal(s2.enabled(GPU), []);
  s2.step(CPU, 'change_pte_range');
  s2.step(CPU, 'invalidate_range_end');
  const hrf = s2.step(GPU, 'hmm_range_fault');
  assert.is(hrf.result, 'EBUSY');
  assert.is(s2.state.threads[GPU]!.pc, 'begin');
});

test('read_begin is disabled between the callback and invalidate_range_end (I == S)', () => {
  const s = new Script(world({ madvise_dontneed: 1 }, { device_read: 1 }));
  s.step(CPU, 'madvise_dontneed');
  s.step(CPU, 'invalidate_range_start');
  assert.ok(s.enabled(GPU).some((a) => a.k === 'mmu_interval_read_begin'), 'before the callback, read_begin returns the old seq');
  s.step(CPU, 'invalidate');
  assert.equal(s.enabled(GPU), []);
  s.step(CPU, 'zap_pte_range');
  s.step(CPU, 'invalidate_range_end');
  assert.is(s.enabled(GPU)[0]!.k, 'mmu_interval_read_begin');
});

test('hmm_range_fault returns -EFAULT after munmap and the device access is abandoned', () => {
  const s = new Script(world({ munmap: 1 }, { device_read: 1 }));
  s.runAlone(CPU);
  assert.equal(s.state.mms[0]!.vma, ['none']);
  s.step(GPU, 'mmu_interval_read_begin');
  assert.is(s.step(GPU, 'hmm_range_fault').result, 'EFAULT');
  assert.is(s.state.threads[GPU]!.pc, 'idle');
  assert.equal(s.state.threads[GPU]!.left, [0]);
});

test('hmm_range_fault returns -EPERM for a write to a read-only VMA', () => {
  const s = new Script(world({ mprotect: 1 }, { device_write: 1 }));
  s.runAlone(CPU);
  s.step(GPU, 'mmu_interval_read_begin');
  assert.is(s.step(GPU, 'hmm_range_fault').result, 'EPERM');
});

test('the invalidate callback waits for the driver lock held by a mapping fault', () => {
  const s = new Script(world({ madvise_dontneed: 1 }, { device_read: 1 }));
  for (const k of ['mmu_interval_read_begin', 'handle_mm_fault', 'do_anonymous_page', 'hmm_range_fault', 'driver_lock'] as const) s.step(GPU, k);
  s.step(CPU, 'madvise_dontneed');
  s.step(CPU, 'invalidate_range_start');
  assert.equal(s.enabled(CPU), [], 'invalidate is blocked on L(d)');
  // read_retry still passes (set_seq has not run) and the map is of the current page.
  assert.is(s.step(GPU, 'mmu_interval_read_retry').retry, false);
  s.step(GPU, 'devpt_map');
  s.step(GPU, 'driver_unlock');
  s.step(CPU, 'invalidate');
  assert.is(s.state.mirrors[0]!.pt[0], null);
});

test('a CPU write after mprotect(PROT_READ) gets SIGSEGV; a read still completes', () => {
  const s = new Script(world({ mprotect: 1, cpu_write: 1, cpu_read: 1 }, {}));
  s.step(CPU, 'mprotect', { write: false });
  // No page table under the untouched page: mprotect changes the VMA and returns, with no invalidation (R13).
  assert.is(s.state.threads[CPU]!.pc, 'idle');
  const kinds = s.enabled(CPU).map((a) => a.k).sort();
  assert.equal(kinds, ['handle_mm_fault', 'sigsegv']);
});

test('mprotect back to read-write lets a write fault reuse the page in place (do_wp_page)', () => {
  const s = new Script(world({ cpu_write: 2, mprotect: 1, mprotect_rw: 1 }, {}));
  s.step(CPU, 'handle_mm_fault', { write: true });
  s.step(CPU, 'do_anonymous_page');
  s.step(CPU, 'cpu_write');
  s.step(CPU, 'mprotect', { write: false });
  s.runAlone(CPU);
  assert.equal(s.state.mms[0]!.pte[0], { k: 'present', pfn: 1, w: false });
  s.step(CPU, 'mprotect', { write: true });
  s.runAlone(CPU);
  s.step(CPU, 'handle_mm_fault', { write: true });
  s.step(CPU, 'do_wp_page');
  assert.equal(s.state.mms[0]!.pte[0], { k: 'present', pfn: 1, w: true });
});

test.run();
