/**
 * mprotect in traces (kernel-audit.md R13): the kernel starts mprotect's
 * PROTECTION_VMA invalidation only where a page table exists (mm/mprotect.c
 * change_pmd_range:376-386 in 6.1, change_pud_range since v6.12), so an
 * mprotect of a buffer nothing has touched yet (hmm-tests' mprotect right
 * after mmap, or an mmap with PROT_READ) records no invalidation at all. The
 * model once always invalidated, and rejected such a trace at its next line.
 * Hand-written hmmtraces: the mprotect without an invalidation replays valid,
 * an invalidation there is not what the kernel does, and once a fault has
 * populated the table the invalidation must be there.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { replayText } from '../helpers/traces.js';

/** What these traces log completely: an invalidation the model takes must be in the trace. */
const observed = ['mprotect', 'handle_mm_fault', 'cpu_read', 'cpu_write', 'invalidate_range_start', 'invalidate', 'invalidate_range_end'];

/** A one-page world given by the header: nothing else is under its page tables. */
const header = (kernel?: string): string =>
  JSON.stringify({
    hmmtrace: 1,
    source: 'hand-written: mprotect of a fresh page, a read fault, mprotect again',
    ...(kernel ? { kernel } : {}),
    config: { pages: 1, systemFrames: 2, devices: [{ frames: 1, owner: 'dmirror0' }] },
    observed,
  });

const FRESH = '{"ev":"mprotect","tid":"test","mm":0,"start":0,"end":1,"write":false}';
const bracket = [
  '{"ev":"invalidate_range_start","tid":"test","mm":0,"start":0,"end":1,"event":"protection_vma"}',
  '{"ev":"invalidate","tid":"test","dev":"dmirror0","mm":0,"start":0,"end":1,"event":"protection_vma"}',
  '{"ev":"invalidate_range_end","tid":"test","mm":0,"start":0,"end":1}',
];
const READ = ['{"ev":"handle_mm_fault","tid":"test","mm":0,"page":0,"write":false}', '{"ev":"cpu_read","tid":"test","mm":0,"page":0,"value":0}'];
const AGAIN = '{"ev":"mprotect","tid":"test","mm":0,"start":0,"end":1,"write":true}';
const LAST = '{"ev":"cpu_read","tid":"test","mm":0,"page":0,"value":0}';

const trace = (first: string, lines: readonly string[]): string => [first, ...lines].join('\n') + '\n';

for (const kernel of ['6.1', undefined]) {
  const on = kernel ?? 'latest';
  test(`${on}: mprotect of a page never faulted, with no invalidation, then a fault, and mprotect with its invalidation: valid`, async () => {
    const r = await replayText(trace(header(kernel), [FRESH, ...READ, AGAIN, ...bracket, LAST]));
    assert.is(r.outcome, 'valid', r.reason);
    assert.is(r.events, 8);
  });

  test(`${on}: an invalidation after mprotect of a page never faulted is not the kernel's (no page table, no invalidation)`, async () => {
    const r = await replayText(trace(header(kernel), [FRESH, ...bracket, ...READ]));
    assert.is(r.outcome, 'invalid');
    assert.is(r.line, 3);
    assert.match(r.reason, /invalidate_range_start is not a step the model allows here/);
  });

  test(`${on}: mprotect after the fault populated the page table must invalidate`, async () => {
    const r = await replayText(trace(header(kernel), [FRESH, ...READ, AGAIN, LAST]));
    assert.is(r.outcome, 'invalid');
    assert.is(r.line, 6);
    assert.match(r.reason, /test is at inv_start and its next step in the model is invalidate_range_start, not cpu_read/);
  });
}

test("a world inferred from the trace shares its page tables with pages it does not name: mprotect of a page it never faulted may invalidate or not; after its own fault it must", async () => {
  const inferred = JSON.stringify({ hmmtrace: 1, source: 'hand-written, no config: the world is the pages the trace names', observed });
  const without = await replayText(trace(inferred, [FRESH, ...READ]));
  assert.is(without.outcome, 'valid', without.reason);
  // Another page under the same PTE table (outside the trace's buffers) was faulted: the kernel invalidates.
  const withIt = await replayText(trace(inferred, [FRESH, ...bracket, ...READ]));
  assert.is(withIt.outcome, 'valid', withIt.reason);
  const missing = await replayText(trace(inferred, [FRESH, ...READ, AGAIN, LAST]));
  assert.is(missing.outcome, 'invalid');
  assert.is(missing.line, 6);
});

test('6.1, pmdPages 1: the invalidation begins at the first page whose PTE table exists; since v6.12 at the range start', async () => {
  const config = { pages: 2, pmdPages: 1, systemFrames: 2, devices: [{ frames: 1, owner: 'dmirror0' }] };
  const lines = (from: number): string[] => [
    '{"ev":"handle_mm_fault","tid":"test","mm":0,"page":1,"write":true}',
    '{"ev":"cpu_write","tid":"test","mm":0,"page":1,"value":7}',
    '{"ev":"mprotect","tid":"test","mm":0,"start":0,"end":2,"write":false}',
    `{"ev":"invalidate_range_start","tid":"test","mm":0,"start":${from},"end":2,"event":"protection_vma"}`,
  ];
  for (const [kernel, from, outcome] of [
    ['6.1', 1, 'valid'],
    ['6.1', 0, 'invalid'],
    ['latest', 0, 'valid'],
    ['latest', 1, 'invalid'],
  ] as const) {
    const h = JSON.stringify({ hmmtrace: 1, source: 'hand-written: mprotect over a written page and one never touched', kernel, config, observed });
    const r = await replayText(trace(h, lines(from)));
    assert.is(r.outcome, outcome, `${kernel} from ${from}: ${r.reason}`);
    if (outcome === 'invalid') assert.match(r.reason, /start: the model has/);
  }
});

test.run();
