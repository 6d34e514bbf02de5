/**
 * Long random walks of the unmodified model over budgets no exhaustive run
 * can cover: every invariant holds at every step. A walk of this kind found
 * the lost device write of test_hmm's sys->dev migration path (the reference
 * driver now drops its own mapping before the copy).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildWorld } from '../../model/index.js';
import { checkedWalk } from '../helpers/hmm.js';
import { LONG_CONFIG, walk } from '../bench/longTrace.js';

test('30,000-step random walks of the long-walk world break no invariant', () => {
  const w = buildWorld(LONG_CONFIG);
  const fired = new Set<string>();
  for (const seed of [1, 2, 3]) {
    const end = checkedWalk(w, seed, 10_000, fired);
    assert.not.ok(end.stuck, `seed ${seed}: deadlock at step ${end.steps}`);
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
