/**
 * An import that stops inside a fork keeps none of the fork's events.
 *
 * hmm.hmm_device_private.hmm_cow_in_device (Linux 6.1, run 1) migrates its
 * 4-page buffer to device-private memory and forks. The fork's
 * copy_page_range opens a PROTECTION_PAGE invalidation per VMA (mm/memory.c
 * copy_page_range: mmu_notifier_range_init(MMU_NOTIFY_PROTECTION_PAGE) when
 * the VMA is COW) and, in the buffer's, copies the device-private entries
 * with copy_nonpresent_pte: the import stops there (ftrace line 262), outside
 * what it translates. The importer holds a place before the first bracket
 * for the fork event, which comes with sched_process_fork once copy_process
 * is done; the stop left that place empty and the bracket over the buffer
 * (ftrace line 255) was written without its fork, which replay rightly
 * refused ("invalidate_range_start is not a step the model allows here"):
 * a passing test judged invalid. Now everything from the empty place on is
 * dropped, and the verdict is incomplete at the stop.
 *
 * test/fixtures/ftrace/hmm_cow_in_device.head.txt.gz is the capture's first
 * 262 lines, made whole here (its ring-buffer count set to its lines, and an
 * HMMTEST_END marker added).
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { importFtrace } from '../../traces/ftrace/index.js';
import { replayFile } from '../../traces/hmm/replayFile.js';
import { endMarker, recount } from '../helpers/ftrace.js';
import { tempDir } from '../helpers/tmp.js';

const head = fileURLToPath(new URL('../../../test/fixtures/ftrace/hmm_cow_in_device.head.txt.gz', import.meta.url));
const lines = gunzipSync(readFileSync(head)).toString('utf8').trimEnd().split('\n');
const TEST = 'hmm.hmm_device_private.hmm_cow_in_device';
const dir = tempDir('fork-cut-test');

/** The excerpt's first `n` lines, made whole. */
function whole(n: number, name: string): string {
  const path = join(dir, name);
  writeFileSync(path, `${recount([...lines.slice(0, n), endMarker(TEST, 0, '462.649876')]).join('\n')}\n`);
  return path;
}

async function imported(path: string): Promise<{ events: Record<string, unknown>[]; unsupported: unknown }> {
  const events: Record<string, unknown>[] = [];
  const { summary } = await importFtrace(path, {}, (_line, e) => events.push(e as unknown as Record<string, unknown>));
  return { events, unsupported: summary.unsupported };
}

const ftraceLine = (e: Record<string, unknown>): number => Number(/^ftrace line (\d+):/.exec(String(e['note']))![1]);

test('the import stops at copy_nonpresent_pte inside the fork: none of the fork\'s brackets is written, and replay is incomplete there', async () => {
  const path = whole(262, 'stop.txt');
  const { events, unsupported } = await imported(path);
  assert.equal(unsupported, { line: 262, reason: 'fork of a non-present PTE (device-private or exclusive entry at fork)' });
  // The last event is the migration's finalize (ftrace line 206); the fork began at line 219 (its first bracket).
  assert.equal([events.at(-1)!['ev'], ftraceLine(events.at(-1)!)], ['migrate_vma_finalize', 206]);
  assert.not.ok(events.some((e) => e['event'] === 'protection_page'));
  const { report } = await replayFile(path);
  assert.is(report.outcome, 'incomplete', report.reason);
  assert.is(report.imported?.sourceLine, 262);
  assert.match(report.reason, /line 262: fork of a non-present PTE/);
});

test('a recording that ends inside a fork (no sched_process_fork) drops it the same way, and says so', async () => {
  const path = whole(261, 'end.txt');
  const { events, unsupported } = await imported(path);
  assert.equal(unsupported, { line: 219, reason: 'the trace ends inside a fork (copy_page_range began; sched_process_fork never came)' });
  assert.not.ok(events.some((e) => e['event'] === 'protection_page'));
  const { report } = await replayFile(path);
  assert.is(report.outcome, 'incomplete', report.reason);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
