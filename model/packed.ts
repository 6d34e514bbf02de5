/**
 * The packed state encoding: a state as a run of 32-bit words, and back.
 *
 * The checker's fast store hashes these words into a 64-bit fingerprint
 * (checker/store.ts FingerprintStore), workers and checkpoints move states as
 * words, and `stateKey` (fingerprint.ts) turns them into a string for the exact
 * store and replay. It is one statement of the state's shape, written once in
 * each direction: `packState` and `unpackState` must stay mirror images (a test
 * round-trips states from random walks of every preset).
 *
 * Every number is one word, unless it does not fit an int32 (replay binds
 * values from traces): then ESC and the two words of its float64. Nullable
 * parts carry a 0/1 tag, lists their length; the lengths fixed by the world
 * (pages, frames, threads, ops per actor) are not written, so decoding needs a
 * template state of the same world (`initialState(w)`).
 *
 * With a world, sequence numbers are renamed (see `seqRenaming` below): the
 * words are then a canonical representative, and unpacking them gives a state
 * that behaves exactly like the original, not the original itself.
 */
import {
  type FaultCtx,
  type FrameState,
  type HmmState,
  type InvCtx,
  type InvEvent,
  type InvThen,
  type MigCtx,
  type MigEntry,
  type MirrorState,
  type MmState,
  type Op,
  type OpKind,
  type Pc,
  type Prot,
  type Pte,
  type Ret,
  type SnapEntry,
  type ThreadState,
  PTE_NONE,
  PTE_ZERO,
} from './state.js';
import type { World } from './world.js';

const PCS: readonly Pc[] = [
  'idle', 'access', 'fault', 'inv_start', 'inv_cb', 'inv_then', 'inv_end',
  'begin', 'hrf', 'lock', 'retry', 'map', 'unlock', 'unlock_retry',
  'swap', 'mig_setup', 'mig_alloc', 'mig_unmap', 'mig_copy', 'mig_pages', 'mig_lock', 'mig_map', 'mig_unlock',
  'mig_finalize', 'swap_done', 'excl_lock', 'excl_map', 'excl_unlock', 'excl_put', 'tlb_flush',
  'mig_retry', 'mig_rlock', 'mig_wlock',
];
const PTE_KINDS: readonly Pte['k'][] = ['none', 'zero', 'present', 'migration', 'devpriv', 'devexcl'];
const PROTS: readonly Prot[] = ['none', 'r', 'rw', 'noaccess'];
const OPS: readonly OpKind[] = [
  'cpu_read', 'cpu_write', 'munmap', 'madvise_dontneed', 'mprotect', 'mprotect_rw', 'device_read', 'device_write', 'migrate_to_device', 'gup',
  'fork', 'exit', 'migrate_device_range', 'oom_reap', 'device_atomic', 'memcg_move', 'migrate_to_system', 'snapshot', 'mprotect_none',
];
const EVENTS: readonly InvEvent[] = ['unmap', 'clear', 'protection_vma', 'protection_page', 'soft_dirty', 'release', 'migrate', 'exclusive'];
const THENS: readonly InvThen[] = [
  'zap_pte_range', 'change_pte_range', 'wp_page_copy', 'migrate_vma_collect', 'migrate_vma_pages', 'copy_page_range', 'try_to_migrate',
  'make_device_exclusive', 'restore_exclusive_pte',
];
const RETS: readonly Ret[] = ['op_done', 'fault_done', 'access', 'hrf', 'mig_setup', 'mig_pages_done', 'mig_unmap', 'nonblock', 'exclusive', 'excl_restored'];

const codes = <T extends string>(names: readonly T[]): Record<T, number> => {
  const out = {} as Record<T, number>;
  names.forEach((n, i) => (out[n] = i));
  return out;
};
const PC_CODE = codes(PCS);
const PTE_CODE = codes(PTE_KINDS);
const PROT_CODE = codes(PROTS);
const OP_CODE = codes(OPS);
const EVENT_CODE = codes(EVENTS);
const THEN_CODE = codes(THENS);
const RET_CODE = codes(RETS);

