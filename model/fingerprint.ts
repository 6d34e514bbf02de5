/**
 * A compact, exact key for a state: every number becomes one UTF-16 code
 * unit and every variable part (a PTE kind, a null, an array) carries a tag
 * or a length, so two states get the same key only if they are equal.
 *
 * It does what JSON.stringify does in a sixth of the characters, which is
 * what the visited store hashes and keeps. It knows the shape of the state,
 * not its meaning; a test checks it against the checker's canonical key on
 * reachable states, so a field added to the state and forgotten here fails.
 */
import type { FaultCtx, HmmState, InvCtx, MigCtx, Op, Pte, SnapEntry } from './state.js';
import type { World } from './world.js';

const PC_CODES: Record<string, number> = {};
[
  'idle', 'access', 'fault', 'inv_start', 'inv_cb', 'inv_then', 'inv_end',
  'begin', 'hrf', 'lock', 'retry', 'map', 'unlock', 'unlock_retry',
  'swap', 'mig_setup', 'mig_alloc', 'mig_unmap', 'mig_copy', 'mig_pages', 'mig_lock', 'mig_map', 'mig_unlock',
  'mig_finalize', 'swap_done',
].forEach((pc, i) => (PC_CODES[pc] = i));
const PTE_CODES = { none: 0, zero: 1, present: 2, migration: 3, devpriv: 4 } as const;
const PROT_CODES = { none: 0, r: 1, rw: 2 } as const;
const OP_CODES: Record<string, number> = {};
[
  'cpu_read', 'cpu_write', 'munmap', 'madvise_dontneed', 'mprotect', 'mprotect_rw', 'device_read', 'device_write', 'migrate_to_device', 'gup',
  'fork', 'exit', 'migrate_device_range',
].forEach(
  (k, i) => (OP_CODES[k] = i),
);
const EVENT_CODES: Record<string, number> = {};
['unmap', 'clear', 'protection_vma', 'protection_page', 'soft_dirty', 'release', 'migrate', 'exclusive'].forEach(
  (k, i) => (EVENT_CODES[k] = i),
);
const THEN_CODES: Record<string, number> = {
  zap_pte_range: 0,
  change_pte_range: 1,
  wp_page_copy: 2,
  migrate_vma_collect: 3,
  migrate_vma_pages: 4,
  copy_page_range: 5,
  try_to_migrate: 6,
};
const RET_CODES: Record<string, number> = { op_done: 0, fault_done: 1, access: 2, hrf: 3, mig_setup: 4, mig_pages_done: 5, mig_unmap: 6 };

/** Numbers are mostly small integers >= -1; shifting by 2 keeps them clear of 0 and 1 used as tags. */
const OFF = 2;
/** Marks a number that does not fit one code unit (long traces: big sequence numbers, data values). */
const WIDE = 0xffff;
const WIDE_END = 0xfffe;

/**
 * Where the canonical top of an mm's sequence numbers starts: above every
 * rank an older value can get (there are far fewer live values than this).
 */
const SEQ_TOP = 1024;

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
function seqRenaming(s: HmmState, w: World): (mm: number, x: number) => number {
  const perMm: number[][] = s.mms.map((mm) => [mm.seq]);
  const add = (mm: number, x: number): void => {
    if (x >= 0 && mm >= 0) perMm[mm]!.push(x);
  };
  s.mirrors.forEach((m, j) => add(w.mirrors[j]!.mm, m.seq));
  s.threads.forEach((t, i) => {
    const mm = threadSeqMm(w, i);
    add(mm, t.seq);
    add(mm, t.snapSeq);
    if (t.inv) add(t.inv.mm, t.inv.cur);
  });
  const maps = perMm.map((vals) => {
    const top = vals[0]!;
    const older = [...new Set(vals)].filter((x) => x !== top).sort((a, b) => a - b);
    const m = new Map<number, number>(older.map((x, i) => [x, i]));
    m.set(top, SEQ_TOP + (top & 1));
    return m;
  });
  return (mm, x) => (x < 0 || mm < 0 ? x : maps[mm]!.get(x)!);
}

/** The mm whose sequence a thread's seq and snapSeq copy: its mirror's (device threads) or its process's. */
const threadSeqMm = (w: World, t: number): number => w.actors[t]!.mm;

