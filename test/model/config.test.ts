/**
 * Bad configurations are refused with the field, what was expected and what
 * was found; the fork fields in particular, since a wrong child would leave a
 * process that never exists (and its threads waiting for ever).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildWorld, ConfigError, parseConfig } from '../../model/index.js';

const base = {
  processes: 2,
  pages: 1,
  systemFrames: 2,
  devices: [{ frames: 1 }],
};

function refused(actors: unknown[], field: string, found: string): void {
  try {
    parseConfig({ ...base, actors }, 'f.json');
  } catch (e) {
    assert.instance(e, ConfigError);
    const c = e as ConfigError;
    assert.is(c.field, field);
    assert.is(c.found, found);
    assert.ok(c.message.startsWith(`f.json: ${field}: expected `), c.message);
    return;
  }
  assert.unreachable(`accepted: ${JSON.stringify(actors)}`);
}

test('a memcg move needs a second process (its memcg is where the move goes)', () => {
  try {
    parseConfig({ ...base, processes: 1, actors: [{ kind: 'cpu', ops: { memcg_move: 1 } }] }, 'f.json');
    assert.unreachable('accepted a memcg move with one process');
  } catch (e) {
    assert.instance(e, ConfigError);
    assert.is((e as ConfigError).field, 'actors[0].ops.memcg_move');
    assert.is((e as ConfigError).found, '1 process');
  }
  refused([{ kind: 'device', ops: { memcg_move: 1 } }], 'actors[0].ops.memcg_move', '"memcg_move"');
});

test('a fork needs a child, and only a fork has one', () => {
  refused([{ kind: 'cpu', ops: { fork: 1 } }], 'actors[0].child', 'nothing');
  refused([{ kind: 'cpu', ops: { cpu_read: 1 }, child: 1 }], 'actors[0].child', '1');
});

test('the child is another process of the world, created by one fork only', () => {
  refused([{ kind: 'cpu', ops: { fork: 1 }, child: 0 }], 'actors[0].child', '0');
  refused([{ kind: 'cpu', ops: { fork: 1 }, child: 2 }], 'actors[0].child', '2');
  refused(
    [
      { kind: 'cpu', ops: { fork: 1 }, child: 1 },
      { kind: 'cpu', ops: { fork: 1 }, child: 1 },
    ],
    'actors[0].child',
    '1',
  );
  refused(
    [
      { kind: 'cpu', process: 1, ops: { fork: 1 }, child: 0 },
      { kind: 'cpu', process: 0, ops: { fork: 1 }, child: 1 },
    ],
    'actors',
    'process 0 descends from itself',
  );
});

test('process operations belong to CPU actors, eviction to device actors', () => {
  refused([{ kind: 'device', ops: { exit: 1 } }], 'actors[0].ops.exit', '"exit"');
  refused([{ kind: 'cpu', ops: { migrate_device_range: 1 } }], 'actors[0].ops.migrate_device_range', '"migrate_device_range"');
});

test('a forked process starts without VMAs and its parent is recorded', () => {
  const c = parseConfig({ ...base, actors: [{ kind: 'cpu', ops: { fork: 1 }, child: 1 }] }, 'f.json');
  const w = buildWorld(c);
  assert.equal(w.parent, [-1, 0]);
  assert.is(w.actors[0]!.child, 1);
});

test.run();
