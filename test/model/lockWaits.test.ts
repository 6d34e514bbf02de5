/**
 * The threads the progress check treats strongly fairly (model/lockWaits.ts)
 * against the programs: on random walks of every preset, kernel and
 * variant, a thread said to sleep on a lock has no step, and has one once
 * that lock is free; and a thread in an operation that has no step and gets
 * one when some lock is freed sleeps on that lock, unless it waits for
 * something else that the lock only holds up (NOT_A_LOCK_WAIT).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildWorld, copyState, findPreset, KERNELS, PRESETS, threadSteps, VARIANTS, type HmmState, type VariantId, type World } from '../../model/index.js';
import { lockWait, sleepingThreads, type LockWait } from '../../model/lockWaits.js';
import { walkStates } from '../helpers/hmm.js';

type Mutable<T> = { -readonly [K in keyof T]: Mutable<T[K]> };

/** `s` with `lock` free (thread t's view: the rwsem's other holders and waiting writers gone). */
function freed(s: HmmState, t: number, lock: LockWait): HmmState {
  const d = copyState(s, -1) as Mutable<HmmState>;
  if (lock.lock === 'mutex') d.mirrors[lock.mirror]!.lock = -1;
  else if (lock.lock === 'folio') d.frames[lock.pfn] = { ...d.frames[lock.pfn]!, lock: -1 };
  else if (lock.lock === 'mmap') d.mms[lock.mm]!.mmapWriter = -1;
  else {
    d.threads.forEach((o, u) => {
      if (u === t) return;
      o.drv = 0;
      if (o.pc === 'mig_wlock') o.pc = 'idle';
    });
  }
  return d as HmmState;
}

/** Every lock held in `s`, one at a time. */
function heldLocks(s: HmmState): LockWait[] {
  const out: LockWait[] = [];
  s.mirrors.forEach((m, mirror) => m.lock !== -1 && out.push({ lock: 'mutex', mirror }));
  s.frames.forEach((f, pfn) => f.lock !== -1 && out.push({ lock: 'folio', pfn }));
  s.mms.forEach((m, mm) => m.mmapWriter !== -1 && out.push({ lock: 'mmap', mm }));
  if (s.threads.some((o) => o.drv !== 0)) out.push({ lock: 'rwsem' });
  return out;
}

function walks(w: World, seeds: number, steps: number): HmmState[] {
  const out: HmmState[] = [];
  for (let seed = 1; seed <= seeds; seed++) {
    let x = seed * 7919;
    const choices: number[] = [];
    for (let i = 0; i < steps; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      choices.push(x >>> 8);
    }
    out.push(...walkStates(w, choices));
  }
  return out;
}

/**
 * Waits that freeing a lock can end without being waits for that lock:
 * migrate_vma_setup's lru_add_drain_all waits for a CPU that spins on a
 * failed folio_trylock (B18); freeing the page stops the spin.
 */
const NOT_A_LOCK_WAIT = new Set(['device mig_setup folio']);

const worlds: [string, World][] = [];
for (const p of PRESETS) {
  for (const kernel of KERNELS) worlds.push([`${p.name} ${kernel}`, buildWorld({ ...p.config, kernel }, [])]);
}
for (const v of VARIANTS) worlds.push([`${v.preset} ${v.id}`, buildWorld(findPreset(v.preset)!.config, [v.id as VariantId])]);

test('a thread said to sleep on a lock has no step, and has one once that lock is free', () => {
  const seen = new Set<string>();
  for (const [name, w] of worlds) {
    for (const s of walks(w, 25, 60)) {
      let mask = 0;
      for (let t = 0; t < s.threads.length; t++) {
        const lock = lockWait(s, w, t);
        if (!lock) continue;
        mask |= 1 << t;
        seen.add(`${s.threads[t]!.pc} ${lock.lock}`);
        assert.is(threadSteps(w, s, t).length, 0, `${name}: thread ${t} at ${s.threads[t]!.pc} sleeps on ${JSON.stringify(lock)} but has a step`);
        assert.ok(threadSteps(w, freed(s, t, lock), t).length > 0, `${name}: thread ${t} at ${s.threads[t]!.pc} still has no step with ${JSON.stringify(lock)} free`);
      }
      assert.is(sleepingThreads(s, w), mask);
    }
  }
  // The walks reach the common sleeps, so the check above is not empty.
  for (const sleep of ['lock mutex', 'mig_lock mutex', 'inv_cb mutex', 'fault folio']) assert.ok(seen.has(sleep), `no walk sleeps at ${sleep}`);
});

test('a thread in an operation that a freed lock would let step sleeps on it, but for waits that are not for the lock', () => {
  const missed = new Set<string>();
  for (const [name, w] of worlds) {
    for (const s of walks(w, 25, 60)) {
      for (let t = 0; t < s.threads.length; t++) {
        const th = s.threads[t]!;
        if (th.pc === 'idle' || lockWait(s, w, t) || threadSteps(w, s, t).length > 0) continue;
        for (const lock of heldLocks(s)) {
          const wait = `${w.actors[t]!.kind} ${th.pc} ${lock.lock}`;
          if (!NOT_A_LOCK_WAIT.has(wait) && threadSteps(w, freed(s, t, lock), t).length > 0) missed.add(`${name}: ${wait}`);
        }
      }
    }
  }
  assert.equal([...missed], []);
});

test.run();
