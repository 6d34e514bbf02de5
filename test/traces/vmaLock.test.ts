/**
 * Faults under the per-VMA lock (Linux v6.4+; do_swap_page under it since
 * v6.6, 1235ccd05b6d): a user fault is first tried under the VMA lock
 * (handle_mm_fault flags has FAULT_FLAG_VMA_LOCK, 0x1000), and do_swap_page
 * on a device-private entry returns VM_FAULT_RETRY (0x400) before touching
 * anything ("migrate_to_ram is not yet ready to operate under VMA lock"), so
 * the fault is retried at once under mmap_lock, whose do_swap_page calls the
 * driver (../shared/kernel-traces/linux-6.12/NOTES.md, "New in 6.12").
 *
 * On an excerpt of the Linux 6.12 capture of migrate_fault
 * (test/fixtures/ftrace/migrate_fault.linux-6.12.excerpt.txt.gz, with the
 * 6.12 probe set beside it): its lines 1-424 are the capture's 1-424 (the
 * harness, the mirror's open, the buffers' mmaps and the writes to the
 * buffer's first 64 pages), 425-771 its 2345-2691 (the migration to the
 * device of the first 64-page chunk), and 772-842 its 9902-9972 (the test
 * reads pages 0 and 1 back: each fault an attempt under the VMA lock that
 * returns 0x400, then the retry that migrates the page to system memory).
 * Left out: the writes to pages 64-1023 and the migration of their 15
 * chunks, which touch none of the pages kept. As the 6.1 head excerpt, it
 * is made whole here (ring-buffer count and HMMTEST_END), standing for a
 * short run of the test.
 *
 * The attempt is left out by the importer, with a note, only when the probes
 * say it changed nothing: flags 0x1000, its do_swap_page (fflags 0x1000)
 * returning 0x400, handle_mm_fault returning 0x400, and nothing else in
 * between; changed in any of these, it is kept, and replay refuses the retry
 * as it did before (the model's thread at a device-private PTE must go on to
 * do_swap_page).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { importFtrace } from '../../traces/ftrace/index.js';
import { replayFile } from '../../traces/hmm/replayFile.js';
import { validateEvent } from '../../traces/format.js';
import { run } from '../helpers/cli.js';
import { endMarker, recount } from '../helpers/ftrace.js';
import { tempDir } from '../helpers/tmp.js';

const fixtures = fileURLToPath(new URL('../../../test/fixtures/ftrace/', import.meta.url));
const probes = `${fixtures}kprobe_events.linux-6.12.txt`;
const TEST = 'hmm.hmm_device_private.migrate_fault';
const cut = gunzipSync(readFileSync(`${fixtures}migrate_fault.linux-6.12.excerpt.txt.gz`)).toString('utf8').trimEnd().split('\n');
const dir = tempDir('vma-lock-test');

/** The excerpt made whole, its line `n` (1-based) changed by `f` first when given (to more lines if it adds "\n"). */
function whole(name: string, n?: number, f?: (l: string) => string): string {
  const lines = [...cut];
  if (n !== undefined && f) {
    const was = lines[n - 1]!;
    lines[n - 1] = f(was);
    assert.is.not(lines[n - 1], was, `line ${n} is changed`);
  }
  const path = join(dir, name);
  writeFileSync(path, `${recount([...lines.flatMap((l) => l.split('\n')), endMarker(TEST, 0, '115.649455')]).join('\n')}\n`);
  return path;
}

type E = Record<string, unknown> & { ev: string };

async function importExcerpt(path: string): Promise<{ events: E[]; notes: string[]; counts: Record<string, number> }> {
  const events: E[] = [];
  const { summary } = await importFtrace(path, { probes, kernel: '6.12' }, (_line, e) => events.push(e as unknown as E));
  assert.is(summary.unsupported, null);
  return { events, notes: summary.notes, counts: summary.counts };
}

const fromLine = (events: E[], n: number): E[] => events.filter((e) => String(e['note']).startsWith(`ftrace line ${n}:`));

