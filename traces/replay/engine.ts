/**
 * The generic replayer: reads events in order, keeps every model state
 * consistent with the prefix read so far, and between two events closes over
 * the steps the trace does not show (TLA+ trace validation's "silent
 * actions", porcupine's power-set construction). It stops at the first line
 * that no candidate explains, or after which every explanation breaks an
 * invariant. A search bound makes the outcome `incomplete`, never `valid`.
 *
 * To let a thread's unobserved steps run before its next observed event
 * (a fault before the store that needed it), the replayer looks a bounded
 * number of events ahead and hands the adapter each thread's next event.
 */
import type { Broken, LoopVerdict, Plans, ReplayAdapter, ReplayOptions, ReplayResult, Step } from './types.js';

export interface LineEvent<E> {
  readonly line: number;
  readonly event: E;
}

interface BadCandidate<C, A> {
  readonly from: C;
  readonly action: A;
  readonly next: C;
  readonly broken: readonly Broken[];
  readonly line: number;
}

/**
 * The lookahead window: events read but not yet replayed, and for each tid
 * its first event at or after the head, kept as events are read and replayed
 * (a chain of "next event of the same tid" links), so that handing the
 * adapter each thread's next event costs the number of tids, not the
 * lookahead.
 */
class Window<E extends { readonly tid: string }> {
  private items: (LineEvent<E> & { next: number })[] = [];
  /** Absolute index of items[0]; head and links are absolute. */
  private base = 0;
  private head = 0;
  private readonly first = new Map<string, number>();
  private readonly last = new Map<string, number>();
  private readonly it: AsyncIterator<readonly LineEvent<E>[]>;
  private exhausted = false;

  constructor(
    source: AsyncIterable<readonly LineEvent<E>[]>,
    private readonly lookahead: number,
  ) {
    this.it = source[Symbol.asyncIterator]();
  }

  private size(): number {
    return this.base + this.items.length - this.head;
  }

  /** Fewer than half the lookahead buffered: time to read more. */
  low(): boolean {
    return !this.exhausted && this.size() * 2 < this.lookahead;
  }

  async fill(): Promise<void> {
    while (!this.exhausted && this.size() < this.lookahead) {
      const n = await this.it.next();
      if (n.done) {
        this.exhausted = true;
        break;
      }
      for (const x of n.value) {
        const at = this.base + this.items.length;
        const tid = x.event.tid;
        const prev = this.last.get(tid);
        if (prev !== undefined && prev >= this.head) this.items[prev - this.base]!.next = at;
        if (!this.first.has(tid)) this.first.set(tid, at);
        this.last.set(tid, at);
        this.items.push({ line: x.line, event: x.event, next: -1 });
      }
    }
    if (this.head - this.base > 65536) {
      // Keep a few replayed events for the context of a verdict.
      const keep = this.head - 8;
      this.items = this.items.slice(keep - this.base);
      this.base = keep;
    }
  }

  /** The first event of the source, read past the lookahead (for a lookahead of 0, which reads nothing). */
  async peek(): Promise<LineEvent<E> | undefined> {
    while (!this.exhausted && this.items.length === 0) {
      const n = await this.it.next();
      if (n.done) this.exhausted = true;
      else if (n.value.length > 0) return n.value[0];
    }
    return this.items[0];
  }

  current(): LineEvent<E> | undefined {
    return this.items[this.head - this.base];
  }

  advance(): void {
    const cur = this.items[this.head - this.base]!;
    if (cur.next >= 0) this.first.set(cur.event.tid, cur.next);
    else this.first.delete(cur.event.tid);
    this.head++;
  }

  /** Each tid's coming events: from the head, or (skipCurrent) after it. */
  plans(skipCurrent: boolean): Plans<E> {
    const at = new Map<string, number>();
    const cur = this.items[this.head - this.base];
    for (const [tid, i] of this.first) {
      const j = skipCurrent && cur && tid === cur.event.tid ? cur.next : i;
      if (j >= 0) at.set(tid, j);
    }
    const items = this.items;
    const base = this.base;
    return {
      get: (tid) => {
        const i = at.get(tid);
        return i === undefined ? undefined : items[i - base]!.event;
      },
      *following(tid) {
        const i = at.get(tid);
        if (i === undefined) return;
        for (let j = items[i - base]!.next; j >= 0; j = items[j - base]!.next) yield items[j - base]!.event;
      },
    };
  }