/**
 * The state's key. Without a world it is exact: equal keys for equal states
 * only (replay needs that: it binds the trace's seq values to the model's).
 * With one, sequence numbers are renamed as `seqRenaming` explains, so states
 * that differ only in the history of their sequence numbers share a key.
 */
export function stateKey(s: HmmState, w?: World): string {
  const seqOf = w ? seqRenaming(s, w) : (_mm: number, x: number): number => x;
  const out: number[] = [];
  const n = (x: number): void => {
    const c = x + OFF;
    if (Number.isInteger(c) && c >= 0 && c < WIDE_END) {
      out.push(c);
      return;
    }
    out.push(WIDE);
    const digits = String(x);
    for (let i = 0; i < digits.length; i++) out.push(digits.charCodeAt(i));
    out.push(WIDE_END);
  };
  const b = (x: boolean): void => {
    out.push(x ? 1 : 0);
  };
  const pte = (p: Pte): void => {
    out.push(PTE_CODES[p.k]);
    if (p.k !== 'none' && p.k !== 'zero') {
      n(p.pfn);
      b(p.w);
    }
  };
  const op = (o: Op | null): void => {
    if (o === null) return b(false);
    b(true);
    out.push(OP_CODES[o.kind]!);
    n(o.start);
    n(o.end);
    b(o.write);
  };
  const snap = (e: readonly SnapEntry[] | null): void => {
    if (e === null) return b(false);
    b(true);
    n(e.length);
    for (const x of e) {
      n(x.page);
      n(x.pfn ?? -1);
      b(x.w);
    }
  };
  const fault = (f: FaultCtx | null): void => {
    if (f === null) return b(false);
    b(true);
    n(f.mm);
    n(f.page);
    b(f.write);
    pte(f.orig);
    b(f.tookLock);
    out.push(RET_CODES[f.ret]!);
  };
  const inv = (v: InvCtx | null): void => {
    if (v === null) return b(false);
    b(true);
    n(v.mm);
    n(v.start);
    n(v.end);
    out.push(EVENT_CODES[v.event]!);
    n(seqOf(v.mm, v.cur));
    n(v.cb);
    out.push(THEN_CODES[v.then]!);
    b(v.write);
    out.push(RET_CODES[v.ret]!);
  };
  const mig = (m: MigCtx | null): void => {
    if (m === null) return b(false);
    b(true);
    n(m.mm);
    n(m.start);
    n(m.end);
    n(m.dev);
    b(m.toDevice);
    n(m.fault);
    b(m.committed);
    if (m.src === null) return b(false);
    b(true);
    n(m.src.length);
    for (const e of m.src) {
      n(e.page);
      n(e.pfn ?? -1);
      b(e.migrate);
      b(e.w);
      n(e.dst ?? -1);
      b(e.copied);
    }
  };
  const list = (xs: readonly number[]): void => {
    n(xs.length);
    for (const x of xs) n(x);
  };
  s.mms.forEach((mm, i) => {
    for (const v of mm.vma) out.push(PROT_CODES[v]);
    for (const p of mm.pte) pte(p);
    for (const v of mm.expect) n(v);
    n(seqOf(i, mm.seq));
    n(mm.active);
    n(mm.mmapWriter);
    n(mm.mmapReaders);
    n(mm.charged);
    b(mm.chargeFailed);
    n(mm.life);
  });
  for (const f of s.frames) {
    n(f.ref);
    n(f.map);
    n(f.lock);
    n(f.val);
    n(f.pin);
    n(f.memcg);
    n(f.anon);
  }
  s.mirrors.forEach((m, j) => {
    n(w ? seqOf(w.mirrors[j]!.mm, m.seq) : m.seq);
    n(m.lock);
    b(m.valid);
    for (const e of m.pt) {
      if (e === null) b(false);
      else {
        b(true);
        n(e.pfn);
        b(e.w);
      }
    }
  });
  s.threads.forEach((t, i) => {
    const seqMm = w ? threadSeqMm(w, i) : -1;
    out.push(PC_CODES[t.pc]!);
    for (const l of t.left) n(l);
    op(t.op);
    n(t.mmap);
    n(seqOf(seqMm, t.seq));
    snap(t.snap);
    n(seqOf(seqMm, t.snapSeq));
    fault(t.fault);
    inv(t.inv);
    mig(t.mig);
    list(t.pins);
    list(t.frees);
  });
  // apply() takes the array as arguments: fine for the few hundred a state has.
  return String.fromCharCode.apply(null, out);
}
