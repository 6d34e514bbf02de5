/**
 * Random walks of a fork world too large to check exhaustively: two pages,
 * both processes with a device fault thread and a migrator on their own
 * mirror, GUP pins, and two evictions. Every walk runs to a final state
 * (both processes exited, or every budget used) with every invariant holding
 * at every step and no deadlock on the way.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildWorld, isFinal, type Config } from '../../model/index.js';
import { checkedWalk } from '../helpers/hmm.js';

const WORLD: Config = {
  name: 'fork walks',
  processes: 2,
  pages: 2,
  systemFrames: 8,
  memcgLimit: 3,
  devices: [{ frames: 2, owner: 'dmirror0' }],
  mirrors: [
    { device: 0, process: 0 },
    { device: 0, process: 1 },
  ],
  actors: [
    { kind: 'cpu', name: 'parent', ops: { cpu_write: 2, cpu_read: 2, gup: 1, mprotect: 1, mprotect_rw: 1, fork: 1, exit: 1 }, child: 1 },
    { kind: 'device', name: 'gpu0', mirror: 0, ops: { device_write: 2, device_read: 1, migrate_to_device: 2 } },
    { kind: 'cpu', name: 'child', process: 1, ops: { cpu_write: 2, cpu_read: 1, exit: 1 } },
    { kind: 'device', name: 'gpu1', mirror: 1, ops: { device_write: 1, device_read: 1, migrate_to_device: 1 } },
    { kind: 'device', name: 'evict', mirror: 0, ops: { migrate_device_range: 2 } },
  ],
};

test('random walks of a two-page fork world reach a final state and break no invariant', () => {
  const w = buildWorld(WORLD);
  const fired = new Set<string>();
  for (let seed = 1; seed <= 400; seed++) {
    const end = checkedWalk(w, seed, 5000, fired);
    assert.ok(end.stuck, `seed ${seed}: no final state after 5000 steps`);
    assert.ok(isFinal(w, end.state), `seed ${seed}: deadlock at step ${end.steps}`);
  }
  for (const k of ['copy_page_range', 'try_to_migrate', 'wp_page_copy', 'do_swap_page', 'migrate_device_pages', 'exit', 'devpt_map', 'folio_free']) {
    assert.ok(fired.has(k), `${k} never fired`);
  }
});

test.run();
