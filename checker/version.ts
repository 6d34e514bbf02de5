/**
 * This hmmcheck's version, as package.json gives it. Checkpoints record it and
 * a checkpoint written by another version is refused: the search it saved may
 * have been made with other rules, and going on from it would give a verdict
 * no version of hmmcheck computed.
 *
 * Read at run time relative to this module: dist/checker/version.js is two
 * folders below the package root both in a checkout and in an installed
 * package (npm always packs package.json), and reading the file keeps
 * package.json out of the TypeScript build.
 */
import { readFileSync } from 'node:fs';

let version: string | undefined;

export function hmmcheckVersion(): string {
  version ??= readVersion();
  return version;
}

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    if (typeof pkg.version === 'string' && pkg.version !== '') return pkg.version;
  } catch {
    // A copy of dist/ without its package.json: the checkpoints it writes say so.
  }
  return 'unknown';
}
