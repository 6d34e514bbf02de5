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
import { packState, unpackState } from './packed.js';
import { canonicalFrames, symmetric } from './symmetry.js';
import { formatAction } from './format.js';
import { initialState } from './init.js';
import { sleepingThreads } from './lockWaits.js';
import { invariants, SENTENCES, stepProperties } from './invariants.js';
import { cpuSteps } from './kernel/programs/cpu.js';
import { deviceSteps } from './drivers/program.js';
import { applyRule } from './steps.js';
import { cow } from './kernel/rules/common.js';
import { copyFrame, EXITED, reEntry, type HmmState, type InvCtx, type MigCtx, type MirrorState, type MmState, type ThreadState } from './state.js';
import { buildWorld, type World } from './world.js';
import type { Config } from './config.js';
import type { VariantId } from './variants.js';

// Frozen states make an accidental mutation of a stored state throw; the
// checker's hot path skips the deep freeze (it costs more than the step).
const frozen = new Immer({ autoFreeze: true });
const thawed = new Immer({ autoFreeze: false });
// Reports show each step's immer patches; only they pay for recording them
// (the plugin is loaded on first use, never on the checker's hot path).
const patching = new Immer({ autoFreeze: false });
let patchesOn = false;

export interface ModelOptions {
  /**
   * Frame symmetry (symmetry.ts): states that differ only in which frame of a
   * kind holds what are stored once (default on; `check --no-symmetry` turns
   * it off). Worlds it does not hold for (an evictor or a fork) get none.
   */
  readonly symmetry?: boolean;
  /**
   * Deep-freeze every produced state, made through immer (default true).
   * The checker turns it off for speed: states are then plain copies.
   */
  readonly freeze?: boolean;
}

/** Applies one step. Pure: returns a new state and leaves `s` untouched. */
export function applyStep(w: World, s: HmmState, a: HmmAction, freeze = true): HmmState {
  return (freeze ? frozen : thawed).produce(s, (d) => {
    applyRule(s, d, a, w);
  });
}

/** Applies one step and returns immer's patches from `s` to the result (JSON paths into the state). */
export function applyStepWithPatches(w: World, s: HmmState, a: HmmAction): { state: HmmState; patches: Patch[] } {
  if (!patchesOn) {
    enablePatches();
    patchesOn = true;
  }
  const [state, patches] = patching.produceWithPatches(s, (d) => {
    applyRule(s, d, a, w);
  });
  return { state, patches };
}

/**
 * A copy of a state deep enough for thread t's step to mutate: every object
 * a rule writes to is fresh, or copied by the rule before it writes (frames:
 * kernel/rules/common.ts fw); other threads (a rule writes only the acting
 * thread's locals) and the leaves rules only ever replace (PTEs, device
 * entries, snapshot entries, ops, fault locals) are shared. With t = -1
 * every thread is copied too (a thawed copy of a frozen state).
 * test/model/copy.test.ts holds this against immer on random walks (same
 * result, source untouched).
 */
export function copyState(s: HmmState, t: number): HmmState {
  if (t < 0) return { mms: s.mms.map(copyMm), frames: s.frames.map(copyFrame), mirrors: s.mirrors.map(copyMirror), threads: s.threads.map(copyThread) };
  const mms = s.mms.map(copyMm);
  // The frames themselves stay shared: a rule copies one before changing it
  // (kernel/rules/common.ts fw, with cow.from set by applyStepCopy).
  const frames = s.frames.slice();
  const mirrors = s.mirrors.map(copyMirror);
  const threads = s.threads.slice();
  threads[t] = copyThread(s.threads[t]!);
  return { mms, frames, mirrors, threads };
}

// One object literal per kind, fields always in the same order: every copy of
// a kind then shares one hidden class, and the property loads of the rules,
// programs, invariants and the packer stay monomorphic. Spreads of frozen or
// immer-made objects gave each its own shape and made those loads several
// times slower.
const copyMm = (m: MmState): MmState => ({
  vma: m.vma.slice(),
  pte: m.pte.slice(),
  expect: m.expect.slice(),
  seq: m.seq,
  active: m.active,
  mmapWriter: m.mmapWriter,
  mmapReaders: m.mmapReaders,
  charged: m.charged,
  cg: m.cg,
  chargeFailed: m.chargeFailed,
  life: m.life,
  tables: m.tables,
  tlb: m.tlb.length === 0 ? m.tlb : m.tlb.slice(),
});

const copyMirror = (m: MirrorState): MirrorState => ({ seq: m.seq, lock: m.lock, pt: m.pt.slice(), valid: m.valid });

