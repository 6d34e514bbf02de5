/**
 * The importer's output in trace order, where an event may wait for a later
 * line to be complete: migrate_vma_setup learns its src array from the
 * driver's alloc_and_copy that follows, migrate_vma_pages learns which pages
 * committed from migrate_vma_finalize, and an invalidation bracket learns
 * from its return (its caller) whether it is a PMD split the model leaves
 * out. Events are released in order once everything before them is settled.
 */
export type Ev = Record<string, unknown> & { ev: string; tid: string };

export interface Slot {
  readonly line: number;
  event: Ev | null;
  settled: boolean;
}

export class OutQueue {
  private q: Slot[] = [];
  private head = 0;

  constructor(private readonly sink: (line: number, event: Ev) => void) {}

  /** An event final as it is. */
  emit(line: number, event: Ev): Slot {
    const s: Slot = { line, event, settled: true };
    this.q.push(s);
    this.flush();
    return s;
  }

  /** A place for an event settled later (fill it, or drop it). */
  hold(line: number, event: Ev | null = null): Slot {
    const s: Slot = { line, event, settled: false };
    this.q.push(s);
    return s;
  }

  settle(s: Slot, event: Ev | null): void {
    s.event = event;
    s.settled = true;
    this.flush();
  }

  /**
   * Holds never settled (the trace ended, or the import stopped, first) are
   * dropped, and counted by the caller; so is every event after the first
   * of them. Those are the operation's own events (a fork's copy_page_range
   * brackets, held in place for the fork that a stop left unseen) and
   * others' that came after it, and without it none of them is what the
   * recording says happened: a bracket with no fork around it is no step
   * of the model's.
   */
  finish(): Slot[] {
    const rest = this.q.slice(this.head);
    const open = rest.filter((s) => !s.settled);
    if (open.length > 0) {
      for (const s of rest) {
        s.settled = true;
        s.event = null;
      }
    }
    this.flush();
    return open;
  }

  private flush(): void {
    while (this.head < this.q.length && this.q[this.head]!.settled) {
      const s = this.q[this.head++]!;
      if (s.event) this.sink(s.line, s.event);
    }
    if (this.head > 4096 && this.head * 2 > this.q.length) {
      this.q = this.q.slice(this.head);
      this.head = 0;
    }
  }
}