  /** The failing event and the few before it that are still buffered. */
  context(before: number): { line: number; event: unknown }[] {
    const from = Math.max(this.base, this.head - before);
    return this.items.slice(from - this.base, this.head - this.base + 1).map((x) => ({ line: x.line, event: x.event }));
  }
}

const DEFAULTS = { maxCandidates: 100_000, maxHiddenDepth: 256, lookahead: 4096 } as const;

export async function replay<C, A, E extends { readonly tid: string; readonly ev: string }>(
  adapter: ReplayAdapter<C, A, E>,
  batches: AsyncIterable<readonly LineEvent<E>[]>,
  options: ReplayOptions = {},
): Promise<ReplayResult> {
  const maxCandidates = options.maxCandidates ?? DEFAULTS.maxCandidates;
  const maxDepth = options.maxHiddenDepth ?? DEFAULTS.maxHiddenDepth;
  const lookahead = options.lookahead ?? DEFAULTS.lookahead;
  const started = Date.now();
  const progressEvery = options.progressEveryMs ?? 2000;
  let lastProgress = started;
  let count = 0;
  let maxSeen = 0;
  let hiddenSteps = 0;
  let lastLine = 0;
  let good: C[] = adapter.initial();
  const loopAfter = options.loopAfter;
  // The line the cycle starts after (0: before the first event).
  let loopLine = 0;
  const enter = (): void => {
    if (!adapter.enterLoop) throw new Error('replay: a lasso trace needs an adapter that follows cycles');
    good = good.map((c) => adapter.enterLoop!(c));
  };
  if (loopAfter === 0) enter();

  const finish = (r: Omit<ReplayResult, 'stats' | 'events' | 'context' | 'invariants'> & { invariants?: readonly string[] }): ReplayResult => {
    const seconds = (Date.now() - started) / 1000;
    const context = r.line === null ? [] : win.context(5);
    return {
      ...r,
      invariants: r.invariants ?? (r.invariant ? [r.invariant] : []),
      context,
      events: count,
      stats: { seconds, eventsPerSecond: seconds > 0 ? Math.round(count / seconds) : count, maxCandidates: maxSeen, hiddenSteps },
    };
  };

  const win = new Window<E>(batches, lookahead);
  if (lookahead < 1) {
    // A window of no events reads nothing: no verdict can come of it.
    const first = await win.peek();
    if (first) {
      return finish({
        outcome: 'incomplete',
        line: first.line,
        invariant: null,
        sentence: null,
        reason: `line ${first.line}: the lookahead bound ${lookahead} lets the replay read no event, so nothing was checked (--lookahead must be at least 1)`,
        event: first.event,
        allowed: [],
      });
    }
  }
  while (true) {
    if (win.low()) await win.fill();
    const current = win.current();
    if (!current) break;
    const { line, event } = current;
    count++;
    if (options.onProgress && (count & 255) === 0 && Date.now() - lastProgress >= progressEvery) {
      lastProgress = Date.now();
      options.onProgress({ line, events: count, candidates: good.length, seconds: (lastProgress - started) / 1000 });
    }
    if (options.signal?.aborted) {
      return finish({
        outcome: 'incomplete',
        line,
        invariant: null,
        sentence: null,
        reason: `interrupted before line ${line}; the trace up to line ${lastLine} is consistent with the model`,
        event,
        allowed: [],
      });
    }

    // Close over hidden steps, then match the event.
    let closed: C[] = good;
    let bad: BadCandidate<C, A>[] = [];
    if (adapter.hasHidden) {
      const plans = win.plans(false);
      const c = closure(adapter, good, plans, lastLine, maxCandidates, maxDepth);
      hiddenSteps += c.steps;
      if (c.truncated) {
        return finish({
          outcome: 'incomplete',
          line,
          invariant: null,
          sentence: null,
          reason: `before line ${line}: ${c.truncated}; the trace up to line ${lastLine} is consistent with the model, the rest was not checked`,
          event,
          allowed: [],
        });
      }
      closed = c.good;
      bad = c.bad;
    }
    if (closed.length > maxSeen) maxSeen = closed.length;

    const after = win.plans(true);
    let next: C[] = [];
    let firstBad: BadCandidate<C, A> | undefined;
    for (const c of closed) {
      for (const st of adapter.observe(c, event, line, after)) {
        const br = adapter.broken(c, st.action, st.next);
        if (br.length > 0) {
          firstBad ??= { from: c, action: st.action, next: st.next, broken: br, line };
          continue;
        }
        next.push(st.next);
      }
    }
    // Keys cost more than the step: only computed when there is a choice.
    if (next.length > 1) next = dedupe(adapter, next);

    if (next.length === 0) {
      if (firstBad) return finish(brokenVerdict(adapter, firstBad, line, event));
      // A hidden step broke an invariant and that explanation is the one that reaches this event.
      for (const b of bad) {
        if (adapter.observe(b.next, event, line, after).length > 0) return finish(brokenVerdict(adapter, b, line, event, true));
      }
      const allowed = [...new Set(closed.flatMap((c) => adapter.allowed(c, win.plans(false))))].slice(0, 12);
      const why = closed.length > 0 ? adapter.mismatch(closed[0]!, event, line, after).reason : 'no state is consistent with the lines before it';
      return finish({
        outcome: 'invalid',
        line,
        invariant: null,
        sentence: null,
        reason: `line ${line}: ${event.ev} is not a step the model allows here: ${why}`,
        event,
        allowed,
      });
    }
    if (next.length > maxCandidates) {
      return finish({
        outcome: 'incomplete',
        line,
        invariant: null,
        sentence: null,
        reason: `line ${line}: ${next.length} model states are consistent with the trace, more than the bound ${maxCandidates}`,
        event,
        allowed: [],
      });
    }
    good = next;
    lastLine = line;
    win.advance();
    if (loopAfter !== undefined && count === loopAfter) {
      loopLine = line;
      enter();
    }
  }
  if (loopAfter !== undefined) {
    // Unlogged steps may end the cycle after its last logged event.
    if (adapter.hasHidden) {
      const none: Plans<E> = { get: () => undefined, following: () => [] };
      const c = closure(adapter, good, none, lastLine, maxCandidates, maxDepth);
      hiddenSteps += c.steps;
      if (c.truncated) {
        return finish({ outcome: 'incomplete', line: null, invariant: null, sentence: null, reason: `after the last line: ${c.truncated}; the cycle was not checked`, event: null, allowed: [] });
      }
      good = c.good;
    }
    return finish(lassoVerdict(adapter, good, loopLine, lastLine, count));
  }
  return finish({
    outcome: 'valid',
    line: null,
    invariant: null,
    sentence: null,
    reason: `all ${count} events match the model and no invariant failed`,
    event: null,
    allowed: [],
  });
}