// The lines of the excerpt this is about: page 0's fault (page 1's is the same, 34 lines on).
const ATTEMPT = 775; // handle_mm_fault flags=0x1254
const SWAP = 776; // do_swap_page fflags=0x1a54
const SWAP_RET = 777; // do_swap_page_ret ret=0x400
const RET = 778; // handle_mm_fault_ret ret=0x400
const RETRY = 779; // handle_mm_fault flags=0x254, then do_swap_page and dmirror_devmem_fault

test('the excerpt is what the comment says: page 0 faulted under the VMA lock, retried under mmap_lock', () => {
  assert.match(cut[ATTEMPT - 1]!, /hmm-tests-383 .* handle_mm_fault: .* address=0x7f9e10a00000 flags=0x1254 /);
  assert.match(cut[SWAP - 1]!, /do_swap_page: .* address=0x7f9e10a00000 fflags=0x1a54 orig_pte=0xdfffffe000000000$/);
  assert.match(cut[SWAP_RET - 1]!, /do_swap_page_ret: .* ret=0x400$/);
  assert.match(cut[RET - 1]!, /handle_mm_fault_ret: .* ret=0x400$/);
  assert.match(cut[RETRY - 1]!, /handle_mm_fault: .* address=0x7f9e10a00000 flags=0x254 /);
  assert.match(cut[RETRY + 1]!, /dmirror_devmem_fault: .* address=0x7f9e10a00000 /);
  // Pages 0 and 1 (a third handle_mm_fault, at line 71, returns 0x400 too: outside the buffers, not imported).
  assert.is(cut.filter((l) => /do_swap_page_ret: .* ret=0x400$/.test(l)).length, 2);
});

test('import: the attempt under the VMA lock is left out with a note, its retry is kept, and so is every attempt that returned 0', async () => {
  const { events, notes, counts } = await importExcerpt(whole('excerpt.txt'));
  events.forEach((e, i) => validateEvent(e, 'excerpt', i + 2));
  assert.equal(fromLine(events, ATTEMPT), []);
  assert.equal(fromLine(events, SWAP), []);
  assert.equal(fromLine(events, RETRY), [{ ev: 'handle_mm_fault', tid: '383', mm: '383', page: 0, write: false, note: `ftrace line ${RETRY}: handle_mm_fault` }]);
  assert.equal(fromLine(events, RETRY + 1), [{ ev: 'do_swap_page', tid: '383', mm: '383', page: 0, pfn: '0xfffffff', note: `ftrace line ${RETRY + 1}: do_swap_page` }]);
  assert.equal(fromLine(events, RETRY + 2).map((e) => e.ev), ['migrate_to_ram']);
  // The test's writes to the buffer are faults under the VMA lock too (flags 0x1255) that returned 0: kept.
  assert.match(cut[296]!, /handle_mm_fault: .* address=0x7f9e10a00000 flags=0x1255 /);
  assert.equal(fromLine(events, 297), [{ ev: 'handle_mm_fault', tid: '383', mm: '383', page: 0, write: true, note: 'ftrace line 297: handle_mm_fault' }]);
  assert.is(counts['handle_mm_fault'], 66);
  assert.equal([counts['do_swap_page'], counts['migrate_to_ram']], [2, 2]);
  assert.is(notes.length, 1);
  assert.match(notes[0]!, /^2 fault attempts under the per-VMA lock left out, the first at ftrace line 775 \(handle_mm_fault with flags 0x1000 whose do_swap_page and handle_mm_fault both returned VM_FAULT_RETRY 0x400, nothing in between\)/);
});

test('replay: the excerpt is valid under 6.12, and the CLI shows the note', async () => {
  const path = whole('excerpt.txt');
  const { report } = await replayFile(path, { probes, kernel: '6.12' });
  assert.is(report.outcome, 'valid', report.reason);
  assert.is(report.kernel, '6.12');
  assert.match(report.imported?.note ?? '', /; 2 fault attempts under the per-VMA lock left out/);
  const cli = await run('replay', path, '--probes', probes, '--kernel', '6.12');
  assert.is(cli.code, 0, cli.out + cli.err);
  assert.match(cli.out, /: valid\n/);
  assert.match(cli.out, /2 fault attempts under the per-VMA lock left out, the first at ftrace line 775/);
});

