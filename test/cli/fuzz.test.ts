/**
 * Hostile input through the real command line, in child processes: generated
 * configurations, traces (valid prefixes with corrupted suffixes, huge
 * strings and indices, wrong types, compressed junk), probe files, result
 * files and checkpoints. Whatever the input, hmmcheck answers with an exit
 * status of 0, 1, 2 or 3, prints no stack trace, and finishes within a time
 * and a heap bound; input it cannot use is exit 2. The full tier, bounded to
 * about a minute.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import * as assert from 'uvu/assert';
import { test } from 'uvu';
import { run } from '../helpers/cli.js';
import { looksLikeCrash, runCli } from '../helpers/spawn.js';
import { FULL_TIER, fullTest } from '../helpers/tier.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('cli-fuzz');
/** Per case: the time a child may take, and its heap. A crash past the heap is exit 134, which the status check catches. */
const CASE_MS = 30_000;
const HEAP = ['--max-old-space-size=512'];
/** The whole property's budget; fast-check stops starting new cases after it. */
const BUDGET_MS = 60_000;

const sharedTraces = new URL('../../../../shared/traces/', import.meta.url).pathname;
const fixtureTraces = new URL('../../../test/fixtures/traces/', import.meta.url).pathname;
const ftraceExcerpt = new URL('../../../test/fixtures/ftrace/migrate_fault.excerpt.txt', import.meta.url).pathname;
const probesFile = new URL('../../../traces/ftrace/kprobe_events.linux-6.1.txt', import.meta.url).pathname;
const traces = [
  ...readdirSync(sharedTraces).filter((f) => f.endsWith('.jsonl')).map((f) => join(sharedTraces, f)),
  ...readdirSync(fixtureTraces).filter((f) => f.endsWith('.jsonl')).map((f) => join(fixtureTraces, f)),
].map((f) => readFileSync(f, 'utf8').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#')));

let n = 0;
const file = (ext: string): string => join(dir, `case-${n++}.${ext}`);

interface Outcome {
  code: number | null;
  err: string;
  ms: number;
}

async function cli(argv: string[]): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined;
  const env = { ...process.env, NODE_OPTIONS: HEAP.join(' ') };
  const r = await Promise.race([
    runCli(argv, { env, cwd: dir }),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`hmmcheck ${argv.join(' ')} took more than ${CASE_MS} ms`)), CASE_MS))),
  ]);
  clearTimeout(timer);
  return r;
}

function judge(what: string, r: Outcome, mustBeInputError = false): void {
  assert.ok([0, 1, 2, 3].includes(r.code ?? -1), `${what}: exit status ${r.code}\n${r.err.slice(0, 2000)}`);
  assert.not.ok(looksLikeCrash(r.err), `${what}: a stack trace\n${r.err.slice(0, 2000)}`);
  if (mustBeInputError) assert.is(r.code, 2, `${what}: expected exit 2 for input it cannot use\n${r.err.slice(0, 500)}`);
  if (r.code === 2) assert.match(r.err, /^hmmcheck: /, `${what}: a one-line message`);
}

const WRONG: unknown[] = [null, true, -1, 1e9, 2 ** 53, 1.5, 'x', '', [], {}, [1e9], { a: 1 }, 'é\u202e\x1b[2J'];
const hugeString = fc.integer({ min: 1, max: 3 }).map((k) => 'A'.repeat(k * 1_000_000));
const junk = fc.oneof(fc.string({ maxLength: 200 }), fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b).toString('latin1')), hugeString);
const anyValue = fc.oneof(fc.constantFrom(...WRONG), fc.jsonValue({ maxDepth: 3 }), junk);

/** A trace: a valid one's first k lines, then something wrong. */
const traceCase = fc.record({
  which: fc.nat(traces.length - 1),
  keep: fc.nat(40),
  how: fc.constantFrom('field', 'line', 'truncate', 'huge', 'gzip', 'gzip-junk', 'bomb'),
  key: fc.nat(),
  value: anyValue,
  text: junk,
});

type TraceCase = typeof traceCase extends fc.Arbitrary<infer T> ? T : never;

function buildTrace(c: TraceCase): { path: string; bytes: Buffer } {
  const lines = traces[c.which]!.slice(0, Math.max(1, c.keep));
  const last = lines.length - 1;
  switch (c.how) {
    case 'field': {
      const o = JSON.parse(lines[last]!) as Record<string, unknown>;
      const keys = [...Object.keys(o), 'page', 'dev', 'tid', 'mm', 'pfn', 'start', 'end', 'config', 'partition', 'loop'];
      o[keys[c.key % keys.length]!] = c.value;
      lines[last] = JSON.stringify(o);
      break;
    }
    case 'line':
      lines.push(c.text);
      break;
    case 'truncate':
      lines[last] = lines[last]!.slice(0, c.key % (lines[last]!.length + 1));
      break;
    case 'huge':
      lines.push(JSON.stringify({ ev: 'cpu_read', tid: 'c0', page: 0, value: 0, note: 'N'.repeat(2_000_000 + (c.key % 1000)) }));
      break;
  }
  const text = lines.join('\n') + '\n';
  if (c.how === 'gzip') return { path: file('jsonl.gz'), bytes: gzipSync(text) };
  if (c.how === 'gzip-junk') return { path: file('jsonl.gz'), bytes: Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from(c.text, 'latin1')]) };
  // Many megabytes of newlines or zeros, compressed to a few kilobytes.
  if (c.how === 'bomb') return { path: file('jsonl.gz'), bytes: gzipSync(Buffer.alloc(64 << 20, c.key % 2 === 0 ? 0x0a : 0)) };
  return { path: file('jsonl'), bytes: Buffer.from(text) };
}

