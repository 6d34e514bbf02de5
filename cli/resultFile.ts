/**
 * Reading a JSON result hmmcheck wrote (`--out`, or `--json` redirected) for
 * the verbs that take one back (`report`, `merge`): an unreadable file or bad
 * JSON is input error, status 2, naming the file.
 */
import { MiB } from '../traces/bounds.js';
import { readUserFile } from '../traces/boundedFile.js';
import { TraceInputError } from '../traces/errors.js';

/**
 * A result holds its counterexamples step by step (an 8-step one is about
 * 30 KB), so it gets more room than a configuration.
 */
const MAX_RESULT_BYTES = 64 * MiB;

/** The parsed JSON of `file`; `expected` says what it should have been, for the error. */
export function readResultJson(file: string, expected: string): unknown {
  const text = readUserFile(file, { what: `a readable ${expected}`, maxBytes: MAX_RESULT_BYTES, fail: (exp, found) => new TraceInputError(file, 1, '(file)', exp, found) });
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new TraceInputError(file, 1, '(result)', `one JSON object (${expected})`, `invalid JSON (${(e as Error).message})`);
  }
}

/**
 * Renders what was read from `file`: a result that passed the field checks
 * but still breaks the renderer (a step without its changes, a number where
 * text belongs) was not written by hmmcheck, and is input error, not a crash.
 */
export function renderingInput<T>(file: string, render: () => T): T {
  try {
    return render();
  } catch (e) {
    if (e instanceof TypeError || e instanceof RangeError) {
      throw new TraceInputError(file, 1, '(result)', 'a result written by hmmcheck', `a result the renderer cannot read (${e.message.slice(0, 80)})`);
    }
    throw e;
  }
}
