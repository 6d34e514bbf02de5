/**
 * The ftrace reading layer of the kernel-trace importer (issue 8): line
 * shapes, the probe set, typed values and the decoding constants of NOTES.md,
 * on an excerpt of the shared Linux 6.1 traces (test/fixtures/ftrace) and, when
 * the shared traces are beside the checkout, on every line of them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TraceInputError } from '../../traces/errors.js';
import { decodeFields, DEFAULT_PROBES, hmmPfnWord, isComment, migratePfnWord, pagePointerToPfn, parseLine, parseProbes, readSession, type FtraceLine } from '../../traces/ftrace/index.js';

const fixtures = fileURLToPath(new URL('../../../test/fixtures/ftrace/', import.meta.url));
// The probe set hmmcheck ships as its default is the one of the shared capture.
const probeFile = DEFAULT_PROBES;
const probes = parseProbes(readFileSync(probeFile, 'utf8'), probeFile);

function parseAll(text: string, file: string): FtraceLine[] {
  const out: FtraceLine[] = [];
  text.split('\n').forEach((l, i) => {
    if (!isComment(l)) out.push(parseLine(l, file, i + 1));
  });
  return out;
}

const excerptFile = `${fixtures}migrate_fault.excerpt.txt`;
const excerpt = parseAll(readFileSync(excerptFile, 'utf8'), excerptFile);
const find = (event: string): FtraceLine => excerpt.find((l) => l.event === event)!;

test('the probe set of the Linux 6.1 capture: every definition, entry and return', () => {
  const defs = readFileSync(probeFile, 'utf8').split('\n').filter((l) => l.trim() !== '');
  assert.is(probes.size, defs.length);
  assert.is(probes.get('hmm_range_fault')!.kind, 'entry');
  assert.is(probes.get('hmm_range_fault_ret')!.kind, 'return');
  assert.equal(
    probes.get('dmirror_do_fault')!.fields.map((f) => `${f.name}:${f.base}${f.bits}${f.count ? `[${f.count}]` : ''}`),
    ['dmirror:x64', 'start:x64', 'end:x64', 'seq:u64', 'pfns:x64[8]'],
  );
});

test('line columns: task, pid, tgid, cpu, flags, timestamp', () => {
  const l = find('dmirror_ioctl');
  assert.equal([l.comm, l.pid, l.tgid, l.cpu, l.flags, l.ts], ['hmm-tests', 269, 269, 0, 'd.Z..', 67.564253]);
  const m = find('tracing_mark_write');
  assert.is(m.payload.kind, 'marker');
  assert.is((m.payload as { text: string }).text, 'HMMTEST_BEGIN hmm.hmm_device_private.migrate_fault');
});

test('syscalls, their returns and scheduler tracepoints', () => {
  const mmap = find('sys_mmap');
  assert.is(mmap.payload.kind, 'syscall');
  assert.equal([...(mmap.payload as { args: ReadonlyMap<string, string> }).args], [['addr', '0'], ['len', '400'], ['prot', '3'], ['flags', '21'], ['fd', 'ffffffff'], ['off', '0']]);
  const ret = excerpt.find((l) => l.payload.kind === 'syscall_ret')!;
  assert.equal([ret.event, (ret.payload as { ret: string }).ret], ['sys_mmap', '0x7fd1839c9000']);
  const fork = find('sched_process_fork');
  assert.is((fork.payload as { args: ReadonlyMap<string, string> }).args.get('child_pid'), '269');
});

test('probe events decode by their definitions, and the pfn words agree with each other', () => {
  const entry = (event: string) => {
    const l = find(event);
    assert.is(l.payload.kind, 'entry');
    return decodeFields(probes.get(event)!, (l.payload as { args: ReadonlyMap<string, string> }).args, excerptFile, l.line);
  };
  const ioctl = entry('dmirror_ioctl');
  assert.is(ioctl.get('cmd'), 0xc0284802n, 'HMM_DMIRROR_MIGRATE_TO_DEV');
  const copy = entry('dmirror_migrate_alloc_and_copy');
  assert.is(copy.get('npages'), 64n);
  const src0 = migratePfnWord((copy.get('src') as bigint[])[0]!);
  assert.equal(src0, { valid: true, migrate: true, write: true, pfn: 0x36738bn >> 6n });
  const pages = entry('migrate_vma_pages');
  const dst0 = migratePfnWord((pages.get('dst') as bigint[])[0]!);
  assert.is(dst0.valid, true);
  // The device page that dmirror_devmem_free frees later is the first destination.
  const free = entry('dmirror_devmem_free');
  assert.is(pagePointerToPfn(free.get('page') as bigint), dst0.pfn);
  assert.is(dst0.pfn, 0xfffffffn);
  assert.is(pagePointerToPfn(0x1234n), null, 'not a struct page pointer');
  assert.equal(hmmPfnWord((1n << 63n) | (1n << 62n) | 0x1234n), { valid: true, write: true, error: false, order: 0, pfn: 0x1234n });
});

test('bad input is refused with file, line, field, expected and found', () => {
  const bad = (f: () => unknown, pattern: RegExp): void => {
    try {
      f();
      assert.unreachable('accepted');
    } catch (e) {
      assert.ok(e instanceof TraceInputError, String(e));
      assert.match(String((e as Error).message), pattern);
    }
  };
  bad(() => parseLine('garbage here', 'x.txt', 7), /^x\.txt:7: \(line\): expected an ftrace line/);
  bad(() => parseLine('  t-1 (1) [000] ..... 1.0: ev: (f+0x0/0x10) a=1 =2', 'x.txt', 3), /x\.txt:3: ev: expected name=value pairs/);
  const probe = probes.get('dmirror_do_update')!;
  bad(() => decodeFields(probe, new Map([['dmirror', '0x1'], ['start', '0x2']]), 'x.txt', 9), /x\.txt:9: dmirror_do_update\.end: expected the field end/);
  bad(() => decodeFields(probe, new Map([['dmirror', '0x1'], ['start', '12'], ['end', '0x3']]), 'x.txt', 9), /dmirror_do_update\.start: expected hex/);
  bad(() => decodeFields(probe, new Map([['dmirror', '0x1'], ['start', '0x2'], ['end', '0x3'], ['extra', '1']]), 'x.txt', 9), /dmirror_do_update\.extra: expected only the fields/);
  bad(() => parseProbes('p:hmm/x f a=%di:q64\n', 'k.txt'), /^k\.txt:1: x: expected fields/);
});

test('an ioctl on an address no mapping of its process covers is refused, naming the line', () => {
  // The excerpt keeps the harness's mmap but not the buffer's.
  const ioctl = find('dmirror_ioctl');
  try {
    readSession(excerpt, probes, excerptFile);
    assert.unreachable('accepted');
  } catch (e) {
    assert.ok(e instanceof TraceInputError);
    assert.match((e as Error).message, `${excerptFile}:${ioctl.line}: dmirror_ioctl.uaddr: expected an address inside a mapping of process 269, found 0x7fd1831c8000`);
  }
});

const shared = fileURLToPath(new URL('../../../../shared/kernel-traces/linux-6.1/', import.meta.url));
const sharedLines = (name: string): { file: string; text: string; lines: FtraceLine[] } => {
  const file = `${shared}hmm.hmm_device_private.${name}.trace.txt.gz`;
  const text = gunzipSync(readFileSync(file)).toString('utf8');
  return { file, text, lines: parseAll(text, file) };
};
if (existsSync(shared)) {
  test('who is who in anon_read: the harness, the test child, one mirror, one 1024-page buffer read', () => {
    const { file, lines } = sharedLines('anon_read');
    const s = readSession(lines, probes, file);
    assert.equal([s.test, s.rc], ['hmm.hmm_device_private.anon_read', 0]);
    assert.equal([...s.processes.values()].map((p) => [p.tgid, p.parent]), [[74, null], [75, 74]]);
    assert.is(s.mirrors.length, 1);
    assert.is(s.mirrors[0]!.tgid, 75);
    assert.ok(s.mirrors[0]!.released !== null);
    assert.equal(s.buffers.map((b) => [b.tgid, `0x${b.start.toString(16)}`, b.pages, b.commands.join()]), [[75, '0x7fd908a8c000', 1024, 'READ']]);
    assert.ok(s.mappings.filter((m) => m.tgid === 75).every((m) => m.unmapped !== null), 'the test unmaps what it mapped');
  });

  test('who is who in migrate_fault and anon_write_child: repeated ioctls, a buffer inherited through fork', () => {
    const mf = sharedLines('migrate_fault');
    const s1 = readSession(mf.lines, probes, mf.file);
    assert.equal(s1.buffers.map((b) => [b.tgid, b.pages, b.commands.join()]), [[269, 1024, 'MIGRATE_TO_DEV,MIGRATE_TO_DEV']]);
    const wc = sharedLines('anon_write_child');
    const s2 = readSession(wc.lines, probes, wc.file);
    assert.equal([...s2.processes.values()].map((p) => [p.tgid, p.parent]), [[138, null], [139, 138], [140, 139]]);
    assert.equal(s2.mirrors.map((m) => m.tgid), [139, 140]);
    // The grandchild writes through its own mirror into the buffer its parent mapped before the fork.
    assert.equal(s2.buffers.map((b) => [b.tgid, `0x${b.start.toString(16)}`, b.pages, b.commands.join()]), [[140, '0x7ff3f69b6000', 1024, 'WRITE']]);
    assert.equal(s2.buffers[0]!.mirrors, [s2.mirrors[1]!.filp]);
  });

  for (const name of ['anon_read', 'migrate_fault', 'anon_write_child']) {
    test(`every line of the shared ${name} trace parses, and every probe event decodes`, () => {
      const { file, text, lines } = sharedLines(name);
      const header = /entries-in-buffer\/entries-written: (\d+)\/(\d+)/.exec(text)!;
      assert.is(lines.length, Number(header[1]), 'one parsed line per recorded entry');
      let decoded = 0;
      for (const l of lines) {
        if (l.payload.kind !== 'entry' && l.payload.kind !== 'return') continue;
        const probe = probes.get(l.event);
        // Probes outside the hmm group (none in this capture) would be unknown here.
        assert.ok(probe, `${file}:${l.line}: ${l.event} is not in the probe set`);
        decodeFields(probe!, l.payload.args, file, l.line);
        decoded++;
      }
      assert.ok(decoded > 1000, `${decoded} probe events`);
    });
  }
}

test.run();
