/**
 * A trace must fit the world it is replayed in: a thread, process, device or
 * page the header's preset or config does not have, and counts or indices
 * past traces/hmm/limits.ts, are input errors at the line that first names
 * them (not a verdict, not a crash). These run the first pass as replay does
 * (scanEvent with each event's line) and build the world.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initialState, packState } from '../../model/index.js';
import { TraceInputError } from '../../traces/errors.js';
import { LIMITS, stateWords } from '../../traces/hmm/limits.js';
import { buildReplayWorld, type ReplayWorld, type TraceHeaderLike } from '../../traces/hmm/replayWorld.js';
import { newScan, scanEvent, worldSize } from '../../traces/hmm/scan.js';
import { parseTraceText } from '../../traces/reader.js';
import { CPU_AND_GPU } from '../helpers/worlds.js';

type Ev = Record<string, unknown>;

/** The first pass over a trace given as its header and events (line 1 the header, event i on line i + 2). */
function world(header: Record<string, unknown>, events: readonly Ev[]): { rw: ReplayWorld; scan: ReturnType<typeof newScan> } {
  const text = [JSON.stringify({ hmmtrace: 1, source: 'test', ...header }), ...events.map((e) => JSON.stringify(e))].join('\n') + '\n';
  const scan = newScan();
  let h: TraceHeaderLike = {};
  for (const item of parseTraceText(text, 't.jsonl')) {
    if (item.kind === 'header') h = item.header as TraceHeaderLike;
    else scanEvent(scan, item.event as unknown as Ev, item.line);
  }
  return { rw: buildReplayWorld('t.jsonl', h, scan, []), scan };
}

function rejects(header: Record<string, unknown>, events: readonly Ev[]): TraceInputError {
  try {
    world(header, events);
  } catch (e) {
    assert.instance(e, TraceInputError);
    return e as TraceInputError;
  }
  assert.unreachable('the world was built');
  throw new Error('unreachable');
}

const CONFIG = CPU_AND_GPU;
const write = (tid: string, page: number, mm: unknown = 0): Ev => ({ ev: 'cpu_write', tid, mm, page, value: 1 });
const lock = (tid: string, dev: unknown): Ev => ({ ev: 'driver_lock', tid, dev });

test('a header world: its own names build', () => {
  const { rw } = world({ config: CONFIG }, [write('cpu0', 1), lock('gpu0', 'dmirror0'), { ev: 'driver_unlock', tid: 'gpu0', dev: 'dmirror0' }]);
  assert.is(rw.world.pages, 2);
  assert.equal([...rw.threads.keys()], ['cpu0', 'gpu0']);
});

test('a config with one device: an event on dev 1 (or dmirror1) is an error at its line', () => {
  for (const dev of [1, 'dmirror1']) {
    const e = rejects({ config: CONFIG }, [write('cpu0', 0), lock('gpu0', dev)]);
    assert.is(e.line, 3);
    assert.is(e.field, 'dev');
    assert.ok(e.expected.includes('it has 1 device mirror'), e.message);
    assert.is(e.found, `dev ${JSON.stringify(dev)}`);
  }
});

test('a second opaque device in a one-device world is an error at its first line', () => {
  const e = rejects({ config: CONFIG }, [lock('gpu0', 'a'), { ev: 'driver_unlock', tid: 'gpu0', dev: 'a' }, write('cpu0', 0), lock('gpu0', 'b')]);
  assert.is(e.line, 5);
  assert.is(e.field, 'dev');
  assert.ok(e.found.startsWith('dev "b"'), e.message);
});

test('a tid that is no actor of the config (or preset) is an error at its line', () => {
  const e = rejects({ config: CONFIG }, [write('cpu0', 0), write('cpu0', 1), write('ghost', 1)]);
  assert.is(e.line, 4);
  assert.is(e.field, 'tid');
  assert.is(e.found, '"ghost"');
  assert.ok(e.expected.includes('"cpu0", "gpu0"'), e.message);
  const p = rejects({ preset: 'small' }, [write('ghost', 0)]);
  assert.is(p.line, 2);
  assert.is(p.field, 'tid');
});

test('a config without actors takes any tid: the trace supplies the threads', () => {
  const { actors: _, ...noActors } = CONFIG;
  const { rw } = world({ config: noActors }, [write('anyone', 0), write('someone else', 1)]);
  assert.equal([...rw.threads.keys()], ['anyone', 'someone else']);
});

test('an mm beyond the processes, as mm or as a fork child, is an error at its line', () => {
  const e = rejects({ config: CONFIG }, [write('cpu0', 0), write('cpu0', 1, 1)]);
  assert.is(e.line, 3);
  assert.is(e.field, 'mm');
  assert.is(e.found, 'mm 1');
  const f = rejects({ config: CONFIG }, [write('cpu0', 0), { ev: 'fork', tid: 'cpu0', mm: 0, child: 1 }]);
  assert.is(f.line, 3);
  assert.is(f.field, 'child');
  // An opaque name needs a free process.
  const { actors: _, ...noActors } = CONFIG;
  const x = rejects({ config: noActors }, [write('a', 0), write('b', 0, 'x')]);
  assert.is(x.line, 3);
  assert.is(x.field, 'mm');
  assert.ok(x.found.startsWith('mm "x"'), x.message);
});

