/**
 * A state as a flat list of named, readable facts ("mm0.pte[1]" ->
 * "Present(pfn2,W)"), and the difference between two states in those terms.
 * Reports print what each counterexample step changed this way, in the
 * kernel's vocabulary rather than as JSON paths.
 */
import { formatDevEntry, formatPfn, formatPte, mirrorName } from './format.js';
import type { HmmState, ThreadState } from './state.js';
import type { World } from './world.js';
import { tableSpan } from './queries.js';

export type View = Map<string, string>;

function threadName(w: World, t: number): string {
  return t >= 0 ? w.actors[t]!.name : '-';
}

function threadFacts(w: World, t: number, th: ThreadState, put: (k: string, v: string) => void): void {
  const name = threadName(w, t);
  put(`${name}.pc`, th.pc);
  const spec = w.actors[t]!;
  put(`${name}.left`, spec.ops.map((o, i) => `${o.kind}:${th.left[i]}`).join(' '));
  if (th.op) put(`${name}.op`, `${th.op.kind} pages ${th.op.start}..${th.op.end - 1}${th.op.write ? ' write' : ''}`);
  if (th.mmap) put(`${name}.mmap_lock`, th.mmap === 2 ? 'write' : 'read');
  if (th.seq >= 0) put(`${name}.seq`, `${th.seq}`);
  if (th.snap && th.snap.length > 0) put(`${name}.hmm_pfns`, `[${th.snap.map((e) => `${e.page}:${formatPfn(e.pfn)}${e.w ? ',W' : ''}`).join(' ')}]`);
  if (th.snapSeq >= 0) put(`${name}.hmm_pfns_seq`, `${th.snapSeq}`);
  if (th.fault) put(`${name}.fault`, `mm${th.fault.mm} page ${th.fault.page} ${th.fault.write ? 'write' : 'read'} orig ${formatPte(th.fault.orig)}`);
  if (th.inv) {
    const v = th.inv;
    const what = `mm${v.mm} pages ${v.start}..${v.end - 1} ${v.event.toUpperCase()}`;
    const done = w.mirrors.map((_, j) => j).filter((j) => j < v.cb && w.mirrors[j]!.mm === v.mm).map((j) => mirrorName(j));
    const state = v.cur < 0 ? 'to start' : `cur_seq ${v.cur}, callbacks returned: ${done.length > 0 ? done.join(' ') : 'none'}`;
    put(`${name}.invalidation`, `${what}, ${state}`);
  }
  if (th.mig) {
    const m = th.mig;
    const entries = (m.src ?? []).map(
      (e) =>
        `${e.page}:${e.migrate ? (e.pfn === null ? 'empty' : formatPfn(e.pfn)) : 'skip'}${e.dst !== null ? `->${formatPfn(e.dst)}${e.copied ? '' : '(not copied)'}` : ''}`,
    );
    put(
      `${name}.migrate_vma`,
      `${m.toDevice ? 'to device' : 'to system memory'} mm${m.mm} pages ${m.start}..${m.end - 1}${m.fault >= 0 ? ` fault_page ${formatPfn(m.fault)}` : ''}${m.src ? ` [${entries.join(' ')}]` : ''}${m.committed ? ' committed' : ''}`,
    );
  }
  if (th.pins.length > 0) put(`${name}.pins`, th.pins.map((p) => formatPfn(p)).join(' '));
  if (th.frees.length > 0) put(`${name}.folio_free_due`, th.frees.map((p) => formatPfn(p)).join(' '));
  if (th.drv) put(`${name}.driver_migrate_lock`, th.drv === 2 ? 'write' : 'read');
}

function tablesText(w: World, tables: number): string {
  const span = tableSpan(w);
  if (!Number.isFinite(span)) return 'populated';
  const out: string[] = [];
  for (let i = 0; i < 31; i++) if ((tables >>> i) & 1) out.push(`pages ${i * span}..${Math.min(w.pages, (i + 1) * span) - 1}`);
  return out.join(', ');
}

