/**
 * `partition: "page"` is accepted only for traces whose page-by-page verdict
 * is the whole trace's (traces/hmm/partition.ts, issue 24). Every
 * hand-written trace of the shared examples and of test/fixtures/traces gave
 * false verdicts by page (their driver lock, read_retry and CPU values name
 * no page, so every projection dropped them): each is now refused. Small
 * traces of the importer's own kinds break one condition each: the
 * projection alone (replayByPage, unchecked) calls each of them valid where
 * replay of the whole trace finds it invalid, and replay refuses them.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { VariantId } from '../../model/index.js';
import { TraceInputError } from '../../traces/errors.js';
import { IMPORT_OBSERVED } from '../../traces/ftrace/index.js';
import type { Ev } from '../../traces/hmm/adapter.js';
import { PROJECTED, replayByPage } from '../../traces/hmm/byPage.js';
import { replayFile } from '../../traces/hmm/replayFile.js';
import { newScan, scanEvent } from '../../traces/hmm/scan.js';
import { run } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('partition-test');
const fixtures = fileURLToPath(new URL('../../../test/fixtures/traces/', import.meta.url));
const shared = fileURLToPath(new URL('../../../../shared/traces/', import.meta.url));

/** Writes a trace: the header, then one event per line (line 2 on). */
function write(name: string, header: Record<string, unknown>, events: readonly Record<string, unknown>[]): string {
  const path = join(dir, name);
  writeFileSync(path, [header, ...events].map((x) => JSON.stringify(x)).join('\n') + '\n');
  return path;
}

async function refusal(path: string, variants: readonly VariantId[] = []): Promise<TraceInputError> {
  try {
    await replayFile(path, { variants });
  } catch (e) {
    assert.instance(e, TraceInputError);
    return e as TraceInputError;
  }
  assert.unreachable(`${path}: partition must be refused`);
  throw new Error('unreachable');
}

/** The projection's own verdict, with no check of its conditions. */
async function byPageUnchecked(header: Record<string, unknown>, events: readonly Record<string, unknown>[]): Promise<string> {
  const scan = newScan();
  for (const e of events) scanEvent(scan, e);
  const items = events.map((e, i) => ({ line: i + 2, event: e as Ev }));
  const { result } = await replayByPage('unchecked', header, items, Math.max(0, ...scan.pages.values()), []);
  return result.outcome;
}

test('the kinds a projection places are the ftrace importer\'s', () => {
  assert.equal([...PROJECTED].sort(), [...IMPORT_OBSERVED].sort());
});

test('every hand-written trace, given partition "page", is refused with exit 2 naming the field and the line', async () => {
  const dirs = [fixtures, join(fixtures, 'invariants'), ...(existsSync(shared) ? [shared] : [])];
  let n = 0;
  for (const d of dirs) {
    for (const f of readdirSync(d).filter((x) => x.endsWith('.jsonl'))) {
      const lines = readFileSync(join(d, f), 'utf8').split('\n');
      const at = lines.findIndex((l) => l.trimStart().startsWith('{'));
      lines[at] = JSON.stringify({ ...JSON.parse(lines[at]!), partition: 'page' });
      const path = join(dir, f);
      writeFileSync(path, lines.join('\n'));
      const e = await refusal(path);
      assert.is(e.field, 'partition', f);
      n++;
    }
  }
  assert.ok(n >= 37, `${n} traces`);
  // Which line and why, for one of each reason.
  const cli = await run('replay', join(dir, 'anon_read.valid.jsonl'));
  assert.is(cli.code, 2);
  assert.match(cli.err, /anon_read\.valid\.jsonl:1: partition: expected no config \(it bounds the whole world, and each page's world is inferred from that page's events\) for a trace replayed page by page, found a header with config/);
  if (existsSync(shared)) {
    const kinds = await refusal(join(dir, 'device-read-then-mprotect.valid.jsonl'));
    assert.equal([kinds.line, kinds.found], [2, 'a cpu_write event']);
    const observed = await refusal(join(dir, 'map-without-retry.invalid.jsonl'));
    assert.equal([observed.line, observed.found], [1, 'observed naming "cpu_write"']);
  }
});

// One attempt of gpu on page 0 of mirror d0, and a migration of page 1 by another thread.
const attempt = [
  { ev: 'handle_mm_fault', tid: 'cpu', mm: '0', page: 1, write: true },
  { ev: 'mmu_interval_read_begin', tid: 'gpu', dev: 'd0', seq: 's1' },
  { ev: 'handle_mm_fault', tid: 'gpu', mm: '0', page: 0, write: false },
  { ev: 'hmm_range_fault', tid: 'gpu', dev: 'd0', mm: '0', start: 0, end: 1, write: false, result: 'ok', pfns: [{ page: 0, pfn: 'A', write: false }] },
];
const migration = (dev: string, callbacks: readonly string[]): Record<string, unknown>[] => [
  { ev: 'invalidate_range_start', tid: 'mig', mm: '0', start: 1, end: 2, event: 'migrate', blockable: true },
  ...callbacks.map((d) => ({ ev: 'invalidate', tid: 'mig', dev: d, mm: '0', start: 1, end: 2, event: 'migrate' })),
  { ev: 'invalidate_range_end', tid: 'mig', mm: '0', start: 1, end: 2 },
  { ev: 'migrate_vma_setup', tid: 'mig', dev, mm: '0', start: 1, end: 2, select: ['system'], src: [{ page: 1, pfn: 'B', migrate: true, write: true }] },
  { ev: 'migrate_vma_pages', tid: 'mig', dev, migrated: [1] },
  { ev: 'devpt_map', tid: 'mig', dev, page: 1, pfn: 'D', write: true },
  { ev: 'migrate_vma_finalize', tid: 'mig', dev },
];
const mapPage0 = { ev: 'devpt_map', tid: 'gpu', dev: 'd0', page: 0, pfn: 'A', write: false };

