/**
 * The frontier as packed words: states waiting to be expanded, each stored
 * as the record [id, depth, length, ...words], every number a zigzag varint
 * (protobuf's encoding) in one growable byte buffer.
 *
 * Holding the frontier as objects kept every queued state alive across many
 * young-generation collections, and promoting them is most of the checker's
 * GC time; words have nothing to trace. Varints because a state's words are
 * mostly codes and small counts: one byte each instead of four, so a
 * breadth-first frontier of many thousand states takes a quarter of the
 * memory (the HMM presets: about 120 bytes a state instead of 456).
 * FIFO for breadth-first search, LIFO (through a stack of record offsets)
 * for depth-first.
 */
export class WordQueue {
  private buf = new Uint8Array(1 << 16);
  private head = 0;
  private tail = 0;
  private offsets = new Int32Array(1024);
  private count = 0;
  /** What `take` decodes a record's words into. */
  private decoded = new Int32Array(256);

  constructor(private readonly lifo: boolean) {}

  get length(): number {
    return this.count;
  }

  push(id: number, depth: number, words: Int32Array, n: number): void {
    // At most 5 bytes a number.
    const most = 5 * (n + 3);
    if (this.tail + most > this.buf.length) this.makeRoom(most);
    const b = this.buf;
    const start = this.tail;
    let at = putVarint(b, start, id);
    at = putVarint(b, at, depth);
    at = putVarint(b, at, n);
    for (let i = 0; i < n; i++) {
      const x = words[i]!;
      const z = ((x << 1) ^ (x >> 31)) >>> 0;
      // Most words are below 128: one byte, no loop.
      if (z < 0x80) b[at++] = z;
      else at = putVarint(b, at, x);
    }
    this.tail = at;
    if (this.lifo) {
      if (this.count === this.offsets.length) {
        const o = new Int32Array(this.count * 2);
        o.set(this.offsets);
        this.offsets = o;
      }
      this.offsets[this.count] = start;
    }
    this.count++;
  }

  /**
   * Takes the next record; its words are valid until the next take.
   * Returns false when empty.
   */
  take(into: { id: number; depth: number; words: Int32Array }): boolean {
    if (this.count === 0) return false;
    const start = this.lifo ? this.offsets[this.count - 1]! : this.head;
    const end = this.read(start, into);
    this.count--;
    if (this.lifo) this.tail = start;
    else {
      this.head = end;
      if (this.count === 0) this.head = this.tail = 0;
    }
    return true;
  }

  /** Every queued record, oldest first (checkpoints write them out), each a copy. */
  *records(): Generator<{ id: number; depth: number; words: Int32Array }> {
    let at = this.lifo ? 0 : this.head;
    const r = { id: 0, depth: 0, words: new Int32Array(0) };
    for (let i = 0; i < this.count; i++) {
      if (this.lifo) at = this.offsets[i]!;
      at = this.read(at, r);
      yield { id: r.id, depth: r.depth, words: r.words.slice() };
    }
  }

  /** Every queued record back to back as words [id, depth, n, ...words], in `records` order: what a checkpoint saves. */
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

  /**
   * Bytes a queued number (record headers included) takes on average, 4
   * unencoded: counted on request, by reading every record.
   */
  bytesPerWord(): number {
    let numbers = 0;
    for (const r of this.records()) numbers += 3 + r.words.length;
    const bytes = this.lifo ? this.tail : this.tail - this.head;
    return numbers === 0 ? 0 : bytes / numbers;
  }

  /** Decodes the record at byte `start` into `into` (words into the shared buffer); returns where it ends. */
  private read(start: number, into: { id: number; depth: number; words: Int32Array }): number {
    const b = this.buf;
    let at = start;
    let x = getVarint(b, at);
    at = cursor;
    into.id = x;
    x = getVarint(b, at);
    at = cursor;
    into.depth = x;
    const n = getVarint(b, at);
    at = cursor;
    if (n > this.decoded.length) this.decoded = new Int32Array(n * 2);
    const d = this.decoded;
    for (let i = 0; i < n; i++) {
      const z = b[at]!;
      if (z < 0x80) {
        d[i] = (z >>> 1) ^ -(z & 1);
        at++;
      } else {
        d[i] = getVarint(b, at);
        at = cursor;
      }
    }
    into.words = d.subarray(0, n);
    return at;
  }

  private makeRoom(need: number): void {
    // A taken record's words live in `decoded`, not here: compacting is safe.
    if (!this.lifo && this.head * 2 >= this.buf.length) {
      this.buf.copyWithin(0, this.head, this.tail);
      this.tail -= this.head;
      this.head = 0;
      if (this.tail + need <= this.buf.length) return;
    }
    let size = this.buf.length * 2;
    while (size < this.tail + need) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.buf.subarray(0, this.tail));
    this.buf = b;
  }
}

/** Writes int32 `x` zigzagged as a varint at `at`; returns the byte after it. */
function putVarint(b: Uint8Array, at: number, x: number): number {
  let z = ((x << 1) ^ (x >> 31)) >>> 0;
  while (z >= 0x80) {
    b[at++] = (z & 0x7f) | 0x80;
    z >>>= 7;
  }
  b[at++] = z;
  return at;
}

/** Where the last `getVarint` stopped (a module cursor: no object per number). */
let cursor = 0;

/** Reads the zigzag varint at `at` as an int32; `cursor` is the byte after it. */
function getVarint(b: Uint8Array, at: number): number {
  let z = 0;
  let shift = 0;
  for (;;) {
    const byte = b[at++]!;
    z |= (byte & 0x7f) << shift;
    if (byte < 0x80) break;
    shift += 7;
  }
  cursor = at;
  return (z >>> 1) ^ -(z & 1);
}