const copyThread = (th: ThreadState): ThreadState => ({
  pc: th.pc,
  left: th.left.slice(),
  op: th.op,
  mmap: th.mmap,
  seq: th.seq,
  snap: th.snap ? th.snap.slice() : null,
  snapSeq: th.snapSeq,
  fault: th.fault,
  inv: th.inv ? copyInv(th.inv) : null,
  mig: th.mig ? copyMig(th.mig) : null,
  pins: th.pins.slice(),
  frees: th.frees.slice(),
  drv: th.drv,
});

const copyInv = (v: InvCtx): InvCtx => ({
  mm: v.mm,
  start: v.start,
  end: v.end,
  event: v.event,
  cur: v.cur,
  cb: v.cb,
  then: v.then,
  write: v.write,
  ret: v.ret,
});

const copyMig = (m: MigCtx): MigCtx => ({
  mm: m.mm,
  start: m.start,
  end: m.end,
  dev: m.dev,
  toDevice: m.toDevice,
  fault: m.fault,
  src: m.src ? m.src.map((e) => reEntry(e, e.pfn, e.migrate, e.w)) : null,
  committed: m.committed,
});



/**
 * Applies one step to a fresh deep copy instead of an immer draft: no
 * structural sharing, but several times faster on states this small. The
 * replayer, which keeps a handful of states at a time, runs on it; the
 * rules cannot tell the difference (a draft is mutated like the copy).
 */
export function applyStepCopy(w: World, s: HmmState, a: HmmAction): HmmState {
  const d = copyState(s, a.t);
  cow.from = s.frames;
  try {
    applyRule(s, d as never, a, w);
  } finally {
    cow.from = undefined;
  }
  return d;
}

/**
 * Applies one step to `d`, a private deep copy of `before` (copyState with
 * t = -1) that it changes in place: for tools that watch what a rule reads
 * and writes (test/bench/porCeiling.ts).
 */
export function applyStepInPlace(w: World, before: HmmState, d: HmmState, a: HmmAction): void {
  applyRule(before, d as never, a, w);
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
  const template = initialState(w);
  const sym = (options.symmetry ?? true) && symmetric(w);
  const perm = new Int32Array(w.zone.length);
  const canon = (s: HmmState): Int32Array | undefined => {
    if (!sym) return undefined;
    canonicalFrames(s, w, perm);
    return perm;
  };
  return {
    // The checker's states are never frozen: a thawed copy of the initial
    // state keeps frozen shapes out of its hot path (see copyState).
    initialStates: () => [freeze ? initialState(w) : copyState(initialState(w), -1)],
    actions: (s) => enabledSteps(w, s),
    // Unfrozen, the checker's hot path: a fresh copy per step instead of an
    // immer draft (the same rules; copy.test.ts holds the two equal).
    next: freeze ? (s, a) => applyStep(w, s, a, true) : (s, a) => applyStepCopy(w, s, a),
    invariants: invariants(w),
    stepProperties: stepProperties(w),
    isFinal: (s) => isFinal(w, s),
    deadlock: { id: 'INV-14', sentence: SENTENCES['INV-14'] },
    fingerprint: (s) => stateKey(s, w, canon(s)),
    pack: (s, out) => packState(s, out, w, canon(s)),
    unpack: (words) => unpackState(words, template),
    actionKind: (a) => a.k,
    actionKinds: reachableKinds(w),
    formatAction: (a) => formatAction(w, a),
    progress: {
      id: 'LIVE-1',
      sentence: SENTENCES['LIVE-1'],
      threads: w.actors.length,
      threadOf: (a) => a.t,
      busy: (s) => busyThreads(s),
      // Asleep on a lock the kernel hands over: treated strongly fairly (lockWaits.ts).
      sleeping: (s) => sleepingThreads(s, w),
    },
  };
}

/**
 * Threads in the middle of an operation (LIVE-1): a CPU access or fault, a
 * device fault, a migration, an invalidation. Every operation ends with the
 * thread back at 'idle'; a pin held or a folio_free pending is not an
 * operation in progress.
 */
export function busyThreads(s: HmmState): number {
  let mask = 0;
  for (let t = 0; t < s.threads.length; t++) if (s.threads[t]!.pc !== 'idle') mask |= 1 << t;
  return mask;
}

/**
 * The checker's model of a configuration, from arguments a worker thread can
 * receive (checker/parallel.ts ModelSource): plain data, no World.
 */
export function hmmModelFromConfig(args: {
  readonly config: Config;
  readonly variants: readonly VariantId[];
  readonly symmetry?: boolean;
}): Model<HmmState, HmmAction> {
  return hmmModel(buildWorld(args.config, args.variants), { freeze: false, symmetry: args.symmetry ?? true });
}
