/**
 * Bounded input, end to end in a child process (issue 24): a configuration,
 * probe or result file that is a device, a directory, a pipe or too large is
 * refused before it is read; a trace line past --max-line-bytes, /dev/zero,
 * a never-ending standard input and a gzip bomb are status 2 at the line
 * reached, at once; a byte-order mark is accepted.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runChild } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'hmmcheck-input-'));
const fixtures = fileURLToPath(new URL('../../../test/fixtures/', import.meta.url));
const TRACE = join(fixtures, 'traces', 'migrate.valid.jsonl');
const FTRACE = join(fixtures, 'ftrace', 'anon_read.head.txt.gz');
const BOM = '\uFEFF';
/** The world of preset tiny as a configuration file (check.test.ts). */
const TINY = JSON.stringify({ pages: 1, systemFrames: 2, devices: [{ frames: 1 }], actors: [{ kind: 'cpu', ops: { cpu_write: 1 } }, { kind: 'device', ops: { device_read: 1 } }, { kind: 'device', name: 'mig0', ops: { migrate_to_device: 1 } }] });

/** Status 2, the first line of standard error as given, and no stack trace. */
function refused(r: { code: number | null; err: string }, first: string | RegExp): void {
  assert.is(r.code, 2, r.err);
  const line = r.err.split('\n')[0]!;
  if (typeof first === 'string') assert.is(line, first);
  else assert.match(line, first);
  assert.not.match(r.err, /\n\s+at .*:\d+/, 'no stack trace');
}

const big = join(dir, 'big.json');
writeFileSync(big, '');
// Sparse: 17.2 MiB of size without writing them.
truncateSync(big, Math.round(17.2 * 1024 * 1024));
const sub = join(dir, 'a-directory');
mkdirSync(sub);
const fifo = join(dir, 'fifo');
execFileSync('mkfifo', [fifo]);

test('check --config: a device, a directory, a pipe or a file above 16 MiB is refused before it is read', async () => {
  const [zero, directory, pipe, large] = await Promise.all([runChild(['check', '--config', '/dev/zero']), runChild(['check', '--config', sub]), runChild(['check', '--config', fifo]), runChild(['check', '--config', big])]);
  refused(zero, 'hmmcheck: /dev/zero: config: expected a readable JSON file (a regular file), found a character device');
  refused(directory, `hmmcheck: ${sub}: config: expected a readable JSON file (a regular file), found a directory`);
  // A pipe nobody writes to: refused, not waited on.
  refused(pipe, `hmmcheck: ${fifo}: config: expected a readable JSON file (a regular file), found a named pipe`);
  refused(large, `hmmcheck: ${big}: config: expected a readable JSON file of at most 16 MiB, found 17.2 MiB, above the bound`);
});

test('check --config: a byte-order mark is accepted', async () => {
  const f = join(dir, 'bom.json');
  writeFileSync(f, BOM + TINY);
  const r = await runChild(['check', '--config', f, '--json']);
  assert.is(r.code, 0, r.err);
  assert.is(JSON.parse(r.out).stats.states, 3276);
});

test('--probes and report/merge result files are bounded the same way; a result with a byte-order mark is read', async () => {
  const [probes, report, merge, replayed] = await Promise.all([
    runChild(['import', 'ftrace', FTRACE, '--probes', '/dev/zero']),
    runChild(['report', '/dev/zero']),
    runChild(['merge', sub, sub]),
    runChild(['replay', TRACE, '--json']),
  ]);
  refused(probes, 'hmmcheck: /dev/zero:0: file: expected a readable kprobe_events file (a regular file), found a character device');
  refused(report, 'hmmcheck: /dev/zero:1: (file): expected a readable result file (a regular file), found a character device');
  refused(merge, `hmmcheck: ${sub}:1: (file): expected a readable result of check --out (a regular file), found a directory`);
  assert.is(replayed.code, 0, replayed.err);
  const f = join(dir, 'result.json');
  writeFileSync(f, BOM + replayed.out);
  const r = await runChild(['report', f]);
  assert.is(r.code, 0, r.err);
  assert.match(r.out, /: valid$/m);
});