/**
 * The end of a lasso trace: the cycle must bring some explanation back to
 * the state it started from. Then it is a livelock if a thread busy on every
 * step of it can always take a step, and the cycle is weakly fair (every
 * thread steps on it or is blocked somewhere on it).
 */
function lassoVerdict<C, A, E extends { readonly tid: string; readonly ev: string }>(
  adapter: ReplayAdapter<C, A, E>,
  good: readonly C[],
  loopLine: number,
  lastLine: number,
  count: number,
): Omit<ReplayResult, 'stats' | 'events' | 'context' | 'invariants'> {
  const verdicts = good.map((c) => adapter.closeLoop!(c));
  const cycle = loopLine === 0 ? `lines 2..${lastLine}` : `the lines after line ${loopLine}`;
  const live = verdicts.find((v): v is Extract<LoopVerdict, { closes: true }> => v.closes && v.livelock !== null);
  if (live) {
    const l = live.livelock!;
    return {
      outcome: 'invalid',
      line: lastLine,
      invariant: l.id,
      sentence: l.sentence,
      reason:
        `${l.id} (${l.sentence}): ${cycle} bring the model back to the state they start from (up to renamed sequence numbers), so they can repeat forever; ` +
        `on every step of the cycle ${l.thread} is inside its ${l.op} and can take a step, and every thread steps on the cycle or is blocked somewhere on it, and every thread asleep on a lock the kernel hands over finds it held wherever it does not step (fair scheduling)`,
      event: null,
      allowed: [],
    };
  }
  if (verdicts.some((v) => v.closes)) {
    return {
      outcome: 'valid',
      line: null,
      invariant: null,
      sentence: null,
      reason: `all ${count} events match the model and no invariant failed; ${cycle} repeat forever, but no started operation starves on them under fair scheduling`,
      event: null,
      allowed: [],
    };
  }
  return {
    outcome: 'invalid',
    line: lastLine,
    invariant: null,
    sentence: null,
    reason: `loop: the header says ${cycle} repeat forever, but after line ${lastLine} the model is not in the state they started from (up to renamed sequence numbers), so the cycle cannot repeat`,
    event: null,
    allowed: [],
  };
}