const baseConfig = {
  pages: 1,
  systemFrames: 2,
  devices: [{ frames: 1 }],
  actors: [
    { kind: 'cpu', ops: { cpu_write: 1 } },
    { kind: 'device', ops: { device_read: 1 } },
  ],
};

/** A configuration: the base one with a field (at some depth) replaced, or junk. */
const configCase = fc.record({ path: fc.array(fc.constantFrom('pages', 'systemFrames', 'devices', 0, 1, 'frames', 'actors', 'kind', 'ops', 'cpu_write', 'name', 'memcgLimit', 'processes'), { minLength: 1, maxLength: 4 }), value: anyValue, raw: fc.option(junk, { freq: 5 }) });

function buildConfig(c: { path: (string | number)[]; value: unknown; raw: string | null }): string {
  if (c.raw !== null) return c.raw;
  const o = JSON.parse(JSON.stringify(baseConfig)) as Record<string | number, unknown>;
  let at: Record<string | number, unknown> = o;
  for (const k of c.path.slice(0, -1)) {
    const next = at[k];
    if (next === null || typeof next !== 'object') break;
    at = next as Record<string | number, unknown>;
  }
  at[c.path[c.path.length - 1]!] = c.value;
  return JSON.stringify(o);
}

let cases = 0;

if (!FULL_TIER) fullTest('hostile input through the command line never crashes hmmcheck', () => undefined);
else
  test('hostile input through the command line: exit 0-3, no stack trace, bounded time and heap', async () => {
    // A real checkpoint and a real result to damage.
    const cp = join(dir, 'small.cp');
    const stopped = await run('check', '--preset', 'small', '--max-seconds', '0.5', '--checkpoint', cp, '--quiet');
    assert.is(stopped.code, 3);
    const cpBytes = readFileSync(cp);
    const result = join(dir, 'd1.json');
    await run('check', '--preset', 'tiny', '--variant', 'D1', '--out', result, '--quiet');
    const resultText = readFileSync(result, 'utf8');
    const probes = readFileSync(probesFile, 'utf8').split('\n');
    const kinds = fc.oneof(
      traceCase.map((c) => ({ kind: 'trace' as const, c })),
      configCase.map((c) => ({ kind: 'config' as const, c })),
      fc.record({ at: fc.nat(), flips: fc.array(fc.nat(255), { minLength: 1, maxLength: 4 }), cut: fc.boolean() }).map((c) => ({ kind: 'checkpoint' as const, c })),
      fc.record({ line: fc.nat(), text: junk }).map((c) => ({ kind: 'probes' as const, c })),
      fc.record({ at: fc.nat(), text: junk, verb: fc.constantFrom('report', 'merge') }).map((c) => ({ kind: 'result' as const, c })),
    );
    await fc.assert(
      fc.asyncProperty(kinds, async (k) => {
        cases++;
        switch (k.kind) {
          case 'trace': {
            const t = buildTrace(k.c);
            writeFileSync(t.path, t.bytes);
            judge(`replay of ${t.path} (${k.c.how})`, await cli(['replay', t.path, '--max-candidates', '5000', '--quiet']));
            break;
          }
          case 'config': {
            const f = file('json');
            writeFileSync(f, buildConfig(k.c));
            judge(`check --config ${f}`, await cli(['check', '--config', f, '--max-states', '20000', '--max-seconds', '10', '--quiet']));
            break;
          }
          case 'checkpoint': {
            const b = Buffer.from(cpBytes);
            const damaged = k.c.cut ? b.subarray(0, k.c.at % b.length) : b;
            for (const [i, x] of k.c.flips.entries()) {
              const at = (k.c.at + i * 7919) % damaged.length;
              damaged[at] = damaged[at]! ^ (x | 1);
            }
            const f = file('cp');
            writeFileSync(f, damaged);
            judge(`check --resume ${f}`, await cli(['check', '--preset', 'small', '--max-seconds', '2', '--resume', f, '--quiet']), true);
            break;
          }
          case 'probes': {
            const lines = [...probes];
            lines.splice(k.c.line % (lines.length + 1), 0, k.c.text);
            const f = file('txt');
            writeFileSync(f, lines.join('\n'));
            judge(`replay --probes ${f}`, await cli(['replay', ftraceExcerpt, '--probes', f, '--quiet']));
            break;
          }
          case 'result': {
            const f = file('json');
            const at = k.c.at % (resultText.length + 1);
            writeFileSync(f, resultText.slice(0, at) + k.c.text + resultText.slice(at));
            judge(`${k.c.verb} ${f}`, await cli([k.c.verb, f]));
            break;
          }
        }
      }),
      { numRuns: 400, seed: Number(process.env['HMMCHECK_FUZZ_SEED'] ?? 24), plugins: [fc.interruptAfterTimeLimit(BUDGET_MS)] },
    );
    assert.ok(cases >= 40, `only ${cases} cases ran within the budget`);
  });

test.run();
