/**
 * Where a kernel trace's objects go in an hmmtrace: the test's buffers laid
 * end to end as one range of page indices (an address in a buffer is page
 * base + offset / 4 KiB, the same index in every process that maps it, so a
 * fork's child shares its parent's numbering), threads by pid, processes by
 * tgid, mirrors by the order of their interval notifiers
 * (mmu_interval_notifier_insert with dmirror_min_ops, lib/test_hmm.c
 * dmirror_fops_open), devices by their pgmap owner pointer.
 */
import type { Session } from './session.js';

const PAGE = 4096n;

export interface BufferRange {
  readonly start: bigint;
  readonly end: bigint;
  /** Index of the buffer's first page. */
  readonly base: number;
  /** The line of the mmap that made it. */
  readonly origin: number;
}

export class Layout {
  readonly buffers: BufferRange[] = [];
  readonly pages: number;
  /**
   * The line being imported: an address means the buffer of the latest mmap
   * before it that covers the address (a test that unmaps a buffer and maps
   * another often gets the same addresses back: they are new pages).
   */
  now = Infinity;

  constructor(session: Session) {
    let base = 0;
    for (const b of session.buffers) {
      if (this.buffers.some((x) => x.origin === b.origin)) continue;
      const end = b.start + BigInt(b.pages) * PAGE;
      this.buffers.push({ start: b.start, end, base, origin: b.origin });
      base += b.pages;
    }
    this.pages = base;
  }

  /** The buffers that addresses mean now: made before now, and not mapped over since. */
  private current(): BufferRange[] {
    // Only an mmap changes the answer: cached until one is passed.
    const made = this.buffers.filter((b) => b.origin <= this.now);
    if (made.length === this.madeCount && this.cached) return this.cached;
    this.madeCount = made.length;
    return (this.cached = made.filter((b) => !made.some((o) => o.origin > b.origin && o.start < b.end && b.start < o.end)));
  }

  private cached: BufferRange[] | null = null;
  private madeCount = -1;

  /** The page index of a user address, or -1 outside every buffer. */
  page(addr: bigint): number {
    for (const b of this.current()) if (addr >= b.start && addr < b.end) return b.base + Number((addr - b.start) / PAGE);
    return -1;
  }

  /**
   * The page indices of the user range [start, end) that fall in buffers:
   * null when none do; a range over several buffers must be contiguous in
   * page indices (the importer refuses it otherwise).
   */
  clip(start: bigint, end: bigint): { start: number; end: number } | null | 'split' {
    let lo = -1;
    let hi = -1;
    for (const b of this.current()) {
      const s = start > b.start ? start : b.start;
      const e = end < b.end ? end : b.end;
      if (s >= e) continue;
      const ps = b.base + Number((s - b.start) / PAGE);
      const pe = b.base + Number((e - b.start + PAGE - 1n) / PAGE);
      if (lo < 0) [lo, hi] = [ps, pe];
      else if (ps === hi) hi = pe;
      else if (pe === lo) lo = ps;
      else return 'split';
    }
    return lo < 0 ? null : { start: lo, end: hi };
  }
}
