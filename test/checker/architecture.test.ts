/**
 * checker/ is generic: it never imports the HMM model, immer, or anything
 * outside itself except node builtins and fast-check (simulation's walk
 * generator and shrinker), so that it can be tested on toy models and its
 * hot path replaced without touching the model.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !readFileSync(join(dir, 'package.json'), 'utf8').includes('"name": "hmmcheck"')) {
    const up = dirname(dir);
    if (up === dir) throw new Error('repository root not found');
    dir = up;
  }
  return dir;
}

const IMPORT = /(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

test('checker/ imports only checker/, node: builtins and fast-check', () => {
  const dir = join(repoRoot(), 'checker');
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
  assert.ok(files.length >= 6);
  for (const f of files) {
    const text = readFileSync(join(dir, f), 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2]!;
      const ok = spec.startsWith('node:') || spec === 'fast-check' || (spec.startsWith('./') && !spec.includes('..'));
      assert.ok(ok, `checker/${f} imports ${spec}`);
    }
  }
});

test.run();
