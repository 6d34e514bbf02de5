/**
 * Frame symmetry (model/symmetry.ts): a canonical renumbering of the frames of
 * each kind. Held here: renumbered copies of a state pack to the same words;
 * with and without it, every preset and variant gets the same verdict, the
 * same invariants and the same shortest counterexample length; the reduction
 * factors are pinned; counterexamples found on canonical states come back as
 * the model's own paths.
 */
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BIG_PRESETS, fullTest, tieredTest } from '../helpers/tier.js';
import { check, replayIndices } from '../../checker/index.js';
import { canonicalFrames, hmmModel, packState, symmetric, VARIANTS, type HmmState, type VariantId, type World } from '../../model/index.js';
import { presetWorld, walkStates } from '../helpers/hmm.js';

/** `s` with frames a and b (same kind) swapped, and every reference with them. */
function swapped(s: HmmState, a: number, b: number): HmmState {
  const m = (p: number): number => (p === a ? b : p === b ? a : p);
  const mn = (p: number | null): number | null => (p === null ? null : m(p));
  const pte = <P extends { k: string; pfn?: number }>(x: P): P => (x.pfn !== undefined ? { ...x, pfn: m(x.pfn) } : x);
  return {
    mms: s.mms.map((mm) => ({ ...mm, pte: mm.pte.map(pte) })),
    frames: s.frames.map((_, p) => s.frames[m(p)]!),
    mirrors: s.mirrors.map((mi) => ({ ...mi, pt: mi.pt.map((e) => (e ? { ...e, pfn: m(e.pfn) } : e)) })),
    threads: s.threads.map((t) => ({
      ...t,
      snap: t.snap ? t.snap.map((e) => ({ ...e, pfn: mn(e.pfn) })) : null,
      fault: t.fault ? { ...t.fault, orig: pte(t.fault.orig) } : null,
      mig: t.mig
        ? { ...t.mig, fault: t.mig.fault > 0 ? m(t.mig.fault) : t.mig.fault, src: t.mig.src ? t.mig.src.map((e) => ({ ...e, pfn: mn(e.pfn), dst: mn(e.dst) })) : null }
        : null,
      pins: t.pins.map(m),
      frees: t.frees.map(m),
    })),
  };
}

const canonWords = (s: HmmState, w: World): number[] => {
  const perm = new Int32Array(s.frames.length);
  canonicalFrames(s, w, perm);
  const buf = new Int32Array(4096);
  return Array.from(buf.subarray(0, packState(s, buf, w, perm)));
};

test('frames of one kind swapped: the same canonical words', () => {
  const w = presetWorld('small', ['D2']);
  const system = w.zone.flatMap((z, p) => (z === 'system' ? [p] : []));
  const device = w.zone.flatMap((z, p) => (z === 'device' ? [p] : []));
  let compared = 0;
  fc.assert(
    fc.property(fc.array(fc.nat(1000), { maxLength: 40 }), fc.nat(), fc.nat(), (choices, i, j) => {
      for (const s of walkStates(w, choices)) {
        const base = canonWords(s, w);
        for (const kind of [system, device]) {
          assert.equal(canonWords(swapped(s, kind[i % kind.length]!, kind[j % kind.length]!), w), base);
          compared++;
        }
      }
    }),
    { numRuns: 80 },
  );
  assert.ok(compared > 100);
});

const verdict = (r: ReturnType<typeof check>): string =>
  `${r.outcome} ${r.violations.map((v) => `${v.id}@${v.path.actions.length}${v.loopStart !== undefined ? `/loop ${v.loopStart}` : ''}`).join(' ')}`;

// Distinct states without and with symmetry, pinned: the reduction factor.
const COUNTS: Record<string, [number, number]> = {
  tiny: [4617, 3276],
  migrate: [46450, 21016],
  small: [1102188, 184545],
  'cpu-faults': [4186, 2272],
  'two-devices': [255822, 142656],
  'oom-reaper': [1267, 916],
  exclusive: [49762, 19874],
  memcg: [1918, 982],
  'dirty-tlb': [2657, 1752],
  coherent: [56034, 20320],
  'mixed-migration': [96397, 96397],
  'racing-migrations': [1408615, 99484],
  full: [724052, 277590],
};

// Every variant on the small presets; on small (1.1 M states without
// symmetry) and two-devices the variants that break it there, not those
// that verify again.
const ALL = VARIANTS.map((v) => v.id as string);
const CASES: Record<string, readonly string[]> = {
  tiny: ALL,
  migrate: ALL,
  'cpu-faults': ALL,
  small: ['D1', 'D2', 'B3', 'B5', 'D3', 'D5', 'H1'],
  'two-devices': ['B8', 'B9'],
  'oom-reaper': ALL,
  exclusive: ['B14', 'B16', 'H2'],
  memcg: ALL,
  'dirty-tlb': ALL,
  coherent: ALL,
  // It forks: no symmetry to compare, but the verdict and lengths still.
  'mixed-migration': ['B18'],
  // B20 without symmetry is 4.2 M states: its verdict and lengths (LIVE-1, 48, loop 26) were compared once by hand.
  'racing-migrations': [],
  full: [],
};

for (const [preset, ids] of Object.entries(CASES)) {
  for (const id of [null, ...ids]) {
    // Each variant on the presets of tens of thousands of states is a second or two: the full tier.
    const slow = BIG_PRESETS.has(preset) || (id !== null && COUNTS[preset]![0] > 10000);
    tieredTest(slow, `${preset}${id ? ` ${id}` : ''}: the same verdict and shortest lengths with and without symmetry`, () => {
      const w = presetWorld(preset, id ? [id as VariantId] : []);
      const plain = check(hmmModel(w, { freeze: false, symmetry: false }));
      const sym = check(hmmModel(w, { freeze: false }));
      assert.is(verdict(sym), verdict(plain));
      assert.ok(sym.stats.states <= plain.stats.states);
      if (id === null) {
        assert.equal([plain.stats.states, sym.stats.states], COUNTS[preset]);
      }
      for (const v of sym.violations) {
        // a real path of the model: replaying its indices gives its steps
        assert.equal(replayIndices(hmmModel(w), v.path.indices).actions, v.path.actions);
      }
    });
  }
}

fullTest('worlds that fork or evict choose frames by number: no symmetry there', () => {
  assert.is(symmetric(presetWorld('fork')), false);
  assert.is(symmetric(presetWorld('small')), true);
  const w = presetWorld('fork');
  assert.is(check(hmmModel(w, { freeze: false })).stats.states, check(hmmModel(w, { freeze: false, symmetry: false })).stats.states);
});

test.run();
