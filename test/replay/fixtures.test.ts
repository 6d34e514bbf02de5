/**
 * The trace fixtures (test/fixtures/traces): the hmm-tests.c scenarios the
 * model covers replay valid, each invariant's bad trace is invalid at the
 * pinned line with that invariant among those its step breaks, and its ok
 * partner is valid. Expected verdicts live in expected.json, by hand.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { replayFile } from '../../traces/hmm/replayFile.js';

interface Expected {
  readonly file: string;
  readonly outcome: string;
  readonly line?: number;
  readonly invariant?: string | null;
  readonly invariants?: readonly string[];
  readonly reason?: string;
}

const dir = join(process.cwd(), 'test', 'fixtures', 'traces');
const expected = (JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as { traces: Expected[] }).traces;

for (const x of expected) {
  test(`fixture ${x.file}: ${x.outcome}${x.line ? ` at line ${x.line}` : ''}`, async () => {
    const { report } = await replayFile(join(dir, x.file));
    assert.is(report.outcome, x.outcome, report.reason);
    if (x.line !== undefined) assert.is(report.line, x.line, report.reason);
    if (x.invariant !== undefined) assert.is(report.invariant, x.invariant, report.reason);
    if (x.invariants) assert.equal(report.invariants, x.invariants, report.reason);
    if (x.reason) assert.ok(report.reason.includes(x.reason), report.reason);
  });
}

test('every invariant pair breaks the invariant it is named after', () => {
  for (const x of expected.filter((e) => e.file.endsWith('.bad.jsonl'))) {
    const id = /invariants\/(INV-\d+)-/.exec(x.file)![1]!;
    assert.ok(x.invariants?.includes(id), `${x.file} lists ${x.invariants}`);
    assert.ok(
      expected.some((e) => e.file === x.file.replace('.bad.', '.ok.') && e.outcome === 'valid'),
      `${x.file} has a valid ok partner`,
    );
  }
});

test('every hmm-tests scenario fixture names its selftest and expectation', () => {
  for (const x of expected.filter((e) => !e.file.includes('/') && e.outcome === 'valid')) {
    const text = readFileSync(join(dir, x.file), 'utf8');
    assert.match(text.split('\n')[1]!, /^# selftest \w+/, x.file);
  }
});

test.run();
