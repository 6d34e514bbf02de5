/**
 * A syscall a kernel trace logs at its entry (`entry: true`) takes effect
 * later: sys_enter_munmap fires before __vm_munmap's mmap_write_lock_killable
 * (mm/mmap.c), so a device fault that holds mmap_lock for read
 * (lib/test_hmm.c dmirror_range_fault: mmap_read_lock; hmm_range_fault;
 * mmap_read_unlock) still walks the range as it was, and returns 0.
 *
 * The traces are hmm.hmm_device_private.anon_teardown of the Linux 6.1 run 1
 * capture cut down to two pages, in the importer's shape: thread 351 of
 * process 350 munmaps the second half of the buffer (ftrace line 3481) while
 * 350's device read of it is inside hmm_range_fault (its return at ftrace
 * line 3520 reports every page present); the munmap's unmap_vmas bracket
 * follows (ftrace line 3566), and the next read gets -EFAULT (line 3580).
 * Replay judged the capture invalid at that hmm_range_fault ("returns EFAULT
 * in the model"), for a test that passed.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { IMPORT_OBSERVED } from '../../traces/ftrace/index.js';
import { replayFile } from '../../traces/hmm/replayFile.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('syscall-entry-test');

type E = Record<string, unknown>;

/** The importer's header: page by page, kernel 6.1, lib/test_hmm.c. */
const HEADER = { hmmtrace: 1, source: 'anon_teardown, cut down', kernel: '6.1', observed: IMPORT_OBSERVED, driver: 'test_hmm', partition: 'page' };

function write(name: string, events: readonly E[], header: E = HEADER): string {
  const path = join(dir, name);
  writeFileSync(path, [header, ...events].map((x) => JSON.stringify(x)).join('\n') + '\n');
  return path;
}

const fill: E[] = [
  { ev: 'handle_mm_fault', tid: '350', mm: '350', page: 0, write: true },
  { ev: 'handle_mm_fault', tid: '350', mm: '350', page: 1, write: true },
];
const munmap = (entry: boolean): E => ({ ev: 'munmap', tid: '351', mm: '350', start: 0, end: 2, ...(entry ? { entry: true } : {}) });
const readOk: E[] = [
  { ev: 'hmm_range_fault', tid: '350', dev: 'dmirror0', mm: '350', start: 0, end: 2, write: false, result: 'ok', pfns: [{ page: 0, pfn: '0xbd5b0', write: true }, { page: 1, pfn: '0xbd5b2', write: true }] },
  { ev: 'devpt_map', tid: '350', dev: 'dmirror0', page: 0, pfn: '0xbd5b0', write: true },
  { ev: 'devpt_map', tid: '350', dev: 'dmirror0', page: 1, pfn: '0xbd5b2', write: true },
];
const unmapBracket: E[] = [
  { ev: 'invalidate_range_start', tid: '351', mm: '350', start: 0, end: 2, event: 'unmap', blockable: true },
  { ev: 'invalidate', tid: '351', dev: 'dmirror0', mm: '350', start: 0, end: 2, event: 'unmap' },
  { ev: 'invalidate_range_end', tid: '351', mm: '350', start: 0, end: 2 },
];
const readFault = (seq: string): E[] => [
  { ev: 'mmu_interval_read_begin', tid: '350', dev: 'dmirror0', seq },
  { ev: 'hmm_range_fault', tid: '350', dev: 'dmirror0', mm: '350', start: 0, end: 2, write: false, result: 'EFAULT' },
];

async function verdict(name: string, events: readonly E[], header: E = HEADER): Promise<[string, number | null, string]> {
  const { report } = await replayFile(write(name, events, header));
  return [report.outcome, report.line, report.outcome === 'invalid' ? report.reason : ''];
}

