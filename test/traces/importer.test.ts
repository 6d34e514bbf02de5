/**
 * The ftrace importer (issue 8) on an excerpt of a shared kernel trace: the
 * first 2,498 lines of anon_read on Linux 6.1 (the harness forks the test,
 * which fills its 1024-page buffer, makes it read-only, and has the device
 * read the first 64 pages: test/fixtures/ftrace/anon_read.head.txt.gz).
 * The excerpt is a capture cut short (issue 24): as it is, it is judged
 * incomplete; made whole (its ring-buffer count set to its lines, and an
 * HMMTEST_END marker added) it stands for a short run of the test.
 * Each mapping the importer makes is checked against the ftrace line it came
 * from; bad input and test cases outside the model are checked on the whole
 * excerpt, changed one line at a time.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TraceInputError } from '../../traces/errors.js';
import { importFtrace, IMPORT_OBSERVED } from '../../traces/ftrace/index.js';
import { replayFile } from '../../traces/hmm/replayFile.js';
import { validateEvent, validateHeader } from '../../traces/format.js';
import { run } from '../helpers/cli.js';
import { endMarker, recount } from '../helpers/ftrace.js';
import { tempDir } from '../helpers/tmp.js';

const head = fileURLToPath(new URL('../../../test/fixtures/ftrace/anon_read.head.txt.gz', import.meta.url));
const cutText = gunzipSync(readFileSync(head)).toString('utf8');
/** The excerpt made whole: 2,487 entries (its 2,486 and an end marker) and a header that counts them. */
const headText = `${recount([...cutText.trimEnd().split('\n'), endMarker('hmm.hmm_device_private.anon_read', 0, '5.480000')]).join('\n')}\n`;
const dir = tempDir('importer-test');
const wholeHead = join(dir, 'head.whole.txt');
writeFileSync(wholeHead, headText);

type E = Record<string, unknown> & { ev: string };

async function importText(text: string, name: string): Promise<{ events: { line: number; e: E }[]; header: Record<string, unknown>; summary: Record<string, unknown> }> {
  const path = join(dir, name);
  writeFileSync(path, text);
  const events: { line: number; e: E }[] = [];
  const { header, summary } = await importFtrace(path, {}, (line, e) => events.push({ line, e: e as unknown as E }));
  return { events, header: header as unknown as Record<string, unknown>, summary: summary as unknown as Record<string, unknown> };
}

/** The excerpt with its line `n` (1-based) replaced by `f(line)`, or removed when f returns null. */
function edit(n: number, f: (l: string) => string | null): string {
  const lines = headText.split('\n');
  const r = f(lines[n - 1]!);
  if (r === null) lines.splice(n - 1, 1);
  else lines[n - 1] = r;
  return lines.join('\n');
}

const fromLine = (events: { e: E }[], n: number): E[] => events.filter((x) => String(x.e['note']).startsWith(`ftrace line ${n}:`)).map((x) => x.e);

test('the excerpt imports to schema-valid hmmtrace with the counts of its events', async () => {
  const { events, header, summary } = await importText(headText, 'head.txt');
  validateHeader(header, 'head', 1);
  events.forEach((x, i) => validateEvent(x.e, 'head', i + 2));
  assert.is(summary['test'], 'hmm.hmm_device_private.anon_read');
  assert.equal(summary['counts'], {
    fork: 1,
    handle_mm_fault: 1087,
    mprotect: 1,
    invalidate_range_start: 1,
    invalidate: 1,
    invalidate_range_end: 1,
    mmu_interval_read_begin: 1,
    hmm_range_fault: 1,
    devpt_map: 64,
  });
  assert.is(events.length, 1158);
  // What the probe set sees, and the driver lib/test_hmm.c is (it skips set_seq on its own MIGRATE events).
  assert.equal(header['observed'], IMPORT_OBSERVED);
  assert.not.ok((IMPORT_OBSERVED as readonly string[]).includes('mmu_interval_read_retry'));
  assert.is(header['driver'], 'test_hmm');
  assert.is(header['variant'], undefined);
  assert.is(header['partition'], 'page');
  assert.is(header['unsupported'], undefined);
  const capture = summary['capture'] as Record<string, unknown>;
  assert.equal([capture['entries'], capture['inBuffer'], capture['written'], capture['begin'], capture['end'], capture['rc'], capture['problem']], [2487, 2487, 2487, 13, 2499, 0, null]);
});