/** Marks a number that is not an int32: the two words of its float64 follow. */
const ESC = -0x80000000;
const F64 = new Float64Array(1);
const F64_WORDS = new Int32Array(F64.buffer);

/**
 * Where the canonical top of an mm's sequence numbers starts: above every
 * rank an older value can get (there are far fewer live values than this).
 */
const SEQ_TOP = 1024;

// The encoder's writers take the buffer and the position and return the
// next position: no closure per call (it runs once per transition in the
// checker, and allocation there is GC time), and no module-level buffer or
// cursor, whose every use is a context load with a hole check (a module
// `let`): packing took a third longer that way.

function num(o: Int32Array, p: number, x: number): number {
  if (plain(x)) {
    o[p] = x;
    return p + 1;
  }
  F64[0] = x;
  o[p] = ESC;
  o[p + 1] = F64_WORDS[0]!;
  o[p + 2] = F64_WORDS[1]!;
  return p + 3;
}

/** True when `x` is written as one word as it is: an int32 other than ESC. */
const plain = (x: number): boolean => (x | 0) === x && x !== ESC;

function bool(o: Int32Array, p: number, x: boolean): number {
  o[p] = x ? 1 : 0;
  return p + 1;
}

/** The frame renumbering of symmetry reduction (symmetry.ts), if any: perm[old] = new. */
let pm: Int32Array | undefined;
let inv = new Int32Array(64);

/** A frame number (or -1 / null as -1), renumbered when symmetry is on. */
function pfn(o: Int32Array, p: number, x: number | null): number {
  if (x === null) return num(o, p, -1);
  return num(o, p, pm !== undefined && x >= 0 ? pm[x]! : x);
}

function pte(o: Int32Array, p: number, e: Pte): number {
  o[p++] = PTE_CODE[e.k];
  if (e.k !== 'none' && e.k !== 'zero') {
    p = pfn(o, p, e.pfn);
    // One word: write, and dirty (2), so that worlds without the dirty bit pack as before.
    o[p++] = (e.w ? 1 : 0) | (e.k === 'present' && e.d ? 2 : 0);
  }
  return p;
}

/**
 * Sequence numbers renamed so that their history does not count.
 *
 * Each mm's notifier sequence (mmu_notifier_subscriptions.invalidate_seq) only
 * grows: `mm.seq |= 1` when an invalidation starts, `mm.seq++` when the last
 * one ends (mm/mmu_notifier.c mn_itree_inv_start_range, mn_itree_inv_end).
 * Every other sequence value of that mm (an interval's invalidate_seq, cur_seq
 * of an open invalidation, a driver's seq from mmu_interval_read_begin, the
 * seq a snapshot was taken under) is a copy of an earlier or the current one,
 * and the model only ever compares them for equality, tests the -1 "none"
 * sentinel, and tests the mm's own value for oddness. So renaming, per mm, the
 * current value to SEQ_TOP plus its parity and the older ones to their ranks
 * (0, 1, ...) gives a state that behaves exactly the same: no older value can
 * equal a future one, and equal values stay equal. Without it a thread that
 * retries a fault again and again (a livelock) makes new states forever.
 */
let rnOn = false;
let rnState: HmmState | undefined;
let rnVal = new Float64Array(64);
let rnMm = new Int32Array(64);
let rnN = 0;

function rnAdd(mm: number, x: number): void {
  if (x < 0 || mm < 0) return;
  if (rnN === rnVal.length) {
    const v = new Float64Array(rnN * 2);
    v.set(rnVal);
    rnVal = v;
    const m = new Int32Array(rnN * 2);
    m.set(rnMm);
    rnMm = m;
  }
  rnVal[rnN] = x;
  rnMm[rnN] = mm;
  rnN++;
}

