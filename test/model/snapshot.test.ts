/**
 * The snapshot ioctl (lib/test_hmm.c dmirror_snapshot, hmm-tests snapshot):
 * hmm_range_fault without HMM_PFN_REQ_FAULT under the sequence protocol. It
 * faults nothing in and programs nothing.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { check } from '../../checker/index.js';
import { applyStep, buildWorld, enabledSteps, hmmModel, initialState, type Config } from '../../model/index.js';

const config: Config = {
  pages: 2,
  systemFrames: 3,
  devices: [
    { frames: 1, owner: 'dmirror0' },
    { frames: 1, owner: 'dmirror1' },
  ],
  actors: [
    { kind: 'cpu', name: 'cpu0', ops: { cpu_write: 1 } },
    { kind: 'device', name: 'mig1', mirror: 1, ops: { migrate_to_device: 1 } },
    { kind: 'device', name: 'snap0', mirror: 0, ops: { snapshot: 1 } },
  ],
};

test('a snapshot racing a write and another owner\'s migration verifies, and every step it can take fires', () => {
  const r = check(hmmModel(buildWorld(config)));
  assert.is(r.outcome, 'ok');
  assert.equal(r.neverFired, []);
});

test('a snapshot never faults, never maps, and reports another owner\'s page as nothing', () => {
  const w = buildWorld(config);
  let x = 7;
  let foreign = 0;
  for (let walk = 0; walk < 200; walk++) {
    let s = initialState(w);
    for (let i = 0; i < 80; i++) {
      const en = enabledSteps(w, s);
      if (en.length === 0) break;
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const a = en[(x >>> 8) % en.length]!;
      if (a.t === 2) {
        assert.not.ok(['handle_mm_fault', 'devpt_map', 'do_swap_page'].includes(a.k), `snapshot took ${a.k}`);
        if (a.k === 'hmm_range_fault' && a.result === 'ok') {
          assert.is(a.fault, false);
          for (const e of a.pfns!) {
            const pte = s.mms[0]!.pte[e.page]!;
            if (pte.k === 'devpriv') {
              assert.is(e.pfn, null, "dmirror1's page is not faulted back, nor reported");
              foreign++;
            }
            if (pte.k === 'none') assert.is(e.pfn, null);
          }
        }
      }
      s = applyStep(w, s, a, false);
    }
  }
  assert.ok(foreign > 0, 'some walk snapshots a page on dmirror1');
});

test.run();
