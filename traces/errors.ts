/**
 * The one error type for bad input in a trace (or a header's configuration):
 * it names the file, the 1-based line, the field, what was expected and what
 * was found, so the CLI can print it as is and exit 2.
 */
export class TraceInputError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly field: string,
    readonly expected: string,
    readonly found: string,
  ) {
    super(`${file}:${line}: ${field}: expected ${expected}, found ${found}`);
    this.name = 'TraceInputError';
  }
}