test('a munmap logged at its syscall entry, while a device read holds mmap_lock, unmaps after that read: valid (anon_teardown)', async () => {
  const events = [...fill, { ev: 'mmu_interval_read_begin', tid: '350', dev: 'dmirror0', seq: '9' }, munmap(true), ...readOk, ...unmapBracket, ...readFault('15')];
  assert.equal(await verdict('teardown.jsonl', events), ['valid', null, '']);
  // The same replayed whole, not page by page.
  const { partition: _, ...whole } = HEADER;
  assert.equal(await verdict('teardown.whole.jsonl', events, whole), ['valid', null, '']);
});

test('a munmap logged as the unmap itself (no entry) is judged at its line, as before: the read after it cannot find the pages', async () => {
  const events = [...fill, { ev: 'mmu_interval_read_begin', tid: '350', dev: 'dmirror0', seq: '9' }, munmap(false), ...readOk, ...unmapBracket, ...readFault('15')];
  // The header is line 1, the munmap line 5, the hmm_range_fault that found the pages line 6.
  const [outcome, line, reason] = await verdict('teardown.step.jsonl', events);
  assert.equal([outcome, line], ['invalid', 6]);
  assert.match(reason, /hmm_range_fault returns EFAULT in the model, the trace says "ok"/);
});

test('the unmap may come anywhere before the thread\'s next event: a read that already finds no VMA before the unmap bracket is valid too', async () => {
  // munmap downgrades mmap_lock to read before unmap_region's invalidation (mm/mmap.c do_mas_align_munmap): a reader may get in between.
  const events = [...fill, munmap(true), ...readFault('9'), ...unmapBracket];
  assert.equal(await verdict('teardown.gap.jsonl', events), ['valid', null, '']);
});

test('but not after it: once the munmapping thread logs its next event, the pages are gone', async () => {
  // The bracket (lines 5-7) comes after the unmap; a read reporting the pages present after it (line 9) is invalid.
  const events = [...fill, munmap(true), ...unmapBracket, { ev: 'mmu_interval_read_begin', tid: '350', dev: 'dmirror0', seq: '15' }, ...readOk];
  const [outcome, line, reason] = await verdict('teardown.late.jsonl', events);
  assert.equal([outcome, line], ['invalid', 9]);
  assert.match(reason, /hmm_range_fault returns EFAULT in the model, the trace says "ok"/);
});

test('mprotect logged at its entry: a device write fault that holds mmap_lock still sees the range writable', async () => {
  const events: E[] = [
    ...fill,
    { ev: 'mmu_interval_read_begin', tid: '350', dev: 'dmirror0', seq: '3' },
    { ev: 'mprotect', tid: '351', mm: '350', start: 0, end: 2, write: false, entry: true },
    { ev: 'hmm_range_fault', tid: '350', dev: 'dmirror0', mm: '350', start: 0, end: 2, write: true, result: 'ok', pfns: [{ page: 0, pfn: 'A', write: true }, { page: 1, pfn: 'B', write: true }] },
    { ev: 'devpt_map', tid: '350', dev: 'dmirror0', page: 0, pfn: 'A', write: true },
    { ev: 'devpt_map', tid: '350', dev: 'dmirror0', page: 1, pfn: 'B', write: true },
    { ev: 'invalidate_range_start', tid: '351', mm: '350', start: 0, end: 2, event: 'protection_vma', blockable: true },
    { ev: 'invalidate', tid: '351', dev: 'dmirror0', mm: '350', start: 0, end: 2, event: 'protection_vma' },
    { ev: 'invalidate_range_end', tid: '351', mm: '350', start: 0, end: 2 },
  ];
  assert.equal(await verdict('mprotect.entry.jsonl', events), ['valid', null, '']);
  // Logged as the change itself, mprotect holds mmap_lock for write from that line to its bracket's end: the walk cannot run.
  const step = events.map((e) => (e['ev'] === 'mprotect' ? { ...e, entry: undefined } : e)).map((e) => JSON.parse(JSON.stringify(e)) as E);
  const [outcome, line, reason] = await verdict('mprotect.step.jsonl', step);
  assert.equal([outcome, line], ['invalid', 6]);
  assert.match(reason, /350 is at hrf and cannot take a step now/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
