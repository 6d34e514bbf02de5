/**
 * A device thread's next attempt begins after it has let go of its driver
 * lock. lib/test_hmm.c dmirror_range_fault maps the pages under
 * dmirror->mutex and unlocks (dmirror_do_fault; mutex_unlock), which no
 * kernel trace logs. Replay used to move a thread whose next event is a
 * read_begin (or an hmm_range_fault) straight to that point, wherever it was,
 * also from right after its device page-table updates with L(d) still held:
 * then no other thread's invalidate callback (which takes L(d)) could run
 * before that read_begin, and a trace where one does was invalid. In the
 * kernel the unlock comes first, then the callback, then the next attempt
 * (hmm.hmm_device_private.anon_teardown: a device read, the unmap of its
 * pages by another thread, then a read that finds no VMA).
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { IMPORT_OBSERVED } from '../../traces/ftrace/index.js';
import { replayFile } from '../../traces/hmm/replayFile.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('driver-lock-test');

const HEADER = { hmmtrace: 1, source: 'hand-written, of the importer shape', kernel: '6.1', observed: IMPORT_OBSERVED, driver: 'test_hmm', partition: 'page' };

const events = [
  { ev: 'handle_mm_fault', tid: 'cpu', mm: '0', page: 0, write: true },
  { ev: 'handle_mm_fault', tid: 'cpu', mm: '0', page: 1, write: true },
  { ev: 'mmu_interval_read_begin', tid: 'gpu', dev: 'd0', seq: '9' },
  { ev: 'hmm_range_fault', tid: 'gpu', dev: 'd0', mm: '0', start: 0, end: 2, write: false, result: 'ok', pfns: [{ page: 0, pfn: 'A', write: true }, { page: 1, pfn: 'B', write: true }] },
  { ev: 'devpt_map', tid: 'gpu', dev: 'd0', page: 0, pfn: 'A', write: true },
  { ev: 'devpt_map', tid: 'gpu', dev: 'd0', page: 1, pfn: 'B', write: true },
  { ev: 'munmap', tid: 'cpu2', mm: '0', start: 0, end: 2 },
  { ev: 'invalidate_range_start', tid: 'cpu2', mm: '0', start: 0, end: 2, event: 'unmap', blockable: true },
  // Line 10: the callback takes L(d), which the device thread gave back after its maps.
  { ev: 'invalidate', tid: 'cpu2', dev: 'd0', mm: '0', start: 0, end: 2, event: 'unmap' },
  { ev: 'invalidate_range_end', tid: 'cpu2', mm: '0', start: 0, end: 2 },
  { ev: 'mmu_interval_read_begin', tid: 'gpu', dev: 'd0', seq: '15' },
  { ev: 'hmm_range_fault', tid: 'gpu', dev: 'd0', mm: '0', start: 0, end: 2, write: false, result: 'EFAULT' },
];

function write(name: string, header: Record<string, unknown>): string {
  const path = join(dir, name);
  writeFileSync(path, [header, ...events].map((x) => JSON.stringify(x)).join('\n') + '\n');
  return path;
}

test('an invalidate callback between a device attempt\'s maps and its next read_begin finds the driver lock free: valid, by page and whole', async () => {
  const byPage = await replayFile(write('unlock.page.jsonl', HEADER));
  assert.is(byPage.report.outcome, 'valid', byPage.report.reason);
  const { partition: _, ...whole } = HEADER;
  const all = await replayFile(write('unlock.whole.jsonl', whole));
  assert.is(all.report.outcome, 'valid', all.report.reason);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
