/**
 * Small helpers for HMM tests: worlds from presets or inline configurations,
 * and a driver that takes a scripted sequence of steps, failing loudly if a
 * step is not enabled.
 */
import * as assert from 'uvu/assert';
import { check, type CheckResult, type Model } from '../../checker/index.js';
import {
  applyStep,
  buildWorld,
  enabledSteps,
  findPreset,
  hmmModel,
  initialState,
  invariants,
  stepProperties,
  type Config,
  type HmmAction,
  type HmmState,
  type StepKind,
  type VariantId,
  type World,
} from '../../model/index.js';

export function presetWorld(name: string, variants: VariantId[] = []): World {
  const p = findPreset(name);
  if (!p) throw new Error(`no preset ${name}`);
  return buildWorld(p.config, variants);
}

export function checkWorld(w: World): CheckResult<HmmState, HmmAction> {
  return check(hmmModel(w));
}

/**
 * The shortest path to a step that `hit` picks out (the checker finds it as
 * the violation of a step property), or null when none is reachable.
 */
export function shortestTo(w: World, hit: (before: HmmState, a: HmmAction, after: HmmState) => boolean): readonly HmmAction[] | null {
  const m = hmmModel(w, { freeze: false });
  const probe: Model<HmmState, HmmAction> = {
    ...m,
    invariants: [],
    stepProperties: [{ id: 'PROBE', sentence: 'the step looked for', holds: (b, a, s) => !hit(b, a, s) }],
    isFinal: () => true,
  };
  delete (probe as { progress?: unknown }).progress;
  const r = check(probe);
  return r.violations.length > 0 ? r.violations[0]!.path.actions : null;
}

/** The states of a walk of `w` driven by `choices` (each picks among the enabled steps), from the initial state. */
export function walkStates(w: World, choices: readonly number[]): HmmState[] {
  let s = initialState(w);
  const out = [s];
  for (const c of choices) {
    const en = enabledSteps(w, s);
    if (en.length === 0) break;
    s = applyStep(w, s, en[c % en.length]!);
    out.push(s);
  }
  return out;
}

/**
 * A seeded random walk of at most `maxSteps` steps that asserts every step
 * property and invariant of `w` after each step (failing with the seed, the
 * step and the invariant) and adds each step kind taken to `fired`. Returns
 * where it stopped and whether that was because no step was enabled.
 */
export function checkedWalk(w: World, seed: number, maxSteps: number, fired: Set<string>): { state: HmmState; steps: number; stuck: boolean } {
  const invs = invariants(w);
  const props = stepProperties(w);
  let x = seed;
  const rand = (n: number): number => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return (x >>> 8) % n;
  };
  let s = initialState(w);
  for (let i = 0; i < maxSteps; i++) {
    const en = enabledSteps(w, s);
    if (en.length === 0) return { state: s, steps: i, stuck: true };
    const a = en[rand(en.length)]!;
    const next = applyStep(w, s, a, false);
    for (const p of props) assert.ok(p.holds(s, a, next), `seed ${seed} step ${i}: ${p.id} broken by ${a.k}`);
    for (const inv of invs) assert.ok(inv.holds(next), `seed ${seed} step ${i}: ${inv.id} broken by ${a.k}`);
    fired.add(a.k);
    s = next;
  }
  return { state: s, steps: maxSteps, stuck: false };
}

export const oneDevice = (actors: Config['actors'], pages = 1, systemFrames = 3): Config => ({
  pages,
  systemFrames,
  devices: [{ frames: 1 }],
  actors,
});

/** A world being driven step by step by a test. */
export class Script {
  state: HmmState;
  constructor(readonly w: World) {
    this.state = initialState(w);
  }

  enabled(thread?: number): HmmAction[] {
    return enabledSteps(this.w, this.state).filter((a) => thread === undefined || a.t === thread);
  }

  /**
   * Takes the one enabled step of `kind` for `thread` matching `where`; throws
   * listing what is enabled otherwise. An allocation may take any free frame:
   * unless `where` names one, the lowest is taken (what a script means by "it
   * allocates").
   */
  step(thread: number, kind: StepKind, where: Partial<HmmAction> = {}): HmmAction {
    let candidates = this.enabled(thread).filter(
      (a) => a.k === kind && Object.entries(where).every(([k, v]) => (a as unknown as Record<string, unknown>)[k] === v),
    );
    if (candidates.length > 1 && where.pfn === undefined && candidates.every((a) => a.pfn !== undefined && a.pfn !== null && a.t === candidates[0]!.t)) {
      const rest = (a: HmmAction): string => JSON.stringify({ ...a, pfn: 0 });
      if (candidates.every((a) => rest(a) === rest(candidates[0]!))) {
        candidates = [candidates.reduce((lo, a) => (a.pfn! < lo.pfn! ? a : lo))];
      }
    }
    if (candidates.length !== 1) {
      const all = this.enabled().map((a) => `${a.t}:${a.k}${a.page !== undefined ? `@${a.page}` : ''}`);
      throw new Error(`expected one enabled ${kind} for thread ${thread}, found ${candidates.length}; enabled: ${all.join(' ')}`);
    }
    this.state = applyStep(this.w, this.state, candidates[0]!);
    return candidates[0]!;
  }

  /** Runs `thread` alone until it is idle (taking its first enabled step each time), returning the steps. */
  runAlone(thread: number, max = 50): HmmAction[] {
    const taken: HmmAction[] = [];
    for (let i = 0; i < max; i++) {
      const a = this.enabled(thread)[0];
      if (!a) break;
      this.state = applyStep(this.w, this.state, a);
      taken.push(a);
      if (this.state.threads[thread]!.pc === 'idle') break;
    }
    return taken;
  }
}
