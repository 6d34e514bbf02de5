/**
 * The kprobe set a trace was recorded with (tracefs `kprobe_events`, as in
 * shared/kernel-traces/linux-6.1/kprobe_events.txt), and the typed values of
 * a probe event's fields.
 *
 * A definition line is `p:GROUP/EVENT SYMBOL name=FETCH:TYPE ...` (entry) or
 * `r32:GROUP/EVENT SYMBOL ret=$retval:TYPE` (return); see the kernel's
 * Documentation/trace/kprobetrace.rst. The type says how the value prints:
 * x8..x64 hex with 0x, u8..u64 unsigned decimal, s8..s64 signed decimal, and
 * TYPE[N] an array `{a,b,...}` of N of them. 64-bit values (pointers, pfn
 * words) do not fit a JS number, so every value decodes to a bigint.
 */
import { TraceInputError } from '../errors.js';

export interface ProbeField {
  readonly name: string;
  /** x, u or s, and the width in bits; or a symbol (`name+off/size`, bits 0). */
  readonly base: 'x' | 'u' | 's' | 'symbol';
  readonly bits: number;
  /** Array length, or 0 for a scalar. */
  readonly count: number;
}

export interface Probe {
  readonly event: string;
  readonly symbol: string;
  readonly kind: 'entry' | 'return';
  readonly fields: readonly ProbeField[];
}

const DEF = /^(p|r\d*):(\w+)\/(\w+)\s+([\w.]+)(.*)$/;
const FIELD = /^(\w+)=\S*:(?:([xsu])(8|16|32|64)(?:\[(\d+)\])?|(symbol))$/;

/** Parses a kprobe_events file; `file` names it in errors. */
export function parseProbes(text: string, file: string): Map<string, Probe> {
  const out = new Map<string, Probe>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = DEF.exec(line);
    if (!m) throw new TraceInputError(file, i + 1, '(definition)', 'p:GROUP/EVENT SYMBOL args or r:GROUP/EVENT SYMBOL args', JSON.stringify(line.slice(0, 80)));
    const fields = m[5]!
      .trim()
      .split(/\s+/)
      .filter((f) => f !== '')
      .map((f): ProbeField => {
        const fm = FIELD.exec(f);
        if (!fm) throw new TraceInputError(file, i + 1, m[3]!, 'fields name=FETCH:TYPE with TYPE x|u|s 8..64 (optionally [N]) or symbol', JSON.stringify(f));
        if (fm[5]) return { name: fm[1]!, base: 'symbol', bits: 0, count: 0 };
        return { name: fm[1]!, base: fm[2] as 'x' | 'u' | 's', bits: Number(fm[3]), count: fm[4] ? Number(fm[4]) : 0 };
      });
    out.set(m[3]!, { event: m[3]!, symbol: m[4]!, kind: m[1]!.startsWith('r') ? 'return' : 'entry', fields });
  });
  return out;
}

export type Value = bigint | readonly bigint[] | string;

/**
 * Decodes the printed fields of a probe event by its definition. Every field
 * the definition lists must be there and nothing else: a trace recorded with
 * another probe set is refused here, not misread later.
 */
export function decodeFields(probe: Probe, args: ReadonlyMap<string, string>, file: string, line: number): Map<string, Value> {
  const out = new Map<string, Value>();
  for (const f of probe.fields) {
    const text = args.get(f.name);
    if (text === undefined) throw new TraceInputError(file, line, `${probe.event}.${f.name}`, `the field ${f.name} of the probe definition`, 'nothing');
    out.set(f.name, f.base === 'symbol' ? decodeSymbol(f, text, probe, file, line) : f.count > 0 ? decodeArray(f, text, probe, file, line) : decodeScalar(f, text, probe, file, line));
  }
  for (const name of args.keys()) {
    if (!probe.fields.some((f) => f.name === name)) {
      throw new TraceInputError(file, line, `${probe.event}.${name}`, `only the fields of the probe definition (${probe.fields.map((f) => f.name).join(', ')})`, JSON.stringify(name));
    }
  }
  return out;
}