function collectSeqs(s: HmmState, w: World): void {
  rnN = 0;
  for (let i = 0; i < s.mms.length; i++) rnAdd(i, s.mms[i]!.seq);
  for (let j = 0; j < s.mirrors.length; j++) rnAdd(w.mirrors[j]!.mm, s.mirrors[j]!.seq);
  for (let i = 0; i < s.threads.length; i++) {
    const t = s.threads[i]!;
    const mm = w.actors[i]!.mm;
    rnAdd(mm, t.seq);
    rnAdd(mm, t.snapSeq);
    if (t.inv) rnAdd(t.inv.mm, t.inv.cur);
  }
}

/** A sequence value of `mm` as the renaming names it (or as it is, without renaming). */
function seq(o: Int32Array, p: number, mm: number, x: number): number {
  if (!rnOn || x < 0 || mm < 0) return num(o, p, x);
  const top = rnState!.mms[mm]!.seq;
  if (x === top) return num(o, p, SEQ_TOP + (top & 1));
  // Its rank among the distinct older values of this mm: a handful at most.
  let rank = 0;
  for (let i = 0; i < rnN; i++) {
    if (rnMm[i] !== mm) continue;
    const v = rnVal[i]!;
    if (v >= x || v === top) continue;
    let first = true;
    for (let k = 0; k < i; k++) if (rnMm[k] === mm && rnVal[k] === v) { first = false; break; }
    if (first) rank++;
  }
  return num(o, p, rank);
}

function op(o: Int32Array, p: number, x: Op | null): number {
  if (x === null) return bool(o, p, false);
  p = bool(o, p, true);
  o[p++] = OP_CODE[x.kind];
  p = num(o, p, x.start);
  p = num(o, p, x.end);
  return bool(o, p, x.write);
}

function snap(o: Int32Array, p: number, e: readonly SnapEntry[] | null): number {
  if (e === null) return bool(o, p, false);
  p = bool(o, p, true);
  p = num(o, p, e.length);
  for (let i = 0; i < e.length; i++) {
    const x = e[i]!;
    p = num(o, p, x.page);
    p = pfn(o, p, x.pfn);
    p = bool(o, p, x.w);
  }
  return p;
}

function fault(o: Int32Array, p: number, f: FaultCtx | null): number {
  if (f === null) return bool(o, p, false);
  p = bool(o, p, true);
  p = num(o, p, f.mm);
  p = num(o, p, f.page);
  p = bool(o, p, f.write);
  p = pte(o, p, f.orig);
  p = bool(o, p, f.tookLock);
  o[p++] = RET_CODE[f.ret];
  return p;
}

function invCtx(o: Int32Array, p: number, v: InvCtx | null): number {
  if (v === null) return bool(o, p, false);
  p = bool(o, p, true);
  p = num(o, p, v.mm);
  p = num(o, p, v.start);
  p = num(o, p, v.end);
  o[p++] = EVENT_CODE[v.event];
  p = seq(o, p, v.mm, v.cur);
  p = num(o, p, v.cb);
  o[p++] = THEN_CODE[v.then];
  p = bool(o, p, v.write);
  o[p++] = RET_CODE[v.ret];
  return p;
}

function mig(o: Int32Array, p: number, m: MigCtx | null): number {
  if (m === null) return bool(o, p, false);
  p = bool(o, p, true);
  p = num(o, p, m.mm);
  p = num(o, p, m.start);
  p = num(o, p, m.end);
  p = num(o, p, m.dev);
  p = bool(o, p, m.toDevice);
  p = pfn(o, p, m.fault);
  p = bool(o, p, m.committed);
  if (m.src === null) return bool(o, p, false);
  p = bool(o, p, true);
  p = num(o, p, m.src.length);
  for (let i = 0; i < m.src.length; i++) {
    const e = m.src[i]!;
    p = num(o, p, e.page);
    p = pfn(o, p, e.pfn);
    p = bool(o, p, e.migrate);
    p = bool(o, p, e.w);
    p = pfn(o, p, e.dst);
    p = bool(o, p, e.copied);
  }
  return p;
}

