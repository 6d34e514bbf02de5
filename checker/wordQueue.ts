/**
 * The frontier as packed words: states waiting to be expanded, each stored
 * as [id, depth, length, ...words] in one growable Int32Array.
 *
 * Holding the frontier as objects kept every queued state alive across many
 * young-generation collections, and promoting them is most of the checker's
 * GC time; words are a few hundred bytes per state with nothing to trace.
 * FIFO for breadth-first search, LIFO (through a stack of record offsets)
 * for depth-first.
 */
export class WordQueue {
  private buf = new Int32Array(1 << 16);
  private head = 0;
  private tail = 0;
  private offsets = new Int32Array(1024);
  private count = 0;

  constructor(private readonly lifo: boolean) {}

  get length(): number {
    return this.count;
  }

  push(id: number, depth: number, words: Int32Array, n: number): void {
    if (this.tail + n + 3 > this.buf.length) this.makeRoom(n + 3);
    const b = this.buf;
    const at = this.tail;
    b[at] = id;
    b[at + 1] = depth;
    b[at + 2] = n;
    // A loop, not set(subarray): no view object per push (records are a few dozen words).
    for (let i = 0; i < n; i++) b[at + 3 + i] = words[i]!;
    this.tail = at + n + 3;
    if (this.lifo) {
      if (this.count === this.offsets.length) {
        const o = new Int32Array(this.count * 2);
        o.set(this.offsets);
        this.offsets = o;
      }
      this.offsets[this.count] = at;
    }
    this.count++;
  }

  /**
   * Takes the next record; its words are valid until the next push.
   * Returns false when empty.
   */
  take(into: { id: number; depth: number; words: Int32Array }): boolean {
    if (this.count === 0) return false;
    const at = this.lifo ? this.offsets[this.count - 1]! : this.head;
    const b = this.buf;
    const n = b[at + 2]!;
    into.id = b[at]!;
    into.depth = b[at + 1]!;
    into.words = b.subarray(at + 3, at + 3 + n);
    this.count--;
    if (this.lifo) this.tail = at;
    else {
      this.head = at + 3 + n;
      if (this.count === 0) this.head = this.tail = 0;
    }
    return true;
  }

  /** Every queued record, oldest first (checkpoints write them out). */
  *records(): Generator<{ id: number; depth: number; words: Int32Array }> {
    let at = this.lifo ? 0 : this.head;
    for (let i = 0; i < this.count; i++) {
      if (this.lifo) at = this.offsets[i]!;
      const n = this.buf[at + 2]!;
      yield { id: this.buf[at]!, depth: this.buf[at + 1]!, words: this.buf.subarray(at + 3, at + 3 + n) };
      at += 3 + n;
    }
  }

  /** Every queued record back to back, in `records` order: what a checkpoint saves. */
  snapshot(): Int32Array {
    let size = 0;
    for (const r of this.records()) size += 3 + r.words.length;
    const out = new Int32Array(size);
    let at = 0;
    for (const r of this.records()) {
      out[at] = r.id;
      out[at + 1] = r.depth;
      out[at + 2] = r.words.length;
      out.set(r.words, at + 3);
      at += 3 + r.words.length;
    }
    return out;
  }

  /** Queues the records of a `snapshot`, in order. */
  restore(records: Int32Array): void {
    let at = 0;
    while (at < records.length) {
      const n = records[at + 2]!;
      this.push(records[at]!, records[at + 1]!, records.subarray(at + 3, at + 3 + n), n);
      at += 3 + n;
    }
  }

  bytes(): number {
    return this.buf.byteLength + this.offsets.byteLength;
  }

  private makeRoom(need: number): void {
    // A taken record's words stay readable until the next push, which is
    // this call: compacting now is safe.
    if (!this.lifo && this.head * 2 >= this.buf.length) {
      this.buf.copyWithin(0, this.head, this.tail);
      this.tail -= this.head;
      this.head = 0;
      if (this.tail + need <= this.buf.length) return;
    }
    let size = this.buf.length * 2;
    while (size < this.tail + need) size *= 2;
    const b = new Int32Array(size);
    b.set(this.buf.subarray(0, this.tail));
    this.buf = b;
  }
}
