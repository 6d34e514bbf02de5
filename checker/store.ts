import { HASH, hash64 } from './hash64.js';
import { PathLinks } from './pathLinks.js';
import { wordsKey } from './wordsKey.js';

/**
 * The visited-state store: the checker's memory of what it has seen.
 *
 * Each state seen gets a dense id; the store keeps, per id, the id of the state
 * it was first reached from and the index of the action taken, so that a
 * counterexample can be rebuilt by replaying action indices from an initial
 * state (stateright's `Path`). Storing parents instead of states keeps memory
 * per state small; the interface lets a packed, hashed store replace this one
 * without touching the search.
 */
export interface StateStore<S> {
  /**
   * Records `state`, reached from `parent` (-1 for an initial state) by the
   * action at index `action` (-1 for an initial state, or the initial state's
   * index). Returns the new id, or -1 when the state was already stored.
   */
  insert(state: S, parent: number, action: number): number;
  parentOf(id: number): number;
  actionOf(id: number): number;
  readonly size: number;
  /** Approximate bytes held per stored state to tell states apart, for statistics. */
  bytesPerState(): number;
  /** 'exact' keeps whole keys; 'fingerprint' keeps hashes and may (rarely) merge two states. */
  readonly kind?: 'exact' | 'fingerprint' | 'bitstate';
  /** For a fingerprint store: the estimated probability that two stored states collided. */
  collisionProbability?(): number;
  /** Like insert, for a state already packed by the model (words[0..n)): saves packing twice. */
  insertPacked?(words: Int32Array, n: number, parent: number, action: number): number;
  /** Like insert, for a fingerprint computed elsewhere (a worker thread). */
  insertHash?(hi: number, lo: number, parent: number, action: number): number;
  /** True when a state with this fingerprint is stored (stores that keep fingerprints). */
  hasHash?(hi: number, lo: number): boolean;
  /**
   * Turns on `lastId`: the id of the state the last insert met, new or
   * stored before (the progress check records every edge). False when the
   * store cannot tell (a bitstate table keeps no ids).
   */
  trackIds?(): boolean;
  readonly lastId?: number;
}

/** A `Map` from fingerprint to id, with the path links beside it. */
export class MapStore<S> implements StateStore<S> {
  readonly kind = 'exact';
  private readonly ids = new Map<string, number>();
  private readonly links = new PathLinks();
  private keyBytes = 0;
  lastId = -1;

  constructor(private readonly fingerprint: (state: S) => string) {}

  get size(): number {
    return this.ids.size;
  }

  trackIds(): boolean {
    return true;
  }

  insert(state: S, parent: number, action: number): number {
    return this.insertKey(this.fingerprint(state), parent, action);
  }

  /**
   * A state the search packed already: keyed by its words (`wordsKey`), not
   * packed again by the fingerprint. One store takes one kind of insert: the
   * two keys of a state differ unless the model's fingerprint is wordsKey of
   * its pack, as the HMM model's is.
   */
  insertPacked(words: Int32Array, n: number, parent: number, action: number): number {
    return this.insertKey(wordsKey(words, n), parent, action);
  }

  private insertKey(key: string, parent: number, action: number): number {
    PathLinks.check(action);
    const seen = this.ids.get(key);
    if (seen !== undefined) {
      this.lastId = seen;
      return -1;
    }
    const id = this.ids.size;
    this.ids.set(key, id);
    this.lastId = id;
    this.links.set(id, parent, action);
    this.keyBytes += key.length;
    return id;
  }

  parentOf(id: number): number {
    return this.links.parentOf(id);
  }

  actionOf(id: number): number {
    return this.links.actionOf(id);
  }

  bytesPerState(): number {
    // V8 keeps one-byte strings at ~1 byte per character plus a header, and a
    // Map entry costs about three pointers; the path links 6 bytes per id.
    const n = Math.max(1, this.ids.size);
    return Math.round(this.keyBytes / n + 16 + 24 + 6);
  }
}

/**
 * The front of the stores that keep hashes of packed states: packs a state
 * (asking for a larger buffer when it does not fit), hashes the words, and
 * leaves the rest to `insertHash`. Workers hash on their side and call
 * `insertHash` directly; the search packs once and calls `insertPacked`.
 */
export abstract class HashStore<S> implements StateStore<S> {
  abstract readonly kind: 'fingerprint' | 'bitstate';
  protected readonly links = new PathLinks();
  protected count = 0;
  private words = new Int32Array(256);

  constructor(private readonly pack: Pack<S>) {}

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

  /** Stores a fingerprint; -1 when it was there. Subclasses call `added` for a new one. */
  abstract insertHash(hi: number, lo: number, parent: number, action: number): number;

  /** A new state: its id, and its links recorded. */
  protected added(parent: number, action: number): number {
    const id = this.count++;
    this.links.set(id, parent, action);
    return id;
  }

  parentOf(id: number): number {
    return this.links.parentOf(id);
  }

  actionOf(id: number): number {
    return this.links.actionOf(id);
  }

  abstract bytesPerState(): number;
  abstract collisionProbability(): number;
}

/** Writes a state's words into `out` and returns their count (more than out.length: call again with room). */
export type Pack<S> = (state: S, out: Int32Array) => number;
