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
import type { Broken, ReplayAdapter, ReplayOptions, ReplayResult, Step } from './types.js';

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

const DEFAULTS = { maxCandidates: 100_000, maxHiddenDepth: 256, lookahead: 4096 } as const;

export async function replay<C, A, E extends { readonly tid: string; readonly ev: string }>(
  adapter: ReplayAdapter<C, A, E>,
  events: AsyncIterable<LineEvent<E>>,
  options: ReplayOptions = {},
): Promise<ReplayResult> {
  const maxCandidates = options.maxCandidates ?? DEFAULTS.maxCandidates;
  const maxDepth = options.maxHiddenDepth ?? DEFAULTS.maxHiddenDepth;
  const lookahead = options.lookahead ?? DEFAULTS.lookahead;
  const started = Date.now();
  let count = 0;
  let maxSeen = 0;
  let hiddenSteps = 0;
  let lastLine = 0;
  let good: C[] = adapter.initial();

  const finish = (r: Omit<ReplayResult, 'stats' | 'events' | 'context'>): ReplayResult => {
    const seconds = (Date.now() - started) / 1000;
    const context = r.line === null ? [] : window.slice(Math.max(0, head - 5), head + 1).map((x) => ({ line: x.line, event: x.event }));
    return {
      ...r,
      context,
      events: count,
      stats: { seconds, eventsPerSecond: seconds > 0 ? Math.round(count / seconds) : count, maxCandidates: maxSeen, hiddenSteps },
    };
  };

  // The lookahead window: events read but not yet replayed.
  const window: LineEvent<E>[] = [];
  let head = 0;
  const it = events[Symbol.asyncIterator]();
  let exhausted = false;
  const fill = async (): Promise<void> => {
    while (!exhausted && window.length - head < lookahead) {
      const n = await it.next();
      if (n.done) exhausted = true;
      else window.push(n.value);
    }
    if (head > 65536) {
      window.splice(0, head);
      head = 0;
    }
  };

  const plansAfter = (from: number): Map<string, E> => {
    const plans = new Map<string, E>();
    for (let i = from; i < window.length; i++) {
      const e = window[i]!.event;
      if (!plans.has(e.tid)) plans.set(e.tid, e);
    }
    return plans;
  };

  while (true) {
    await fill();
    if (head >= window.length) break;
    const { line, event } = window[head]!;
    count++;
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
      const plans = plansAfter(head);
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

    const after = plansAfter(head + 1);
    const next: C[] = [];
    const nextKeys = new Set<string>();
    let firstBad: BadCandidate<C, A> | undefined;
    for (const c of closed) {
      for (const st of adapter.observe(c, event, line, after)) {
        const br = adapter.broken(c, st.action, st.next);
        if (br.length > 0) {
          firstBad ??= { from: c, action: st.action, next: st.next, broken: br, line };
          continue;
        }
        if (closed.length === 1) next.push(st.next);
        else {
          const k = adapter.key(st.next);
          if (!nextKeys.has(k)) {
            nextKeys.add(k);
            next.push(st.next);
          }
        }
      }
    }

    if (next.length === 0) {
      if (firstBad) return finish(brokenVerdict(adapter, firstBad, line, event));
      // A hidden step broke an invariant and that explanation is the one that reaches this event.
      for (const b of bad) {
        if (adapter.observe(b.next, event, line, after).length > 0) return finish(brokenVerdict(adapter, b, line, event, true));
      }
      const allowed = [...new Set(closed.flatMap((c) => adapter.allowed(c, plansAfter(head))))].slice(0, 12);
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
    head++;
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
  return {
    outcome: 'invalid',
    line,
    invariant: first.id,
    sentence: first.sentence,
    reason: `${first.id} (${first.sentence}): ${where}: ${detail}`,
    event,
    allowed: [],
  };
}

/** Breadth-first closure over hidden steps, deduplicated by key. */
function closure<C, A, E extends { readonly tid: string; readonly ev: string }>(
  adapter: ReplayAdapter<C, A, E>,
  start: readonly C[],
  plans: ReadonlyMap<string, E>,
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