function pfnList(o: Int32Array, p: number, xs: readonly number[]): number {
  p = num(o, p, xs.length);
  for (let i = 0; i < xs.length; i++) p = pfn(o, p, xs[i]!);
  return p;
}

/**
 * Writes `s` into `buf` and returns the number of words it takes. When that
 * is more than `buf.length` nothing past the end was written (typed arrays
 * drop such writes): call again with a buffer at least that long.
 *
 * With `w`, sequence numbers are renamed per mm (a canonical representative);
 * without, the words are exact. With `perm` (symmetry.ts), frame i is written
 * as frame perm[i], and every frame number with it.
 */
export function packState(s: HmmState, buf: Int32Array, w?: World, perm?: Int32Array): number {
  const o = buf;
  pm = perm;
  const nf = s.frames.length;
  if (perm) {
    if (inv.length < nf) inv = new Int32Array(nf * 2);
    for (let f = 0; f < nf; f++) inv[perm[f]!] = f;
  }
  rnOn = w !== undefined;
  if (w) {
    rnState = s;
    collectSeqs(s, w);
  }
  // One function per part: each small enough for the compiler to inline
  // the writers into it (one function for all spent its inlining budget
  // early, and the rest were calls).
  let p = 0;
  for (let i = 0; i < s.mms.length; i++) p = packMm(o, p, s.mms[i]!, i);
  for (let i = 0; i < nf; i++) p = packFrame(o, p, s.frames[perm ? inv[i]! : i]!);
  for (let j = 0; j < s.mirrors.length; j++) p = packMirror(o, p, s.mirrors[j]!, w ? w.mirrors[j]!.mm : -1);
  for (let i = 0; i < s.threads.length; i++) p = packThread(o, p, s.threads[i]!, w ? w.actors[i]!.mm : -1);
  rnState = undefined;
  pm = undefined;
  return p;
}

function packMm(o: Int32Array, p: number, mm: MmState, i: number): number {
  for (let k = 0; k < mm.vma.length; k++) o[p++] = PROT_CODE[mm.vma[k]!];
  for (let k = 0; k < mm.pte.length; k++) p = pte(o, p, mm.pte[k]!);
  for (let k = 0; k < mm.expect.length; k++) p = num(o, p, mm.expect[k]!);
  p = seq(o, p, i, mm.seq);
  p = num(o, p, mm.active);
  p = num(o, p, mm.mmapWriter);
  p = num(o, p, mm.mmapReaders);
  p = num(o, p, mm.charged);
  p = num(o, p, mm.cg);
  p = bool(o, p, mm.chargeFailed);
  p = num(o, p, mm.life);
  p = num(o, p, mm.tables);
  for (let k = 0; k < mm.tlb.length; k++) {
    const e = mm.tlb[k]!;
    if (e === null) p = bool(o, p, false);
    else {
      p = bool(o, p, true);
      p = pfn(o, p, e.pfn);
      p = bool(o, p, e.w);
    }
  }
  return p;
}

function packFrame(o: Int32Array, p: number, f: FrameState): number {
  // One word: pins, and PG_dirty in bit 0 (clear in worlds without the dirty bit).
  const pinDirty = f.pin * 2 + (f.dirty ? 1 : 0);
  const { ref, map, lock, val, memcg, anon } = f;
  // The checker's frames hold small integers: seven words as they are, one
  // test for all (a value bound from a trace may need num's escape).
  if (plain(ref) && plain(map) && plain(lock) && plain(val) && plain(pinDirty) && plain(memcg) && plain(anon)) {
    o[p] = ref;
    o[p + 1] = map;
    o[p + 2] = lock;
    o[p + 3] = val;
    o[p + 4] = pinDirty;
    o[p + 5] = memcg;
    o[p + 6] = anon;
    return p + 7;
  }
  p = num(o, p, ref);
  p = num(o, p, map);
  p = num(o, p, lock);
  p = num(o, p, val);
  p = num(o, p, pinDirty);
  p = num(o, p, memcg);
  return num(o, p, anon);
}

