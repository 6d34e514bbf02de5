/**
 * Long random walks of the unmodified model over budgets no exhaustive run
 * can cover: every invariant holds at every step. A walk of this kind found
 * the lost device write of test_hmm's sys->dev migration path (the reference
 * driver now drops its own mapping before the copy).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyStep, buildWorld, enabledSteps, initialState, invariants, stepProperties } from '../../model/index.js';
import { LONG_CONFIG, walk } from '../bench/longTrace.js';

test('30,000-step random walks of the long-walk world break no invariant', () => {
  const w = buildWorld(LONG_CONFIG);
  const invs = invariants(w);
  const props = stepProperties(w);
  const fired = new Set<string>();
  for (const seed of [1, 2, 3]) {
    let x = seed;
    const rand = (n: number): number => {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      return (x >>> 8) % n;
    };
    let s = initialState(w);
    for (let i = 0; i < 10_000; i++) {
      const en = enabledSteps(w, s);
      assert.ok(en.length > 0, `seed ${seed}: deadlock at step ${i}`);
      const a = en[rand(en.length)]!;
      const next = applyStep(w, s, a, false);
      for (const p of props) assert.ok(p.holds(s, a, next), `seed ${seed} step ${i}: ${p.id} broken by ${a.k}`);
      for (const inv of invs) assert.ok(inv.holds(next), `seed ${seed} step ${i}: ${inv.id} broken by ${a.k}`);
      fired.add(a.k);
      s = next;
    }
  }
  // The walk reaches migration both ways and device writes racing it.
  for (const k of ['migrate_vma_pages', 'do_swap_page', 'device_write', 'devpt_unmap', 'gup', 'change_pte_range']) {
    assert.ok(fired.has(k), `${k} never fired`);
  }
});

// The walk stops starting operations after 3,000 steps; what is under way
// must then finish. A device write to its own read-only device-private page
// once looped here for ever (hmm_range_fault never grants write there).
test('every operation under way completes once no new one starts', () => {
  const w = buildWorld(LONG_CONFIG);
  for (let seed = 1; seed <= 12; seed++) {
    let n = 0;
    for (const _ of walk(w, 3000, seed)) if (++n > 3500) break;
    assert.ok(n >= 3000 && n <= 3500, `seed ${seed}: ${n} steps, no wind-down within 500`);
  }
});

test.run();
