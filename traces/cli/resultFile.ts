/**
 * Reading a JSON result hmmcheck wrote (`--out`, or `--json` redirected) for
 * the verbs that take one back (`report`, `merge`): an unreadable file or bad
 * JSON is input error, status 2, naming the file.
 */
import { readFileSync } from 'node:fs';
import { TraceInputError } from '../errors.js';

/** The parsed JSON of `file`; `expected` says what it should have been, for the error. */
export function readResultJson(file: string, expected: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new TraceInputError(file, 1, '(file)', `a readable ${expected}`, (e as NodeJS.ErrnoException).code ?? String(e));
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new TraceInputError(file, 1, '(result)', `one JSON object (${expected})`, `invalid JSON (${(e as Error).message})`);
  }
}
