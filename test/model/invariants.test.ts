/**
 * Each invariant rejects a state that breaks it and accepts the states
 * around it: crafted states, so a check that always says yes fails here.
 */
import { produce } from 'immer';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildWorld, initialState, invariants, stepProperties, type HmmState } from '../../model/index.js';
import type { Draft } from 'immer';
import { oneDevice } from '../helpers/hmm.js';

const w = buildWorld(oneDevice([{ kind: 'cpu', ops: { cpu_write: 1 } }, { kind: 'device', ops: { device_read: 1 } }], 2));
const invs = invariants(w);
const steps = stepProperties(w);
const base = initialState(w);

function failing(s: HmmState): string[] {
  return invs.filter((i) => !i.holds(s)).map((i) => i.id);
}

const craft = (fn: (d: Draft<HmmState>) => void): HmmState => produce(base, fn);

/** Page 0 mapped by the CPU to pfn1 holding value 5, and by the device too. */
const mapped = craft((d) => {
  d.mms[0]!.pte[0] = { k: 'present', pfn: 1, w: true };
  d.mms[0]!.expect[0] = 5;
  d.frames[1] = { ref: 1, map: 1, lock: -1, val: 5, pin: 0, memcg: -1, dirty: false, anon: 0 };
  d.mirrors[0]!.pt[0] = { pfn: 1, w: true, atomic: false };
});

test('the initial state and a coherent mapped state satisfy every invariant', () => {
  assert.equal(failing(base), []);
  assert.equal(failing(mapped), []);
});

test('INV-2 and INV-1: a device entry for a page the CPU no longer maps', () => {
  const s = produce(mapped, (d) => {
    d.mms[0]!.pte[0] = { k: 'present', pfn: 2, w: true };
    d.frames[2] = { ref: 1, map: 1, lock: -1, val: 5, pin: 0, memcg: -1, dirty: false, anon: 0 };
    d.frames[1] = { ref: 1, map: 0, lock: -1, val: 5, pin: 0, memcg: -1, dirty: false, anon: 0 };
  });
  assert.equal(failing(s), ['INV-2', 'INV-1']);
});

test('INV-2 allows the stale entry while this mirror\'s callback has not returned', () => {
  const s = produce(mapped, (d) => {
    d.mms[0]!.pte[0] = { k: 'present', pfn: 2, w: true };
    d.frames[2] = { ref: 1, map: 1, lock: -1, val: 5, pin: 0, memcg: -1, dirty: false, anon: 0 };
    d.frames[1] = { ref: 1, map: 0, lock: -1, val: 5, pin: 0, memcg: -1, dirty: false, anon: 0 };
    d.mms[0]!.active = 1;
    d.mms[0]!.seq = 3;
    d.threads[0]!.pc = 'inv_cb';
    d.threads[0]!.inv = { mm: 0, start: 0, end: 1, event: 'clear', cur: 3, cb: 0, then: 'wp_page_copy', write: true, ret: 'fault_done' };
  });
  assert.equal(failing(s), ['INV-1']);
});

test('INV-3: a writable device entry over a read-only PTE', () => {
  const s = produce(mapped, (d) => {
    d.mms[0]!.pte[0] = { k: 'present', pfn: 1, w: false };
  });
  assert.equal(failing(s), ['INV-3']);
});

test('INV-7: the page backing an address does not hold the last value written', () => {
  const s = produce(mapped, (d) => {
    d.frames[1]!.val = 4;
  });
  assert.equal(failing(s), ['INV-7']);
});

test('INV-9: a device entry for a freed page (and a PTE of one)', () => {
  const devOnly = produce(base, (d) => {
    d.mirrors[0]!.pt[1] = { pfn: 2, w: false, atomic: false };
  });
  assert.equal(failing(devOnly), ['INV-2', 'INV-9', 'INV-1']);
  const locked = produce(base, (d) => {
    d.frames[3]!.lock = 0;
  });
  assert.equal(failing(locked), ['INV-9']);
});

test('INV-15: mapcount differs from the PTEs that map the page', () => {
  const s = produce(mapped, (d) => {
    d.frames[1]!.map = 2;
    d.frames[1]!.ref = 2;
  });
  assert.equal(failing(s), ['INV-15']);
});

test('INV-14: an open range that no thread is inside, or a driver lock held inside a bracket', () => {
  assert.equal(failing(produce(base, (d) => void (d.mms[0]!.active = 1))), ['INV-14']);
  const held = produce(base, (d) => {
    d.mms[0]!.active = 1;
    d.threads[0]!.inv = { mm: 0, start: 0, end: 1, event: 'clear', cur: 3, cb: 0, then: 'zap_pte_range', write: false, ret: 'op_done' };
    d.mirrors[0]!.lock = 0;
  });
  assert.equal(failing(held), ['INV-14']);
});

test('INV-4 (step): a map from a snapshot whose seq went stale, or not from a snapshot, or without L(d)', () => {
  const inv4 = steps.find((p) => p.id === 'INV-4')!;
  const ready = produce(base, (d) => {
    d.mirrors[0]!.lock = 1;
    d.threads[1]!.snap = [{ page: 0, pfn: 0, w: false }];
    d.threads[1]!.snapSeq = 1;
  });
  const map = { t: 1, k: 'devpt_map', dev: 0, page: 0, pfn: 0, write: false } as const;
  assert.ok(inv4.holds(ready, map, ready));
  assert.not.ok(inv4.holds(produce(ready, (d) => void (d.mirrors[0]!.seq = 3)), map, ready), 'stale seq');
  assert.not.ok(inv4.holds(ready, { ...map, pfn: 1 }, ready), 'pfn not in the snapshot');
  assert.not.ok(inv4.holds(ready, { ...map, write: true }, ready), 'write not granted by hmm_range_fault');
  assert.not.ok(inv4.holds(produce(ready, (d) => void (d.mirrors[0]!.lock = -1)), map, ready), 'without L(d)');
  assert.ok(inv4.holds(ready, { t: 1, k: 'driver_unlock', dev: 0 }, ready), 'other steps are not judged');
});

test('INV-7 (step): a read returning something other than the last write', () => {
  const inv7 = steps.find((p) => p.id === 'INV-7')!;
  assert.ok(inv7.holds(mapped, { t: 0, k: 'cpu_read', mm: 0, page: 0, value: 5 }, mapped));
  assert.not.ok(inv7.holds(mapped, { t: 0, k: 'cpu_read', mm: 0, page: 0, value: 0 }, mapped));
  assert.not.ok(inv7.holds(mapped, { t: 1, k: 'device_read', dev: 0, page: 0, value: 7 }, mapped));
});

test('INV-11: usage that disagrees with the pages charged, and a failed migration back', () => {
  const charged = produce(mapped, (d) => {
    d.frames[1]!.memcg = 0;
    d.mms[0]!.charged = 1;
  });
  assert.equal(failing(charged), []);
  assert.equal(failing(produce(charged, (d) => void (d.mms[0]!.charged = 2))), ['INV-11']);
  assert.equal(failing(produce(charged, (d) => void (d.frames[1]!.memcg = -1))), ['INV-11']);
  assert.equal(failing(produce(charged, (d) => void (d.mms[0]!.chargeFailed = true))), ['INV-11']);
});

test.run();