function decodeArray(f: ProbeField, text: string, probe: Probe, file: string, line: number): bigint[] {
  if (!text.startsWith('{') || !text.endsWith('}')) {
    throw new TraceInputError(file, line, `${probe.event}.${f.name}`, `an array {a,b,...} of ${f.count}`, JSON.stringify(text));
  }
  const parts = text.slice(1, -1).split(',');
  if (parts.length !== f.count) throw new TraceInputError(file, line, `${probe.event}.${f.name}`, `${f.count} entries`, `${parts.length}`);
  return parts.map((p) => decodeScalar(f, p, probe, file, line));
}

function decodeSymbol(f: ProbeField, text: string, probe: Probe, file: string, line: number): string {
  if (!/^(\w[\w.]*\+0x[0-9a-f]+\/0x[0-9a-f]+|0x[0-9a-f]+|\(fault\))$/.test(text)) {
    throw new TraceInputError(file, line, `${probe.event}.${f.name}`, 'a symbol name+0xOFF/0xSIZE', JSON.stringify(text));
  }
  return text;
}

function decodeScalar(f: ProbeField, text: string, probe: Probe, file: string, line: number): bigint {
  const ok = f.base === 'x' ? /^0x[0-9a-f]+$/.test(text) : f.base === 'u' ? /^\d+$/.test(text) : /^-?\d+$/.test(text);
  if (!ok) {
    const what = f.base === 'x' ? 'hex 0x...' : f.base === 'u' ? 'an unsigned decimal' : 'a signed decimal';
    throw new TraceInputError(file, line, `${probe.event}.${f.name}`, `${what} (${f.base}${f.bits})`, JSON.stringify(text));
  }
  const v = BigInt(text);
  const limit = 1n << BigInt(f.bits);
  if ((f.base === 's' && (v < -(limit >> 1n) || v >= limit >> 1n)) || (f.base !== 's' && v >= limit)) {
    throw new TraceInputError(file, line, `${probe.event}.${f.name}`, `a value of ${f.bits} bits`, JSON.stringify(text));
  }
  return v;
}

/**
 * What the Linux 6.1 x86_64 build of NOTES.md needs to read values: the
 * vmemmap base and sizeof(struct page) (nokaslr), and the pfn-word layouts.
 */
export const VMEMMAP_BASE = 0xffffea0000000000n;
export const STRUCT_PAGE_SIZE = 64n;

/** The pfn of a `struct page *` value (vmemmap: base + pfn * sizeof(struct page)). */
export function pagePointerToPfn(p: bigint): bigint | null {
  if (p < VMEMMAP_BASE || (p - VMEMMAP_BASE) % STRUCT_PAGE_SIZE !== 0n) return null;
  return (p - VMEMMAP_BASE) / STRUCT_PAGE_SIZE;
}

/** An hmm_pfns[] word (include/linux/hmm.h): valid, write, error, order, pfn. */
export function hmmPfnWord(w: bigint): { valid: boolean; write: boolean; error: boolean; order: number; pfn: bigint } {
  return {
    valid: (w >> 63n) & 1n ? true : false,
    write: (w >> 62n) & 1n ? true : false,
    error: (w >> 61n) & 1n ? true : false,
    order: Number((w >> 56n) & 0x1fn),
    pfn: w & ((1n << 56n) - 1n),
  };
}

/** A migrate_vma src/dst word (include/linux/migrate.h): valid, migrate, write, pfn = word >> 6. */
export function migratePfnWord(w: bigint): { valid: boolean; migrate: boolean; write: boolean; pfn: bigint } {
  return { valid: (w & 1n) === 1n, migrate: (w & 2n) === 2n, write: (w & 8n) === 8n, pfn: w >> 6n };
}
