/**
 * Text from a trace or a configuration reaches a terminal shown, never
 * obeyed: an escape sequence in a trace's `source` or an actor's name must
 * not clear the screen or rewrite the verdict line, in text, Markdown, JSON
 * or an error message.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { neutralize, neutralizeDeep, safeJson } from '../../report/index.js';
import { run } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('escapes');
/** Any control character a terminal would act on, or a bidi override; \n and \t are hmmcheck's own layout. */
const RAW = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;
const EVIL = '\x1b[2J\x1b[1A\r\x9b31m outcome: valid \u202e';

test('a trace whose source holds escape sequences: shown escaped in text and Markdown, \\u-escaped in JSON', async () => {
  const f = join(dir, 'evil.jsonl');
  writeFileSync(f, `${JSON.stringify({ hmmtrace: 1, source: EVIL })}\n${JSON.stringify({ ev: 'cpu_read', tid: `c${EVIL}`, page: 0, value: 0 })}\n`);
  for (const format of ['text', 'markdown']) {
    const r = await run('replay', f, '--format', format);
    assert.is(r.code, 0);
    assert.not.match(r.out, RAW, format);
    if (format === 'text') assert.match(r.out, 'source: \\x1b[2J\\x1b[1A\\r\\x9b31m outcome: valid \\u202e');
  }
  const html = await run('replay', f, '--format', 'html');
  assert.not.match(html.out, RAW, 'html');
  const j = await run('replay', f, '--json');
  assert.not.match(j.out, RAW);
  assert.is(JSON.parse(j.out).source, EVIL, 'the JSON value is the same string');
});

test("a configuration's actor name with escapes is shown escaped in the counterexample", async () => {
  const cfg = join(dir, 'evil.json');
  writeFileSync(
    cfg,
    JSON.stringify({
      pages: 1,
      systemFrames: 2,
      devices: [{ frames: 1 }],
      actors: [
        { kind: 'cpu', name: `cpu${EVIL}`, ops: { cpu_write: 1 } },
        { kind: 'device', ops: { device_read: 1 } },
      ],
    }),
  );
  const r = await run('check', '--config', cfg, '--variant', 'D1');
  assert.ok(r.code === 0 || r.code === 1, r.err);
  assert.not.match(r.out, RAW);
  const md = await run('check', '--config', cfg, '--variant', 'D1', '--format', 'markdown');
  assert.not.match(md.out, RAW);
});

test('an error message quoting a hostile value shows it escaped', async () => {
  const f = join(dir, 'bad.jsonl');
  writeFileSync(f, `{"hmmtrace": 1}\n{"ev": "cpu_read\\u001b[2J\\u009b", "tid": "c"}\n`);
  const r = await run('replay', f);
  assert.is(r.code, 2);
  assert.not.match(r.err, RAW);
});

test('neutralize keeps newlines and tabs, neutralizeDeep and safeJson keep values', () => {
  assert.is(neutralize('a\tb\nc\x1bd\x7f\u2066'), 'a\tb\nc\\x1bd\\x7f\\u2066');
  assert.equal(neutralizeDeep({ a: ['x\ny', 3, null], b: { c: '\x07' } }), { a: ['x\\ny', 3, null], b: { c: '\\x07' } });
  const v = { s: '\x85\u2028\u202e\x7f' };
  assert.not.match(safeJson(v), RAW);
  assert.equal(JSON.parse(safeJson(v)), v);
});

test.run();