test('each event says which ftrace line it comes from, and maps it as the table says', async () => {
  const { events } = await importText(headText, 'head.txt');
  // sched_process_fork: the harness (74) forks the test (75), whose mm is its own.
  assert.equal(fromLine(events, 84), [{ ev: 'fork', tid: '74', mm: '74', child: '75', note: 'ftrace line 84: sched_process_fork' }]);
  // sys_mprotect(start: 7fd908a8c000, len: 400000, prot: 1): the whole buffer, read-only; logged at the syscall's entry, before mmap_lock.
  assert.equal(fromLine(events, 2192)[0], { ev: 'mprotect', tid: '75', mm: '75', start: 0, end: 1024, write: false, entry: true, note: 'ftrace line 2192: sys_mprotect' });
  // mmu_interval_read_begin_ret seq=7 on the test's mirror.
  assert.equal(fromLine(events, 2222)[0], { ev: 'mmu_interval_read_begin', tid: '75', dev: 'dmirror0', seq: '7', note: 'ftrace line 2222: mmu_interval_read_begin_ret' });
  // hmm_range_fault_ret ret=0: the range of the first 64 pages, the pfns the walk's PTEs held (read-only now).
  const [hrf] = fromLine(events, 2496);
  assert.is(hrf!['ev'], 'hmm_range_fault');
  assert.equal([hrf!['start'], hrf!['end'], hrf!['write'], hrf!['result']], [0, 64, false, 'ok']);
  const pfns = hrf!['pfns'] as { page: number; pfn: string; write: boolean }[];
  assert.is(pfns.length, 64);
  assert.equal(pfns[2], { page: 2, pfn: '0x7fe33', write: false });
  assert.ok(pfns.every((p) => !p.write));
  // dmirror_do_fault: one devpt_map per page, the first 8 from the probe's pfns words, the rest from the walk.
  const maps = fromLine(events, 2497);
  assert.is(maps.length, 64);
  assert.equal(maps.map((m) => m['page']), Array.from({ length: 64 }, (_, i) => i));
  assert.equal(maps[2], { ev: 'devpt_map', tid: '75', dev: 'dmirror0', page: 2, pfn: '0x7fe33', write: false, note: 'ftrace line 2497: dmirror_do_fault' });
  assert.ok(maps.every((m, i) => m['pfn'] === pfns[i]!.pfn));
});

test('the imported excerpt replays valid page by page', async () => {
  const path = join(dir, 'head.txt');
  writeFileSync(path, headText);
  const { report } = await replayFile(path);
  assert.is(report.outcome, 'valid', report.reason);
  assert.is(report.imported?.from, 'ftrace');
  assert.is(report.events, 1158);
});

test('an unknown event stops the import with file, line, field, expected and found', async () => {
  const text = edit(100, (l) => l.replace(/ sched_\w+:| \w+:/, ' my_new_probe:'));
  try {
    await importText(text, 'unknown.txt');
    assert.unreachable('an unknown event must be refused');
  } catch (e) {
    assert.instance(e, TraceInputError);
    const err = e as TraceInputError;
    assert.is(err.line, 100);
    assert.match(err.message, /unknown\.txt:100: event: expected an event of the probe set .*found "my_new_probe"/);
  }
});

test('a malformed line stops the import the same way', async () => {
  try {
    await importText(edit(50, () => 'this is not an ftrace line'), 'malformed.txt');
    assert.unreachable('a malformed line must be refused');
  } catch (e) {
    assert.instance(e, TraceInputError);
    assert.match((e as Error).message, /malformed\.txt:50: \(line\): expected an ftrace line .* found "this is not an ftrace line"/);
  }
});

test('a malformed value of a known probe names its field', async () => {
  try {
    await importText(edit(2222, (l) => l.replace('seq=7', 'seq=seven')), 'value.txt');
    assert.unreachable('a bad value must be refused');
  } catch (e) {
    assert.instance(e, TraceInputError);
    assert.match((e as Error).message, /value\.txt:2222: mmu_interval_read_begin_ret\.seq: expected an unsigned decimal \(u64\), found "seven"/);
  }
});

test('a test case outside the model (a MAP_SHARED buffer) stops at its first line and replays incomplete, never valid', async () => {
  const text = edit(146, (l) => l.replace('flags: 22', 'flags: 21'));
  const { events, header, summary } = await importText(text, 'shared.txt');
  assert.equal(summary['unsupported'], { line: 147, reason: 'a shared buffer (MAP_SHARED is not modelled)' });
  assert.equal(header['unsupported'], { line: 147, reason: 'a shared buffer (MAP_SHARED is not modelled)' });
  assert.is(events.length, 1);
  const { report } = await replayFile(join(dir, 'shared.txt'));
  assert.is(report.outcome, 'incomplete');
  assert.is(report.imported?.sourceLine, 147);
  assert.match(report.reason, /line 147: a shared buffer/);
});