/** Each case: a trace of the importer's kinds, the line that breaks a condition, and what is found there. */
const cases: { name: string; header: Record<string, unknown>; events: Record<string, unknown>[]; line: number; found: string }[] = [
  {
    // Without H1 the model's own migrate invalidation moves d0's sequence: gpu's map is INV-4.
    name: 'own migration, no H1',
    header: { hmmtrace: 1, driver: 'reference' },
    events: [...attempt, ...migration('d0', ['d0']), mapPage0],
    line: 7,
    found: 'a migrate invalidation without driver test_hmm or H1 in the header or on the command line',
  },
  {
    // d1's migration is not d0's own: d0's callback moves its sequence even under H1.
    name: "another device's migration",
    header: { hmmtrace: 1, driver: 'test_hmm' },
    events: [...attempt, ...migration('d1', ['d0', 'd1']), mapPage0],
    line: 7,
    found: 'its next one, at line 10, on "d1"',
  },
  {
    name: 'a config of one system frame',
    header: { hmmtrace: 1, config: { name: 'tight', pages: 2, systemFrames: 1, devices: [{ frames: 1, owner: 'dmirror0' }], actors: [{ kind: 'cpu', name: 'cpu', ops: {} }, { kind: 'device', name: 'gpu', ops: {} }] } },
    events: [
      { ev: 'handle_mm_fault', tid: 'cpu', mm: 0, page: 0, write: true },
      { ev: 'handle_mm_fault', tid: 'cpu', mm: 0, page: 1, write: true },
      { ev: 'mmu_interval_read_begin', tid: 'gpu', dev: 'dmirror0', seq: 's1' },
      { ev: 'hmm_range_fault', tid: 'gpu', dev: 'dmirror0', mm: 0, start: 0, end: 2, write: false, result: 'ok', pfns: [{ page: 0, pfn: 'A', write: true }, { page: 1, pfn: 'B', write: true }] },
    ],
    line: 1,
    found: 'a header with config',
  },
  {
    name: 'migrate_vma_pages outside a migration',
    header: { hmmtrace: 1 },
    events: [{ ev: 'handle_mm_fault', tid: 'cpu', mm: '0', page: 0, write: true }, { ev: 'migrate_vma_pages', tid: 'mig', dev: 'd0', migrated: [0] }],
    line: 3,
    found: 'migrate_vma_pages outside a migration',
  },
  {
    name: 'a folio_free of a pfn no page held',
    header: { hmmtrace: 1 },
    events: [
      { ev: 'handle_mm_fault', tid: 'cpu', mm: '0', page: 0, write: true },
      { ev: 'mmu_interval_read_begin', tid: 'gpu', dev: 'd0', seq: 's1' },
      { ev: 'hmm_range_fault', tid: 'gpu', dev: 'd0', mm: '0', start: 0, end: 1, write: false, result: 'ok', pfns: [{ page: 0, pfn: 'A', write: true }] },
      { ev: 'folio_free', tid: 'cpu', dev: 'd0', pfn: 'Z' },
    ],
    line: 5,
    found: 'folio_free of "Z", never named on a page since it was last freed',
  },
  {
    name: 'two read_begins without an hmm_range_fault between',
    header: { hmmtrace: 1 },
    events: [{ ev: 'mmu_interval_read_begin', tid: 'gpu', dev: 'd0', seq: 's1' }, ...attempt.slice(1), mapPage0].map((e, i) => (i === 1 ? { ...e, seq: 's2' } : e)),
    line: 3,
    found: 'another mmu_interval_read_begin first',
  },
];

for (const c of cases) {
  test(`by page, ${c.name} is wrongly valid; the whole trace is invalid; partition is refused at line ${c.line}`, async () => {
    const whole = await replayFile(write(`${c.name}.whole.jsonl`, c.header, c.events));
    assert.is(whole.report.outcome, 'invalid', whole.report.reason);
    assert.is(await byPageUnchecked(c.header, c.events), 'valid');
    const e = await refusal(write(`${c.name}.page.jsonl`, { ...c.header, partition: 'page' }, c.events));
    assert.equal([e.field, e.line, e.found], ['partition', c.line, c.found]);
  });
}

test('H1 given on the command line is H1: the own migration is accepted by page, valid as the whole trace is', async () => {
  const events = [...attempt, ...migration('d0', ['d0']), mapPage0];
  // The reference driver: these migrations lock and map in finalize_and_map, the lock unlogged.
  const { report } = await replayFile(write('own-h1.jsonl', { hmmtrace: 1, partition: 'page', driver: 'reference' }, events), { variants: ['H1'] });
  assert.is(report.outcome, 'valid', report.reason);
  const whole = await replayFile(write('own-h1.whole.jsonl', { hmmtrace: 1, variant: ['H1'], driver: 'reference' }, events));
  assert.is(whole.report.outcome, 'valid', whole.report.reason);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
