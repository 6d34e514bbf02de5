/**
 * `hmmcheck check` end to end, in process: verdicts, exit statuses, the JSON
 * contract of CLI.md, and clear errors for bad usage and bad configurations.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';


const dir = tempDir('cli');

test('check --preset small verifies: exit 0, outcome ok, the CLI.md JSON fields', async () => {
  const r = await run('check', '--preset', 'small', '--json');
  assert.is(r.code, 0);
  const j = JSON.parse(r.out);
  assert.is(j.verb, 'check');
  assert.is(j.outcome, 'ok');
  assert.is(j.preset, 'small');
  assert.equal(j.variants, []);
  assert.is(j.stats.states, 184545);
  for (const k of ['transitions', 'depth', 'seconds', 'statesPerSecond']) assert.type(j.stats[k], 'number');
  assert.equal(j.violations, []);
  assert.is(r.err, '', 'no progress on stderr with --json when stderr is not a TTY');
});

for (const [variant, allowed] of [
  ['D1', ['INV-2', 'INV-4']],
  ['D2', ['INV-2', 'INV-7']],
  ['B3', ['INV-2', 'INV-4', 'INV-9']],
] as const) {
  test(`check --variant ${variant} exits 1 naming ${allowed.join(' or ')}`, async () => {
    const r = await run('check', '--preset', 'small', '--variant', variant, '--json');
    assert.is(r.code, 1);
    const j = JSON.parse(r.out);
    assert.is(j.outcome, 'violated');
    assert.equal(j.variants, [variant]);
    const v = j.violations[0];
    assert.ok((allowed as readonly string[]).includes(v.invariant), v.invariant);
    assert.is(v.steps, v.counterexample.length);
    assert.is(v.trace.length, v.steps + 1, 'a header and one event per step');
    assert.is(v.trace[0].hmmtrace, 1);
    assert.match(v.sentence, /device/);
  });
}

test('the text report names the invariant and sentence and lists thread, step and changes', async () => {
  const r = await run('check', '--preset', 'tiny', '--variant', 'D1');
  assert.is(r.code, 1);
  assert.match(r.out, /^INV-4: a device page-table entry is installed only under L\(d\)/m);
  assert.match(r.out, /counterexample: 8 steps \(shortest\)/);
  assert.match(r.out, /^ {4}8 {2}gpu0 +devpt_map\(dmirror0, page 0, pfn1, RW\)$/m);
  assert.match(r.out, /dmirror0\.pt\[0\]: None -> pfn1,RW/);
  assert.match(r.out, /mm0\.invalidate_seq: 2 -> 3/);
});

test('a variant that verifies on the chosen preset says which preset shows it', async () => {
  const r = await run('check', '--preset', 'tiny', '--variant', 'B8');
  assert.is(r.code, 0);
  assert.match(r.out, /^note: variant B8 is shown on preset two-devices: hmmcheck check --preset two-devices --variant B8$/m);
});

test('a bound gives incomplete and exit 3, never ok', async () => {
  const r = await run('check', '--preset', 'small', '--max-states', '500', '--json');
  assert.is(r.code, 3);
  const j = JSON.parse(r.out);
  assert.is(j.outcome, 'incomplete');
  assert.is(j.stoppedBy, 'max-states');
  const t = await run('check', '--preset', 'small', '--max-depth', '5');
  assert.is(t.code, 3);
  assert.match(t.out, /NOT covered/);
});

test('--out saves the JSON result and --trace-out the counterexample as hmmtrace', async () => {
  const out = join(dir, 'r.json');
  const trace = join(dir, 'c.jsonl');
  const r = await run('check', '--preset', 'tiny', '--variant', 'D2', '--out', out, '--trace-out', trace, '--quiet');
  assert.is(r.code, 1);
  assert.is(JSON.parse(readFileSync(out, 'utf8')).violations[0].invariant, 'INV-2');
  const lines = readFileSync(trace, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.is(lines[0].hmmtrace, 1);
  assert.is(lines.length, 13);
  assert.is(lines[lines.length - 1].ev, 'wp_page_copy');
});

test('bad usage exits 2 with a message naming what exists', async () => {
  let r = await run('check', '--preset', 'huge');
  assert.is(r.code, 2);
  assert.match(r.err, /unknown preset "huge"; presets are tiny, small, migrate/);
  r = await run('check', '--variant', 'Z9');
  assert.is(r.code, 2);
  assert.match(r.err, /unknown variant "Z9"; variants are D1, D2, B1, B3/);
  r = await run('check', '--max-states', 'lots');
  assert.is(r.code, 2);
  assert.match(r.err, /--max-states: expected a non-negative integer, found "lots"/);
  r = await run('check', '--frobnicate');
  assert.is(r.code, 2);
  assert.match(r.err, /unknown option --frobnicate/);
  r = await run('frob');
  assert.is(r.code, 2);
  assert.match(r.err, /unknown verb "frob"/);
});

test('a bad configuration file exits 2 naming the file, field, expected and found', async () => {
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ pages: 2, systemFrames: 3, devices: [{ frames: 1 }], actors: [{ kind: 'cpu', ops: { cpu_read: 'two' } }] }));
  let r = await run('check', '--config', bad);
  assert.is(r.code, 2);
  assert.match(r.err, new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: actors\\[0\\]\\.ops\\.cpu_read: expected an integer from 0 to 8, found "two"$`, 'm'));
  assert.not.match(r.err, /at .*\.js:\d+/, 'no stack trace');
  writeFileSync(bad, JSON.stringify({ pages: 2, systemFrames: 3, devices: [{ frames: 1 }], actors: [{ kind: 'cpu', ops: { device_read: 1 } }] }));
  r = await run('check', '--config', bad);
  assert.is(r.code, 2);
  assert.match(r.err, /actors\[0\]\.ops\.device_read: expected an operation of a cpu actor/);
  writeFileSync(bad, '{"pages": 2,');
  r = await run('check', '--config', bad);
  assert.is(r.code, 2);
  assert.match(r.err, /expected valid JSON, found a syntax error/);
  r = await run('check', '--config', join(dir, 'missing.json'));
  assert.is(r.code, 2);
  assert.match(r.err, /missing\.json: config: expected a readable JSON file, found ENOENT/);
});

test('a configuration file that is fine is checked', async () => {
  const good = join(dir, 'good.json');
  writeFileSync(good, JSON.stringify({ pages: 1, systemFrames: 2, devices: [{ frames: 1 }], actors: [{ kind: 'cpu', ops: { cpu_write: 1 } }, { kind: 'device', ops: { device_read: 1 } }, { kind: 'device', name: 'mig0', ops: { migrate_to_device: 1 } }] }));
  const r = await run('check', '--config', good, '--json');
  assert.is(r.code, 0);
  assert.is(JSON.parse(r.out).stats.states, 3276, 'the same world as preset tiny');
});

test('presets, variants and invariants list one per line; --help has an example for every verb', async () => {
  const p = await run('presets');
  assert.match(p.out, /^tiny +one page/m);
  assert.match(p.out, /^small +two pages/m);
  const v = await run('variants', '--json');
  assert.equal(JSON.parse(v.out).items.map((x: { id: string }) => x.id), ['D1', 'D2', 'B1', 'B3', 'B4', 'B5', 'D3', 'D5', 'D4', 'B6', 'B8', 'B9', 'B10', 'B11', 'B12', 'B13', 'B14', 'B16', 'B17', 'B18', 'B19', 'B20', 'H1', 'H2']);
  const i = await run('invariants');
  assert.is(i.out.trim().split('\n').length, 18);
  assert.match(i.out, /^INV-2 +once a driver's invalidate callback/m);
  const ij = JSON.parse((await run('invariants', '--json')).out) as { items: { id: string; checked: boolean }[] };
  assert.equal(ij.items.filter((x) => !x.checked).map((x) => x.id), []);
  assert.match(i.out, /^INV-8 .*\(in configurations with "dirty": true/m);
  assert.match(i.out, /^LIVE-1 .*\(on the whole graph once the search covers the space; --no-liveness skips it\)$/m);
  for (const verb of ['check', 'presets', 'variants', 'invariants']) {
    const h = await run(verb, '--help');
    assert.is(h.code, 0);
    assert.match(h.out, /example/);
  }
});

test.run();
