/**
 * hmmtrace v1 (TRACE-FORMAT.md): the shapes of a header and an event, and
 * their validation against the JSON Schema the package ships
 * (`traces/schema/hmmtrace-v1.schema.json`). Every line is validated before
 * replay sees it, so the replayer can trust field types.
 */
import { compileSchema, describeValue } from '../checker/index.js';
import { TraceInputError } from './errors.js';
import schema from './schema/hmmtrace-v1.schema.json' with { type: 'json' };

export interface TraceHeader {
  readonly hmmtrace: 1;
  readonly source?: string;
  readonly preset?: string;
  readonly config?: Readonly<Record<string, unknown>>;
  readonly observed?: readonly string[];
  readonly variant?: readonly string[];
  readonly note?: string;
  /** A lasso: the events after the first `loop` repeat forever (hmmcheck extension). */
  readonly loop?: number;
}

export type TraceEvent = { readonly ev: string; readonly tid: string } & Readonly<Record<string, unknown>>;

export type TraceItem =
  | { readonly kind: 'header'; readonly line: number; readonly header: TraceHeader }
  | { readonly kind: 'event'; readonly line: number; readonly event: TraceEvent };

export const traceSchema: object = schema;

type Branch = { readonly properties: { readonly ev: { readonly const: string } } };

/** Every event name the schema declares: the contract's and hmmcheck's extensions. */
export const EVENT_NAMES: readonly string[] = (schema.$defs.event.oneOf as readonly Branch[]).map((b) => b.properties.ev.const);

const headerCheck = compileSchema({ ...schema, anyOf: undefined, $ref: '#/$defs/header' });
const eventCheck = compileSchema({ ...schema, anyOf: undefined, $ref: '#/$defs/event' });

function fail(file: string, line: number, issue: { path: string; expected: string; found: string }): never {
  throw new TraceInputError(file, line, issue.path || 'line', issue.expected, issue.found);
}

export function validateHeader(value: unknown, file: string, line: number): TraceHeader {
  const issue = headerCheck(value);
  if (issue) fail(file, line, issue);
  return value as TraceHeader;
}

export function validateEvent(value: unknown, file: string, line: number): TraceEvent {
  const issue = eventCheck(value);
  if (issue) fail(file, line, issue);
  return value as TraceEvent;
}

export { describeValue };
