/**
 * Bitstate hashing (SPIN's supertrace): the visited set as a bit array, three
 * bits per state, taken from the state's 64-bit fingerprint.
 *
 * A state is new when any of its bits was clear, so a new state can be taken
 * for one seen before and its successors skipped: a search with this store is
 * never exhaustive, whatever its outcome, and says so (`kind` 'bitstate').
 * What it buys is memory: a fixed table of a chosen size, so swarm shards
 * (`check --shard`) cover a state space much larger than memory would hold
 * in whole fingerprints. Path links (6 bytes per state) still let it print
 * counterexamples. `collisionProbability` here is the chance that the next
 * new state would be wrongly dropped at the table's current fill.
 */
import { HASH, hash64 } from './hash64.js';
import type { Pack } from './fingerprintStore.js';
import type { StateStore } from './store.js';

const K = 3;

export class BitstateStore<S> implements StateStore<S> {
  readonly kind = 'bitstate';
  private readonly bits: Int32Array;
  private readonly nbits: number;
  private count = 0;
  private set = 0;
  private parents = new Int32Array(1024);
  private actionIdx = new Uint16Array(1024);
  private words = new Int32Array(256);

  constructor(
    private readonly pack: Pack<S>,
    bytes: number,
  ) {
    const n = Math.max(1024, Math.floor(bytes / 4));
    this.bits = new Int32Array(n);
    this.nbits = n * 32;
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

  insertPacked(words: Int32Array, n: number, parent: number, action: number): number {
    hash64(words, n);
    return this.insertHash(HASH[0]!, HASH[1]!, parent, action);
  }

  insertHash(hi: number, lo: number, parent: number, action: number): number {
    if (action > 0xffff) throw new RangeError(`action index ${action} does not fit the store's 16 bits`);
    let fresh = false;
    // Double hashing: bit j is (hi + j * lo) mod nbits, with lo made odd.
    const h1 = hi >>> 0;
    const h2 = (lo | 1) >>> 0;
    for (let j = 0; j < K; j++) {
      const b = (h1 + j * h2) % this.nbits;
      const word = b >>> 5;
      const mask = 1 << (b & 31);
      if ((this.bits[word]! & mask) === 0) {
        this.bits[word] = this.bits[word]! | mask;
        this.set++;
        fresh = true;
      }
    }
    if (!fresh) return -1;
    const id = this.count++;
    if (id >= this.parents.length) {
      const p = new Int32Array(this.parents.length * 2);
      p.set(this.parents);
      this.parents = p;
      const a = new Uint16Array(this.actionIdx.length * 2);
      a.set(this.actionIdx);
      this.actionIdx = a;
    }
    this.parents[id] = parent;
    this.actionIdx[id] = action;
    return id;
  }

  parentOf(id: number): number {
    return this.parents[id]!;
  }

  actionOf(id: number): number {
    return this.actionIdx[id]!;
  }

  bytesPerState(): number {
    return Math.round((this.bits.byteLength / Math.max(1, this.count)) * 10) / 10;
  }

  collisionProbability(): number {
    return (this.set / this.nbits) ** K;
  }
}
