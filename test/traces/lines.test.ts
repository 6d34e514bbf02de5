/**
 * The shared line reader (traces/lines.ts): the same lines however the input
 * is cut into chunks, blank lines counted but not handed on, and the bounds
 * (line length, gzip inflation) broken at the right line without reading on.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import * as fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_INPUT_BOUNDS, inputBounds, withInputBounds, type InputBounds } from '../../traces/bounds.js';
import { TraceInputError } from '../../traces/errors.js';
import { LineSplitter, readLineBatches, spool, type TextLine } from '../../traces/lines.js';

const dir = mkdtempSync(join(tmpdir(), 'hmmcheck-lines-'));
const BOUNDS: InputBounds = DEFAULT_INPUT_BOUNDS;

/** What the reader should give: split on "\n", blank lines dropped, a BOM before line 1 dropped. */
function reference(text: string): TextLine[] {
  const parts = text.split('\n');
  if (parts[parts.length - 1] === '') parts.pop();
  if (parts.length > 0) parts[0] = parts[0]!.replace(/^\uFEFF/, '');
  return parts.flatMap((t, i) => (t.trim() === '' ? [] : [{ line: i + 1, text: t }]));
}

/** Feeds `bytes` to a splitter cut at `cuts`; the lines, or the error. */
function splitAt(bytes: Buffer, cuts: readonly number[], bounds: InputBounds = BOUNDS): { lines: TextLine[]; error?: string } {
  const s = new LineSplitter('t', bounds);
  const lines: TextLine[] = [];
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  let from = 0;
  try {
    for (const c of [...at, bytes.length]) {
      if (c < from) continue;
      lines.push(...s.feed(bytes.subarray(from, c)));
      from = c;
      s.raise();
    }
    lines.push(...s.end());
  } catch (e) {
    assert.instance(e, TraceInputError);
    return { lines, error: (e as Error).message };
  }
  return { lines };
}

const piece = fc.constantFrom('{"ev":"exit"}', 'a', 'é', '€', '😀', ' ', '\t', '\r', '\n', '\n', '\n', '#', '\uFEFF', '  <...>-12 ( 12) [000]');

test('any cut of the input into chunks gives the same lines as split("\\n"), blank ones left out', () => {
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 60 }), fc.array(fc.nat(), { maxLength: 12 }), (pieces, cuts) => {
      const text = pieces.join('');
      const { lines, error } = splitAt(Buffer.from(text, 'utf8'), cuts);
      assert.is(error, undefined);
      assert.equal(lines, reference(text));
    }),
    { numRuns: 500 },
  );
});

test('a line one byte over the bound is refused at its line, after the lines before it; one at the bound is not', () => {
  const b = { ...BOUNDS, maxLineBytes: 8 };
  // "é" is two bytes: the bound counts bytes, not characters.
  const text = 'one\n\n12345678\néééé\nééééx\nnever\n';
  for (const cuts of [[], [1], [5, 6, 7], [13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27], [...Array(40).keys()]]) {
    const r = splitAt(Buffer.from(text), cuts, b);
    assert.equal(
      r.lines.map((l) => l.line),
      [1, 3, 4],
      `cuts ${cuts.join(',')}`,
    );
    assert.is(r.error, 't:5: line: expected at most 8 bytes (--max-line-bytes), found more');
  }
});

test('a line that never ends is refused once the bound is passed, without reading on', async () => {
  let pulled = 0;
  const zeros = Readable.from(
    (function* () {
      for (;;) {
        pulled += 1 << 16;
        yield Buffer.alloc(1 << 16);
      }
    })(),
  );
  try {
    for await (const _ of readLineBatches('-', { stdin: zeros, bounds: { maxLineBytes: 1 << 20 } })) assert.unreachable();
    assert.unreachable();
  } catch (e) {
    assert.is((e as Error).message, '<stdin>:1: line: expected at most 1048576 bytes (--max-line-bytes), found more');
  }
  assert.ok(pulled < (1 << 20) + 20 * (1 << 16), `read ${pulled} bytes for a bound of 1 MiB`);
});

test('a long line is read whole, once, and the line numbers after it are right', async () => {
  const long = 'x'.repeat(3_000_000);
  writeFileSync(join(dir, 'long.jsonl'), `first\n${long}\n\n\nlast`);
  const out: TextLine[] = [];
  for await (const batch of readLineBatches(join(dir, 'long.jsonl'))) out.push(...batch);
  assert.equal(
    out.map((l) => [l.line, l.text.length]),
    [
      [1, 5],
      [2, 3_000_000],
      [5, 4],
    ],
  );
});

