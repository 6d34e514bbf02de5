/**
 * The fast visited store: 64-bit fingerprints of packed states in an
 * open-addressing table over one Int32Array (SPIN's hash compaction, TLC's
 * fingerprint set).
 *
 * The table is a FingerprintSet (8 / load bytes per state: between 10.7 and
 * 16); beside it, once the progress check asks, each slot's state id.
 * Counterexample reconstruction adds, per state, the parent's id (Int32) and
 * the action index (Uint16): 6 bytes, reported apart.
 *
 * What it gives up: two different states with the same fingerprint count as
 * one, so one could hide the other's successors. `collisionProbability` is the
 * usual estimate for n states among 2^64 values, n(n-1)/2^65; the check report
 * prints it, and `check --exact` uses the exact MapStore instead.
 */
import { FingerprintSet } from './fingerprintSet.js';
import { PathLinks } from './pathLinks.js';
import { HashStore, type Pack } from './store.js';

export type { Pack } from './store.js';

export class FingerprintStore<S> extends HashStore<S> {
  readonly kind = 'fingerprint';
  private readonly set: FingerprintSet;
  /** Per slot, the id of the state stored there; only once `trackIds` was called (4 bytes a slot). */
  private ids: Int32Array | undefined;
  lastId = -1;

  constructor(pack: Pack<S>, initialCapacity = 1024) {
    super(pack);
    this.set = new FingerprintSet(initialCapacity);
  }

  insertHash(hi: number, lo: number, parent: number, action: number): number {
    PathLinks.check(action);
    const set = this.set;
    if (!set.add(hi, lo)) {
      if (this.ids) this.lastId = this.ids[set.slot]!;
      return -1;
    }
    const id = this.added(parent, action);
    if (this.ids) {
      this.ids[set.slot] = id;
      this.lastId = id;
    }
    if (set.full) this.growTable();
    return id;
  }

  /** True when a state with this fingerprint is stored. */
  hasHash(hi: number, lo: number): boolean {
    return this.set.has(hi, lo);
  }

  /** Ids can only be kept from the start: the slots of states stored before are not known. */
  trackIds(): boolean {
    if (this.count > 0 && !this.ids) return false;
    this.ids ??= new Int32Array(this.set.capacity);
    return true;
  }

  bytesPerState(): number {
    return Math.round((this.set.table.byteLength / Math.max(1, this.count)) * 10) / 10;
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
    return { table: this.set.table, ...this.links.snapshot(this.count), ...(this.ids ? { ids: this.ids } : {}) };
  }

  /** Puts back what `snapshot` gave (a checkpoint being resumed). */
  restore(table: Int32Array, parents: Int32Array, actions: Uint16Array, ids?: Int32Array): void {
    if (table.length % 2 !== 0 || parents.length !== actions.length) throw new RangeError('store snapshot: inconsistent arrays');
    if (ids && ids.length * 2 !== table.length) throw new RangeError('store snapshot: the ids do not match the table');
    // A copy: the caller's arrays (a checkpoint read once) must stay as saved.
    this.set.restore(table.slice(), parents.length);
    // Without the slots' ids a resumed search cannot record the progress graph.
    this.ids = ids ? ids.slice() : undefined;
    this.count = parents.length;
    this.links.restore(parents, actions);
  }

  private growTable(): void {
    const oldIds = this.ids;
    if (!oldIds) return this.set.grow();
    const ids = new Int32Array(this.set.grownCapacity);
    this.set.grow((from, to) => (ids[to] = oldIds[from]!));
    this.ids = ids;
  }
}