export function view(w: World, s: HmmState): View {
  const out: View = new Map();
  const put = (k: string, v: string): void => {
    out.set(k, v);
  };
  s.mms.forEach((mm, m) => {
    mm.vma.forEach((v, p) => put(`mm${m}.vma[${p}]`, v === 'none' ? 'unmapped' : v === 'noaccess' ? 'PROT_NONE' : v.toUpperCase()));
    mm.pte.forEach((pte, p) => put(`mm${m}.pte[${p}]`, formatPte(pte)));
    mm.expect.forEach((v, p) => put(`mm${m}.last_write[${p}]`, `${v}`));
    put(`mm${m}.invalidate_seq`, `${mm.seq}`);
    put(`mm${m}.active_invalidate_ranges`, `${mm.active}`);
    put(
      `mm${m}.mmap_lock`,
      mm.mmapWriter >= 0 ? `write(${threadName(w, mm.mmapWriter)})` : mm.mmapReaders > 0 ? `read x${mm.mmapReaders}` : 'free',
    );
    put(`memcg${m}.usage`, `${mm.charged}${Number.isFinite(w.memcgLimit) ? ` of ${w.memcgLimit}` : ''}`);
    if (mm.chargeFailed) put(`memcg${m}.migration_back_failed`, 'yes');
    if (mm.cg !== m) put(`mm${m}.memcg`, `memcg${mm.cg}`);
    // The page tables that exist (MmState.tables), by the pages under each; absent: none.
    if (mm.tables !== 0) put(`mm${m}.page_tables`, tablesText(w, mm.tables));
    mm.tlb.forEach((e, p) => put(`mm${m}.tlb[${p}]`, e ? `${formatPfn(e.pfn)},${e.w ? 'W' : 'R'}` : 'none'));
  });
  s.frames.forEach((f, p) => {
    if (p === 0) return;
    const zone = w.zone[p] === 'device' ? `device${w.frameDevice[p]}` : w.zone[p] === 'coherent' ? `device${w.frameDevice[p]} coherent` : 'system';
    put(
      `${formatPfn(p)}`,
      f.ref === 0
        ? `free (${zone})`
        : `ref ${f.ref} map ${f.map}${f.pin > 0 ? ` pins ${f.pin}` : ''} value ${f.val}${f.lock >= 0 ? ` locked by ${threadName(w, f.lock)}` : ''}${f.memcg >= 0 ? ` memcg${f.memcg}` : ''}${f.dirty ? ' dirty' : ''} (${zone})`,
    );
  });
  s.mirrors.forEach((mi, j) => {
    const name = mirrorName(j);
    put(`${name}.invalidate_seq`, `${mi.seq}`);
    put(`${name}.lock`, mi.lock >= 0 ? threadName(w, mi.lock) : 'free');
    if (w.variants.has('B3')) put(`${name}.valid`, `${mi.valid}`);
    mi.pt.forEach((e, p) => put(`${name}.pt[${p}]`, formatDevEntry(e)));
  });
  s.threads.forEach((th, t) => threadFacts(w, t, th, put));
  return out;
}

export interface Change {
  readonly key: string;
  readonly before: string | undefined;
  readonly after: string | undefined;
}

export function diffViews(a: View, b: View): Change[] {
  const out: Change[] = [];
  for (const [k, v] of b) if (a.get(k) !== v) out.push({ key: k, before: a.get(k), after: v });
  for (const [k, v] of a) if (!b.has(k)) out.push({ key: k, before: v, after: undefined });
  return out;
}

export function formatChange(c: Change): string {
  if (c.before === undefined) return `${c.key} = ${c.after}`;
  if (c.after === undefined) return `${c.key} cleared (was ${c.before})`;
  return `${c.key}: ${c.before} -> ${c.after}`;
}
