/**
 * The generic checker: explores any `Model`, never imports the HMM model.
 */
export type { Invariant, Model, StepProperty } from './model.js';
export type { CheckResult, Outcome, Path, ProgressCheck, Stats, StopReason, Violation } from './result.js';
export type { Lasso, Progress } from './liveness.js';
export { canonicalKey } from './fingerprint.js';
export { wordsKey } from './wordsKey.js';
export { MapStore, type StateStore } from './store.js';
export { FingerprintStore, type Pack } from './fingerprintStore.js';
export { BitstateStore } from './bitstateStore.js';
export { hash64, HASH } from './hash64.js';
export { check, checkAsync, checkpointFits, CheckpointMismatch, defaultStore, Explorer, type CheckOptions, type CheckpointOption } from './explore.js';
export { checkCheckpointTarget, CheckpointError, checkpointWriter, readCheckpoint, writeCheckpoint, type Checkpoint, type CheckpointWriter } from './checkpoint.js';
export { hmmcheckVersion } from './version.js';
export { checkParallel, type ModelSource, type ParallelOptions } from './parallel.js';
export { simulate, simulateAsync, type SimulateAsyncOptions, type SimulateOptions, type SimulateResult } from './simulate.js';
export { decodePath, encodePath, indicesTo, NondeterminismError, replayIndices, sameUpToQuotient } from './path.js';
export { compileSchema, describeValue, SchemaDefinitionError, type SchemaIssue, type Validator } from './jsonSchema.js';
