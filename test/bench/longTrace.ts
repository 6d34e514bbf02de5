/**
 * A long, fully observed trace for the replay benchmark (issue: 1,000,000
 * events at 100k events/s with flat memory): a seeded random walk of the
 * model with budgets large enough that no thread runs out, written through
 * the streaming writer one event at a time.
 *
 * The world exercises every L1/L2 path the replayer has to follow: CPU reads
 * and writes (faults, COW off the zero page), mprotect both ways, GUP pins,
 * device faults through hmm_range_fault, and migrations to the device and
 * back through do_swap_page.
 */
import { applyStepCopy, buildWorld, enabledSteps, initialState, STEP_KINDS, type Config, type HmmAction, type World } from '../../model/index.js';
import { actionToEvent } from '../../traces/hmm/fromActions.js';
import { writeTraceFile, type TraceEvent, type TraceHeader } from '../../traces/index.js';

const BIG = 1_000_000_000;

/** The world of the long walk; its header copy (without actors) is what a replay sees. */
export const LONG_CONFIG: Config = {
  name: 'long-walk',
  pages: 2,
  systemFrames: 4,
  devices: [{ frames: 2, owner: 'dmirror0' }],
  actors: [
    { kind: 'cpu', ops: { cpu_read: BIG, cpu_write: BIG, mprotect: BIG, mprotect_rw: BIG, gup: BIG } },
    { kind: 'device', ops: { device_read: BIG, device_write: BIG } },
    { kind: 'device', name: 'mig0', ops: { migrate_to_device: BIG } },
  ],
};

/** mulberry32: small, fast, and the same walk on every machine. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function* walk(w: World, events: number, seed: number): Generator<HmmAction> {
  const next = rng(seed);
  let s = initialState(w);
  for (let i = 0; ; i++) {
    // At most two pins held at a time: a walk would otherwise pile them up
    // (GUP as often as unpin) and the state, not the replayer, would grow.
    // After `events` steps no thread starts anything new: the walk runs on
    // until every thread is idle, so the trace ends where a recording would,
    // not in the middle of a fault.
    const starting = (a: HmmAction): boolean => s.threads[a.t]!.pc === 'idle' && a.k !== 'unpin_user_page';
    const en = enabledSteps(w, s).filter((a) =>
      i < events ? !(a.op === 'gup' && starting(a) && s.threads[a.t]!.pins.length >= 2) : !starting(a),
    );
    if (en.length === 0) return;
    const a = en[Math.floor(next() * en.length)]!;
    s = applyStepCopy(w, s, a);
    yield a;
  }
}

/** Writes a walk of `events` steps and its wind-down to `path` (gzip when it ends in .gz); returns the event count. */
export async function writeLongTrace(path: string, events: number, seed = 1): Promise<number> {
  const w = buildWorld(LONG_CONFIG);
  const { actors: _actors, ...world } = LONG_CONFIG;
  const header = { hmmtrace: 1, source: `random walk of ${events} steps, seed ${seed}`, config: world, observed: [...STEP_KINDS], driver: 'reference' } as unknown as TraceHeader;
  let n = 0;
  function* evs(): Generator<TraceEvent> {
    for (const a of walk(w, events, seed)) {
      n++;
      yield actionToEvent(w, a) as unknown as TraceEvent;
    }
  }
  await writeTraceFile(path, header, evs());
  return n;
}
