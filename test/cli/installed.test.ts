/**
 * The command as a user installs it: `npm pack`, `npm install -g` into a
 * temporary prefix, then `hmmcheck <verb>` through npm's bin symlink. The
 * entry point must know it is the main module when reached through that
 * link (it once compared paths and did nothing, exit 0, for every verb).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../helpers/spawn.js';
import { tempDir } from '../helpers/tmp.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

test('the packed package installs, and its hmmcheck runs a verb through the bin link', async () => {
  const d = tempDir('installed');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const tgz = execFileSync(npm, ['pack', '--silent', '--pack-destination', d], { cwd: root, encoding: 'utf8' }).trim().split('\n').pop()!;
  const prefix = join(d, 'prefix');
  execFileSync(npm, ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', '--prefer-offline', join(d, tgz)], { cwd: d, stdio: 'pipe' });
  const bin = join(prefix, 'bin', 'hmmcheck');
  assert.ok(existsSync(bin) && lstatSync(bin).isSymbolicLink(), 'npm links the command');
  const presets = await runCli([], { command: bin });
  assert.is(presets.code, 2, 'no verb: usage, exit 2');
  assert.match(presets.out, /hmmcheck/);
  const r = await runCli(['check', '--preset', 'tiny', '--variant', 'D1'], { command: bin, cwd: d });
  assert.is(r.code, 1);
  assert.match(r.out, /^outcome: violated$/m);
  assert.match(r.out, /^INV-4: /m);
});

test.run();
