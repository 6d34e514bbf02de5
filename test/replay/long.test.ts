/**
 * A long, fully observed random walk (the benchmark's trace, shorter):
 * valid, and explained by one model state at a time. Speed is the
 * benchmark's business; this pins what makes it fast: no ambiguity left
 * behind in a fully observed trace, and memory independent of its length.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { replayFile } from '../../traces/hmm/replayFile.js';
import { writeLongTrace } from '../bench/longTrace.js';
import { tempDir } from '../helpers/tmp.js';

for (const seed of [2, 3]) test(`a 20,000-event random walk (seed ${seed}) replays valid, one candidate state at a time`, async () => {
  const dir = tempDir('long');
  try {
    const path = join(dir, 'walk.jsonl.gz');
    const n = await writeLongTrace(path, 20_000, seed);
    assert.ok(n >= 20_000 && n < 20_200, `${n} events`);
    const { report } = await replayFile(path);
    assert.is(report.outcome, 'valid', report.reason);
    assert.is(report.events, n);
    assert.is(report.stats.hiddenSteps, 0);
    assert.is(report.stats.maxCandidates, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