test('a buffer mapped read-only, or from hugetlbfs, is outside the model: the import stops at its mmap', async () => {
  const readOnly = await importText(edit(146, (l) => l.replace('prot: 3', 'prot: 1')), 'ro.txt');
  assert.equal(readOnly.summary['unsupported'], { line: 147, reason: "a buffer mapped with prot 1 (the model's mappings start PROT_READ|PROT_WRITE)" });
  const huge = await importText(edit(146, (l) => l.replace('flags: 22', 'flags: 40022')), 'huge.txt');
  assert.equal(huge.summary['unsupported'], { line: 147, reason: 'a hugetlbfs buffer (MAP_HUGETLB is not modelled)' });
});

test('mprotect to PROT_NONE is outside the model: incomplete at its line', async () => {
  const { summary } = await importText(edit(2192, (l) => l.replace('prot: 1)', 'prot: 0)')), 'none.txt');
  assert.equal(summary['unsupported'], { line: 2192, reason: 'mprotect to PROT_NONE (the model has PROT_NONE; the importer does not map it yet)' });
});

test('hmmcheck import ftrace: the trace on standard output, the summary as JSON with --out, usage errors exit 2', async () => {
  const plain = await run('import', 'ftrace', wholeHead);
  assert.is(plain.code, 0, plain.err);
  const lines = plain.out.trim().split('\n');
  assert.is(lines.length, 1 + 1158);
  assert.is(JSON.parse(lines[0]!).partition, 'page');
  assert.match(plain.err, /2,487 lines -> 1,158 hmmtrace events/);
  const out = join(dir, 'cli.jsonl');
  const json = await run('import', 'ftrace', wholeHead, '--out', out, '--json');
  assert.is(json.code, 0);
  const summary = JSON.parse(json.out);
  assert.equal([summary.verb, summary.outcome, summary.summary.events], ['import', 'ok', 1158]);
  assert.is(readFileSync(out, 'utf8'), plain.out);
  const stopped = await run('import', 'ftrace', join(dir, 'shared.txt'), '--out', join(dir, 'x.jsonl'));
  assert.is(stopped.code, 3);
  assert.match(stopped.err, /stopped at line 147: a shared buffer/);
  for (const argv of [['import', wholeHead], ['import', 'ftrace'], ['import', 'ftrace', wholeHead, '--json'], ['import', 'perf', wholeHead]]) {
    const r = await run(...argv);
    assert.is(r.code, 2, argv.join(' '));
    assert.match(r.err, /^hmmcheck: import: /);
  }
});

test('the excerpt as it is, cut at a line boundary: imported, but incomplete with the reason, in the import and in every replay (issue 24)', async () => {
  const { events, header, summary } = await importText(cutText, 'cut.txt');
  // What it holds is a prefix of the run, and is imported.
  assert.is(events.length, 1158);
  const reason = /^the capture is cut short: it holds 2,486 of the 6,732 entries its ring buffer held \(entries-in-buffer, line 3\); it has no HMMTEST_END marker after line 2498; /;
  const u = summary['unsupported'] as { line: number; reason: string; missing: boolean };
  assert.equal([u.line, u.missing], [2498, true]);
  assert.match(u.reason, reason);
  assert.equal(header['unsupported'], u);
  validateHeader(header, 'cut', 1);
  // Replayed from the ftrace text, and from the imported .jsonl: never valid.
  const { report } = await replayFile(join(dir, 'cut.txt'));
  assert.is(report.outcome, 'incomplete');
  assert.is(report.imported?.sourceLine, 2498);
  assert.match(report.reason, /is not whole \(its line 2498\): the capture is cut short: it holds 2,486 of the 6,732 entries.*every event it holds replays$/);
  const out = join(dir, 'cut.jsonl');
  const cli = await run('import', 'ftrace', head, '--out', out);
  assert.is(cli.code, 3);
  assert.match(cli.err, /stopped at line 2498: the capture is cut short: it holds 2,486 of the 6,732 entries/);
  const json = await run('import', 'ftrace', head, '--out', out, '--json');
  assert.is(json.code, 3);
  const j = JSON.parse(json.out);
  assert.equal([j.outcome, j.summary.unsupported.line, j.header.unsupported.missing], ['incomplete', 2498, true]);
  const replayed = await run('replay', out, '--json');
  assert.is(replayed.code, 3);
  assert.match(JSON.parse(replayed.out).reason, /not whole \(its line 2498\): the capture is cut short/);
});

