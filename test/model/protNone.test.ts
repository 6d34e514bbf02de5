/**
 * mprotect(PROT_NONE): the VMA stays and keeps its pages, but nobody may
 * access them: the CPU and GUP fail, hmm_range_fault returns -EFAULT (a
 * snapshot reports an error), and every cached translation is flushed.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { check } from '../../checker/index.js';
import { buildWorld, hmmModel, type Config } from '../../model/index.js';
import { Script } from '../helpers/hmm.js';

const config: Config = {
  pages: 1,
  systemFrames: 3,
  tlb: true,
  devices: [{ frames: 1, owner: 'dmirror0' }],
  actors: [
    { kind: 'cpu', name: 'cpu0', ops: { cpu_write: 1, mprotect_none: 1, cpu_read: 1, gup: 1 } },
    { kind: 'device', name: 'gpu0', ops: { device_read: 1 } },
    { kind: 'device', name: 'mig0', ops: { migrate_to_device: 1 } },
  ],
};

test('after mprotect(PROT_NONE) the page keeps its data, the TLB forgets it, and CPU, GUP and device accesses fail', () => {
  const w = buildWorld(config);
  const sc = new Script(w);
  sc.step(0, 'handle_mm_fault', { op: 'cpu_write' });
  sc.step(0, 'do_anonymous_page');
  sc.step(0, 'cpu_write');
  assert.equal(sc.state.mms[0]!.tlb[0], { pfn: 1, w: true });
  sc.step(0, 'mprotect');
  sc.runAlone(0);
  assert.is(sc.state.mms[0]!.vma[0], 'noaccess');
  assert.is(sc.state.mms[0]!.pte[0]!.k, 'present', 'the page stays mapped');
  assert.is(sc.state.mms[0]!.tlb[0], null);
  assert.equal([...new Set(sc.enabled(0).map((a) => a.k))], ['sigsegv']);
  const dev = sc.runAlone(1).map((a) => `${a.k}${a.result ? `=${a.result}` : ''}`);
  assert.equal(dev, ['mmu_interval_read_begin', 'hmm_range_fault=EFAULT']);
  assert.is(sc.state.frames[1]!.val, 102);
});

test('a world with PROT_NONE, a TLB, a device and a migration verifies, and every step it can take fires', () => {
  const r = check(hmmModel(buildWorld(config)));
  assert.is(r.outcome, 'ok');
  assert.is(r.stats.states, 30770);
  assert.equal(r.neverFired, []);
});

test.run();