function brokenVerdict<C, A, E extends { readonly tid: string; readonly ev: string }>(
  adapter: ReplayAdapter<C, A, E>,
  b: BadCandidate<C, A>,
  line: number,
  event: E,
  hidden = false,
): Omit<ReplayResult, 'stats' | 'events' | 'context'> {
  const first = b.broken[0]!;
  const detail = adapter.explainBroken(b.from, b.action, b.next, first, b.line);
  const where = hidden ? `an unlogged step before line ${line} breaks it` : `line ${line} (${event.ev}) breaks it`;
  const ids = [...new Set(b.broken.map((x) => x.id))];
  const also = ids.length > 1 ? ` (the step also breaks ${ids.slice(1).join(', ')})` : '';
  return {
    outcome: 'invalid',
    line,
    invariant: first.id,
    invariants: ids,
    sentence: first.sentence,
    reason: `${first.id} (${first.sentence}): ${where}: ${detail}${also}`,
    event,
    allowed: [],
  };
}

function dedupe<C, A, E extends { readonly tid: string; readonly ev: string }>(adapter: ReplayAdapter<C, A, E>, cs: readonly C[]): C[] {
  const seen = new Set<string>();
  const out: C[] = [];
  for (const c of cs) {
    const k = adapter.key(c);
    if (!seen.has(k)) {
      seen.add(k);
      out.push(c);
    }
  }
  return out;
}

/** Breadth-first closure over hidden steps, deduplicated by key. */
function closure<C, A, E extends { readonly tid: string; readonly ev: string }>(
  adapter: ReplayAdapter<C, A, E>,
  start: readonly C[],
  plans: Plans<E>,
  afterLine: number,
  maxCandidates: number,
  maxDepth: number,
): { good: C[]; bad: BadCandidate<C, A>[]; steps: number; truncated?: string } {
  const seen = new Set<string>();
  const good: C[] = [];
  for (const c of start) {
    const k = adapter.key(c);
    if (!seen.has(k)) {
      seen.add(k);
      good.push(c);
    }
  }
  const bad: BadCandidate<C, A>[] = [];
  let frontier = good.slice();
  let steps = 0;
  for (let depth = 0; frontier.length > 0; depth++) {
    if (depth >= maxDepth) {
      return { good, bad, steps, truncated: `more than ${maxDepth} unlogged steps in a row (--max-hidden-depth)` };
    }
    const nextFrontier: C[] = [];
    for (const c of frontier) {
      for (const st of adapter.hidden(c, plans, afterLine) as Step<C, A>[]) {
        steps++;
        const k = adapter.key(st.next);
        if (seen.has(k)) continue;
        seen.add(k);
        const br = adapter.broken(c, st.action, st.next);
        if (br.length > 0) {
          if (bad.length < 64) bad.push({ from: c, action: st.action, next: st.next, broken: br, line: afterLine });
          continue;
        }
        good.push(st.next);
        nextFrontier.push(st.next);
        if (good.length > maxCandidates) {
          return { good, bad, steps, truncated: `more than ${maxCandidates} model states explain the unlogged steps (--max-candidates)` };
        }
      }
    }
    frontier = nextFrontier;
  }
  return { good, bad, steps };
}
