/**
 * `--workers N`: the expansion runs on worker threads, the bookkeeping stays
 * on the main thread in queue order, so every number a single-threaded search
 * reports comes out the same: distinct states, transitions, coverage, the
 * first violation and its path, an `incomplete` at a bound.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { check, checkParallel, type ModelSource } from '../../checker/index.js';
import { buildWorld, findPreset, hmmModel, type VariantId } from '../../model/index.js';
import { lockCtr } from '../fixtures/models/index.js';
import { Expander, SENT_BEFORE, Words } from '../../checker/expand.js';
import { Explorer } from '../../checker/explore.js';
import type { Handover } from '../../checker/handover.js';
import { lockSource, summary } from '../helpers/runs.js';

/** Workers from the start, whatever the machine's load: these tests are about the parallel search itself (handover.test.ts: the switch). */
const AT_ONCE: Partial<Handover> = { afterMs: 0, minQueued: 0, minIdleCores: 0, aloneMs: 0, warmStates: 0 };



test('LockCtr on 2 workers: the counts and verdicts of one thread', async () => {
  for (const [n, k, racyOk] of [[3, 2, false], [2, 2, true]] as const) {
    const m = lockCtr(n, k, { racyOk });
    const par = await checkParallel(m, lockSource(n, k, racyOk), { workers: 2, handover: AT_ONCE });
    assert.is(summary(par), summary(check(m)));
    assert.is(par.stats.workers, 2);
  }
});

test('bounds on workers: max-states and max-depth stop with incomplete, like one thread', async () => {
  const m = lockCtr(3, 2);
  for (const bound of [{ maxStates: 5000 }, { maxDepth: 12 }]) {
    const par = await checkParallel(m, lockSource(3, 2), { workers: 2, handover: AT_ONCE, ...bound });
    assert.is(par.outcome, 'incomplete');
    assert.is(summary(par), summary(check(m, bound)));
  }
});

const hmmSource = (preset: string, variants: VariantId[]): ModelSource => ({
  module: new URL('../../model/index.js', import.meta.url).href,
  export: 'hmmModelFromConfig',
  args: { config: findPreset(preset)!.config, variants },
});

for (const [preset, variants] of [['tiny', []], ['tiny', ['D1']], ['migrate', ['D4']], ['migrate', ['H1']]] as const) {
  test(`${preset} ${variants.join(',')} on 2 workers: identical to one thread`, async () => {
    const m = hmmModel(buildWorld(findPreset(preset)!.config, [...variants]), { freeze: false });
    const par = await checkParallel(m, hmmSource(preset, [...variants]), { workers: 2, handover: AT_ONCE });
    assert.is(summary(par), summary(check(m)));
    assert.is(par.stats.workers, 2);
  });
}

/** The successor records of an Expander's output: [fingerprint, length or SENT_BEFORE]. */
function successors(out: Words): [string, number][] {
  const got: [string, number][] = [];
  let at = 0;
  while (at < out.n) {
    const count = out.buf[at + 6]!;
    at += 7;
    for (let k = 0; k < count; k++) {
      at += 3;
      at += 1 + out.buf[at]!;
      const fp = `${out.buf[at]},${out.buf[at + 1]}`;
      at += 2;
      if (out.buf[at] === SENT_BEFORE) {
        got.push([fp, SENT_BEFORE]);
        at++;
        continue;
      }
      at += 1 + out.buf[at]!;
      const n = out.buf[at++]!;
      got.push([fp, n]);
      at += n;
    }
  }
  return got;
}

/** A batch of two records of the initial state (n words each), as the main thread cuts them. */
function initialTwice(m: ReturnType<typeof lockCtr>): { batch: Words; n: number } {
  const words = new Int32Array(64);
  const n = m.pack!(m.initialStates()[0]!, words);
  const batch = new Words();
  for (const id of [0, 0]) {
    batch.push(id);
    batch.push(0);
    batch.push(n);
    for (let i = 0; i < n; i++) batch.push(words[i]!);
  }
  return { batch, n };
}

test('a worker sends a state in full once, then only its fingerprint; the main thread refuses a new state without words', () => {
  const m = lockCtr(2, 2);
  const { batch, n } = initialTwice(m);
  const out = new Words();
  new Expander(m, Infinity).expand(batch.buf, batch.n, out);
  const got = successors(out);
  const half = got.length / 2;
  assert.ok(half > 0);
  const first = got.slice(0, half);
  assert.ok(first.every(([, len]) => len > 0), 'the first time: words');
  assert.equal(got.slice(half), first.map(([fp]) => [fp, SENT_BEFORE]), 'the second time: fingerprints only');
  // Absorbed in the wrong order (the repeat first), a new state would have no words: an error, not a silent loss.
  const repeatFirst = new Words();
  const e = new Expander(m, Infinity);
  e.expand(batch.buf, 3 + n, new Words());
  e.expand(batch.buf, 3 + n, repeatFirst);
  const ex = new Explorer(m, {});
  ex.takeBatch(1, new Words());
  assert.throws(() => ex.absorb(repeatFirst.buf, repeatFirst.n), /sent only its fingerprint/);
});

test("the main thread's expander sends a state in full once per batch, and again in a later batch unless stored", () => {
  const m = lockCtr(2, 2);
  const { batch, n } = initialTwice(m);
  const stored = new Set<string>();
  const e = new Expander(m, Infinity, (hi, lo) => stored.has(`${hi},${lo}`));
  const out = new Words();
  e.expand(batch.buf, batch.n, out);
  const got = successors(out);
  const half = got.length / 2;
  assert.ok(half > 0);
  assert.ok(got.slice(0, half).every(([, len]) => len > 0), 'the first time in the batch: words');
  assert.equal(got.slice(half), got.slice(0, half).map(([fp]) => [fp, SENT_BEFORE]), 'the repeat in the same batch: fingerprints only');
  // Not yet absorbed when the next batch comes: sent in full again (a copy, never a state without words).
  const again = new Words();
  e.expand(batch.buf, 3 + n, again);
  assert.equal(successors(again), got.slice(0, half));
  // Once stored: fingerprints only.
  for (const [fp] of got) stored.add(fp);
  const later = new Words();
  e.expand(batch.buf, 3 + n, later);
  assert.ok(successors(later).every(([, len]) => len === SENT_BEFORE));
});

test('checkParallel refuses what it cannot do', async () => {
  const m = lockCtr(2, 1);
  const error = async (p: Promise<unknown>): Promise<string> => p.then(() => 'resolved', (e: unknown) => String(e));
  assert.match(await error(checkParallel(m, lockSource(2, 1), { workers: 2, strategy: 'dfs' })), /breadth-first/);
  const { pack: _p, unpack: _u, ...unpacked } = m;
  assert.match(await error(checkParallel(unpacked, lockSource(2, 1), { workers: 2 })), /pack and unpack/);
});

test.run();
