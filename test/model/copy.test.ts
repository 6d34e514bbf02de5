/**
 * applyStepCopy (the replayer's fast path: a partial deep copy mutated in
 * place) must be indistinguishable from applyStep (immer): the same next
 * state, and the state it started from untouched. Random walks over worlds
 * that reach every rule, variants included, hold it to that.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyStep, applyStepCopy, buildWorld, enabledSteps, findPreset, initialState, PRESETS, stateKey, type VariantId } from '../../model/index.js';
import { LONG_CONFIG } from '../bench/longTrace.js';

function walk(name: string, config: Parameters<typeof buildWorld>[0], variants: VariantId[], steps: number): void {
  const w = buildWorld(config, variants);
  let x = 7;
  const rand = (n: number): number => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return (x >>> 8) % n;
  };
  for (let run = 0; run < 20; run++) {
    // Frozen states: a rule writing through to the source would throw.
    let s = initialState(w);
    for (let i = 0; i < steps; i++) {
      const en = enabledSteps(w, s);
      if (en.length === 0) break;
      const a = en[rand(en.length)]!;
      const before = JSON.stringify(s);
      const viaImmer = applyStep(w, s, a, true);
      const viaCopy = applyStepCopy(w, s, a);
      assert.is(JSON.stringify(s), before, `${name}: ${a.k} changed its source state`);
      assert.is(stateKey(viaCopy), stateKey(viaImmer), `${name}: ${a.k} differs between copy and immer`);
      assert.is(JSON.stringify(viaCopy), JSON.stringify(viaImmer), `${name}: ${a.k} differs in key order or content`);
      s = viaImmer;
    }
  }
}

test('copy and immer agree on the long-walk world', () => walk('long', LONG_CONFIG, [], 400));
test('copy and immer agree on every preset', () => {
  // Every preset: a rule that changes a frame without fw (copy-on-write
  // frames, kernel/rules/common.ts) writes to a frozen source frame and throws.
  for (const p of PRESETS.map((x) => x.name)) walk(p, findPreset(p)!.config, [], 100);
  walk('B6', findPreset('fork')!.config, ['B6'], 100);
});
test('copy and immer agree under the variants', () => {
  walk('D1', findPreset('small')!.config, ['D1'], 100);
  walk('B3', findPreset('small')!.config, ['B3'], 100);
  walk('D5', findPreset('migrate')!.config, ['D5'], 100);
  walk('H1', findPreset('migrate')!.config, ['H1'], 100);
});

test.run();
