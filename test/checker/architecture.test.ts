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

/** Every .ts file under `dir`, recursively. */
function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** The top-level folders a relative import of `file` reaches. */
function foldersImported(root: string, file: string): string[] {
  const out: string[] = [];
  for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
    const spec = m[1] ?? m[2]!;
    if (!spec.startsWith('.')) continue;
    const target = join(dirname(file), spec);
    out.push(target.slice(root.length + 1).split('/')[0]!);
  }
  return out;
}

// The layers: the model knows the checker's interface only; traces (format,
// reading, replay, the importer) know the model; the command line and the
// reports sit on top and nothing below imports them.
const MAY_IMPORT: Record<string, readonly string[]> = {
  model: ['model', 'checker'],
  traces: ['traces', 'model', 'checker'],
  report: ['report', 'traces', 'model', 'checker'],
  cli: ['cli', 'report', 'traces', 'model', 'checker'],
};

for (const [folder, allowed] of Object.entries(MAY_IMPORT)) {
  test(`${folder}/ imports only ${allowed.join(', ')}`, () => {
    const root = repoRoot();
    const files = tsFiles(join(root, folder));
    assert.ok(files.length > 0);
    for (const f of files) {
      for (const top of foldersImported(root, f)) assert.ok(allowed.includes(top), `${f.slice(root.length + 1)} imports from ${top}/`);
    }
  });
}

test.run();
