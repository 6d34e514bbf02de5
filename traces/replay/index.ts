/**
 * Generic trace replay: the candidate-set replayer and its adapter contract.
 */
export { replay, type LineEvent } from './engine.js';
export type { Broken, Mismatch, ReplayAdapter, ReplayOptions, ReplayOutcome, ReplayProgress, ReplayResult, Step } from './types.js';
