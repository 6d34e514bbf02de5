/**
 * Replay by page gives the whole trace's verdict (issue 24): two traces of
 * the importer's own kinds that page-by-page replay called valid where
 * replay of the whole trace finds them invalid, now invalid at the same line.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { IMPORT_OBSERVED } from '../../traces/ftrace/importer.js';
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

// The mirror's sequence across pages. The interval notifier covers the whole
// mm, so an invalidation of page 1 moves the sequence a read of page 0 takes
// next; page 0's one-page world never sees that invalidation.
const seqHeader = { hmmtrace: 1, kernel: '6.1', observed: [...IMPORT_OBSERVED], driver: 'test_hmm' };
const fault = (page: number): Record<string, unknown> => ({ ev: 'handle_mm_fault', tid: 't', mm: 'm', page, write: true });
const begin = (seq: string): Record<string, unknown> => ({ ev: 'mmu_interval_read_begin', tid: 't', dev: 'd0', seq });
const hrf = (result = 'ok'): Record<string, unknown> => ({
  ev: 'hmm_range_fault', tid: 't', dev: 'd0', mm: 'm', start: 0, end: 1, write: false, result,
  ...(result === 'ok' ? { pfns: [{ page: 0, pfn: 'A', write: true }] } : {}),
});
const map = { ev: 'devpt_map', tid: 't', dev: 'd0', page: 0, pfn: 'A', write: true };
/** MADV_DONTNEED of page 1: four lines, the callback third. */
const dontneed = [
  { ev: 'madvise_dontneed', tid: 't', mm: 'm', start: 1, end: 2 },
  { ev: 'invalidate_range_start', tid: 't', mm: 'm', start: 1, end: 2, event: 'clear', blockable: true },
  { ev: 'invalidate', tid: 't', dev: 'd0', mm: 'm', start: 1, end: 2, event: 'clear' },
  { ev: 'invalidate_range_end', tid: 't', mm: 'm', start: 1, end: 2 },
];

/** The verdicts by page and of the whole trace, as [outcome, line, invariant]. */
async function both(name: string, events: readonly Record<string, unknown>[]): Promise<{ page: unknown[]; whole: unknown[]; reason: string }> {
  const page = (await replayFile(write(`${name}.page.jsonl`, { ...seqHeader, partition: 'page' }, events))).report;
  const whole = (await replayFile(write(`${name}.whole.jsonl`, seqHeader, events))).report;
  return { page: [page.outcome, page.line, page.invariant], whole: [whole.outcome, whole.line, whole.invariant], reason: page.reason };
}

test('a read of page 0, a MADV_DONTNEED of page 1, a read of page 0 again under the moved sequence: valid by page as whole', async () => {
  // Page 0's world kept the sequence the trace calls "1", and judged "3" at line 11 wrong: invalid by page only.
  const r = await both('moved', [fault(0), fault(1), begin('1'), hrf(), map, ...dontneed, begin('3'), hrf(), map]);
  assert.equal(r.page, ['valid', null, null], r.reason);
  assert.equal(r.whole, ['valid', null, null]);
});

test('an invalidation of page 1 inside the attempt on page 0 (between its read_begin and its update) is INV-4 by page as whole', async () => {
  // The second attempt: read_begin at line 7, hmm_range_fault 8, the madvise 9-12 (its callback at 11), the update at 13.
  const r = await both('inside', [fault(0), fault(1), begin('1'), hrf(), map, begin('1'), hrf(), ...dontneed, map]);
  assert.equal(r.page, ['invalid', 13, 'INV-4'], r.reason);
  assert.equal(r.whole, ['invalid', 13, 'INV-4']);
  assert.match(r.reason, /the invalidate at line 11 moved the mirror's sequence since/);
});

test('a read_begin that returns the sequence from before an invalidation of another page is invalid by page as whole', async () => {
  // Page 0's world never sees the madvise of page 1, and took "1" at line 11 for right.
  const r = await both('old', [fault(0), fault(1), begin('1'), hrf(), map, ...dontneed, begin('1'), hrf(), map]);
  assert.equal(r.page, ['invalid', 11, null], r.reason);
  assert.equal(r.whole, ['invalid', 11, null]);
  assert.match(r.reason, /the mmu_interval_read_begin at line 4 returned "1", and the invalidate at line 9 moved "d0"'s sequence since/);
  // So is one in an attempt that retried (hmm_range_fault -EBUSY), which no page's projection holds.
  const retried = await both('old-retried', [fault(0), fault(1), begin('1'), hrf(), map, ...dontneed, begin('1'), hrf('EBUSY'), begin('3'), hrf(), map]);
  assert.equal(retried.page, ['invalid', 11, null], retried.reason);
  assert.equal(retried.whole, ['invalid', 11, null]);
});

test('a mirror\'s sequence never comes back to a value it had before: invalid by page as whole', async () => {
  // "1" at line 4, the madvise, "3" at line 11, the madvise again, "1" at line 18.
  const r = await both('back', [fault(0), fault(1), begin('1'), hrf(), map, ...dontneed, begin('3'), hrf(), map, ...dontneed, begin('1'), hrf(), map]);
  assert.equal(r.page, ['invalid', 18, null], r.reason);
  assert.equal(r.whole, ['invalid', 18, null]);
  assert.match(r.reason, /"1" is a sequence "d0" had before \(its read_begin at line 4 returned it\), and the one at line 11 returned "3"/);
});

test('a new sequence with no invalidation logged since is valid by page: the importer leaves out invalidations that move it', async () => {
  // An invalidation of memory outside the test's buffers, or a huge-PMD split's
  // brackets, moves the interval's sequence and is not in the trace (the
  // run1 captures of anon_teardown read_begin 7 such values). Replay of the
  // whole trace binds "3" to a model sequence that only logged
  // invalidations move, and still calls it invalid.
  const r = await both('unlogged', [fault(0), fault(1), begin('1'), hrf(), map, begin('3'), hrf(), map]);
  assert.equal(r.page, ['valid', null, null], r.reason);
  assert.equal(r.whole, ['invalid', 7, null]);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
