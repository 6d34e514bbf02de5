/**
 * Non-blockable invalidation in traces (TRACE-FORMAT.md: invalidate_range_start
 * blockable false, invalidate result false): the OOM reaper's refused reap
 * replays valid; a callback the trace says returned true where the model's
 * must refuse, or a zap after a refusal (what B1's kernels did), is invalid
 * at that line with the reason.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { presetWorld, Script } from '../helpers/hmm.js';
import { replayText, traceText } from '../helpers/traces.js';

/** The device holds L(d) while the reaper reaps: the second callback refuses. */
function refusedReap(): string {
  const w = presetWorld('oom-reaper');
  const sc = new Script(w);
  const steps = [
    sc.step(0, 'handle_mm_fault'),
    sc.step(0, 'do_anonymous_page'),
    sc.step(0, 'cpu_write'),
    sc.step(1, 'mmu_interval_read_begin'),
    sc.step(1, 'hmm_range_fault'),
    sc.step(1, 'driver_lock'),
    sc.step(2, 'invalidate_range_start', { blockable: false }),
    sc.step(2, 'invalidate', { dev: 0 }),
    sc.step(2, 'invalidate', { dev: 1 }),
    ...sc.runAlone(1),
  ];
  return traceText(w, steps);
}

test('a refused reap replays valid, and the trace says blockable false and result false', async () => {
  const text = refusedReap();
  assert.match(text, /"ev":"invalidate_range_start","tid":"reaper".*"blockable":false/);
  assert.match(text, /"ev":"invalidate","tid":"reaper","dev":"dmirror1".*"result":false/);
  const r = await replayText(text);
  assert.is(r.outcome, 'valid', r.reason);
});

test('a callback that returned true while its driver held L(d) is not what the model does', async () => {
  const text = refusedReap().replace(/,"result":false/, '');
  const r = await replayText(text);
  assert.is(r.outcome, 'invalid');
  assert.is(r.line, 10);
  assert.match(r.reason, /result: the callback refuses \(L\(d\) is held, and the invalidation cannot sleep\) in the model, the trace says true/);
});

test('a zap after the refusal (the 2019 error flow) is invalid at the zap', async () => {
  const lines = refusedReap().split('\n');
  const at = lines.findIndex((l) => l.includes('"result":false'));
  lines.splice(at + 1, 0, '{"ev":"zap_pte_range","tid":"reaper","mm":0,"start":0,"end":1}');
  const r = await replayText(lines.join('\n'));
  assert.is(r.outcome, 'invalid');
  assert.is(r.line, at + 2);
  assert.match(r.reason, /zap_pte_range is not a step the model allows here/);
});

test.run();