test('a page at or beyond the config pages (or a range past them) is an error at its line', () => {
  const e = rejects({ config: CONFIG }, [write('cpu0', 1), write('cpu0', 2)]);
  assert.is(e.line, 3);
  assert.is(e.field, 'page');
  assert.is(e.found, '2');
  const r = rejects({ config: CONFIG }, [write('cpu0', 0), { ev: 'munmap', tid: 'cpu0', mm: 0, start: 0, end: 3 }]);
  assert.is(r.line, 3);
  assert.is(r.field, 'end');
});

test('of several names outside the header world the earliest line is reported', () => {
  const e = rejects({ config: CONFIG }, [write('cpu0', 0), write('ghost', 0), write('cpu0', 5), lock('gpu0', 3)]);
  assert.is(e.line, 3);
  assert.is(e.field, 'tid');
});

test('no header world: page 1e9 is an error at its line, not a world of 1e9 pages', () => {
  const e = rejects({}, [write('a', 0), write('a', 1e9)]);
  assert.is(e.line, 3);
  assert.is(e.field, 'page');
  assert.is(e.found, '1000000000');
  const r = rejects({}, [{ ev: 'munmap', tid: 'a', mm: 0, start: 0, end: LIMITS.pageIndex + 1 }]);
  assert.is(r.line, 2);
  assert.is(r.field, 'end');
});

test('no header world: a thread, process or device past the limit is an error at its line', () => {
  const tids = Array.from({ length: 5000 }, (_, i) => write(`t${i}`, 0));
  const t = rejects({}, tids);
  assert.is(t.line, LIMITS.threads + 2);
  assert.is(t.field, 'tid');
  assert.is(t.found, `tid "t${LIMITS.threads}", the ${LIMITS.threads + 1}th`);
  const mms = Array.from({ length: 5000 }, (_, i) => write(`t${i % 4}`, 0, i));
  const m = rejects({}, mms);
  assert.is(m.line, LIMITS.processes + 2);
  assert.is(m.field, 'mm');
  const devs = Array.from({ length: 5000 }, (_, i) => lock('d', `d${i}`));
  const d = rejects({}, devs);
  assert.is(d.line, LIMITS.devices + 2);
  assert.is(d.field, 'dev');
});

test('no header world: the line where the inferred world outgrows the state-size limit', () => {
  // One thread in one process: 10 words a page and 42 more, so 200 pages fit and 201 do not.
  const { rw } = world({}, [write('a', 0), write('a', 199)]);
  assert.is(rw.world.pages, 200);
  const e = rejects({}, [write('a', 0), write('a', 199), write('a', 200)]);
  assert.is(e.line, 4);
  assert.is(e.field, 'page');
  assert.ok(e.expected.includes(`at most ${LIMITS.stateWords.toLocaleString('en-US')} state words`), e.message);
  // What crashed before: page 40,000 (a stack overflow keying the state), and pfns by the thousand.
  assert.is(rejects({}, [write('a', 40_000)]).field, 'page');
  const pfns = Array.from({ length: 1000 }, (_, i) => ({ ev: 'unpin_user_page', tid: 'a', pfn: i }));
  const p = rejects({}, [write('a', 0), ...pfns]);
  assert.is(p.field, 'pfn');
  // A second thread pushes a world just under the limit over it, at that thread's line.
  const t = rejects({}, [write('a', 199), write('b', 0)]);
  assert.is(t.line, 3);
  assert.is(t.field, 'tid');
});

test('a header world is held by its configuration, not by the inferred-world size', () => {
  const { rw } = world({ config: { ...CONFIG, pages: 16, processes: 4, systemFrames: 32, devices: [{ frames: 16 }, { frames: 16 }, { frames: 16 }, { frames: 16 }] } }, [write('cpu0', 15)]);
  assert.is(rw.world.pages, 16);
});

test('the state-size estimate is the packed initial state of the inferred world', () => {
  const cases: Ev[][] = [
    [write('a', 0)],
    [write('a', 7), write('b', 3, 1), { ev: 'fork', tid: 'a', mm: 0, child: 2 }],
    [write('a', 0), lock('g', 'x'), { ev: 'devpt_map', tid: 'g', dev: 'x', page: 5, pfn: 'p', write: true }, { ev: 'alloc_page', tid: 'g', dev: 'y', pfn: 'q' }],
    [write('a', 3), { ev: 'gup', tid: 'a', mm: 0, page: 1, pfn: 's', pin: true, longterm: true }, { ev: 'folio_free', tid: 'g', dev: 'd', pfn: 'e' }],
  ];
  for (const events of cases) {
    const { rw, scan } = world({}, events);
    const buf = new Int32Array(1 << 16);
    const words = packState(initialState(rw.world), buf);
    assert.is(stateWords(worldSize(scan)), words, JSON.stringify(events));
  }
});

test.run();