test('a million blank and whitespace-only lines are counted, not handed on', async () => {
  writeFileSync(join(dir, 'blank.txt'), `a\n${'\n'.repeat(500_000)}${' \r\n'.repeat(500_000)}\t\nb\n`);
  const out: TextLine[] = [];
  let batches = 0;
  for await (const batch of readLineBatches(join(dir, 'blank.txt'))) {
    out.push(...batch);
    batches++;
  }
  assert.equal(out, [
    { line: 1, text: 'a' },
    { line: 1_000_003, text: 'b' },
  ]);
  assert.is(batches, 2, 'no empty batches');
});

test('gzip is known by its magic bytes, not by the name', async () => {
  const text = 'a\nb\n';
  writeFileSync(join(dir, 'plain.gz'), text);
  writeFileSync(join(dir, 'packed.txt'), gzipSync(text));
  for (const f of ['plain.gz', 'packed.txt']) {
    const out: string[] = [];
    for await (const batch of readLineBatches(join(dir, f))) out.push(...batch.map((l) => l.text));
    assert.equal(out, ['a', 'b'], f);
  }
});

test('a gzip that inflates past the ratio bound is refused at the line reached; an ordinary one under the same bound is not', async () => {
  const bounds = { maxGzipRatio: 50, gzipFloorBytes: 1 << 18 };
  writeFileSync(join(dir, 'bomb.gz'), gzipSync(`{"hmmtrace":1}\n${'\n'.repeat(4 << 20)}`));
  try {
    for await (const _ of readLineBatches(join(dir, 'bomb.gz'), { bounds })) void 0;
    assert.unreachable();
  } catch (e) {
    assert.instance(e, TraceInputError);
    const m = /^bomb\.gz:(\d+): gzip: expected data that inflates at most 50 times once past 256 KiB, found ([\d.]+ [KM]iB) inflated from ([\d.]+ KiB) \(([\d.]+) times\) by this line$/.exec(
      (e as Error).message.replace(dir + '/', ''),
    );
    assert.ok(m, (e as Error).message);
    assert.ok(Number(m[1]) > 1 << 18 && Number(m[1]) < 4 << 20, 'stopped past the floor, before the end');
    assert.ok(Number(m[4]) > 50);
  }
  // Ordinary trace lines inflate some 20 times; well past the floor, they pass.
  const lines = Array.from({ length: 20000 }, (_, i) => `{"ev":"cpu_read","tid":"t${i % 7}","page":${i % 13},"value":${(i * 7919) % 1000},"t":${i * 31}}`);
  writeFileSync(join(dir, 'ok.gz'), gzipSync(lines.join('\n') + '\n', { level: 9 }));
  let n = 0;
  for await (const batch of readLineBatches(join(dir, 'ok.gz'), { bounds })) n += batch.length;
  assert.is(n, 20000);
});

test('withInputBounds sets the bounds for what it calls, and only for that', async () => {
  assert.equal(inputBounds(), DEFAULT_INPUT_BOUNDS);
  writeFileSync(join(dir, 'ten.txt'), '0123456789\n');
  const read = async (): Promise<string> => {
    try {
      for await (const _ of readLineBatches(join(dir, 'ten.txt'), { file: 'ten.txt' })) void 0;
      return 'read';
    } catch (e) {
      return (e as Error).message;
    }
  };
  assert.is(await withInputBounds({ maxLineBytes: 9 }, read), 'ten.txt:1: line: expected at most 9 bytes (--max-line-bytes), found more');
  assert.is(await withInputBounds({ maxLineBytes: 10 }, read), 'read');
  assert.is(await read(), 'read');
  assert.equal(inputBounds(), DEFAULT_INPUT_BOUNDS);
});

test('spool copies standard input as it comes, and refuses a stream past the bounds without leaving a file', async () => {
  const saved = process.env['TMPDIR'];
  const own = mkdtempSync(join(dir, 'tmp-'));
  process.env['TMPDIR'] = own;
  try {
    const packed = gzipSync('a\nb\n');
    const s = await spool(Readable.from([packed.subarray(0, 1), packed.subarray(1)]));
    const out: string[] = [];
    for await (const batch of readLineBatches(s.path)) out.push(...batch.map((l) => l.text));
    assert.equal(out, ['a', 'b']);
    s.cleanup();
    assert.not.ok(existsSync(s.path));
    try {
      await spool(Readable.from([Buffer.from('ok\n'), Buffer.alloc(5000)]), { bounds: { maxLineBytes: 4096 } });
      assert.unreachable();
    } catch (e) {
      assert.is((e as Error).message, '<stdin>:2: line: expected at most 4096 bytes (--max-line-bytes), found more');
    }
    assert.equal(readdirSync(own), [], 'the spool file is removed');
  } finally {
    if (saved === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = saved;
  }
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
