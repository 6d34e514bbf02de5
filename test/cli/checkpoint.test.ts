/**
 * `hmmcheck check --checkpoint / --resume` on the HMM preset tiny: a damaged
 * checkpoint, one of another hmmcheck or model version, or a --checkpoint
 * FILE that cannot be written is exit 2 with one line naming the file, and
 * never a verdict; a whole one finishes with the counts of a run that never
 * stopped.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkpointWriter, hmmcheckVersion, readCheckpoint, writeCheckpoint } from '../../checker/index.js';
import { MODEL_VERSION } from '../../model/index.js';
import { checkpointRegions, flipByteIn } from '../helpers/checkpoint.js';
import { run } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('cli-cp');
const file = join(dir, 'tiny.cp');
const counts = (out: string): string => {
  const j = JSON.parse(out) as { outcome: string; stats: { states: number; transitions: number; depth: number } };
  return JSON.stringify([j.outcome, j.stats.states, j.stats.transitions, j.stats.depth]);
};
let whole = '';

test.before(async () => {
  whole = counts((await run('check', '--preset', 'tiny', '--json')).out);
  // The first time check after 256 expanded states stops it: tiny has thousands of states.
  const first = await run('check', '--preset', 'tiny', '--max-seconds', '0.001', '--checkpoint', file, '--json');
  assert.is(first.code, 3, first.err);
  assert.is(JSON.parse(first.out).stoppedBy, 'max-seconds');
});

test('the checkpoint resumes to the counts of the run that never stopped', async () => {
  const r = await run('check', '--preset', 'tiny', '--resume', file, '--json');
  assert.is(r.code, 0, r.err);
  assert.is(counts(r.out), whole);
});

test('one byte changed in any part of the checkpoint: exit 2 "checkpoint damaged", no verdict', async () => {
  const bytes = readFileSync(file);
  const regions = checkpointRegions(bytes);
  for (const name of ['checksum', 'header', 'table', 'parents', 'actions', 'queue', 'ids', 'graphFrom', 'graphTo', 'graphBy', 'graphAction', 'graphEnabled', 'graphBusy', 'graphSleeping']) {
    const region = regions.get(name);
    assert.ok(region && region[1] > region[0], `tiny's checkpoint has a non-empty ${name}`);
    const bad = join(dir, `flipped-${name}`);
    writeFileSync(bad, flipByteIn(bytes, region!));
    const r = await run('check', '--preset', 'tiny', '--resume', bad, '--json');
    assert.is(r.code, 2, `${name}: ${r.err}`);
    assert.is(r.out, '', `${name}: no verdict`);
    assert.match(r.err, `check: --resume ${bad}: checkpoint damaged`, name);
    assert.not.match(r.err, /\n./, `${name}: one line`);
  }
});

test('a checkpoint of another hmmcheck or model version: exit 2 "written by another version", both named', async () => {
  const cp = readCheckpoint(file, checkpointWriter(MODEL_VERSION));
  const mine = `hmmcheck ${hmmcheckVersion()} with model ${MODEL_VERSION}`;
  for (const [writer, theirs] of [
    [{ hmmcheck: '0.0.1-old', model: MODEL_VERSION }, `hmmcheck 0.0.1-old with model ${MODEL_VERSION}`],
    [{ hmmcheck: hmmcheckVersion(), model: 'old' }, `hmmcheck ${hmmcheckVersion()} with model old`],
  ] as const) {
    const other = join(dir, 'other-version.cp');
    writeCheckpoint(other, cp, writer);
    const r = await run('check', '--preset', 'tiny', '--resume', other);
    assert.is(r.code, 2);
    assert.is(r.out, '');
    assert.match(r.err, `check: --resume ${other}: written by another version: ${theirs}, and this is ${mine}`);
  }
});

test('--checkpoint FILE in a folder that is not there, or a folder itself: exit 2 naming it, before any search', async () => {
  mkdirSync(join(dir, 'a-folder'));
  for (const [target, says] of [
    [join(dir, 'nowhere', 'x.cp'), `its folder ${join(dir, 'nowhere')} does not exist`],
    [join(dir, 'a-folder'), 'it is a folder, not a file'],
    [join(file, 'x.cp'), `${file} is not a folder`],
  ] as const) {
    const r = await run('check', '--preset', 'tiny', '--checkpoint', target);
    assert.is(r.code, 2, target);
    assert.is(r.out, '');
    assert.match(r.err, `check: --checkpoint ${target}: ${says}`);
  }
});

test('--resume of a device, a directory or a pipe with no writer: exit 2 at once, never a wait', async () => {
  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  for (const [target, found] of [
    ['/dev/zero', 'a character device'],
    [dir, 'a directory'],
    [fifo, 'a pipe'],
  ] as const) {
    const r = await run('check', '--preset', 'tiny', '--resume', target);
    assert.is(r.code, 2, target);
    assert.match(r.err, `--resume ${target}: not an hmmcheck checkpoint: expected a regular file, found ${found}`);
  }
  rmSync(fifo);
});

test('no temporary file is left beside the checkpoints', () => {
  assert.equal(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
