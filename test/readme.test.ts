/**
 * The README's worked example is real: every `console` block that runs
 * hmmcheck is run again here and must print the same (timings aside), and
 * its JSON configuration example is a valid configuration.
 */
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseConfig } from '../model/index.js';
import { memoryIo } from '../cli/io.js';
import { main } from '../cli/main.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** Timings and measured memory vary from run to run; everything else must match. */
const normalize = (text: string): string =>
  text
    .replace(/[\d.]+ s {2}[\d,]+ states\/s/g, 'T s  R states/s')
    .replace(/[\d,.]+ B\/state/g, 'M B/state')
    .replace(/\s+$/gm, '')
    .trim();

const blocks = [...readme.matchAll(/```console\n\$ npm run -s hmmcheck -- (.*)\n([\s\S]*?)```/g)];

test('the README has a worked example', () => {
  assert.ok(blocks.length >= 1);
});

for (const [, command, expected] of blocks) {
  test(`README: hmmcheck ${command}`, async () => {
    const io = memoryIo();
    await main(command!.split(' '), io);
    assert.fixture(normalize(io.stdout), normalize(expected!));
  });
}

test('the README configuration example is a valid configuration', () => {
  const json = readme.match(/```json\n([\s\S]*?)```/)![1]!;
  const c = parseConfig(JSON.parse(json), 'README.md');
  assert.is(c.pages, 2);
});

test.run();
