/**
 * The initial state of a world: every page in one anonymous private
 * read-write VMA with empty PTEs, every frame free but the zero page, every
 * device page table empty, every thread idle with its full budget.
 *
 * mmu_notifier_register starts invalidate_seq at 2, and an interval inserted
 * while idle gets invalidate_seq - 1 (mm/mmu_notifier.c), so S = 2, I = 1.
 */
import { freeze } from 'immer';
import type { HmmState, MmState, MirrorState, ThreadState } from './state.js';
import { LIVE, mkFrame, PTE_NONE, UNBORN } from './state.js';
import type { World } from './world.js';

export function initialState(w: World): HmmState {
  // A process a fork creates has no VMA until the fork copies its parent's.
  const mm = (_: unknown, m: number): MmState => ({
    vma: new Array(w.pages).fill(w.parent[m]! >= 0 ? 'none' : 'rw'),
    pte: new Array(w.pages).fill(PTE_NONE),
    expect: new Array(w.pages).fill(0),
    seq: 2,
    active: 0,
    mmapWriter: -1,
    mmapReaders: 0,
    charged: 0,
    cg: m,
    chargeFailed: false,
    life: w.parent[m]! >= 0 ? UNBORN : LIVE,
    tables: 0,
    tlb: w.tlb ? new Array(w.pages).fill(null) : [],
  });
  const frames = w.zone.map(() => mkFrame());
  frames[0] = { ...mkFrame(), ref: 1 };
  const mirror = (): MirrorState => ({ seq: 1, lock: -1, pt: new Array(w.pages).fill(null), valid: true });
  const thread = (i: number): ThreadState => ({
    pc: 'idle',
    left: w.actors[i]!.ops.map((o) => o.count),
    op: null,
    mmap: 0,
    seq: -1,
    snap: null,
    snapSeq: -1,
    fault: null,
    inv: null,
    mig: null,
    pins: [],
    frees: [],
    drv: 0,
  });
  const s: HmmState = {
    mms: Array.from({ length: w.mms }, mm),
    frames,
    mirrors: w.mirrors.map(mirror),
    threads: w.actors.map((_, i) => thread(i)),
  };
  return freeze(s, true);
}
