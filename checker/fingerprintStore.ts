/**
 * The fast visited store: 64-bit fingerprints of packed states in an
 * open-addressing table over one Int32Array (SPIN's hash compaction, TLC's
 * fingerprint set).
 *
 * A slot is the two halves of a fingerprint (8 bytes); (0, 0) marks it empty,
 * so a state hashing to it is stored as (0, 1). Linear probing; the table
 * grows by half once three quarters full, so it holds 8 / load bytes per state:
 * between 10.7 and 16. Counterexample reconstruction adds, per state, the
 * parent's id (Int32) and the action index (Uint16): 6 bytes, reported apart.
 *
 * What it gives up: two different states with the same fingerprint count as
 * one, so one could hide the other's successors. `collisionProbability` is the
 * usual estimate for n states among 2^64 values, n(n-1)/2^65; the check report
 * prints it, and `check --exact` uses the exact MapStore instead.
 */
import { HASH, hash64 } from './hash64.js';
import type { StateStore } from './store.js';

/** Writes a state's words into `out` and returns their count (more than out.length: call again with room). */
export type Pack<S> = (state: S, out: Int32Array) => number;

const MAX_LOAD = 0.75;
const MAX_ACTIONS = 0xffff;

export class FingerprintStore<S> implements StateStore<S> {
  readonly kind = 'fingerprint';
  private table: Int32Array;
  private capacity: number;
  private count = 0;
  private limit: number;
  private parents = new Int32Array(1024);
  private actionIdx = new Uint16Array(1024);
  private words = new Int32Array(256);

  constructor(
    private readonly pack: Pack<S>,
    initialCapacity = 1024,
  ) {
    this.capacity = initialCapacity;
    this.table = new Int32Array(this.capacity * 2);
    this.limit = Math.floor(this.capacity * MAX_LOAD);
  }

  get size(): number {
    return this.count;
  }

  insert(state: S, parent: number, action: number): number {
    let n = this.pack(state, this.words);
    if (n > this.words.length) {
      this.words = new Int32Array(n * 2);
      n = this.pack(state, this.words);
    }
    return this.insertPacked(this.words, n, parent, action);
  }

  /** Stores a state the caller packed already (words[0..n)). */
  insertPacked(words: Int32Array, n: number, parent: number, action: number): number {
    hash64(words, n);
    return this.insertHash(HASH[0]!, HASH[1]!, parent, action);
  }

  /** Stores a fingerprint computed elsewhere (a worker); -1 when it was there. */
  insertHash(hi: number, lo: number, parent: number, action: number): number {
    if (action > MAX_ACTIONS) throw new RangeError(`action index ${action} does not fit the store's 16 bits`);
    if ((hi | lo) === 0) lo = 1;
    const t = this.table;
    const cap = this.capacity;
    let i = slotOf(hi, cap);
    for (;;) {
      const a = t[2 * i]!;
      const b = t[2 * i + 1]!;
      if ((a | b) === 0) break;
      if (a === hi && b === lo) return -1;
      if (++i === cap) i = 0;
    }
    t[2 * i] = hi;
    t[2 * i + 1] = lo;
    const id = this.count++;
    if (id >= this.parents.length) this.growLinks();
    this.parents[id] = parent;
    this.actionIdx[id] = action;
    if (this.count > this.limit) this.growTable();
    return id;
  }

  parentOf(id: number): number {
    return this.parents[id]!;
  }

  actionOf(id: number): number {
    return this.actionIdx[id]!;
  }

  bytesPerState(): number {
    return Math.round((this.table.byteLength / Math.max(1, this.count)) * 10) / 10;
  }

  /** Bytes per state that only counterexample paths need (parent id and action index). */
  pathBytesPerState(): number {
    return 6;
  }

  collisionProbability(): number {
    const n = this.count;
    return Math.min(1, (n * (n - 1)) / 2 ** 65);
  }

  /** The store's contents, for a checkpoint (views, not copies: save them before the search goes on). */
  snapshot(): { table: Int32Array; parents: Int32Array; actions: Uint16Array } {
    return { table: this.table, parents: this.parents.subarray(0, this.count), actions: this.actionIdx.subarray(0, this.count) };
  }

  /** Puts back what `snapshot` gave (a checkpoint being resumed). */
  restore(table: Int32Array, parents: Int32Array, actions: Uint16Array): void {
    if (table.length % 2 !== 0 || parents.length !== actions.length) throw new RangeError('store snapshot: inconsistent arrays');
    // A copy: the caller's arrays (a checkpoint read once) must stay as saved.
    this.table = table.slice();
    this.capacity = table.length / 2;
    this.limit = Math.floor(this.capacity * MAX_LOAD);
    this.count = parents.length;
    this.parents = new Int32Array(Math.max(1024, this.count * 2));
    this.parents.set(parents);
    this.actionIdx = new Uint16Array(this.parents.length);
    this.actionIdx.set(actions);
  }

  private growTable(): void {
    const old = this.table;
    const oldCap = this.capacity;
    this.capacity = Math.ceil(oldCap * 1.5);
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
    }
  }

  private growLinks(): void {
    const p = new Int32Array(this.parents.length * 2);
    p.set(this.parents);
    this.parents = p;
    const a = new Uint16Array(this.actionIdx.length * 2);
    a.set(this.actionIdx);
    this.actionIdx = a;
  }
}

/** Maps the high half onto [0, cap) without a power-of-two capacity (Lemire's multiply-shift, in floats). */
function slotOf(hi: number, cap: number): number {
  return Math.floor(((hi >>> 0) / 4294967296) * cap);
}
