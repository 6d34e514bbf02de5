/**
 * Checkpoints: a search stopped anywhere between slices, saved, read back and
 * resumed ends with exactly the counts, coverage and verdict of a search that
 * never stopped; a damaged or foreign checkpoint is refused, never resumed.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  check,
  checkAsync,
  checkCheckpointTarget,
  CheckpointError,
  checkpointFits,
  CheckpointMismatch,
  checkParallel,
  checkpointWriter,
  Explorer,
  hmmcheckVersion,
  readCheckpoint,
  writeCheckpoint,
  type CheckResult,
  type Checkpoint,
} from '../../checker/index.js';
import { lockCtr, mutualAbort } from '../fixtures/models/index.js';
import { checkpointRegions, flipByteIn } from '../helpers/checkpoint.js';
import { tempDir } from '../helpers/tmp.js';
import type { Handover } from '../../checker/handover.js';

/** Workers from the start, whatever the machine's load (handover.test.ts: checkpoints across the switch). */
const AT_ONCE: Partial<Handover> = { afterMs: 0, minQueued: 0, minIdleCores: 0, aloneMs: 0, warmStates: 0 };

const dir = tempDir('cp');
/** The toy models' writer: this hmmcheck, a model version of the tests' own. */
const W = checkpointWriter('toy 1');
const summary = (r: CheckResult<unknown, unknown>): string =>
  JSON.stringify([r.outcome, r.stats.states, r.stats.transitions, r.stats.depth, r.coverage, r.violations.map((v) => `${v.id} ${v.path.indices.join('/')}`)]);

test('stopped at many points, saved to a file and resumed: the uninterrupted result', () => {
  for (const [racyOk, strategy] of [[false, 'bfs'], [true, 'bfs'], [false, 'dfs']] as const) {
    const m = lockCtr(3, 2, { racyOk });
    const whole = check(m, { strategy, stopAtFirst: false });
    for (const stopAfter of [1, 7, 40]) {
      const ex = new Explorer(m, { strategy, identity: 'lockctr 3 2', stopAtFirst: false });
      // run a few thousand expansions, then stop as Ctrl-C would
      for (let i = 0; i < stopAfter && !ex.done; i++) ex.run(0);
      if (ex.done) continue;
      ex.interrupt();
      assert.ok(ex.resumable);
      const file = join(dir, `cp-${racyOk}-${strategy}-${stopAfter}`);
      writeCheckpoint(file, ex.checkpoint(), W);
      const resumed = check(m, { strategy, identity: 'lockctr 3 2', resume: readCheckpoint(file, W), stopAtFirst: false });
      assert.is(summary(resumed), summary(whole), `racyOk ${racyOk} ${strategy} after ${stopAfter} slices`);
    }
  }
});

test('checkAsync saves periodically and on interrupt; resuming finishes the search', async () => {
  const m = lockCtr(3, 2);
  const saved: Checkpoint[] = [];
  const ac = new AbortController();
  // Ctrl-C right after the first periodic save (after the first 100 ms slice):
  // mid-search wherever LockCtr N=3 K=2 takes longer than one slice.
  const save = (cp: Checkpoint): void => {
    saved.push(cp);
    if (saved.length === 1) ac.abort();
  };
  const first = await checkAsync(m, { identity: 'x', signal: ac.signal, checkpoint: { everySeconds: 1e-9, save } });
  assert.is(first.outcome, 'incomplete');
  assert.is(first.stoppedBy, 'interrupted');
  assert.ok(saved.length >= 1);
  const last = saved[saved.length - 1]!;
  assert.is(last.header.states, first.stats.states, 'the last save is the state at the stop');
  const file = join(dir, 'async');
  writeCheckpoint(file, last, W);
  assert.is(summary(await checkAsync(m, { identity: 'x', resume: readCheckpoint(file, W) })), summary(check(m)));
});

test('a parallel search interrupted with batches out resumes to the same result', async () => {
  const m = lockCtr(3, 2);
  const source = { module: new URL('../fixtures/models/lockCtr.js', import.meta.url).href, export: 'lockCtrFromArgs', args: { n: 3, k: 2 } };
  const saved: Checkpoint[] = [];
  const ac = new AbortController();
  // Ctrl-C after the third periodic save, with batches out on the workers.
  const save = (cp: Checkpoint): void => {
    saved.push(cp);
    if (saved.length === 3) ac.abort();
  };
  const first = await checkParallel(m, source, { workers: 2, identity: 'x', signal: ac.signal, checkpoint: { everySeconds: 1e-9, save }, handover: AT_ONCE });
  assert.is(first.stats.workers, 2);
  assert.is(first.outcome, 'incomplete');
  assert.is(first.stoppedBy, 'interrupted');
  const cp = saved[saved.length - 1]!;
  const again = await checkParallel(m, source, { workers: 2, identity: 'x', resume: cp, handover: AT_ONCE });
  assert.is(summary(again), summary(check(m)));
  assert.is(summary(check(m, { identity: 'x', resume: cp })), summary(check(m)));
});