function packMirror(o: Int32Array, p: number, m: MirrorState, mm: number): number {
  p = seq(o, p, mm, m.seq);
  p = num(o, p, m.lock);
  p = bool(o, p, m.valid);
  for (let k = 0; k < m.pt.length; k++) {
    const e = m.pt[k]!;
    if (e === null) p = bool(o, p, false);
    else {
      p = bool(o, p, true);
      p = pfn(o, p, e.pfn);
      // One word: write, and atomic (2), so that states without atomic entries pack as before.
      o[p++] = (e.w ? 1 : 0) | (e.atomic ? 2 : 0);
    }
  }
  return p;
}

function packThread(o: Int32Array, p: number, t: ThreadState, seqMm: number): number {
  o[p++] = PC_CODE[t.pc];
  for (let k = 0; k < t.left.length; k++) p = num(o, p, t.left[k]!);
  p = op(o, p, t.op);
  p = num(o, p, t.mmap);
  p = seq(o, p, seqMm, t.seq);
  p = snap(o, p, t.snap);
  p = seq(o, p, seqMm, t.snapSeq);
  p = fault(o, p, t.fault);
  p = invCtx(o, p, t.inv);
  p = mig(o, p, t.mig);
  p = pfnList(o, p, t.pins);
  p = pfnList(o, p, t.frees);
  return num(o, p, t.drv);
}

// The decoder reads through one module-level cursor object: it runs once
// per expanded state, and closures made per call were GC time (and a const
// object's fields, unlike module lets, need no hole check on each use).
// Fixed-length parts map over the template's: arrays of the exact length.
const EMPTY: Int32Array = new Int32Array(0);
const cur = { w: EMPTY, at: 0 };

function word(): number {
  const at = cur.at;
  if (at >= cur.w.length) throw new RangeError(`packed state ends early, at word ${at}`);
  cur.at = at + 1;
  return cur.w[at]!;
}

function rd(): number {
  const x = word();
  if (x !== ESC) return x;
  F64_WORDS[0] = word();
  F64_WORDS[1] = word();
  return F64[0]!;
}

const bl = (): boolean => word() === 1;

function code<T>(names: readonly T[], what: string): T {
  const c = word();
  const v = names[c];
  if (v === undefined) throw new RangeError(`packed state: ${what} code ${c} at word ${cur.at - 1}`);
  return v;
}

const orNull = (x: number): number | null => (x === -1 ? null : x);

function rdPte(): Pte {
  const k = code(PTE_KINDS, 'pte');
  if (k === 'none') return PTE_NONE;
  if (k === 'zero') return PTE_ZERO;
  const pfn = rd();
  const bits = rd();
  const w = (bits & 1) !== 0;
  return k === 'present' && (bits & 2) !== 0 ? { k, pfn, w, d: true } : { k, pfn, w };
}

const rdProt = (): Prot => code(PROTS, 'vma');

function rdTlbEntry(): MmState['tlb'][number] {
  if (!bl()) return null;
  const pfn = rd();
  return { pfn, w: bl() };
}

function rdPtEntry(): MirrorState['pt'][number] {
  if (!bl()) return null;
  const pfn = rd();
  const bits = rd();
  return { pfn, w: (bits & 1) !== 0, atomic: (bits & 2) !== 0 };
}

function rdList(): number[] {
  const xs: number[] = [];
  for (let n = rd(); n > 0; n--) xs.push(rd());
  return xs;
}

