/**
 * How much could a partial-order reduction save on an HMM preset? An upper
 * bound, measured on the full state graph (issue 6, item 3).
 *
 *   npm run -s bench -- --por-ceiling [preset ...] [--max-states N]
 *   (default presets: tiny migrate cpu-faults)
 *
 * A persistent (ample) set at state s is the enabled steps of a set P of
 * threads such that no step any other thread can still take from s, on any
 * path, conflicts with them (Godefroid's persistent sets; Clarke, Grumberg
 * and Peled's conditions C0 and C1). Searches that use one must compute those
 * futures from the program text, which over-approximates them. Here they are
 * exact: every step's footprint (the state locations its rule and its
 * thread's program read, and those it writes) is recorded on the whole graph,
 * and each thread's future reads and writes are the fixpoint over its
 * successors. Nothing a real implementation could know is better than that.
 * Two more things make the bound generous:
 * - visibility (C2) is not required: a real reduction must also keep every
 *   step that changes what an invariant reads;
 * - the cycle proviso (C3) is looser than the usual "no reduced successor
 *   already visited": a state is expanded fully only when one of its reduced
 *   successors was already expanded. That is still sound for breadth-first
 *   search: the state of a cycle expanded last closes it onto one expanded
 *   before, so every cycle keeps a fully expanded state.
 * The reduced search picks, at each state, the smallest such P that leaves
 * some enabled thread out.
 *
 * Locations: a PTE, VMA, expected value or TLB entry per page
 * (`/mms/0/pte/1`), one scalar of an mm or mirror (`/mms/0/seq`), one field
 * of a frame (`/frames/2/ref`), one device page-table entry
 * (`/mirrors/0/pt/1`), one local of a thread (`/threads/1/snap`). Two steps
 * conflict when one writes a location the other reads or writes. Some
 * writes commute although they touch one location (two read-lock
 * acquisitions, two get_page on one frame); leaving mmapReaders and every
 * frame's ref and map out of the locations altogether did not raise the
 * bound (tiny 1.21x, migrate 1.32x, cpu-faults 1.31x when tried).
 *
 * Reads are seen through a Proxy over a private copy of the state, so this
 * runs a few hundred times slower than the checker: it refuses graphs above
 * `--max-states` (default 300,000).
 */
import { applyStepInPlace, buildWorld, copyState, findPreset, hmmModel, threadSteps, type HmmState, type World } from '../../model/index.js';

export interface PorCeiling {
  readonly preset: string;
  /** Distinct states without symmetry. */
  readonly states: number;
  /** Distinct states of the reduced search. */
  readonly reduced: number;
  /** States with a persistent set smaller than all enabled threads (before the proviso). */
  readonly reducible: number;
  readonly locations: number;
}

interface Edge {
  readonly thread: number;
  readonly target: number;
  readonly reads: bigint;
  readonly writes: bigint;
}

/** Location ids, and the bitsets of footprints over them. */
class Locations {
  private readonly ids = new Map<string, number>();
  get size(): number {
    return this.ids.size;
  }
  bits(paths: Iterable<string>): bigint {
    let b = 0n;
    for (const p of paths) b |= 1n << BigInt(this.id(granule(p)));
    return b;
  }
  private id(p: string): number {
    let i = this.ids.get(p);
    if (i === undefined) this.ids.set(p, (i = this.ids.size));
    return i;
  }
}

const PER_PAGE = new Set(['pte', 'vma', 'expect', 'tlb', 'pt']);

/** The location a leaf path belongs to (see the header). */
export function granule(path: string): string {
  const parts = path.split('/');
  const depth = parts[1] === 'threads' ? 3 : PER_PAGE.has(parts[3] ?? '') ? 4 : 3;
  return parts.slice(0, depth + 1).join('/');
}

/** A view of `obj` that records the path of every primitive read through it. */
function tracked<T extends object>(obj: T, path: string, reads: Set<string>): T {
  return new Proxy(obj, {
    get(target, key, receiver) {
      const v: unknown = Reflect.get(target, key, receiver);
      if (typeof key === 'symbol' || typeof v === 'function') return v;
      const p = `${path}/${key}`;
      if (v !== null && typeof v === 'object') return tracked(v, p, reads);
      reads.add(p);
      return v;
    },
  });
}

/** Leaf paths where `a` and `b` differ. */
export function changed(a: unknown, b: unknown, path: string, out: Set<string>): void {
  if (a === b) return;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') {
    out.add(path);
    return;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  for (const k of new Set([...Object.keys(x), ...Object.keys(y)])) changed(x[k], y[k], `${path}/${k}`, out);
}