test('a checkpoint of another search, or a damaged file, is refused', () => {
  const m = lockCtr(2, 2);
  const ex = new Explorer(m, { identity: 'a' });
  ex.run(0);
  ex.interrupt();
  const file = join(dir, 'foreign');
  writeCheckpoint(file, ex.checkpoint(), W);
  assert.throws(() => new Explorer(m, { identity: 'b', resume: readCheckpoint(file, W) }), (e: unknown) => e instanceof CheckpointMismatch);
  assert.throws(() => new Explorer(m, { identity: 'a', strategy: 'dfs', resume: readCheckpoint(file, W) }), /dfs|bfs/);
  const bytes = readFileSync(file);
  writeFileSync(join(dir, 'cut'), bytes.subarray(0, bytes.length - 10));
  assert.throws(() => readCheckpoint(join(dir, 'cut'), W), (e: unknown) => e instanceof CheckpointError && /truncated/.test(String(e)));
  writeFileSync(join(dir, 'junk'), 'hello\n');
  assert.throws(() => readCheckpoint(join(dir, 'junk'), W), /not an hmmcheck checkpoint/);
  assert.throws(() => readCheckpoint(join(dir, 'missing'), W), /ENOENT/);
});

/** A search of the toy with a progress graph, stopped half-way: every array a checkpoint holds is there and not empty. */
function halfWay(): { m: ReturnType<typeof mutualAbort>; cp: Checkpoint } {
  const m = mutualAbort(300);
  const ex = new Explorer(m, { identity: 'abort' });
  ex.run(0);
  assert.not.ok(ex.done, 'stopped half-way');
  ex.interrupt();
  return { m, cp: ex.checkpoint() };
}

const damaged = (e: unknown): boolean => e instanceof CheckpointError && /checkpoint damaged/.test(e.message);

test('one byte changed anywhere in a checkpoint file: refused as damaged, whatever part it is in', () => {
  const { m, cp } = halfWay();
  const file = join(dir, 'whole');
  writeCheckpoint(file, cp, W);
  const bytes = readFileSync(file);
  const regions = checkpointRegions(bytes);
  // Every part of what a search saves, the progress graph included.
  for (const name of ['checksum', 'header', 'table', 'parents', 'actions', 'queue', 'ids', 'graphFrom', 'graphTo', 'graphBy', 'graphAction', 'graphEnabled', 'graphBusy', 'graphSleeping']) {
    const region = regions.get(name);
    assert.ok(region && region[1] > region[0], `the checkpoint has a non-empty ${name}`);
    writeFileSync(join(dir, 'flipped'), flipByteIn(bytes, region!));
    assert.throws(() => readCheckpoint(join(dir, 'flipped'), W), damaged, `a byte of ${name}`);
  }
  writeFileSync(join(dir, 'flipped'), flipByteIn(bytes, regions.get('magic')!));
  assert.throws(() => readCheckpoint(join(dir, 'flipped'), W), /not an hmmcheck checkpoint/);
  // The same file unchanged resumes to the search that never stopped.
  assert.is(summary(check(m, { identity: 'abort', resume: readCheckpoint(file, W) })), summary(check(m)));
});

test('a checkpoint of another hmmcheck or model version, or of format 1, is refused naming both versions', () => {
  const { cp } = halfWay();
  const file = join(dir, 'versions');
  writeCheckpoint(file, cp, { hmmcheck: '0.0.1-old', model: 'toy 1' });
  assert.throws(
    () => readCheckpoint(file, W),
    (e: unknown) => e instanceof CheckpointError && /written by another version: hmmcheck 0\.0\.1-old with model toy 1, and this is hmmcheck \S+ with model toy 1/.test(e.message),
  );
  writeCheckpoint(file, cp, checkpointWriter('toy 0'));
  assert.throws(() => readCheckpoint(file, W), /written by another version: .*model toy 0.*model toy 1/);
  assert.ok(readCheckpoint(file, checkpointWriter('toy 0')), 'its own writer reads it');
  // This hmmcheck's version is package.json's.
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  assert.is(hmmcheckVersion(), pkg.version);
  assert.equal(W, { hmmcheck: pkg.version, model: 'toy 1' });
  writeFileSync(file, 'hmmcheck-checkpoint 1\n{"identity":"x","arrays":[]}\n');
  assert.throws(() => readCheckpoint(file, W), /written by another version of hmmcheck \(checkpoint format 1, which has no checksum; this version reads format 2\)/);
});

