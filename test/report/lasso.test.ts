/**
 * A livelock (LIVE-1) in every output format: the JSON result carries the
 * lasso (loopStart, the starved thread and its operation), the text and
 * Markdown reports mark where the cycle starts and ends, the race diagram
 * keeps every step of the cycle, and the HTML timeline marks the cycle's
 * steps. An ok result says a livelock was looked for, or why not.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { memoryIo } from '../../cli/io.js';
import { main } from '../../cli/main.js';
import { raceDiagram } from '../../report/index.js';
import type { CheckReport } from '../../report/checkReport.js';

async function run(...argv: string[]) {
  const io = memoryIo();
  const code = await main(argv, io);
  return { code, out: io.stdout, err: io.stderr };
}

const B17 = ['check', '--preset', 'cpu-faults', '--variant', 'B17'];

test('JSON: a lasso of 58 steps whose cycle starts after step 36; cpu0 starves in its cpu_read', async () => {
  const r = await run(...B17, '--json');
  assert.is(r.code, 1);
  const j = JSON.parse(r.out) as CheckReport;
  const v = j.violations[0]!;
  assert.is(v.invariant, 'LIVE-1');
  assert.is(v.kind, 'liveness');
  assert.is(v.steps, 58);
  assert.is(v.loopStart, 36);
  assert.equal(v.starved, { thread: 'cpu0', op: 'cpu_read' });
  assert.is(v.counterexample.length, 58);
  assert.equal([j.progress!.id, j.progress!.checked], ['LIVE-1', true]);
  assert.ok(j.invariants.some((i) => i.id === 'LIVE-1'));
});

test('text: the summary sentence, and the cycle marked between steps 36 and 37 and after the last', async () => {
  const r = await run(...B17);
  assert.match(r.out, /^LIVE-1 \(livelock\): under fairness \(weak; strong for a thread asleep on a lock the kernel hands over\)/m);
  assert.match(r.out.replace(/\n/g, ' '), /counterexample: 58 steps, a livelock: a cycle of 22 steps \(steps 37\.\.58\) that leads back to the state after step 36/);
  const full = r.out.slice(r.out.indexOf('every step, with what it changed:'));
  const lines = full.split('\n');
  const mark = lines.findIndex((l) => l.includes('-- the cycle: the steps below repeat forever --'));
  assert.ok(mark > 0);
  const next = lines.slice(mark + 1).find((l) => /^ +\d+ {2}/.test(l))!;
  assert.match(next, /^ {3}37 {2}/);
  assert.match(full, /-- back to the state after step 36: the cycle repeats --\n {2}path: /);
});

test('the race diagram keeps every step of the cycle, after its mark', async () => {
  const j = JSON.parse((await run(...B17, '--json')).out) as CheckReport;
  const d = raceDiagram(j.violations[0]!, 100);
  const after = d.slice(d.indexOf('-- the cycle:'));
  for (let n = 37; n <= 58; n++) assert.match(after, new RegExp(`^ *${n}  `, 'm'), `step ${n} shown`);
  assert.match(d, /LIVE-1, a livelock: a cycle of 22 steps/);
});

test('Markdown and HTML mark the cycle too', async () => {
  const md = (await run(...B17, '--format', 'markdown')).out;
  assert.match(md, /^## LIVE-1 \(livelock\)$/m);
  assert.match(md, /^\| \| \| \*\*-- the cycle: the steps below repeat forever --\*\* \| \|$/m);
  assert.ok(md.indexOf('the cycle: the steps below') < md.indexOf('| 37 |'));
  const html = (await run(...B17, '--format', 'html')).out;
  const data = JSON.parse(/<script type="application\/json" id="hmmcheck-data">([\s\S]*?)<\/script>/.exec(html)![1]!) as {
    timelines: { sentence: string; steps: { n: number; mark: string }[] }[];
  };
  const tl = data.timelines[0]!;
  assert.match(tl.sentence, /a livelock: a cycle of 22 steps/);
  assert.equal(tl.steps.filter((s) => s.mark === 'cycle').map((s) => s.n), Array.from({ length: 21 }, (_, i) => 37 + i));
  assert.is(tl.steps[57]!.mark, 'violation');
});

test('an ok result says no livelock; --no-liveness says LIVE-1 was not checked and why; workers find the same lasso', async () => {
  const ok = await run('check', '--preset', 'cpu-faults');
  assert.is(ok.code, 0);
  assert.match(ok.out, /^outcome: ok: no invariant violated, no deadlock and no livelock in 2,272 distinct states/m);
  assert.match(ok.out, /^invariants checked: .*INV-17, LIVE-1$/m);
  assert.match(ok.out, /^LIVE-1 \(livelocks\) checked on the recorded graph: [\d.]+ B\/state more \(--no-liveness skips it\)$/m);
  const off = await run('check', '--preset', 'cpu-faults', '--variant', 'B17', '--no-liveness');
  assert.is(off.code, 0, 'without the progress check B17 breaks no safety invariant');
  assert.match(off.out, /^outcome: ok: no invariant violated and no deadlock in/m);
  assert.match(off.out, /^LIVE-1 \(livelocks\) not checked: turned off by --no-liveness$/m);
  const one = JSON.parse((await run(...B17, '--json')).out) as CheckReport;
  const two = JSON.parse((await run(...B17, '--workers', '2', '--json')).out) as CheckReport;
  assert.equal([two.violations[0]!.path, two.violations[0]!.loopStart], [one.violations[0]!.path, one.violations[0]!.loopStart]);
  const ok2 = JSON.parse((await run('check', '--preset', 'cpu-faults', '--workers', '2', '--json')).out) as CheckReport;
  assert.equal([ok2.outcome, ok2.progress!.checked, ok2.stats.states], ['ok', true, 2272]);
});

test.run();
