/**
 * Does a trace fit the world it is replayed in? With `preset` or `config`
 * in the header the world is given, and a trace that names a thread,
 * process, device or page it does not have contradicts its own header: an
 * input error at the line that first names it, not a verdict. Without, the
 * world is what the trace names, within traces/hmm/limits.ts.
 *
 * How names bind (TRACE-FORMAT.md: identifiers are opaque and bound on first
 * use): a header that lists actors (a preset, or a config with `actors`)
 * binds each tid to the actor of that name (a config's unnamed actors are
 * cpu0, cpu1, ..., gpu0, ...); a config without actors takes the trace's
 * threads as they come. In a header's world a JSON number names a process
 * by index, and `dmirror<i>` (or the number i) a mirror, as hmmcheck's own
 * traces do; other identifiers (strings, such as the importer's tgids) take
 * the free indices in order of first use.
 */
import { mirrorName } from '../../model/index.js';
import { TraceInputError } from '../errors.js';
import type { ScanResult } from './scan.js';

/** A scan's line, or the header's when the scan was given no lines. */
const at = (line: number): number => Math.max(1, line);

/** A dev key (JSON text) that names a mirror: "dmirror<i>" (model/format.ts mirrorName) or i. */
const MIRROR_KEY = new RegExp(`^(?:"${mirrorName(0).replace(/0$/, '')}(\\d+)"|(\\d+))$`);

/** The index a header world's mm or dev identifier names by itself, if it names one. */
export function namedIndex(kind: 'mm' | 'dev', key: string): number | undefined {
  const m = kind === 'mm' ? /^(\d+)$/.exec(key) : MIRROR_KEY.exec(key);
  return m ? Number(m[1] ?? m[2]) : undefined;
}

/** The first line naming a page at or beyond the header world's `pages`. */
export function pageBeyond(file: string, scan: ScanResult, pages: number): TraceInputError | null {
  // pageSteps stops a step past 64 pages; header worlds have at most 16 (config.schema.json).
  const s = scan.pageSteps.find((x) => x.end > pages) ?? (scan.maxEnd > pages ? scan.pageSteps[scan.pageSteps.length - 1] : undefined);
  if (!s) return null;
  const world = `the header's world has pages 0 to ${pages - 1}`;
  const expected = s.field === 'end' ? `an end at most ${pages} (${world})` : `a page index below ${pages} (${world})`;
  return new TraceInputError(file, at(s.line), s.field, expected, `${s.value}`);
}

/** The first tid that is none of the header's named threads. */
export function strangerTid(file: string, scan: ScanResult, named: ReadonlyMap<string, unknown>): TraceInputError | null {
  const t = named.size > 0 ? scan.tids.find((x) => !named.has(x.tid)) : undefined;
  if (!t) return null;
  const names = [...named.keys()].map((n) => JSON.stringify(n)).join(', ');
  return new TraceInputError(file, at(scan.seen.tid.get(t.tid)?.line ?? 0), 'tid', `a thread of the header's world (its actors: ${names})`, JSON.stringify(t.tid));
}

/** An identifier the binding could not place: its preferred index is beyond the world's (`index`), or no index is left (null). */
export interface Unbound {
  readonly key: string;
  readonly index: number | null;
}

export interface Binding {
  readonly index: Map<string, number>;
  /** The identifier at each index (sparse where the trace never names one). */
  readonly key: string[];
  readonly unbound: Unbound | null;
}

/**
 * Binds trace identifiers (in order of first use) to model indices below
 * `count`: a preferred index when it is still free, else the lowest free
 * one. `unbound` is the first identifier that fits nowhere: one whose
 * preferred index is `count` or more, or one that finds every index taken.
 */
export function bindIds(keys: readonly string[], prefer: ReadonlyMap<string, number>, count: number): Binding {
  const index = new Map<string, number>();
  const key: string[] = [];
  for (const k of keys) {
    const p = prefer.get(k);
    if (p !== undefined && p < count && key[p] === undefined) {
      index.set(k, p);
      key[p] = k;
    }
  }
  let free = 0;
  for (const k of keys) {
    if (index.has(k)) continue;
    const p = prefer.get(k);
    if (p !== undefined && p >= count) return { index, key, unbound: { key: k, index: p } };
    while (free < count && key[free] !== undefined) free++;
    if (free >= count) return { index, key, unbound: { key: k, index: null } };
    index.set(k, free);
    key[free] = k;
  }
  return { index, key, unbound: null };
}

/** The error for an mm or dev the header's world has no room for, at the line that first names it. */
export function unboundError(file: string, scan: ScanResult, kind: 'mm' | 'dev', b: Binding, count: number): TraceInputError | null {
  const u = b.unbound;
  if (!u) return null;
  const seen = scan.seen[kind].get(u.key);
  const line = at(seen?.line ?? 0);
  const field = seen?.field ?? kind;
  const what = kind === 'mm' ? `process${count === 1 ? '' : 'es'}` : `device mirror${count === 1 ? '' : 's'}`;
  const upTo = (first: string, last: string): string => (count > 1 ? `${first} to ${last}` : first);
  const range = kind === 'mm' ? upTo('mm 0', `${count - 1}`) : `${upTo('dmirror0', `dmirror${count - 1}`)}, or ${upTo('0', `${count - 1}`)}`;
  if (u.index !== null) {
    return new TraceInputError(file, line, field, `a ${kind === 'mm' ? 'process' : 'device mirror'} of the header's world (${range}: it has ${count} ${what})`, `${kind} ${u.key}`);
  }
  const by = b.key.filter((k) => k !== undefined).map((k) => `${kind} ${k}`).join(', ');
  return new TraceInputError(file, line, field, `at most ${count} distinct ${kind}${count === 1 ? '' : 's'} (the header's world has ${count} ${what})`, `${kind} ${u.key}, with every one already taken (by ${by})`);
}
