/**
 * hmmtrace v1: format, reading, writing, and replay against a model.
 */
export { TraceInputError } from './errors.js';
export { EVENT_NAMES, traceSchema, validateEvent, validateHeader, type TraceEvent, type TraceHeader, type TraceItem } from './format.js';
export { newParseState, parseLine, parseTraceText, readTrace, readTraceBatches, type ParseState } from './reader.js';
export { formatEvent, formatHeader, TraceWriter, writeTraceFile, writeTraceText } from './writer.js';
