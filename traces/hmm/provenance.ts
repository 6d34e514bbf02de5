/**
 * Which line last changed what, per explanation, so that a verdict can say
 * "the invalidate at line 7 changed the sequence taken at line 3". A fixed
 * set of small arrays: memory does not grow with the trace. A line L > 0 is
 * the event at line L; -L is an unlogged step after line L.
 */
import type { HmmAction, World } from '../../model/index.js';

export interface Prov {
  /** Per mirror: the last invalidate callback (mmu_interval_set_seq). */
  readonly seq: readonly number[];
  /** Per thread: the last mmu_interval_read_begin, and the last hmm_range_fault that returned ok. */
  readonly begin: readonly number[];
  readonly hrf: readonly number[];
  /** Per mm and page: the last PTE change, and the last write. */
  readonly pte: readonly (readonly number[])[];
  readonly write: readonly (readonly number[])[];
  /** Per mirror and page: the last device page-table change. */
  readonly dev: readonly (readonly number[])[];
}

export function emptyProv(w: World): Prov {
  const pages = (): number[] => new Array<number>(w.pages).fill(0);
  return {
    seq: new Array<number>(w.mirrors.length).fill(0),
    begin: new Array<number>(w.actors.length).fill(0),
    hrf: new Array<number>(w.actors.length).fill(0),
    pte: Array.from({ length: w.mms }, pages),
    write: Array.from({ length: w.mms }, pages),
    dev: Array.from({ length: w.mirrors.length }, pages),
  };
}

const set1 = (a: readonly number[], i: number, v: number): number[] => {
  const c = a.slice();
  c[i] = v;
  return c;
};

function setRange(a: readonly (readonly number[])[], row: number, from: number, to: number, v: number): (readonly number[])[] {
  const c = a.slice();
  const r = a[row]!.slice();
  for (let i = from; i < to && i < r.length; i++) r[i] = v;
  c[row] = r;
  return c;
}

/** The provenance after `a` ran at `at` (a line, or minus the line it followed). */
export function touch(p: Prov, w: World, a: HmmAction, at: number): Prov {
  switch (a.k) {
    case 'cpu_write':
      return { ...p, write: setRange(p.write, a.mm!, a.page!, a.page! + 1, at) };
    case 'device_write': {
      const mm = w.mirrors[a.dev!]!.mm;
      return { ...p, write: setRange(p.write, mm, a.page!, a.page! + 1, at) };
    }
    case 'do_anonymous_page':
    case 'do_wp_page':
    case 'wp_page_copy':
      return { ...p, pte: setRange(p.pte, a.mm!, a.page!, a.page! + 1, at) };
    case 'zap_pte_range':
    case 'change_pte_range':
      return { ...p, pte: setRange(p.pte, a.mm!, a.start!, a.end!, at), write: a.k === 'zap_pte_range' ? setRange(p.write, a.mm!, a.start!, a.end!, at) : p.write };
    case 'invalidate':
      return { ...p, seq: set1(p.seq, a.dev!, at), dev: a.cleared === false ? p.dev : setRange(p.dev, a.dev!, a.start!, a.end!, at) };
    case 'mmu_interval_read_begin':
      return { ...p, begin: set1(p.begin, a.t, at) };
    case 'hmm_range_fault':
      return a.result === 'ok' ? { ...p, hrf: set1(p.hrf, a.t, at) } : p;
    case 'devpt_map':
    case 'devpt_unmap':
      return { ...p, dev: setRange(p.dev, a.dev!, a.page!, a.page! + 1, at) };
    default:
      return p;
  }
}

/** "line 7" or "an unlogged step after line 7" or "the start". */
export function where(at: number): string {
  if (at > 0) return `line ${at}`;
  if (at < 0) return `an unlogged step after line ${-at}`;
  return 'the start of the trace';
}
