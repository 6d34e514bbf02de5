/**
 * Replay by page gives the whole trace's verdict (issue 24): two traces of
 * the importer's own kinds that page-by-page replay called valid where
 * replay of the whole trace finds them invalid, now invalid at the same line.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { replayFile } from '../../traces/hmm/replayFile.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('bypage-test');

/** Writes a trace: the header, then one event per line (line 2 on). */
function write(name: string, header: Record<string, unknown>, events: readonly Record<string, unknown>[]): string {
  const path = join(dir, name);
  writeFileSync(path, [header, ...events].map((x) => JSON.stringify(x)).join('\n') + '\n');
  return path;
}

test('without observed, a page may leave unlogged only what the whole trace never logs: a missing invalidate callback is invalid by page too', async () => {
  // Page 1's munmap logs d0's callback, page 0's does not: invalidate is a logged kind, so page 0 lacks one.
  const munmap = (p: number, callback: boolean): Record<string, unknown>[] => [
    { ev: 'munmap', tid: 'cpu', mm: '0', start: p, end: p + 1 },
    { ev: 'invalidate_range_start', tid: 'cpu', mm: '0', start: p, end: p + 1, event: 'unmap', blockable: true },
    ...(callback ? [{ ev: 'invalidate', tid: 'cpu', dev: 'd0', mm: '0', start: p, end: p + 1, event: 'unmap' }] : []),
    { ev: 'invalidate_range_end', tid: 'cpu', mm: '0', start: p, end: p + 1 },
  ];
  const events = [
    { ev: 'handle_mm_fault', tid: 'cpu', mm: '0', page: 0, write: true },
    { ev: 'handle_mm_fault', tid: 'cpu', mm: '0', page: 1, write: true },
    { ev: 'mmu_interval_read_begin', tid: 'gpu', dev: 'd0', seq: 's1' },
    { ev: 'hmm_range_fault', tid: 'gpu', dev: 'd0', mm: '0', start: 0, end: 1, write: false, result: 'ok', pfns: [{ page: 0, pfn: 'A', write: true }] },
    { ev: 'devpt_map', tid: 'gpu', dev: 'd0', page: 0, pfn: 'A', write: true },
    ...munmap(1, true),
    ...munmap(0, false),
  ];
  const whole = await replayFile(write('callback.whole.jsonl', { hmmtrace: 1, variant: ['H1'] }, events));
  assert.equal([whole.report.outcome, whole.report.line], ['invalid', 13]);
  const { report } = await replayFile(write('callback.page.jsonl', { hmmtrace: 1, variant: ['H1'], partition: 'page' }, events));
  assert.equal([report.outcome, report.line], ['invalid', 13]);
});

test('an invalidate callback that skipped its page-table update still moves the sequence, by page as in the model: INV-4', async () => {
  const events = [
    { ev: 'handle_mm_fault', tid: 'cpu', mm: '0', page: 0, write: true },
    { ev: 'handle_mm_fault', tid: 'cpu', mm: '0', page: 1, write: true },
    { ev: 'mmu_interval_read_begin', tid: 'gpu', dev: 'd0', seq: 's1' },
    { ev: 'hmm_range_fault', tid: 'gpu', dev: 'd0', mm: '0', start: 0, end: 1, write: false, result: 'ok', pfns: [{ page: 0, pfn: 'A', write: true }] },
    { ev: 'munmap', tid: 'cpu', mm: '0', start: 1, end: 2 },
    { ev: 'invalidate_range_start', tid: 'cpu', mm: '0', start: 1, end: 2, event: 'unmap', blockable: true },
    { ev: 'invalidate', tid: 'cpu', dev: 'd0', mm: '0', start: 1, end: 2, event: 'unmap', cleared: false },
    { ev: 'invalidate_range_end', tid: 'cpu', mm: '0', start: 1, end: 2 },
    { ev: 'devpt_map', tid: 'gpu', dev: 'd0', page: 0, pfn: 'A', write: true },
  ];
  const whole = await replayFile(write('skipped.whole.jsonl', { hmmtrace: 1, variant: ['H1'] }, events));
  assert.equal([whole.report.outcome, whole.report.line, whole.report.invariant], ['invalid', 10, 'INV-4']);
  const { report } = await replayFile(write('skipped.page.jsonl', { hmmtrace: 1, variant: ['H1'], partition: 'page' }, events));
  assert.equal([report.outcome, report.line, report.invariant], ['invalid', 10, 'INV-4']);
  assert.match(report.reason, /the invalidate at line 8 moved the mirror's sequence since/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
