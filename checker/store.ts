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
}

/** A `Map` from fingerprint to id, with parent links in growable typed arrays. */
export class MapStore<S> implements StateStore<S> {
  readonly kind = 'exact';
  private readonly ids = new Map<string, number>();
  private parents = new Int32Array(1024);
  private actionIdx = new Int32Array(1024);
  private keyBytes = 0;

  constructor(private readonly fingerprint: (state: S) => string) {}

  get size(): number {
    return this.ids.size;
  }

  insert(state: S, parent: number, action: number): number {
    const key = this.fingerprint(state);
    if (this.ids.has(key)) return -1;
    const id = this.ids.size;
    this.ids.set(key, id);
    if (id >= this.parents.length) this.grow();
    this.parents[id] = parent;
    this.actionIdx[id] = action;
    this.keyBytes += key.length;
    return id;
  }

  parentOf(id: number): number {
    return this.parents[id]!;
  }

  actionOf(id: number): number {
    return this.actionIdx[id]!;
  }

  bytesPerState(): number {
    // V8 keeps one-byte strings at ~1 byte per character plus a header, and a
    // Map entry costs about three pointers; typed arrays hold 8 bytes per id.
    const n = Math.max(1, this.ids.size);
    return Math.round(this.keyBytes / n + 16 + 24 + 8);
  }

  private grow(): void {
    const p = new Int32Array(this.parents.length * 2);
    p.set(this.parents);
    this.parents = p;
    const a = new Int32Array(this.actionIdx.length * 2);
    a.set(this.actionIdx);
    this.actionIdx = a;
  }
}
