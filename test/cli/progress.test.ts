/**
 * The long verbs say how far they got on standard error while they run
 * (check, simulate and replay alike), and say nothing there with --quiet.
 * HMMCHECK_PROGRESS_MS shortens the two-second interval for these runs.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { writeLongTrace } from '../bench/longTrace.js';
import { runCli } from '../helpers/spawn.js';
import { tempDir } from '../helpers/tmp.js';

const env = { ...process.env, HMMCHECK_PROGRESS_MS: '0' };
const kernelTrace = new URL('../../../../shared/kernel-traces/linux-6.1/hmm.hmm_device_private.anon_read.trace.txt.gz', import.meta.url).pathname;

test('simulate prints its walks so far', async () => {
  const r = await runCli(['simulate', '--preset', 'tiny', '--runs', '300', '--seed', '1'], { env });
  assert.is(r.code, 3);
  assert.match(r.err, /^hmmcheck: [\d,]+ of 300 walks, [\d,]+ steps, \d+ s$/m);
});

test('replay prints the line reached while reading, then the pages replayed (a kernel trace, page by page)', async () => {
  const r = await runCli(['replay', kernelTrace], { env });
  assert.is(r.code, 0, r.err);
  assert.match(r.err, /^hmmcheck: reading the trace, line [\d,]+$/m);
  assert.match(r.err, /^hmmcheck: page [\d,]+ of [\d,]+ replayed, at most [\d,]+ candidate states, \d+ s$/m);
});

test('replay of a whole trace prints the line reached, events replayed and candidate states', async () => {
  const walkTrace = join(tempDir('progress'), 'walk.jsonl');
  await writeLongTrace(walkTrace, 2000, 2);
  const r = await runCli(['replay', walkTrace], { env });
  assert.is(r.code, 0, r.err);
  assert.match(r.err, /^hmmcheck: line [\d,]+, [\d,]+ events replayed, [\d,]+ candidate states, [\d,]+ events\/s, \d+ s$/m);
});

test('check prints states, queue, depth and rate; --quiet prints nothing on standard error', async () => {
  const r = await runCli(['check', '--preset', 'tiny'], { env });
  assert.is(r.code, 0);
  assert.match(r.err, /^hmmcheck: [\d,]+ states, [\d,]+ queued, depth \d+, [\d,]+ states\/s, \d+ s$/m);
  const q = await runCli(['check', '--preset', 'tiny', '--quiet'], { env });
  assert.is(q.err, '');
});

test.run();
