/**
 * Why an invariant broke, in the trace's own terms: which device entry, which
 * PTE, which line set each of them (TRACE-FORMAT.md: "which earlier line
 * changed what").
 */
import { formatPte, ptePfn, type HmmAction } from '../../model/index.js';
import type { Cand } from './adapter.js';
import type { Bind } from './binding.js';
import { where } from './provenance.js';
import type { ReplayWorld } from './replayWorld.js';

function pfnName(b: Bind, frame: number): string {
  const k = b.frame.get(frame);
  return k !== undefined ? `pfn ${k}` : frame === 0 ? 'the zero page' : `a page the trace never named`;
}

function devName(rw: ReplayWorld, dev: number): string {
  return `dev ${rw.devKey[dev] ?? dev}`;
}

function mmName(rw: ReplayWorld, mm: number): string {
  return `mm ${rw.mmKey[mm] ?? mm}`;
}

/** The first device entry that disagrees with its CPU PTE, described. */
function staleEntry(rw: ReplayWorld, before: Cand, after: Cand, writeOnly: boolean): string | null {
  const s = after.s;
  for (let j = 0; j < s.mirrors.length; j++) {
    const mm = rw.world.mirrors[j]!.mm;
    const pt = s.mirrors[j]!.pt;
    for (let p = 0; p < pt.length; p++) {
      const e = pt[p];
      if (!e) continue;
      const pte = s.mms[mm]!.pte[p]!;
      const bad = writeOnly ? e.w && !(pte.k === 'present' && pte.w) : ptePfn(pte) !== e.pfn;
      if (!bad) continue;
      const b = after.b.frame.has(e.pfn) ? after.b : before.b;
      return (
        `${devName(rw, j)} maps page ${p} to ${pfnName(b, e.pfn)}${e.w ? ' writable' : ''} (set at ${where(after.p.dev[j]![p]!)}), ` +
        `but ${mmName(rw, mm)}'s PTE for page ${p} is ${formatPte(pte)} (changed at ${where(after.p.pte[mm]![p]!)}` +
        `; the invalidate callback of ${devName(rw, j)} last ran at ${where(after.p.seq[j]!)})`
      );
    }
  }
  return null;
}