test('a whole-looking capture whose entries-in-buffer is higher than the entries present is incomplete', async () => {
  const lines = headText.split('\n');
  lines[2] = '# entries-in-buffer/entries-written: 2500/2500   #P:2';
  const { summary } = await importText(lines.join('\n'), 'short.txt');
  const u = summary['unsupported'] as { line: number; reason: string; missing: boolean };
  assert.is(u.missing, true);
  assert.match(u.reason, /^the capture is cut short: it holds 2,487 of the 2,500 entries its ring buffer held \(entries-in-buffer, line 3\); a missing event/);
  const { report } = await replayFile(join(dir, 'short.txt'));
  assert.is(report.outcome, 'incomplete');
});

test('a capture whose ring buffer overwrote events (entries-written > entries-in-buffer) imports nothing and is incomplete, exit 3', async () => {
  const lines = headText.split('\n');
  lines[2] = '# entries-in-buffer/entries-written: 2487/2600   #P:2';
  const { events, summary, header } = await importText(lines.join('\n'), 'overwritten.txt');
  assert.is(events.length, 0);
  const u = summary['unsupported'] as { line: number; reason: string; missing: boolean };
  assert.equal([u.line, u.missing], [3, true]);
  assert.match(u.reason, /^the capture lost events: the ring buffer overwrote 113 of the 2,600 events written \(entries-in-buffer\/entries-written 2487\/2600, line 3\); .*\(nothing is imported\)$/);
  assert.equal(header['unsupported'], u);
  const { report } = await replayFile(join(dir, 'overwritten.txt'));
  assert.is(report.outcome, 'incomplete');
  assert.match(report.reason, /the ring buffer overwrote 113/);
  const cli = await run('import', 'ftrace', join(dir, 'overwritten.txt'), '--out', join(dir, 'overwritten.jsonl'));
  assert.is(cli.code, 3);
  assert.match(cli.err, /stopped at line 3: the capture lost events: the ring buffer overwrote 113 of the 2,600 events/);
});

test('a "CPU:n [LOST k EVENTS]" line of the trace reader makes the capture incomplete at that line', async () => {
  const lines = headText.split('\n');
  lines.splice(1999, 0, 'CPU:1 [LOST 42 EVENTS]');
  const { events, summary } = await importText(lines.join('\n'), 'lost.txt');
  assert.is(events.length, 0);
  assert.equal(summary['unsupported'], {
    line: 2000,
    reason: 'the capture lost events: the trace reader lost 42 events of CPU 1 at line 2000; a missing event can explain or hide any step, so no verdict is given (nothing is imported)',
    missing: true,
  });
});

test('a capture with no HMMTEST_BEGIN, or no ring-buffer count, is incomplete; more entries than the count is bad input', async () => {
  const noBegin = headText.split('\n');
  noBegin.splice(12, 1);
  const a = await importText(recount(noBegin).join('\n'), 'nobegin.txt');
  assert.match((a.summary['unsupported'] as { reason: string }).reason, /^the capture lost events: it has no HMMTEST_BEGIN marker \(its start is missing\)/);
  const noCount = headText.split('\n').filter((l) => !l.startsWith('# entries-in-buffer'));
  const b = await importText(noCount.join('\n'), 'nocount.txt');
  assert.is(b.events.length, 1158);
  assert.match((b.summary['unsupported'] as { reason: string }).reason, /^the capture is cut short: it has no "# entries-in-buffer\/entries-written" header, so whether events are missing cannot be told; /);
  const more = headText.split('\n');
  more[2] = '# entries-in-buffer/entries-written: 2400/2400   #P:2';
  try {
    await importText(more.join('\n'), 'more.txt');
    assert.unreachable('more entries than the ring buffer held must be refused');
  } catch (e) {
    assert.instance(e, TraceInputError);
    assert.match((e as Error).message, /more\.txt:3: entries-in-buffer: expected at least the 2,487 trace entries the file holds \(one dump of one ring buffer\), found 2400/);
  }
});

test('a failing test (HMMTEST_END rc=1) is imported and judged all the same, and says so', async () => {
  const text = headText.replace(/HMMTEST_END (\S+) rc=0/, 'HMMTEST_END $1 rc=1');
  const { header, summary } = await importText(text, 'failed.txt');
  assert.is(summary['rc'], 1);
  assert.is(summary['unsupported'], null);
  assert.match(String(header['source']), /^ftrace of hmm\.hmm_device_private\.anon_read \(rc=1: the test failed\) with lib\/test_hmm\.c/);
  assert.equal(summary['notes'], [
    "the test failed (HMMTEST_END rc=1): its kernel events are judged all the same, since replay checks the kernel and driver, not the test's assertions",
  ]);
  const { report } = await replayFile(join(dir, 'failed.txt'));
  assert.is(report.outcome, 'valid', report.reason);
  assert.match(report.imported!.note, /; the test failed \(HMMTEST_END rc=1\)/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
