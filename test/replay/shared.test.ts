/**
 * The example traces shipped with the specification replay with the outcome,
 * line and invariant their expected.json lists (skipped if the folder is not
 * beside the checkout).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { replayFile } from '../../traces/hmm/replayFile.js';

const dir = fileURLToPath(new URL('../../../../shared/traces/', import.meta.url));

interface Expected {
  file: string;
  outcome: string;
  lines?: number[];
  invariants?: string[];
}

if (existsSync(join(dir, 'expected.json'))) {
  const expected = (JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as { traces: Expected[] }).traces;
  test('every shared trace has an expectation', () => {
    assert.ok(expected.length >= 6);
  });
  for (const x of expected) {
    test(`${x.file}: ${x.outcome}${x.lines ? ` at line ${x.lines.join(' or ')}` : ''}`, async () => {
      const { report } = await replayFile(join(dir, x.file));
      assert.is(report.outcome, x.outcome, report.reason);
      if (x.lines) assert.ok(x.lines.includes(report.line!), `line ${report.line}: ${report.reason}`);
      else assert.is(report.line, null);
      if (x.invariants) assert.ok(x.invariants.includes(report.invariant!), `invariant ${report.invariant}: ${report.reason}`);
    });
  }
} else {
  test('shared traces are not beside this checkout: nothing to replay', () => {
    assert.not.ok(existsSync(dir + 'expected.json'));
  });
}

function join(a: string, b: string): string {
  return a.endsWith('/') ? a + b : `${a}/${b}`;
}

test.run();
