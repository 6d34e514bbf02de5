/**
 * What one explanation of a trace has bound so far: trace pfns to model
 * frames and trace sequence values to model sequence numbers. Both are
 * partial bijections, built on first use like variables (TRACE-FORMAT.md).
 *
 * A freed frame keeps its binding, so that a driver still using the pfn
 * after the free is caught on that page (a use-after-free, INV-9), but the
 * binding no longer constrains: free frames are interchangeable, so the pfn
 * may come back as whichever free frame the model allocates, and the frame
 * under another pfn. Every frame has at most one pfn and the other way
 * round, so a binding stays as small as the world however long the trace;
 * sequence numbers nobody holds any more are forgotten.
 */
import type { HmmState } from '../../model/index.js';

export interface Bind {
  readonly pfn: ReadonlyMap<string, number>;
  readonly frame: ReadonlyMap<number, string>;
  readonly seq: ReadonlyMap<string, number>;
  readonly seqBack: ReadonlyMap<number, string>;
}

export const EMPTY_BIND: Bind = { pfn: new Map(), frame: new Map(), seq: new Map(), seqBack: new Map() };

const keys = new WeakMap<Bind, string>();

export function bindKey(b: Bind): string {
  let k = keys.get(b);
  if (k === undefined) {
    const f = [...b.frame].sort((x, y) => x[0] - y[0]).map(([fr, p]) => `${fr}=${p}`);
    const s = [...b.seqBack].sort((x, y) => x[0] - y[0]).map(([m, p]) => `${m}=${p}`);
    k = `${f.join(',')};${s.join(',')}`;
    keys.set(b, k);
  }
  return k;
}

/**
 * Unifies a trace pfn (key, or null for "no page") with a model frame (or
 * null). `free` says which frames are free now: their bindings are history.
 */
export function unifyPfn(b: Bind, trace: string | null, frame: number | null, free: (frame: number) => boolean = () => false): Bind | null {
  if (trace === null || frame === null) return trace === frame ? b : null;
  const bound = b.pfn.get(trace);
  if (bound === frame) return b;
  const owner = b.frame.get(frame);
  if (bound !== undefined && !free(bound)) return null;
  if (owner !== undefined && !free(frame)) return null;
  const pfn = new Map(b.pfn);
  const fr = new Map(b.frame);
  if (bound !== undefined) fr.delete(bound);
  if (owner !== undefined) pfn.delete(owner);
  pfn.set(trace, frame);
  fr.set(frame, trace);
  return { ...b, pfn, frame: fr };
}

/** Forgets what `frame` was called. */
export function dropFrame(b: Bind, frame: number): Bind {
  const name = b.frame.get(frame);
  if (name === undefined) return b;
  const pfn = new Map(b.pfn);
  const fr = new Map(b.frame);
  pfn.delete(name);
  fr.delete(frame);
  return { ...b, pfn, frame: fr };
}

export function unifySeq(b: Bind, trace: string, model: number): Bind | null {
  const bound = b.seq.get(trace);
  if (bound === model) return b;
  if (bound !== undefined || b.seqBack.has(model)) return null;
  return { ...b, seq: new Map(b.seq).set(trace, model), seqBack: new Map(b.seqBack).set(model, trace) };
}

/** Drops the bindings of sequence numbers no longer held anywhere. */
export function settle(b: Bind, s: HmmState): Bind {
  let out = b;
  if (b.seqBack.size > 8) {
    const live = new Set<number>();
    for (const m of s.mirrors) live.add(m.seq);
    for (const t of s.threads) {
      live.add(t.seq);
      live.add(t.snapSeq);
    }
    for (const [model, trace] of b.seqBack) {
      if (!live.has(model)) {
        if (out.seqBack === b.seqBack) out = { ...out, seq: new Map(b.seq), seqBack: new Map(b.seqBack) };
        (out.seq as Map<string, number>).delete(trace);
        (out.seqBack as Map<number, string>).delete(model);
      }
    }
  }
  return out;
}