function rdMm(tm: MmState): MmState {
  const vma = tm.vma.map(rdProt);
  const pte = tm.pte.map(rdPte);
  const expect = tm.expect.map(rd);
  const seq = rd();
  const active = rd();
  const mmapWriter = rd();
  const mmapReaders = rd();
  const charged = rd();
  const cg = rd();
  const chargeFailed = bl();
  const life = rd();
  const tables = rd();
  const tlb = tm.tlb.map(rdTlbEntry);
  return { vma, pte, expect, seq, active, mmapWriter, mmapReaders, charged, cg, chargeFailed, life, tables, tlb };
}

function rdFrame(): FrameState {
  const ref = rd();
  const map = rd();
  const lock = rd();
  const val = rd();
  const pinDirty = rd();
  const memcg = rd();
  const anon = rd();
  return { ref, map, lock, val, pin: pinDirty >> 1, memcg, dirty: (pinDirty & 1) !== 0, anon };
}

function rdMirror(tm: MirrorState): MirrorState {
  const seq = rd();
  const lock = rd();
  const valid = bl();
  const pt = tm.pt.map(rdPtEntry);
  return { seq, lock, pt, valid };
}

function rdThread(tt: ThreadState): ThreadState {
  const pc = code(PCS, 'pc');
  const left = tt.left.map(rd);
  let op: Op | null = null;
  if (bl()) {
    const kind = code(OPS, 'op');
    const start = rd();
    const end = rd();
    op = { kind, start, end, write: bl() };
  }
  const mmap = rd();
  const seq = rd();
  let snap: SnapEntry[] | null = null;
  if (bl()) {
    snap = [];
    for (let n = rd(); n > 0; n--) {
      const page = rd();
      const pfn = orNull(rd());
      snap.push({ page, pfn, w: bl() });
    }
  }
  const snapSeq = rd();
  let fault: FaultCtx | null = null;
  if (bl()) {
    const mm = rd();
    const page = rd();
    const write = bl();
    const orig = rdPte();
    const tookLock = bl();
    fault = { mm, page, write, orig, tookLock, ret: code(RETS, 'ret') };
  }
  let inv: InvCtx | null = null;
  if (bl()) {
    const mm = rd();
    const start = rd();
    const end = rd();
    const event = code(EVENTS, 'event');
    const cur = rd();
    const cb = rd();
    const then = code(THENS, 'then');
    const write = bl();
    inv = { mm, start, end, event, cur, cb, then, write, ret: code(RETS, 'ret') };
  }
  let mig: MigCtx | null = null;
  if (bl()) {
    const mm = rd();
    const start = rd();
    const end = rd();
    const dev = rd();
    const toDevice = bl();
    const fault = rd();
    const committed = bl();
    let src: MigEntry[] | null = null;
    if (bl()) {
      src = [];
      for (let n = rd(); n > 0; n--) {
        const page = rd();
        const pfn = orNull(rd());
        const migrate = bl();
        const w = bl();
        const dst = orNull(rd());
        src.push({ page, pfn, migrate, w, dst, copied: bl() });
      }
    }
    mig = { mm, start, end, dev, toDevice, fault, src, committed };
  }
  const pins = rdList();
  const frees = rdList();
  const drv = rd();
  return { pc, left, op, mmap, seq, snap, snapSeq, fault, inv, mig, pins, frees, drv };
}

/** Reads back what `packState` wrote, shaped like `template` (a state of the same world). */
export function unpackState(words: Int32Array, template: HmmState): HmmState {
  cur.w = words;
  cur.at = 0;
  try {
    const mms = template.mms.map(rdMm);
    const frames = template.frames.map(rdFrame);
    const mirrors = template.mirrors.map(rdMirror);
    const threads = template.threads.map(rdThread);
    if (cur.at !== words.length) throw new RangeError(`packed state: ${words.length - cur.at} words left over`);
    return { mms, frames, mirrors, threads };
  } finally {
    cur.w = EMPTY;
  }
}
