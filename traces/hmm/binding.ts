/**
 * What one explanation of a trace has bound so far: trace pfns to model
 * frames and trace sequence values to model sequence numbers. Both are
 * partial bijections, built on first use like variables (TRACE-FORMAT.md).
 *
 * A frame that is freed loses its binding: free frames are interchangeable,
 * so a pfn the trace frees and reallocates may come back as whichever free
 * frame the model allocates. Sequence numbers nobody holds any more are
 * forgotten too, so a binding stays small however long the trace.
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

/** Unifies a trace pfn (key, or null for "no page") with a model frame (or null). */
export function unifyPfn(b: Bind, trace: string | null, frame: number | null): Bind | null {
  if (trace === null || frame === null) return trace === frame ? b : null;
  const bound = b.pfn.get(trace);
  if (bound === frame) return b;
  if (bound !== undefined || b.frame.has(frame)) return null;
  const pfn = new Map(b.pfn).set(trace, frame);
  const fr = new Map(b.frame).set(frame, trace);
  return { ...b, pfn, frame: fr };
}

export function unifySeq(b: Bind, trace: string, model: number): Bind | null {
  const bound = b.seq.get(trace);
  if (bound === model) return b;
  if (bound !== undefined || b.seqBack.has(model)) return null;
  return { ...b, seq: new Map(b.seq).set(trace, model), seqBack: new Map(b.seqBack).set(model, trace) };
}

/** Drops bindings of freed frames and of sequence numbers no longer held anywhere. */
export function settle(b: Bind, s: HmmState): Bind {
  let out = b;
  for (const [frame, trace] of b.frame) {
    if (frame !== 0 && s.frames[frame]!.ref === 0) {
      if (out === b) out = { ...b, pfn: new Map(b.pfn), frame: new Map(b.frame) };
      (out.pfn as Map<string, number>).delete(trace);
      (out.frame as Map<number, string>).delete(frame);
    }
  }
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
