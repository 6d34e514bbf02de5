/**
 * Reports: the kernel race diagram (columns, slice, width, the invariant at
 * the end), Markdown for check and replay (escaped, fenced), colour only on a
 * terminal, and the `report` verb rendering a saved result exactly as the
 * verb that saved it printed it, with bad result files refused (exit 2).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { memoryIo } from '../../cli/io.js';
import { main } from '../../cli/main.js';
import { ANSI, mdFence, PLAIN, raceDiagram, raceSlice, replayMarkdown, terminalStyle, wrap } from '../../report/index.js';
import type { CheckReport } from '../../report/checkReport.js';
import type { ReplayReport } from '../../traces/hmm/replayFile.js';
import { tempDir } from '../helpers/tmp.js';

async function run(argv: string[], tty = false) {
  const io = memoryIo();
  (io as { stdoutIsTTY: boolean }).stdoutIsTTY = tty;
  const code = await main(argv, io);
  return { code, out: io.stdout, err: io.stderr };
}

const dir = tempDir('report');

async function checkJson(...argv: string[]): Promise<CheckReport> {
  return JSON.parse((await run(['check', ...argv, '--json'])).out) as CheckReport;
}

test('the race diagram of D1 on tiny: a column per thread, each step in its column, the invariant last', async () => {
  const r = await checkJson('--preset', 'tiny', '--variant', 'D1');
  const d = raceDiagram(r.violations[0]!);
  const lines = d.trimEnd().split('\n');
  assert.match(lines[0]!, /^ {5}cpu0 +gpu0 +mig0$/);
  const col = (name: string): number => lines[0]!.indexOf(name);
  const at = (n: number): string => lines.find((l) => l.startsWith(String(n).padStart(3) + '  '))!;
  // The device's map is in gpu0's column, the migration's invalidation in mig0's.
  assert.is(at(8).indexOf('devpt_map(page 0, pfn1,'), col('gpu0'));
  assert.is(at(5).indexOf('invalidate_range_start('), col('mig0'));
  assert.ok(d.includes('interval seq = 3'), 'the sequence change the driver missed is shown');
  assert.match(lines[lines.length - 3]!, /^INV-4 broken by this step: /);
  for (const l of lines) assert.ok(l.length <= 80, `fits 80 columns: ${l}`);
});

test('the race diagram is a slice: steps on other pages are left out, and it says so', async () => {
  const r = await checkJson('--preset', 'small', '--variant', 'D2');
  const v = r.violations[0]!;
  const slice = raceSlice(v);
  assert.ok(slice.length < v.counterexample.length);
  assert.ok(slice.length >= 4);
  assert.is(slice[slice.length - 1]!.step.n, v.steps, 'the last step is always shown');
  const d = raceDiagram(v);
  assert.match(d, new RegExp(`\\(${v.steps - slice.length} of ${v.steps} steps left out`));
  assert.match(d, /^ +\.\.$/m, 'a gap marks where steps were left out');
});

test('wrap breaks at spaces first, never loses a character, and respects the width', () => {
  const s = 'hmm_range_fault(dmirror0, pages 0..1, write) = ok [0:pfn1,W 1:pfn2,W]';
  for (const w of [10, 16, 24, 40]) {
    const lines = wrap(s, w);
    for (const l of lines) assert.ok(l.length <= w);
    assert.is(lines.join(' ').replace(/\s+/g, ''), s.replace(/\s+/g, ''));
  }
  assert.equal(wrap('abc def', 4), ['abc', 'def']);
});

test('check --format text shows the race diagram before every step; report re-renders a saved result identically', async () => {
  const out = join(dir, 'd1.json');
  const direct = await run(['check', '--preset', 'tiny', '--variant', 'D1', '--out', out]);
  assert.is(direct.code, 1);
  assert.ok(direct.out.indexOf('  cpu0 ') < direct.out.indexOf('every step, with what it changed:'));
  const again = await run(['report', out, '--format', 'text']);
  assert.is(again.code, 0);
  assert.is(again.out, direct.out);
  const md = await run(['check', '--preset', 'tiny', '--variant', 'D1', '--format', 'markdown']);
  assert.is(md.code, 1);
  assert.match(md.out, /^# hmmcheck check: preset tiny, variant D1$/m);
  assert.match(md.out, /^## INV-4$/m);
  assert.match(md.out, /^```text\n {5}cpu0/m);
  assert.match(md.out, /^\| 8 \| gpu0 \| `devpt_map\(dmirror0, page 0, pfn1, RW\)` \|/m);
  const file = join(dir, 'd1.md');
  assert.is((await run(['report', out, '--format', 'markdown', '--out', file])).code, 0);
  assert.ok(existsSync(file));
});

test('replay --format markdown: the failing line in context, the cited earlier line marked', async () => {
  const trace = new URL('../../../../shared/traces/retry-ignored.invalid.jsonl', import.meta.url);
  if (!existsSync(trace)) return;
  const r = await run(['replay', trace.pathname, '--format', 'markdown']);
  assert.is(r.code, 1);
  assert.match(r.out, /^Outcome: \*\*invalid\*\* at line \d+$/m);
  assert.match(r.out, /^> +\d+ \| /m);
  const text = await run(['replay', trace.pathname]);
  assert.match(text.out, /^> +\d+ \| /m);
});

test('markdown escapes what a trace controls: no HTML, no broken fences', () => {
  const hostile = '<script>alert(1)</script> | `x` ```';
  const r: ReplayReport = {
    verb: 'replay',
    file: '<img src=x onerror=alert(1)>.jsonl',
    source: hostile,
    variants: [],
    hidden: [],
    outcome: 'invalid',
    line: 3,
    invariant: null,
    sentence: null,
    reason: `line 3: ${hostile}; see line 2`,
    event: null,
    allowed: [],
    invariants: [],
    context: [
      { line: 2, event: { ev: 'cpu_read', tid: hostile } },
      { line: 3, event: { ev: 'cpu_write', tid: '```' } },
    ],
    events: 2,
    stats: { seconds: 0, eventsPerSecond: 0, maxCandidates: 1, hiddenSteps: 0 },
  } as unknown as ReplayReport;
  const md = replayMarkdown(r);
  // Inside a fenced block text is literal to every renderer; outside it must be escaped.
  const outside = md.replace(/^(`{3,})text\n[\s\S]*?^\1$/gm, '');
  assert.not.match(outside, /<script|<img/);
  assert.ok(outside.length < md.length, 'the context block was there');
  assert.match(md, /&lt;script&gt;/);
  assert.match(md, /^\* +2 \| /m, 'line 2, named by the reason, is marked');
  // The context block's fence is longer than any backtick run inside it.
  assert.match(md, /^````text$/m);
  assert.is(mdFence('a ``` b').split('\n')[0], '````text');
});

test('colour on a terminal only, and never with NO_COLOR', async () => {
  assert.is(terminalStyle(true, {}), ANSI);
  assert.is(terminalStyle(false, {}), PLAIN);
  assert.is(terminalStyle(true, { NO_COLOR: '1' }), PLAIN);
  const tty = await run(['check', '--preset', 'tiny', '--variant', 'D1'], true);
  const piped = await run(['check', '--preset', 'tiny', '--variant', 'D1'], false);
  if (process.env['NO_COLOR'] === undefined || process.env['NO_COLOR'] === '') assert.match(tty.out, /\x1b\[1;31mviolated\x1b\[0m/);
  assert.not.match(piped.out, /\x1b\[/);
});

test('report refuses what is not a saved result: exit 2 naming the file and field', async () => {
  const notJson = join(dir, 'bad.json');
  writeFileSync(notJson, '{"verb": ');
  let r = await run(['report', notJson, '--format', 'text']);
  assert.is(r.code, 2);
  assert.match(r.err, /bad\.json:1: \(result\): expected one JSON object/);
  const wrongVerb = join(dir, 'verb.json');
  writeFileSync(wrongVerb, JSON.stringify({ verb: 'presets', outcome: 'ok', stats: {} }));
  r = await run(['report', wrongVerb]);
  assert.is(r.code, 2);
  assert.match(r.err, /verb\.json:1: verb: expected "check", "simulate" or "replay", found "presets"/);
  const noSteps = join(dir, 'steps.json');
  writeFileSync(noSteps, JSON.stringify({ verb: 'check', outcome: 'violated', stats: {}, violations: [{}] }));
  r = await run(['report', noSteps]);
  assert.is(r.code, 2);
  assert.match(r.err, /violations\[0\]\.counterexample: expected an array of steps/);
  r = await run(['report', join(dir, 'missing.json')]);
  assert.is(r.code, 2);
  assert.match(r.err, /missing\.json:1: \(file\): expected a readable result file, found ENOENT/);
  r = await run(['report', notJson, '--format', 'pdf']);
  assert.is(r.code, 2);
  assert.match(r.err, /--format: expected text or markdown or html, found "pdf"/);
});

test.run();
