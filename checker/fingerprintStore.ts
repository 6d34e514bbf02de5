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
import { PathLinks } from './pathLinks.js';
import { HashStore, type Pack } from './store.js';

export type { Pack } from './store.js';

const MAX_LOAD = 0.75;

export class FingerprintStore<S> extends HashStore<S> {
  readonly kind = 'fingerprint';
  private table: Int32Array;
  private capacity: number;
  private limit: number;
  /** Per slot, the id of the state stored there; only once `trackIds` was called (4 bytes a slot). */
  private ids: Int32Array | undefined;
  lastId = -1;

  constructor(pack: Pack<S>, initialCapacity = 1024) {
    super(pack);
    this.capacity = initialCapacity;
    this.table = new Int32Array(this.capacity * 2);
    this.limit = Math.floor(this.capacity * MAX_LOAD);
  }

  insertHash(hi: number, lo: number, parent: number, action: number): number {
    PathLinks.check(action);
    if ((hi | lo) === 0) lo = 1;
    const t = this.table;
    const cap = this.capacity;
    let i = slotOf(hi, cap);
    for (;;) {
      const a = t[2 * i]!;
      const b = t[2 * i + 1]!;
      if ((a | b) === 0) break;
      if (a === hi && b === lo) {
        if (this.ids) this.lastId = this.ids[i]!;
        return -1;
      }
      if (++i === cap) i = 0;
    }
    t[2 * i] = hi;
    t[2 * i + 1] = lo;
    const id = this.added(parent, action);
    if (this.ids) {
      this.ids[i] = id;
      this.lastId = id;
    }
    if (this.count > this.limit) this.growTable();
    return id;
  }

  /** Ids can only be kept from the start: the slots of states stored before are not known. */
  trackIds(): boolean {
    if (this.count > 0 && !this.ids) return false;
    this.ids ??= new Int32Array(this.capacity);
    return true;
  }

  bytesPerState(): number {
    return Math.round((this.table.byteLength / Math.max(1, this.count)) * 10) / 10;
  }

  /** Bytes of the slot ids `trackIds` keeps (the progress check's, not the visited set's). */
  idBytes(): number {
    return this.ids?.byteLength ?? 0;
  }

  collisionProbability(): number {
    const n = this.count;
    return Math.min(1, (n * (n - 1)) / 2 ** 65);
  }

  /** The store's contents, for a checkpoint (views, not copies: save them before the search goes on). */
  snapshot(): { table: Int32Array; parents: Int32Array; actions: Uint16Array; ids?: Int32Array } {
    return { table: this.table, ...this.links.snapshot(this.count), ...(this.ids ? { ids: this.ids } : {}) };
  }

  /** Puts back what `snapshot` gave (a checkpoint being resumed). */
  restore(table: Int32Array, parents: Int32Array, actions: Uint16Array, ids?: Int32Array): void {
    if (table.length % 2 !== 0 || parents.length !== actions.length) throw new RangeError('store snapshot: inconsistent arrays');
    if (ids && ids.length * 2 !== table.length) throw new RangeError('store snapshot: the ids do not match the table');
    // A copy: the caller's arrays (a checkpoint read once) must stay as saved.
    this.table = table.slice();
    // Without the slots' ids a resumed search cannot record the progress graph.
    this.ids = ids ? ids.slice() : undefined;
    this.capacity = table.length / 2;
    this.limit = Math.floor(this.capacity * MAX_LOAD);
    this.count = parents.length;
    this.links.restore(parents, actions);
  }

  private growTable(): void {
    const old = this.table;
    const oldIds = this.ids;
    const oldCap = this.capacity;
    this.capacity = Math.ceil(oldCap * 1.5);
    this.table = new Int32Array(this.capacity * 2);
    this.limit = Math.floor(this.capacity * MAX_LOAD);
    const t = this.table;
    const cap = this.capacity;
    const ids = oldIds ? new Int32Array(cap) : undefined;
    this.ids = ids;
    for (let j = 0; j < oldCap; j++) {
      const hi = old[2 * j]!;
      const lo = old[2 * j + 1]!;
      if ((hi | lo) === 0) continue;
      let i = slotOf(hi, cap);
      while ((t[2 * i]! | t[2 * i + 1]!) !== 0) if (++i === cap) i = 0;
      t[2 * i] = hi;
      t[2 * i + 1] = lo;
      if (ids) ids[i] = oldIds![j]!;
    }
  }
}

function slotOf(hi: number, cap: number): number {
  return Math.floor(((hi >>> 0) / 4294967296) * cap);
}