test('a checkpoint whole by its checksum but wrong inside is refused as damaged, never a crash', () => {
  const { m, cp } = halfWay();
  const a = cp.arrays as Record<string, Int32Array>;
  const h = cp.header;
  const edit = (arrays: Record<string, Int32Array | Uint16Array>, header = h): Checkpoint => ({ header, arrays: { ...cp.arrays, ...arrays } });
  const changed = (name: string, at: number, value: number): Int32Array => {
    const c = a[name]!.slice();
    c[at] = value;
    return c;
  };
  const slots = Array.from({ length: a['table']!.length / 2 }, (_, s) => s);
  const [slot, other] = slots.filter((s) => (a['table']![2 * s]! | a['table']![2 * s + 1]!) !== 0) as [number, number];
  const empty = slots.find((s) => (a['table']![2 * s]! | a['table']![2 * s + 1]!) === 0)!;
  const cases: [string, Checkpoint, RegExp][] = [
    ['a state count the table does not hold', edit({}, { ...h, states: (h.states as number) - 1 }), /the id \d+, out of range/],
    ['a header field of the wrong type', edit({}, { ...h, transitions: 'many' }), /transitions is "many", not a count/],
    ['no violations list', edit({}, { ...h, violations: undefined }), /no violations list/],
    ['a livelock without its loop', edit({}, { ...h, violations: [{ kind: 'liveness', id: 'P', sentence: 's', indices: [0] }] }), /loop start/],
    ['a fingerprint dropped from the table', edit({ table: changed('table', 2 * slot, 0).map((x, i) => (i === 2 * slot + 1 ? 0 : x)) }), /fingerprint table holds/],
    ['a fingerprint added to the table', edit({ table: changed('table', 2 * empty, 12345) }), /fingerprint table holds|another slot's/],
    ['a table with no empty slot', edit({ table: new Int32Array(2 * (h.states as number)).fill(7) }), /one must stay empty/],
    ['an odd table', edit({ table: a['table']!.subarray(1) }), /not a positive even number/],
    ['a path link forward', edit({ parents: changed('parents', 1, 5) }), /state 1's path link points to state 5/],
    ['a path link below -1', edit({ parents: changed('parents', 2, -7) }), /state 2's path link points to state -7/],
    ['fewer actions than parents', edit({ actions: (a['actions'] as unknown as Uint16Array).subarray(1) }), /path links are/],
    ['a queued state not stored', edit({ queue: changed('queue', 0, (h.states as number) + 3) }), /not a stored state queued once/],
    ['a queued state of a negative depth', edit({ queue: changed('queue', 1, -1) }), /depth -1/],
    ['a queued record longer than the queue', edit({ queue: changed('queue', 2, 1 << 30) }), /words, more than the queue holds/],
    ['a queued record cut off', edit({ queue: a['queue']!.subarray(0, 2) }), /last record is cut off/],
    ['a queued state whose words changed', edit({ queue: changed('queue', 3, a['queue']![3]! + 1) }), /not in the fingerprint table/],
    ['a queued record of the wrong id', edit({ queue: changed('queue', 0, a['queue']![0]! === 0 ? 1 : 0) }), /its fingerprint is state|queued once/],
    ['ids naming one state twice', edit({ ids: changed('ids', slot, a['ids']![other]!) }), /another slot's/],
    ['ids of the wrong length', edit({ ids: a['ids']!.subarray(1) }), /ids are/],
    ['a graph edge to no state', edit({ graphTo: changed('graphTo', 0, 1 << 30) }), /goes to state/],
    ['a graph edge from a state not expanded', edit({ graphFrom: changed('graphFrom', 0, -1) }), /leaves state -1/],
    ["a state's graph edges apart", edit({ graphFrom: changed('graphFrom', a['graphFrom']!.length - 1, 0) }), /not together/],
    ['graph arrays of different lengths', edit({ graphTo: a['graphTo']!.subarray(1) }), /differ in length/],
    ['an array of the wrong type', edit({ parents: new Uint16Array(a['parents']!.length) }), /not of type i32/],
    ['an array no search saves', edit({ extra: new Int32Array(1) }), /array extra is not one a search saves/],
  ];
  for (const [what, bad, says] of cases) {
    // In memory: refused on resuming.
    assert.throws(() => new Explorer(m, { identity: 'abort', resume: bad }), (e: unknown) => damaged(e) && says.test((e as Error).message), what);
    // Written with a good checksum: refused on reading, the file named.
    const file = join(dir, 'wrong-inside');
    writeCheckpoint(file, bad, W);
    assert.throws(() => readCheckpoint(file, W), (e: unknown) => damaged(e) && String(e).includes(file) && says.test((e as Error).message), what);
  }
});

test('a checkpoint that does not fit the model resuming it is refused before the search', () => {
  const { m, cp } = halfWay();
  const a = cp.arrays as Record<string, Int32Array | Uint16Array>;
  const graphBy = a['graphBy']!.slice();
  graphBy[0] = 7;
  assert.throws(() => new Explorer(m, { identity: 'abort', resume: { header: cp.header, arrays: { ...a, graphBy } } }), /does not fit this search: .*threads/);
  const violations = [{ kind: 'invariant', id: 'X', sentence: 'x', indices: [0, 9, 9] }];
  assert.throws(() => new Explorer(m, { identity: 'abort', resume: { header: { ...cp.header, violations }, arrays: a } }), /X counterexample does not replay/);
  const actions = (a['actions'] as Uint16Array).slice();
  actions[0] = 3;
  assert.throws(() => new Explorer(m, { identity: 'abort', resume: { header: cp.header, arrays: { ...a, actions } } }), /state 0 is initial state 3, and this model has 1/);
  assert.throws(() => checkpointFits(cp, lockCtr(2, 2), 'abort', 'bfs'), (e: unknown) => e instanceof CheckpointMismatch);
});

test('saving leaves no temporary file, also when it fails; a folder in the way is an error naming the file', () => {
  const { cp } = halfWay();
  const sub = mkdtempSync(join(dir, 'save-'));
  const file = join(sub, 'cp');
  for (let i = 0; i < 3; i++) writeCheckpoint(file, cp, W);
  assert.equal(readdirSync(sub), ['cp']);
  // The rename fails: the temporary file written beside the target must go.
  mkdirSync(join(sub, 'folder'));
  writeFileSync(join(sub, 'folder', 'inside'), 'x');
  assert.throws(() => writeCheckpoint(join(sub, 'folder'), cp, W), (e: unknown) => e instanceof CheckpointError && /cannot write the checkpoint \(E/.test(String(e)));
  assert.throws(() => writeCheckpoint(join(sub, 'nowhere', 'cp'), cp, W), /cannot write the checkpoint \(ENOENT/);
  assert.equal(readdirSync(sub).sort(), ['cp', 'folder']);
  // The command line's check of --checkpoint FILE before a search: the same reasons, said first.
  checkCheckpointTarget(join(sub, 'new'));
  checkCheckpointTarget(file);
  assert.throws(() => checkCheckpointTarget(join(sub, 'nowhere', 'cp')), /nowhere\/cp: its folder .*nowhere does not exist/);
  assert.throws(() => checkCheckpointTarget(join(sub, 'cp', 'x')), /is not a folder/);
  assert.throws(() => checkCheckpointTarget(join(sub, 'folder')), /it is a folder, not a file/);
  assert.equal(readdirSync(sub).sort(), ['cp', 'folder'], 'the probe file is gone');
});

test('two writers saving to one file at the same moments: both succeed, the file is whole, no temporary file stays', async () => {
  const { m, cp } = halfWay();
  const sub = mkdtempSync(join(dir, 'race-'));
  const file = join(sub, 'cp');
  // Two threads, each saving 15 times; a shared counter starts each round in both at once
  // (one shared FILE.tmp failed a rename with ENOENT in every such run). A failed save
  // is reported, and the rounds go on so that the other thread is not left waiting.
  const go = new SharedArrayBuffer(4);
  const code = `
    const { workerData, parentPort } = require('node:worker_threads');
    import(workerData.module).then(({ writeCheckpoint }) => {
      const go = new Int32Array(workerData.go);
      const errors = [];
      for (let round = 0; round < 15; round++) {
        Atomics.add(go, 0, 1);
        while (Atomics.load(go, 0) < 2 * (round + 1)) {}
        try {
          writeCheckpoint(workerData.file, workerData.cp, workerData.writer);
        } catch (e) {
          errors.push(String(e));
        }
      }
      parentPort.postMessage(errors.length === 0 ? 'done' : errors[0]);
    }).catch((e) => parentPort.postMessage(String(e && e.stack || e)));`;
  const module = new URL('../../checker/checkpoint.js', import.meta.url).href;
  const results = await Promise.all(
    [0, 1].map(
      () =>
        new Promise<string>((resolve, reject) => {
          const w = new Worker(code, { eval: true, workerData: { module, go, file, cp, writer: W } });
          w.once('message', (msg: string) => void w.terminate().then(() => resolve(msg)));
          w.once('error', reject);
        }),
    ),
  );
  assert.equal(results, ['done', 'done']);
  assert.equal(readdirSync(sub), ['cp']);
  assert.is(summary(check(m, { identity: 'abort', resume: readCheckpoint(file, W) })), summary(check(m)));
});

test('max-memory stops with incomplete instead of growing', () => {
  const r = check(lockCtr(3, 3), { maxMemoryMiB: 1 });
  assert.is(r.outcome, 'incomplete');
  assert.is(r.stoppedBy, 'max-memory');
  assert.ok(r.stats.states < 2_547_432);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
