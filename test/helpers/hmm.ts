/**
 * Small helpers for HMM tests: worlds from presets or inline configurations,
 * and a driver that takes a scripted sequence of steps, failing loudly if a
 * step is not enabled.
 */
import { check, type CheckResult } from '../../checker/index.js';
import {
  applyStep,
  buildWorld,
  enabledSteps,
  findPreset,
  hmmModel,
  initialState,
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

  /** Takes the one enabled step of `kind` for `thread` matching `where`; throws listing what is enabled otherwise. */
  step(thread: number, kind: StepKind, where: Partial<HmmAction> = {}): HmmAction {
    const candidates = this.enabled(thread).filter(
      (a) => a.k === kind && Object.entries(where).every(([k, v]) => (a as unknown as Record<string, unknown>)[k] === v),
    );
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
