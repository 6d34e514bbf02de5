/**
 * `--max-line-bytes N` of the verbs that read traces (replay, import), as
 * input bounds for withInputBounds.
 */
import type { InputBounds } from '../traces/bounds.js';
import { num, UsageError, type ParsedArgs } from './args.js';

export function maxLineBytes(verb: string, args: ParsedArgs): Partial<InputBounds> {
  const n = num(args, 'max-line-bytes');
  if (n === undefined) return {};
  if (n < 1) throw new UsageError(`${verb}: --max-line-bytes: expected a positive integer, found ${n}`);
  return { maxLineBytes: n };
}
