/**
 * A bound that stops replay before the trace is read is `incomplete`, never
 * `valid`: `--lookahead 0` (a window of no events once read nothing and
 * said "valid, all 0 events match"), and the candidate and depth bounds.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run } from '../helpers/cli.js';

const shared = (f: string): string => new URL(`../../../../shared/traces/${f}`, import.meta.url).pathname;

for (const file of ['map-without-retry.invalid.jsonl', 'migrate-and-fault-back.valid.jsonl']) {
  test(`${file}: --lookahead 0 is incomplete at the first event, never a verdict`, async () => {
    const r = await run('replay', shared(file), '--lookahead', '0', '--json');
    assert.is(r.code, 3);
    const j = JSON.parse(r.out);
    assert.is(j.outcome, 'incomplete');
    assert.is(j.events, 0);
    assert.is(j.line, 2);
    assert.match(j.reason, /--lookahead must be at least 1/);
  });

  for (const bound of ['--max-candidates', '--max-hidden-depth']) {
    test(`${file}: ${bound} 0 is incomplete, never valid`, async () => {
      const r = await run('replay', shared(file), bound, '0', '--json');
      assert.is(r.code, 3, r.out);
      assert.is(JSON.parse(r.out).outcome, 'incomplete');
    });
  }
}

test('--lookahead 1 still reads the whole trace and judges it', async () => {
  const r = await run('replay', shared('map-without-retry.invalid.jsonl'), '--lookahead', '1', '--json');
  assert.is(r.code, 1);
  assert.is(JSON.parse(r.out).line, 10);
});

test('a header alone (no events) is valid: there is nothing to contradict', async () => {
  const { writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tempDir } = await import('../helpers/tmp.js');
  const f = join(tempDir('bounds'), 'empty.jsonl');
  writeFileSync(f, '{"hmmtrace": 1}\n');
  const r = await run('replay', f, '--lookahead', '0', '--json');
  assert.is(r.code, 0);
  assert.is(JSON.parse(r.out).events, 0);
});

test.run();
