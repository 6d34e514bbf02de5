/**
 * The model's own version, recorded in checkpoints beside hmmcheck's: a
 * checkpoint saved under other model semantics is refused, since resuming it
 * would mix two different state spaces into one verdict.
 *
 * Bump it by hand whenever the model's semantics change: a step's effect or
 * enabling condition, the state or its packed words (packed.ts), the action
 * order (enabledSteps), the symmetry reduction, or what an invariant reads.
 * A checkpoint from before the change then stops with "written by another
 * version" instead of resuming into a wrong count or verdict.
 */
export const MODEL_VERSION = '2';