export function explainBroken(rw: ReplayWorld, before: Cand, a: HmmAction, after: Cand, id: string): string {
  const s = before.s;
  switch (id) {
    case 'INV-4': {
      if (a.k !== 'devpt_map') break;
      const th = s.threads[a.t]!;
      const mirror = s.mirrors[a.dev!]!;
      const dn = devName(rw, a.dev!);
      // What the entry says comes first: when the lock is unlogged, its absence explains little.
      const e = (th.snap ?? []).find((x) => x.page === a.page);
      if (!e || e.pfn !== a.pfn) {
        return `${pfnName(after.b, a.pfn!)} for page ${a.page} is not what the last hmm_range_fault of ${rw.tidOf[a.t]} returned (${where(before.p.hrf[a.t]!)})`;
      }
      if (!e.w && a.write) return `hmm_range_fault (${where(before.p.hrf[a.t]!)}) did not grant write access to page ${a.page}`;
      if (mirror.lock !== a.t) return `${rw.tidOf[a.t]} installed the entry without holding the driver lock of ${dn}`;
      return (
        `the pfns come from the hmm_range_fault at ${where(before.p.hrf[a.t]!)} (sequence taken at ${where(before.p.begin[a.t]!)}), ` +
        `but the invalidate at ${where(before.p.seq[a.dev!]!)} changed the sequence of ${dn} since; ` +
        'mmu_interval_read_retry under the driver lock would have returned true'
      );
    }
    case 'INV-2':
    case 'INV-1':
      return staleEntry(rw, before, after, false) ?? 'a device entry disagrees with the CPU page table';
    case 'INV-3':
      return staleEntry(rw, before, after, true) ?? 'a writable device entry sits over a read-only CPU entry';
    case 'INV-7': {
      if (a.k === 'cpu_read' || a.k === 'device_read') {
        const mm = a.k === 'cpu_read' ? a.mm! : rw.world.mirrors[a.dev!]!.mm;
        const want = s.mms[mm]!.expect[a.page!]!;
        return (
          `the read of page ${a.page} returned ${JSON.stringify(rw.values.toTrace(a.value!))}, ` +
          `but the last write to it stored ${JSON.stringify(rw.values.toTrace(want))} (${where(before.p.write[mm]![a.page!]!)})`
        );
      }
      const t = after.s;
      for (let m = 0; m < t.mms.length; m++) {
        const mm = t.mms[m]!;
        for (let p = 0; p < mm.pte.length; p++) {
          if (mm.vma[p] === 'none') continue;
          const f = ptePfn(mm.pte[p]!);
          const held = f < 0 ? 0 : t.frames[f]!.val;
          if (held !== mm.expect[p]) {
            return (
              `page ${p} of ${mmName(rw, m)} is backed by ${f < 0 ? 'no page' : pfnName(after.b, f)} holding ${JSON.stringify(rw.values.toTrace(held))}, ` +
              `but the last write to it stored ${JSON.stringify(rw.values.toTrace(mm.expect[p]!))} (${where(after.p.write[m]![p]!)})`
            );
          }
        }
      }
      break;
    }
    case 'INV-9': {
      const t = after.s;
      for (let j = 0; j < t.mirrors.length; j++) {
        const pt = t.mirrors[j]!.pt;
        for (let p = 0; p < pt.length; p++) {
          const e = pt[p];
          if (e && e.pfn !== 0 && t.frames[e.pfn]!.ref === 0) {
            const name = before.b.frame.has(e.pfn) ? pfnName(before.b, e.pfn) : pfnName(after.b, e.pfn);
            return `${devName(rw, j)} maps page ${p} to ${name}, which is free (refcount 0): a use-after-free as soon as the device touches it`;
          }
        }
      }
      break;
    }
    case 'INV-5': {
      const t = after.s;
      for (let f = 1; f < t.frames.length; f++) {
        if (rw.world.zone[f] !== 'device') continue;
        if (t.frames[f]!.pin > 0) return `${pfnName(after.b, f)} is a device-private page and now has ${t.frames[f]!.pin} pin(s): GUP must fault it back to system memory and pin that`;
      }
      for (let m = 0; m < t.mms.length; m++) {
        const pte = t.mms[m]!.pte;
        for (let p = 0; p < pte.length; p++) {
          const e = pte[p]!;
          if (e.k === 'present' && rw.world.zone[e.pfn] === 'device') return `${mmName(rw, m)}'s PTE for page ${p} maps ${pfnName(after.b, e.pfn)}, a device-private page, as if the CPU could reach it`;
        }
      }
      break;
    }
    case 'INV-6': {
      const src = after.s.threads[a.t]!.mig?.src ?? [];
      const bad = src.find((e) => e.migrate && e.pfn !== null && e.dst !== null && s.frames[e.pfn]!.pin > 0);
      if (bad) {
        return `migrate_vma_pages committed ${pfnName(before.b, bad.pfn!)} (page ${bad.page}) as a migration source while it had ${s.frames[bad.pfn!]!.pin} pin(s): the pinned page's new contents would go to a page nobody maps`;
      }
      break;
    }
    default:
      break;
  }
  return `the state after the step breaks ${id}`;
}

/**
 * Why the model's version of a step differs from the trace's, in the trace's
 * terms: which earlier line made the model's state what it is (the
 * invalidate that changed a sequence, the line that set a PTE).
 */
export function explainMismatch(rw: ReplayWorld, c: Cand, a: HmmAction): string {
  const s = c.s;
  const p = c.p;
  const tid = rw.tidOf[a.t];
  switch (a.k) {
    case 'mmu_interval_read_retry': {
      const dev = devName(rw, a.dev!);
      const took = where(p.begin[a.t]!);
      const changed = p.seq[a.dev!]!;
      return a.retry
        ? `the invalidate at ${where(changed)} changed the sequence of ${dev} that ${tid} took at ${took}`
        : `no invalidation of ${dev} has run since ${tid} took its sequence at ${took}` + (changed !== 0 ? ` (the last one was at ${where(changed)})` : '');
    }
    case 'mmu_interval_read_begin':
      return `the sequence of ${devName(rw, a.dev!)} last changed at ${where(p.seq[a.dev!]!)}`;
    case 'hmm_range_fault': {
      const mm = rw.world.actors[a.t]!.mm;
      const pages: string[] = [];
      for (let q = a.start!; q < a.end!; q++) {
        pages.push(`page ${q} is ${formatPte(s.mms[mm]!.pte[q]!)} (set at ${where(p.pte[mm]![q]!)})`);
      }
      const stale = a.result === 'EBUSY' ? `; the sequence ${tid} took at ${where(p.begin[a.t]!)} was changed by the invalidate at ${where(p.seq[a.dev!]!)}` : '';
      return `in the model ${pages.join(', ')}${stale}`;
    }
    case 'do_anonymous_page':
    case 'do_wp_page':
    case 'wp_page_copy':
    case 'do_swap_page':
    case 'handle_mm_fault':
    case 'gup':
      return `page ${a.page} of ${mmName(rw, a.mm!)} is ${formatPte(s.mms[a.mm!]!.pte[a.page!]!)} in the model (set at ${where(p.pte[a.mm!]![a.page!]!)})`;
    default:
      return '';
  }
}
