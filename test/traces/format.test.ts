/**
 * hmmtrace v1 parsing: every event kind of the contract validates, and each
 * kind of bad input gets its exact `file:line: field: expected X, found Y`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EVENT_NAMES, parseTraceText, readTrace, TraceInputError, type TraceItem } from '../../traces/index.js';
import { EVENT_FIELDS } from './samples.js';
import { tempDir } from '../helpers/tmp.js';

const H = '{"hmmtrace":1,"source":"test"}';
const dir = tempDir('format');

function errorOf(text: string): string {
  try {
    parseTraceText(text, 't.jsonl');
  } catch (e) {
    assert.instance(e, TraceInputError);
    return (e as Error).message;
  }
  throw new Error('no error');
}

test('the schema declares every event of TRACE-FORMAT.md', () => {
  for (const name of Object.keys(EVENT_FIELDS)) assert.ok(EVENT_NAMES.includes(name), name);
});

test('the example traces of the contract parse', () => {
  const items = parseTraceText(
    [
      H,
      '{"ev":"cpu_write","tid":"cpu0","mm":0,"page":0,"value":7}',
      '{"ev":"hmm_range_fault","tid":"gpu0","dev":"dev0","mm":0,"start":0,"end":1,"write":false,"result":"ok","pfns":[{"page":0,"pfn":100,"write":true}]}',
      '{"ev":"migrate_vma_setup","tid":"mig0","dev":"dev0","mm":0,"start":0,"end":1,"select":["system"],"src":[{"page":0,"pfn":null,"migrate":false,"write":false}]}',
      '{"ev":"cpu_read","tid":"cpu0","page":0,"value":7}',
    ].join('\n'),
  );
  assert.equal(
    items.map((i) => [i.kind, i.line]),
    [
      ['header', 1],
      ['event', 2],
      ['event', 3],
      ['event', 4],
      ['event', 5],
    ],
  );
});

test('blank and # lines are skipped but counted', () => {
  const items = parseTraceText(`# recorded by test\n\n${H}\n\n# a comment\n{"ev":"exit","tid":"cpu0","mm":0}\n`);
  assert.equal(items.map((i) => i.line), [3, 6]);
});

test('each kind of bad line names file, line, field, expected and found', () => {
  assert.match(errorOf(`${H}\n{"ev":"cpu_read",`), /^t\.jsonl:2: line: expected a JSON object, found invalid JSON \(.*position \d+.*\)$/);
  assert.is(errorOf(`${H}\n[1,2]`), 't.jsonl:2: line: expected a JSON object, found an array of 2');
  assert.match(errorOf(`${H}\n{"ev":"cpu_raed","tid":"c","page":0,"value":1}`), /^t\.jsonl:2: ev: expected a known ev \(cpu_read, .*\), found "cpu_raed"$/);
  assert.is(errorOf(`${H}\n{"ev":"cpu_read","tid":"c","value":1}`), 't.jsonl:2: page: expected an integer >= 0, found nothing (the field is missing)');
  assert.is(errorOf(`${H}\n{"ev":"cpu_read","tid":"c","page":"zero","value":1}`), 't.jsonl:2: page: expected an integer >= 0, found "zero"');
  assert.is(
    errorOf(`${H}\n{"ev":"hmm_range_fault","tid":"g","dev":0,"start":0,"end":1,"write":false,"result":"ok","pfns":[{"page":0,"pfn":1}]}`),
    't.jsonl:2: pfns[0].write: expected a boolean, found nothing (the field is missing)',
  );
  assert.is(errorOf(`${H}\n{"ev":"exit","tid":"c","colour":"red"}`), 't.jsonl:2: colour: expected no such field (allowed: ev, tid, t, cpu, note, mm), found "red"');
  assert.is(errorOf('{"ev":"exit","tid":"c"}'), 't.jsonl:1: hmmtrace: expected a header line {"hmmtrace": 1, ...} as the first line, found an event "exit"');
  assert.is(errorOf(`${H}\n${H}`), 't.jsonl:2: hmmtrace: expected an event (the header is only allowed as the first line), found a second header');
  assert.is(errorOf('{"hmmtrace":2}'), 't.jsonl:1: hmmtrace: expected 1, found 2');
  assert.is(errorOf(`${H}\n{"ev":"exit","tid":"c","t":50}\n\n{"ev":"exit","tid":"c","t":40}`), 't.jsonl:4: t: expected a timestamp >= 50 (line 2), found 40');
});

async function collect(path: string, file?: string): Promise<TraceItem[]> {
  const out: TraceItem[] = [];
  for await (const item of readTrace(path, file ? { file } : {})) out.push(item);
  return out;
}

test('readTrace streams .jsonl and .jsonl.gz files the same way', async () => {
  const text = `${H}\n{"ev":"cpu_write","tid":"cpu0","page":0,"value":1}\n# end\n`;
  writeFileSync(join(dir, 'a.jsonl'), text);
  writeFileSync(join(dir, 'a.jsonl.gz'), gzipSync(text));
  writeFileSync(join(dir, 'gz-without-suffix'), gzipSync(text));
  const plain = await collect(join(dir, 'a.jsonl'));
  assert.equal(plain, parseTraceText(text));
  assert.equal(await collect(join(dir, 'a.jsonl.gz')), plain);
  assert.equal(await collect(join(dir, 'gz-without-suffix')), plain);
});

test('readTrace: a missing file and corrupt gzip are input errors, not crashes', async () => {
  try {
    await collect(join(dir, 'nope.jsonl'), 'nope.jsonl');
    assert.unreachable();
  } catch (e) {
    assert.is((e as Error).message, 'nope.jsonl:0: file: expected a readable trace file, found ENOENT');
  }
  writeFileSync(join(dir, 'bad.jsonl.gz'), Buffer.from([0x1f, 0x8b, 1, 2, 3, 4]));
  try {
    await collect(join(dir, 'bad.jsonl.gz'), 'bad.jsonl.gz');
    assert.unreachable();
  } catch (e) {
    assert.instance(e, TraceInputError);
    assert.match((e as Error).message, /^bad\.jsonl\.gz:0: file: expected gzip data, found /);
  }
});

test.run();