test('replay and import of /dev/zero stop at line 1 at once', async () => {
  const [replay, imported] = await Promise.all([runChild(['replay', '/dev/zero']), runChild(['import', 'ftrace', '/dev/zero', '--out', join(dir, 'never.jsonl')])]);
  refused(replay, 'hmmcheck: /dev/zero:1: line: expected at most 8388608 bytes (--max-line-bytes), found more');
  refused(imported, 'hmmcheck: /dev/zero:1: line: expected at most 8388608 bytes (--max-line-bytes), found more');
});

test('replay - of a stream of zeros that never ends stops without waiting for its end', async () => {
  const r = await runChild(['replay', '-', '--max-line-bytes', '4096'], (stdin) => {
    stdin.write(Buffer.alloc(1 << 16));
    return false;
  });
  refused(r, 'hmmcheck: <stdin>:1: line: expected at most 4096 bytes (--max-line-bytes), found more');
});

test('--max-line-bytes: a longer line is refused at its line; by default a note of a megabyte is fine', async () => {
  const lines = readFileSync(TRACE, 'utf8').split('\n');
  const at = lines.findIndex((l) => l.startsWith('{"ev"'));
  const e = JSON.parse(lines[at]!) as Record<string, unknown>;
  lines[at] = JSON.stringify({ ...e, note: 'n'.repeat(1 << 20) });
  const f = join(dir, 'long-note.jsonl');
  writeFileSync(f, lines.join('\n'));
  const [bounded, imported, r, zero] = await Promise.all([
    runChild(['replay', f, '--max-line-bytes', '65536']),
    runChild(['import', 'ftrace', FTRACE, '--max-line-bytes', '64', '--out', join(dir, 'x.jsonl')]),
    runChild(['replay', f]),
    runChild(['replay', f, '--max-line-bytes', '0']),
  ]);
  refused(bounded, `hmmcheck: ${f}:${at + 1}: line: expected at most 65536 bytes (--max-line-bytes), found more`);
  refused(imported, /^hmmcheck: .*anon_read\.head\.txt\.gz:\d+: line: expected at most 64 bytes \(--max-line-bytes\), found more$/);
  assert.is(r.code, 0, r.err);
  refused(zero, 'hmmcheck: replay: --max-line-bytes: expected a positive integer, found 0');
});

test('replay of a gzip bomb (80 MiB of newlines in 80 KiB) stops past 64 MiB, naming the line and the ratio', async () => {
  // gzip members concatenated are one gzip stream.
  const member = gzipSync(Buffer.alloc(1 << 20, 10), { level: 9 });
  const f = join(dir, 'bomb.jsonl.gz');
  writeFileSync(f, Buffer.concat([gzipSync('{"hmmtrace":1}\n'), ...Array.from({ length: 80 }, () => member)]));
  const r = await runChild(['replay', f]);
  refused(r, new RegExp(`^hmmcheck: ${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+: gzip: expected data that inflates at most 200 times once past 64 MiB, found 64\\.\\d MiB inflated from [\\d.]+ KiB \\([\\d.]+ times\\) by this line$`));
  const line = Number(/:(\d+): gzip/.exec(r.err)![1]);
  assert.ok(line > 64 << 20 && line < 80 << 20, `line ${line}`);
});

test('import --out x.jsonl.gz writes gzip data, and replay reads it', async () => {
  const out = join(dir, 'imported.jsonl.gz');
  const whole = new URL('../../../../shared/kernel-traces/linux-6.1/hmm.hmm_device_private.anon_read.trace.txt.gz', import.meta.url).pathname;
  const i = await runChild(['import', 'ftrace', whole, '--out', out, '--quiet']);
  assert.is(i.code, 0, i.err);
  assert.equal([...readFileSync(out).subarray(0, 2)], [0x1f, 0x8b]);
  const r = await runChild(['replay', out]);
  assert.is(r.code, 0, r.err);
  assert.match(r.out, /: valid$/m);
});

test('import --out x.jsonl of a capture that is cut short: exit 3, the trace so far written whole', async () => {
  const out = join(dir, 'head.jsonl');
  const i = await runChild(['import', 'ftrace', FTRACE, '--out', out]);
  assert.is(i.code, 3);
  assert.match(i.err, /the capture is not whole; replay judges this trace incomplete/);
  assert.match(readFileSync(out, 'utf8'), /^\{"hmmtrace":1/);
  assert.equal(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