export function porCeiling(presetName: string, maxStates = 300_000): PorCeiling {
  const preset = findPreset(presetName);
  if (preset === undefined) throw new Error(`no preset named ${presetName}`);
  const w: World = buildWorld(preset.config, []);
  const model = hmmModel(w, { freeze: false, symmetry: false });
  const key = model.fingerprint!.bind(model);
  const locs = new Locations();
  const threads = w.actors.length;
  const s0 = model.initialStates()[0]!;
  const index = new Map<string, number>([[key(s0), 0]]);
  const states: HmmState[] = [s0];
  const edges: Edge[][] = [];
  // Per state and thread: what listing its enabled steps read.
  const enabledReads: bigint[][] = [];
  for (let i = 0; i < states.length; i++) {
    if (states.length > maxStates) throw new Error(`${presetName}: more than ${maxStates} states; raise --max-states`);
    const s = states[i]!;
    const out: Edge[] = [];
    const er: bigint[] = [];
    for (let t = 0; t < threads; t++) {
      const reads = new Set<string>();
      const steps = threadSteps(w, tracked(s, '', reads), t);
      er.push(locs.bits(reads));
      for (const a of steps) {
        const r = new Set<string>();
        const d = copyState(s, -1);
        applyStepInPlace(w, s, tracked(d, '', r), a);
        const wr = new Set<string>();
        changed(s, d, '', wr);
        const k = key(d);
        let target = index.get(k);
        if (target === undefined) {
          index.set(k, (target = states.length));
          states.push(d);
        }
        out.push({ thread: t, target, reads: locs.bits(r), writes: locs.bits(wr) });
      }
    }
    edges.push(out);
    enabledReads.push(er);
  }
  const n = states.length;
  // Every location thread j may still read or write from each state, on some path.
  const futureReads = enabledReads.map((er) => er.slice());
  const futureWrites = enabledReads.map(() => new Array<bigint>(threads).fill(0n));
  for (let again = true; again; ) {
    again = false;
    for (let s = n - 1; s >= 0; s--) {
      for (let j = 0; j < threads; j++) {
        let fr = futureReads[s]![j]!;
        let fw = futureWrites[s]![j]!;
        for (const e of edges[s]!) {
          fr |= futureReads[e.target]![j]!;
          fw |= futureWrites[e.target]![j]!;
          if (e.thread === j) {
            fr |= e.reads;
            fw |= e.writes;
          }
        }
        if (fr !== futureReads[s]![j] || fw !== futureWrites[s]![j]) {
          futureReads[s]![j] = fr;
          futureWrites[s]![j] = fw;
          again = true;
        }
      }
    }
  }
  const persistent = (s: number): number[] | null => {
    const enabled = new Set(edges[s]!.map((e) => e.thread));
    if (enabled.size < 2) return null;
    const now = (t: number): { r: bigint; w: bigint } => {
      let r = enabledReads[s]![t]!;
      let wr = 0n;
      for (const e of edges[s]!) if (e.thread === t) (r |= e.reads), (wr |= e.writes);
      return { r, w: wr };
    };
    let best: Set<number> | null = null;
    for (const t0 of enabled) {
      const set = new Set([t0]);
      let ok = true;
      for (let grew = true; ok && grew; ) {
        grew = false;
        for (const i of [...set]) {
          const { r, w: wr } = now(i);
          for (let j = 0; j < threads && ok; j++) {
            if (set.has(j)) continue;
            if ((r & futureWrites[s]![j]!) === 0n && (wr & (futureReads[s]![j]! | futureWrites[s]![j]!)) === 0n) continue;
            // A thread that conflicts must come in; one with nothing enabled cannot.
            if (enabled.has(j)) set.add(j), (grew = true);
            else ok = false;
          }
        }
      }
      if (ok && set.size < enabled.size && (best === null || set.size < best.size)) best = set;
    }
    return best === null ? null : edges[s]!.filter((e) => best!.has(e.thread)).map((e) => e.target);
  };
  const sets = Array.from({ length: n }, (_, s) => persistent(s));
  const reducible = sets.filter((x) => x !== null).length;
  // Breadth-first search order: position in `queue` is the order of expansion.
  const position = new Int32Array(n).fill(-1);
  const queue = [0];
  position[0] = 0;
  for (let i = 0; i < queue.length; i++) {
    const s = queue[i]!;
    let next = sets[s] ?? null;
    if (next !== null && next.some((x) => position[x]! !== -1 && position[x]! <= i)) next = null;
    for (const x of next ?? edges[s]!.map((e) => e.target)) {
      if (position[x] !== -1) continue;
      position[x] = queue.length;
      queue.push(x);
    }
  }
  return { preset: presetName, states: n, reduced: queue.length, reducible, locations: locs.size };
}

/** `npm run -s bench -- --por-ceiling [preset ...]`: one line per preset. */
export function printPorCeilings(argv: readonly string[]): void {
  let max = 300_000;
  const names: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--max-states') max = Number(argv[++i]);
    else names.push(argv[i]!);
  }
  if (!Number.isInteger(max) || max <= 0) return fail(`--max-states: expected a positive whole number, found ${argv[argv.indexOf('--max-states') + 1] ?? 'nothing'}`);
  for (const name of names.length > 0 ? names : ['tiny', 'migrate', 'cpu-faults']) {
    let c: PorCeiling;
    try {
      c = porCeiling(name, max);
    } catch (e) {
      return fail((e as Error).message);
    }
    const n = (x: number): string => x.toLocaleString('en-US');
    console.log(
      `${name}: ${n(c.states)} states, ${n(c.reducible)} with a persistent set, ${n(c.reduced)} after reduction: ` +
        `at most ${(c.states / c.reduced).toFixed(2)}x fewer (${c.locations} locations)`,
    );
  }
}

function fail(message: string): void {
  console.error(`bench --por-ceiling: ${message}`);
  process.exitCode = 2;
}
