/**
 * The HMM model: public surface.
 */
export { STEP_KINDS, type HmmAction, type HrfResult, type StepKind } from './actions.js';
export { reachableKinds } from './coverage.js';
export { stateKey } from './fingerprint.js';
export { packState, unpackState } from './packed.js';
export { canonicalFrames, symmetric } from './symmetry.js';
export { diffViews, formatChange, view, type Change, type View } from './view.js';
export { ConfigError, configSchema, parseConfig, type ActorConfig, type Config } from './config.js';
export { formatAction, formatDevEntry, formatPfn, formatPte, mirrorName } from './format.js';
export { applyStep, applyStepCopy, applyStepInPlace, applyStepWithPatches, copyState, busyThreads, enabledSteps, hmmModel, hmmModelFromConfig, isFinal, threadSteps, type ModelOptions } from './hmmModel.js';
export { initialState } from './init.js';
export { ptePfn } from './queries.js';
export { CHECKED, invariants, SENTENCES, stepProperties, type InvariantId } from './invariants.js';
export { findPreset, PRESETS, type Preset } from './presets.js';
export type * from './state.js';
export { findVariant, VARIANTS, type Variant, type VariantId } from './variants.js';
export { buildWorld, type ActorSpec, type World, type Zone } from './world.js';
export { MODEL_VERSION } from './version.js';
export { choiceIn, DEFAULT_KERNEL, isKernelVersion, KERNEL_RULES, kernelBehaviour, KERNELS, type KernelBehaviour, type KernelRule, type KernelVersion } from './kernel/index.js';
export { sleepingThreads } from './lockWaits.js';
export { driverOf } from './world.js';
export { DEFAULT_DRIVER, DRIVER_NAMES, DRIVER_VARIANTS, DRIVERS, driverBehaviour, findDriver, REPLAY_DEFAULT_DRIVER, type Driver, type DriverBehaviour, type DriverOptions } from './drivers/index.js';
