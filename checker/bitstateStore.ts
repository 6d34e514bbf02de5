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
import { PathLinks } from './pathLinks.js';
import { HashStore, type Pack } from './store.js';

const K = 3;

export class BitstateStore<S> extends HashStore<S> {
  readonly kind = 'bitstate';
  private readonly bits: Int32Array;
  private readonly nbits: number;
  private set = 0;

  constructor(pack: Pack<S>, bytes: number) {
    super(pack);
    const n = Math.max(1024, Math.floor(bytes / 4));
    this.bits = new Int32Array(n);
    this.nbits = n * 32;
  }

  insertHash(hi: number, lo: number, parent: number, action: number): number {
    PathLinks.check(action);
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
    return fresh ? this.added(parent, action) : -1;
  }

  bytesPerState(): number {
    return Math.round((this.bits.byteLength / Math.max(1, this.count)) * 10) / 10;
  }

  collisionProbability(): number {
    return (this.set / this.nbits) ** K;
  }
}
