/**
 * The HMM model as a `Model` the generic checker explores.
 *
 * `actions` runs every thread's program (the kernel's code paths and the
 * reference driver) and lists the steps enabled now; `next` applies a step's
 * rule to an immer draft. The rules are the single statement of the model's
 * semantics: replay and reports run the same rules.
 */
import { enablePatches, Immer, type Patch } from 'immer';
import type { Model } from '../checker/index.js';
import type { HmmAction } from './actions.js';
import { reachableKinds } from './coverage.js';
import { stateKey } from './fingerprint.js';
import { formatAction } from './format.js';
import { initialState } from './init.js';
import { invariants, SENTENCES, stepProperties } from './invariants.js';
import { cpuSteps } from './programs/cpu.js';
import { deviceSteps } from './programs/device.js';
import { RULES } from './rules/index.js';
import { EXITED, type HmmState, type MigCtx, type MirrorState, type MmState, type ThreadState } from './state.js';
import type { World } from './world.js';

// Frozen states make an accidental mutation of a stored state throw; the
// checker's hot path skips the deep freeze (it costs more than the step).
const frozen = new Immer({ autoFreeze: true });
const thawed = new Immer({ autoFreeze: false });
// Reports show each step's immer patches; only they pay for recording them
// (the plugin is loaded on first use, never on the checker's hot path).
const patching = new Immer({ autoFreeze: false });
let patchesOn = false;

export interface ModelOptions {
  /** Deep-freeze every produced state (default true; the checker turns it off for speed). */
  readonly freeze?: boolean;
}

/** Applies one step. Pure: returns a new state and leaves `s` untouched. */
export function applyStep(w: World, s: HmmState, a: HmmAction, freeze = true): HmmState {
  return (freeze ? frozen : thawed).produce(s, (d) => {
    RULES[a.k](d, a, w);
  });
}

/** Applies one step and returns immer's patches from `s` to the result (JSON paths into the state). */
export function applyStepWithPatches(w: World, s: HmmState, a: HmmAction): { state: HmmState; patches: Patch[] } {
  if (!patchesOn) {
    enablePatches();
    patchesOn = true;
  }
  const [state, patches] = patching.produceWithPatches(s, (d) => {
    RULES[a.k](d, a, w);
  });
  return { state, patches };
}

/**
 * A copy of a state deep enough for thread t's step to mutate: every object
 * a rule writes to is fresh; other threads (a rule writes only the acting
 * thread's locals) and the leaves rules only ever replace (PTEs, device
 * entries, snapshot entries, ops, fault locals) are shared. Spreads keep key
 * order, so the copy's key is the original's. test/model/copy.test.ts holds
 * this against immer on random walks (same result, source untouched).
 */
export function copyState(s: HmmState, t: number): HmmState {
  // Clone, then overwrite existing fields: V8's fast path for both, unlike
  // a spread with extra properties in one literal.
  const mms = s.mms.map((m) => {
    const c = { ...m } as Mutable<MmState>;
    c.vma = m.vma.slice();
    c.pte = m.pte.slice();
    c.expect = m.expect.slice();
    return c;
  });
  const frames = s.frames.map((f) => ({ ...f }));
  const mirrors = s.mirrors.map((m) => {
    const c = { ...m } as Mutable<MirrorState>;
    c.pt = m.pt.slice();
    return c;
  });
  const threads = s.threads.slice();
  {
    const th = s.threads[t]!;
    const c = { ...th } as Mutable<ThreadState>;
    c.left = th.left.slice();
    if (th.snap) c.snap = th.snap.slice();
    if (th.inv) c.inv = { ...th.inv };
    if (th.mig) {
      const mig = { ...th.mig } as Mutable<MigCtx>;
      if (th.mig.src) mig.src = th.mig.src.map((e) => ({ ...e }));
      c.mig = mig;
    }
    c.pins = th.pins.slice();
    c.frees = th.frees.slice();
    threads[t] = c;
  }
  const out = { ...s } as Mutable<HmmState>;
  out.mms = mms;
  out.frames = frames;
  out.mirrors = mirrors;
  out.threads = threads;
  return out;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Applies one step to a fresh deep copy instead of an immer draft: no
 * structural sharing, but several times faster on states this small. The
 * replayer, which keeps a handful of states at a time, runs on it; the
 * rules cannot tell the difference (a draft is mutated like the copy).
 */
export function applyStepCopy(w: World, s: HmmState, a: HmmAction): HmmState {
  const d = copyState(s, a.t);
  RULES[a.k](d as never, a, w);
  return d;
}

/** The enabled steps of one thread, from its program. */
export function threadSteps(w: World, s: HmmState, t: number): HmmAction[] {
  const out: HmmAction[] = [];
  stepsOf(w, s, t, out);
  return out;
}

function stepsOf(w: World, s: HmmState, t: number, out: HmmAction[]): void {
  const frees = s.threads[t]!.frees;
  // free_zone_device_folio runs inside the folio_put that dropped the last reference.
  if (frees.length > 0) out.push({ t, k: 'folio_free', pfn: frees[0]!, dev: ownerOf(w, frees[0]!) });
  else if (w.actors[t]!.kind === 'cpu') cpuSteps(s, w, t, out);
  else deviceSteps(s, w, t, out);
}

/** The first mirror of the device that owns device page `pfn`. */
function ownerOf(w: World, pfn: number): number {
  return w.mirrors.findIndex((m) => m.device === w.frameDevice[pfn]);
}

/** The enabled steps of every thread, thread by thread, in a deterministic order. */
export function enabledSteps(w: World, s: HmmState): HmmAction[] {
  const out: HmmAction[] = [];
  for (let t = 0; t < s.threads.length; t++) stepsOf(w, s, t, out);
  return out;
}

/** Every thread idle with nothing left to do, or idle in a process that has exited. */
export function isFinal(w: World, s: HmmState): boolean {
  return s.threads.every(
    (t, i) =>
      t.pc === 'idle' &&
      t.frees.length === 0 &&
      ((t.left.every((n) => n === 0) && t.pins.length === 0) || s.mms[w.actors[i]!.mm]!.life === EXITED),
  );
}

export function hmmModel(w: World, options: ModelOptions = {}): Model<HmmState, HmmAction> {
  const freeze = options.freeze ?? true;
  return {
    initialStates: () => [initialState(w)],
    actions: (s) => enabledSteps(w, s),
    next: (s, a) => applyStep(w, s, a, freeze),
    invariants: invariants(w),
    stepProperties: stepProperties(w),
    isFinal: (s) => isFinal(w, s),
    deadlock: { id: 'INV-14', sentence: SENTENCES['INV-14'] },
    fingerprint: (s) => stateKey(s, w),
    actionKind: (a) => a.k,
    actionKinds: reachableKinds(w),
    formatAction: (a) => formatAction(w, a),
  };
}