// What the probes record, changed one at a time: each change keeps the attempt.
const kept: [string, number, (l: string) => string][] = [
  ["handle_mm_fault's flags without FAULT_FLAG_VMA_LOCK (0x254)", ATTEMPT, (l) => l.replace('flags=0x1254', 'flags=0x254')],
  ['do_swap_page not under the VMA lock (fflags 0xa54)', SWAP, (l) => l.replace('fflags=0x1a54', 'fflags=0xa54')],
  ['do_swap_page returning 0', SWAP_RET, (l) => l.replace(/ret=0x400$/, 'ret=0x0')],
  ['handle_mm_fault returning 0', RET, (l) => l.replace(/ret=0x400$/, 'ret=0x0')],
  ['handle_mm_fault returning VM_FAULT_RETRY|VM_FAULT_MAJOR (0x404)', RET, (l) => l.replace(/ret=0x400$/, 'ret=0x404')],
  ['a line of the task inside the attempt (the TLB flush hook)', SWAP_RET, (l) => `${l.replace(/do_swap_page_ret: .*/, 'mmu_notifier_invalidate_range: (__mmu_notifier_arch_invalidate_secondary_tlbs+0x0/0x6c) mm=0xffff88800014d7c0 start=0x7f9e10a00000 end=0x7f9e10a01000')}\n${l}`],
];
for (const [what, n, change] of kept) {
  test(`kept when ${what}: then replay refuses the retry under mmap_lock, as before`, async () => {
    const path = whole(`kept-${n}-${what.length}.txt`, n, change);
    const { events, notes, counts } = await importExcerpt(path);
    assert.equal(
      fromLine(events, ATTEMPT).map((e) => [e.ev, e['page']]),
      [['handle_mm_fault', 0]],
    );
    assert.is(counts['handle_mm_fault'], 67);
    // Page 1's attempt (34 lines on, one more with the line added) is still left out.
    const inserted = n === SWAP_RET && what.startsWith('a line') ? 1 : 0;
    assert.is(notes.length, 1);
    assert.ok(notes[0]!.startsWith(`1 fault attempt under the per-VMA lock left out, the first at ftrace line ${ATTEMPT + 34 + inserted} `), notes[0]);
    const { report } = await replayFile(path, { probes, kernel: '6.12' });
    assert.is(report.outcome, 'invalid');
    const retry = RETRY + inserted;
    assert.is(report.imported?.sourceLine, retry);
    assert.match(report.reason, /handle_mm_fault is not a step the model allows here: 383 is at fault and its next step in the model is do_swap_page/);
  });
}

test('kept when the capture ends inside the attempt: its outcome is unknown', async () => {
  const path = join(dir, 'cut.txt');
  writeFileSync(path, `${cut.slice(0, SWAP_RET).join('\n')}\n`);
  const events: E[] = [];
  const { summary } = await importFtrace(path, { probes, kernel: '6.12' }, (_line, e) => events.push(e as unknown as E));
  assert.equal(fromLine(events, ATTEMPT).map((e) => e.ev), ['handle_mm_fault']);
  assert.equal(summary.notes, []);
  // The capture's own account says why no verdict can be given; the held fault is not taken for an open migration.
  assert.is(summary.unsupported?.missing, true);
  assert.match(summary.unsupported!.reason, /the capture is cut short/);
});

// The shared 6.12 captures, when they are beside the checkout.
const shared = fileURLToPath(new URL('../../../../shared/kernel-traces/linux-6.12/', import.meta.url));
if (existsSync(shared)) {
  const pinned: Record<string, number> = { anon_read: 0, anon_write_child: 0, migrate_fault: 512 };
  for (const [name, left] of Object.entries(pinned)) {
    test(`Linux 6.12 ${name}: replays valid, ${left} attempts under the VMA lock left out`, async () => {
      const file = `${shared}hmm.hmm_device_private.${name}.trace.txt.gz`;
      const { report } = await replayFile(file, { probes: `${shared}kprobe_events.txt`, kernel: '6.12' });
      assert.is(report.outcome, 'valid', report.reason);
      const note = report.imported?.note ?? '';
      if (left === 0) assert.not.match(note, /per-VMA lock/);
      else assert.match(note, new RegExp(`; ${left} fault attempts under the per-VMA lock left out, the first at ftrace line 9905 `));
    });
  }
}

test.run();
