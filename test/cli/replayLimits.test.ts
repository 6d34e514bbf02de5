/**
 * Small traces that used to crash `hmmcheck replay` or run for minutes, and
 * traces that contradict their own header, exit 2 with one line naming the
 * file, the field, what was expected and what was found. Run as child
 * processes with a small heap, so that a regression shows as the crash's own
 * exit status (133 out of memory, 70 a stack overflow) instead of taking the
 * test runner down. The lines are pinned by test/replay/worldFit.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CPU_AND_GPU } from '../helpers/worlds.js';

const main = fileURLToPath(new URL('../../cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'hmmcheck-limits-'));

type Ev = Record<string, unknown>;

function replay(name: string, header: Ev, events: readonly Ev[]): { code: number; err: string } {
  const file = join(dir, name);
  writeFileSync(file, [JSON.stringify({ hmmtrace: 1, source: 'test', ...header }), ...events.map((e) => JSON.stringify(e))].join('\n') + '\n');
  try {
    // The timeout only keeps a regression from hanging the suite.
    execFileSync(process.execPath, ['--max-old-space-size=512', main, 'replay', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
    return { code: 0, err: '' };
  } catch (e) {
    const x = e as { status: number | null; signal: string | null; stderr: string };
    return { code: x.status ?? 128, err: x.stderr };
  }
}

/** Exit 2, one line on standard error: `hmmcheck: FILE:LINE: FIELD: expected ..., found FOUND`. */
function inputError(r: { code: number; err: string }, name: string, line: number, field: string, found: string): void {
  assert.is(r.code, 2, r.err);
  const lines = r.err.trim().split('\n');
  assert.is(lines.length, 1, r.err);
  assert.match(lines[0]!, new RegExp(`^hmmcheck: ${join(dir, name).replace(/[.]/g, '\\.')}:${line}: ${field}: expected .+, found ${found.replace(/[.()"]/g, '\\$&')}$`));
}

const write = (tid: string, page: number, mm: unknown = 0): Ev => ({ ev: 'cpu_write', tid, mm, page, value: 1 });

test('page 1e9 in a world inferred from the trace (was: V8 out of memory, exit 133)', () => {
  inputError(replay('page1e9.jsonl', {}, [write('a', 1e9)]), 'page1e9.jsonl', 2, 'page', '1000000000');
});

test('page 40,000 and pfns by the thousand (was: stack overflow, exit 70)', () => {
  inputError(replay('page40000.jsonl', {}, [write('a', 40_000)]), 'page40000.jsonl', 2, 'page', '400,052 words from here on (40,001 pages, 1 process, 1 thread, 0 devices, 0 pfns)');
  const pfns = Array.from({ length: 5000 }, (_, i) => ({ ev: 'unpin_user_page', tid: 'a', pfn: i }));
  const r = replay('pfns.jsonl', {}, [write('a', 0), ...pfns]);
  assert.is(r.code, 2, r.err);
  assert.match(r.err, /:\d+: pfn: expected a world of at most 2,048 state words/);
});

test('two threads in a world of 1,024 pages (was: out of memory exploring unlogged steps)', () => {
  const r = replay('t2p1024.jsonl', {}, [write('a', 1023), write('a', 0), write('b', 0)]);
  assert.is(r.code, 2, r.err);
  assert.match(r.err, /:\d+: page: expected a world of at most 2,048 state words/);
});

test('5,000 processes, threads or devices (was: stack overflow, minutes without a verdict)', () => {
  const mms = Array.from({ length: 5000 }, (_, i) => write(`t${i % 4}`, 0, i));
  inputError(replay('mms.jsonl', {}, mms), 'mms.jsonl', 18, 'mm', 'mm 16, the 17th');
  const tids = Array.from({ length: 5000 }, (_, i) => write(`t${i}`, 0));
  inputError(replay('tids.jsonl', {}, tids), 'tids.jsonl', 66, 'tid', 'tid "t64", the 65th');
  const devs = Array.from({ length: 5000 }, (_, i) => ({ ev: 'driver_lock', tid: 'd', dev: `d${i}` }));
  inputError(replay('devs.jsonl', {}, devs), 'devs.jsonl', 18, 'dev', 'dev "d16", the 17th');
});

const CONFIG = CPU_AND_GPU;

test('a trace naming what its header config does not have (was: valid)', () => {
  const ok = write('cpu0', 0);
  inputError(replay('dev1.jsonl', { config: CONFIG }, [ok, { ev: 'driver_lock', tid: 'gpu0', dev: 1 }]), 'dev1.jsonl', 3, 'dev', 'dev 1');
  inputError(replay('ghost.jsonl', { config: CONFIG }, [ok, write('ghost', 1)]), 'ghost.jsonl', 3, 'tid', '"ghost"');
  inputError(replay('mm1.jsonl', { config: CONFIG }, [ok, write('cpu0', 0, 1)]), 'mm1.jsonl', 3, 'mm', 'mm 1');
  inputError(replay('page2.jsonl', { config: CONFIG }, [ok, write('cpu0', 2)]), 'page2.jsonl', 3, 'page', '2');
  assert.is(replay('fits.jsonl', { config: CONFIG }, [ok, write('cpu0', 1)]).code, 0);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
