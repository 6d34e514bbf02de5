/**
 * A set of 64-bit fingerprints in an open-addressing table over one
 * Int32Array: the part of the visited store (fingerprintStore.ts) that is only
 * a set, also used on its own by a worker thread to remember the states it
 * has already sent in full (expand.ts).
 *
 * A slot is the two halves of a fingerprint (8 bytes); (0, 0) marks it empty,
 * so a fingerprint equal to it is stored as (0, 1). Linear probing; the table
 * grows by half once three quarters full, so it holds 8 / load bytes per
 * entry: between 10.7 and 16.
 */

const MAX_LOAD = 0.75;

export class FingerprintSet {
  table: Int32Array;
  capacity: number;
  private limit: number;
  size = 0;
  /** The slot of the last `add`'s fingerprint (valid until the table grows). */
  slot = -1;

  constructor(initialCapacity = 1024) {
    this.capacity = initialCapacity;
    this.table = new Int32Array(initialCapacity * 2);
    this.limit = Math.floor(initialCapacity * MAX_LOAD);
  }

  /**
   * Adds (hi, lo); true when it was not there. `slot` is its slot then, and
   * stays its slot until `grow` moves every entry (call it once `full`).
   */
  add(hi: number, lo: number): boolean {
    if ((hi | lo) === 0) lo = 1;
    const i = this.probe(hi, lo);
    if (i >= 0) {
      this.slot = i;
      return false;
    }
    const e = ~i;
    this.table[2 * e] = hi;
    this.table[2 * e + 1] = lo;
    this.slot = e;
    this.size++;
    return true;
  }

  /** True when (hi, lo) is in the set (nothing changes). */
  has(hi: number, lo: number): boolean {
    if ((hi | lo) === 0) lo = 1;
    return this.probe(hi, lo) >= 0;
  }

  /** The slot holding (hi, lo), or ~slot of the empty one where it would go (linear probing). */
  private probe(hi: number, lo: number): number {
    const t = this.table;
    const cap = this.capacity;
    let i = slotOf(hi, cap);
    for (;;) {
      const a = t[2 * i]!;
      const b = t[2 * i + 1]!;
      if ((a | b) === 0) return ~i;
      if (a === hi && b === lo) return i;
      if (++i === cap) i = 0;
    }
  }

  /** True when the table is over its load: the caller then calls `grow`. */
  get full(): boolean {
    return this.size > this.limit;
  }

  /** The capacity `grow` moves to. */
  get grownCapacity(): number {
    return Math.ceil(this.capacity * 1.5);
  }

  /**
   * Moves every entry into a table half as large again. `moved(from, to)` is
   * told each entry's old and new slot, for data kept per slot beside the set.
   */
  grow(moved?: (from: number, to: number) => void): void {
    const old = this.table;
    const oldCap = this.capacity;
    this.capacity = this.grownCapacity;
    this.table = new Int32Array(this.capacity * 2);
    this.limit = Math.floor(this.capacity * MAX_LOAD);
    const t = this.table;
    const cap = this.capacity;
    for (let j = 0; j < oldCap; j++) {
      const hi = old[2 * j]!;
      const lo = old[2 * j + 1]!;
      if ((hi | lo) === 0) continue;
      let i = slotOf(hi, cap);
      while ((t[2 * i]! | t[2 * i + 1]!) !== 0) if (++i === cap) i = 0;
      t[2 * i] = hi;
      t[2 * i + 1] = lo;
      moved?.(j, i);
    }
  }

  /** Empties the set, keeping its table. */
  clear(): void {
    if (this.size === 0) return;
    this.table.fill(0);
    this.size = 0;
  }

  /** Puts back a table `table` gave (a checkpoint), holding `size` entries. */
  restore(table: Int32Array, size: number): void {
    if (table.length % 2 !== 0) throw new RangeError('fingerprint table: odd length');
    this.table = table;
    this.capacity = table.length / 2;
    this.limit = Math.floor(this.capacity * MAX_LOAD);
    this.size = size;
  }
}

function slotOf(hi: number, cap: number): number {
  return Math.floor(((hi >>> 0) / 4294967296) * cap);
}
