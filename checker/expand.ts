/**
 * Expanding a batch of packed states: the part of a breadth-first step that
 * needs the model (unpack, actions, successors, invariants, step properties,
 * pack, hash), written as words so that it can run in a worker thread.
 *
 * The output says, per state and per successor, everything the search needs
 * to do its bookkeeping without the model (parallel.ts `absorb`): which
 * properties failed, the successor's fingerprint and its words. Invariants
 * are checked on every successor the expander has not sent before, not only
 * on new ones, because only the store knows which are new; that keeps the
 * search's order, counts and first violation identical to the
 * single-threaded one.
 *
 * A worker remembers the fingerprints of the successors it has sent in full.
 * When one comes again it sends only the fingerprint (length -1): batches are
 * absorbed in the order they were cut and each worker gets its batches in
 * that order, so the main thread has stored that state before it reads the
 * repeat; checking its invariants and sending its words again would be
 * wasted (most transitions of a search lead to states seen before). The main
 * thread's own expander asks the store, and remembers only the batch at hand
 * (its earlier batches' states are stored by then, or about to be: sending
 * one in full twice costs a copy, never a wrong count).
 */
import { FingerprintSet } from './fingerprintSet.js';
import { HASH, hash64 } from './hash64.js';
import type { Model } from './model.js';

/** What happened to an expanded state. */
export const EXPANDED = 0;
export const DEADLOCK = 1;
export const FINAL = 2;
export const CUT = 3;
/** In place of a successor's invariants, words and length: the expander sent this state before. */
export const SENT_BEFORE = -1;

/** A growable output of words. */
export class Words {
  buf: Int32Array;
  n = 0;

  constructor(buf?: Int32Array) {
    this.buf = buf ?? new Int32Array(1 << 14);
  }

  room(k: number): void {
    if (this.n + k <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.n + k) size *= 2;
    const b = new Int32Array(size);
    b.set(this.buf.subarray(0, this.n));
    this.buf = b;
  }

  push(x: number): void {
    if (this.n === this.buf.length) this.room(1);
    this.buf[this.n++] = x;
  }
}

export class Expander<S, A> {
  private words = new Int32Array(256);
  private threads = new Int32Array(64);
  private readonly kindIndex = new Map<string, number>();
  private readonly sent: FingerprintSet;

  /**
   * `stored`, when given, says whether the search has stored a fingerprint
   * (the main thread's own expander asks its store, and remembers what it
   * sent in the current batch only); without it the expander remembers
   * everything it sent (a worker's).
   */
  constructor(
    private readonly model: Model<S, A>,
    private readonly maxDepth: number,
    private readonly stored?: (hi: number, lo: number) => boolean,
  ) {
    this.sent = new FingerprintSet(1 << 14);
    model.actionKinds.forEach((k, i) => this.kindIndex.set(k, i));
  }

  /**
   * Expands the records [id, depth, n, ...words] in `input[0..len)`, appending
   * to `out`, per record: id, depth, the enabled, busy and sleeping thread
   * masks of the progress check (0 without one), status, successor count, then per
   * successor: action index, its thread, kind index (-1: not a listed kind), failed step
   * properties (count, indices), fingerprint (high, low), then either -1 (a
   * state this expander sent before) or failed invariants (count, indices),
   * packed length and words.
   */
  expand(input: Int32Array, len: number, out: Words): void {
    const { model } = this;
    const stepProps = model.stepProperties ?? [];
    const invariants = model.invariants;
    // A successor two states of the batch share: one invariant check, one copy of its words.
    if (this.stored) this.sent.clear();
    let at = 0;
    while (at < len) {
      const id = input[at]!;
      const depth = input[at + 1]!;
      const n = input[at + 2]!;
      const state = model.unpack!(input.subarray(at + 3, at + 3 + n));
      at += 3 + n;
      const actions = model.actions(state);
      out.room(7);
      out.push(id);
      out.push(depth);
      const progress = model.progress;
      // Each action's thread, once: the mask here and each successor's record below.
      if (progress && actions.length > this.threads.length) this.threads = new Int32Array(actions.length * 2);
      let enabled = 0;
      if (progress) {
        for (let i = 0; i < actions.length; i++) {
          this.threads[i] = progress.threadOf(actions[i]!);
          enabled |= 1 << this.threads[i]!;
        }
      }
      out.push(enabled);
      out.push(progress ? progress.busy(state) : 0);
      out.push(progress?.sleeping ? progress.sleeping(state) : 0);
      if (actions.length === 0) {
        out.push(model.isFinal && !model.isFinal(state) ? DEADLOCK : FINAL);
        out.push(0);
        continue;
      }
      if (depth >= this.maxDepth) {
        out.push(CUT);
        out.push(0);
        continue;
      }
      out.push(EXPANDED);
      out.push(actions.length);
      for (let i = 0; i < actions.length; i++) {
        const action = actions[i]!;
        const next = model.next(state, action);
        out.push(i);
        out.push(progress ? this.threads[i]! : 0);
        out.push(this.kindIndex.get(model.actionKind(action)) ?? -1);
        const mark = out.n;
        out.push(0);
        for (let p = 0; p < stepProps.length; p++) {
          if (!stepProps[p]!.holds(state, action, next)) {
            out.buf[mark]!++;
            out.push(p);
          }
        }
        let wn = model.pack!(next, this.words);
        if (wn > this.words.length) {
          this.words = new Int32Array(wn * 2);
          wn = model.pack!(next, this.words);
        }
        hash64(this.words, wn);
        const hi = HASH[0]!;
        const lo = HASH[1]!;
        out.push(hi);
        out.push(lo);
        if (this.stored?.(hi, lo) || !this.sent.add(hi, lo)) {
          out.push(SENT_BEFORE);
          continue;
        }
        if (this.sent.full) this.sent.grow();
        const imark = out.n;
        out.push(0);
        for (let v = 0; v < invariants.length; v++) {
          if (!invariants[v]!.holds(next)) {
            out.buf[imark]!++;
            out.push(v);
          }
        }
        out.room(wn + 1);
        out.buf[out.n++] = wn;
        out.buf.set(this.words.subarray(0, wn), out.n);
        out.n += wn;
      }
    }
  }
}
