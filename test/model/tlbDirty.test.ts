/**
 * The PTE dirty bit (INV-8) and the CPU TLB (INV-2's second mirror), level
 * L4: what the kernel does with each when a PTE is written, write-protected,
 * zapped or collected for migration.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildWorld, type Config } from '../../model/index.js';
import { presetWorld, Script } from '../helpers/hmm.js';

const world = (ops: Config['actors'], frames = 1): Config => ({
  pages: 1,
  systemFrames: 3,
  dirty: true,
  tlb: true,
  devices: [{ frames, owner: 'dmirror0' }],
  actors: ops,
});

test('a store dirties the PTE and caches the translation; the next store goes through the TLB', () => {
  const sc = new Script(buildWorld(world([{ kind: 'cpu', ops: { cpu_write: 2 } }])));
  sc.step(0, 'handle_mm_fault');
  sc.step(0, 'do_anonymous_page');
  assert.equal(sc.state.mms[0]!.pte[0], { k: 'present', pfn: 1, w: true, d: true }, 'a write fault maps the page dirty');
  assert.is(sc.state.mms[0]!.tlb[0], null, 'the fault itself caches nothing');
  sc.step(0, 'cpu_write');
  assert.equal(sc.state.mms[0]!.tlb[0], { pfn: 1, w: true });
  // The second store is a TLB hit: one step, no fault.
  assert.equal(sc.enabled(0).map((a) => a.k), ['cpu_write']);
  sc.step(0, 'cpu_write');
  assert.is(sc.state.frames[1]!.val, 102);
});

test('mprotect to read-only keeps the dirty bit and flushes the writable translation, so a store faults', () => {
  const sc = new Script(buildWorld(world([{ kind: 'cpu', ops: { cpu_write: 2, mprotect: 1 } }])));
  sc.step(0, 'handle_mm_fault');
  sc.step(0, 'do_anonymous_page');
  sc.step(0, 'cpu_write');
  sc.step(0, 'mprotect');
  sc.runAlone(0);
  assert.equal(sc.state.mms[0]!.pte[0], { k: 'present', pfn: 1, w: false, d: true });
  assert.is(sc.state.mms[0]!.tlb[0], null);
  assert.equal(sc.enabled(0).map((a) => a.k), ['sigsegv']);
});

test('a zap of a present PTE flushes its translation in the same step', () => {
  const sc = new Script(buildWorld(world([{ kind: 'cpu', ops: { cpu_write: 1, madvise_dontneed: 1 } }])));
  sc.step(0, 'handle_mm_fault');
  sc.step(0, 'do_anonymous_page');
  sc.step(0, 'cpu_write');
  sc.step(0, 'madvise_dontneed');
  sc.step(0, 'invalidate_range_start');
  sc.step(0, 'invalidate');
  sc.step(0, 'zap_pte_range');
  assert.equal(sc.state.mms[0]!.pte[0], { k: 'none' });
  assert.is(sc.state.mms[0]!.tlb[0], null);
});

/** On dirty-tlb: cpu0 writes the page (dirty PTE, cached translation), mig0 collects it. */
function writeThenCollect(sc: Script): void {
  sc.step(0, 'handle_mm_fault', { write: true });
  sc.step(0, 'do_anonymous_page');
  sc.step(0, 'cpu_write');
  sc.step(2, 'invalidate_range_start');
  sc.step(2, 'invalidate');
  sc.step(2, 'migrate_vma_collect');
}

test('collect passes the dirty bit to the folio, and a rolled-back migration keeps it there', () => {
  const w = presetWorld('dirty-tlb');
  const sc = new Script(w);
  writeThenCollect(sc);
  assert.equal(sc.state.mms[0]!.pte[0], { k: 'migration', pfn: 1, w: true });
  assert.is(sc.state.frames[1]!.dirty, true);
  assert.is(sc.state.mms[0]!.tlb[0], null, 'flushed under the PTL');
  sc.runAlone(2);
  // No device memory: nothing committed, the PTE is back, clean, and PG_dirty holds the dirty state.
  assert.equal(sc.state.mms[0]!.pte[0], { k: 'present', pfn: 1, w: true });
  assert.is(sc.state.frames[1]!.dirty, true);
});

test('a committed migration carries PG_dirty to the device page, and back (folio_migrate_flags)', () => {
  const w = buildWorld(world([{ kind: 'cpu', ops: { cpu_write: 1, cpu_read: 1 } }, { kind: 'device', ops: { migrate_to_device: 1 } }]));
  const sc = new Script(w);
  sc.step(0, 'handle_mm_fault', { write: true });
  sc.step(0, 'do_anonymous_page');
  sc.step(0, 'cpu_write');
  sc.runAlone(1);
  const pte = sc.state.mms[0]!.pte[0]!;
  assert.is(pte.k, 'devpriv');
  const dev = (pte as { pfn: number }).pfn;
  assert.is(w.zone[dev], 'device');
  assert.is(sc.state.frames[dev]!.dirty, true);
  // The CPU read faults it back: the new system page is dirty too, its PTE clean.
  sc.runAlone(0);
  const back = sc.state.mms[0]!.pte[0]!;
  assert.is(back.k, 'present');
  assert.is(sc.state.frames[(back as { pfn: number }).pfn]!.dirty, true);
  assert.is(sc.state.frames[dev]!.ref, 0);
});

test('B11: the translation outlives the zap of the migration entry, and a store through it lands in a page nothing maps', () => {
  const w = presetWorld('dirty-tlb', ['B11']);
  const sc = new Script(w);
  writeThenCollect(sc);
  assert.equal(sc.state.mms[0]!.tlb[0], { pfn: 1, w: true }, 'the flush is still to come');
  assert.equal(sc.enabled(2).map((a) => a.k), ['flush_tlb_range']);
  sc.step(1, 'madvise_dontneed');
  sc.step(1, 'invalidate_range_start');
  sc.step(1, 'invalidate');
  sc.step(1, 'zap_pte_range');
  assert.equal(sc.state.mms[0]!.pte[0], { k: 'none' });
  assert.equal(sc.state.mms[0]!.tlb[0], { pfn: 1, w: true }, 'zap_pte_range found nothing present to flush');
  // cpu0's read completes through the TLB, no fault, although the PTE is empty.
  assert.equal(sc.enabled(0).map((a) => a.k), ['cpu_read']);
});

test.run();
