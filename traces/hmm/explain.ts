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
      if (mirror.lock !== a.t) return `${rw.tidOf[a.t]} installed the entry without holding the driver lock of ${dn}`;
      const e = (th.snap ?? []).find((x) => x.page === a.page);
      if (!e || e.pfn !== a.pfn) {
        return `${pfnName(after.b, a.pfn!)} for page ${a.page} is not what the last hmm_range_fault of ${rw.tidOf[a.t]} returned (${where(before.p.hrf[a.t]!)})`;
      }
      if (!e.w && a.write) return `hmm_range_fault (${where(before.p.hrf[a.t]!)}) did not grant write access to page ${a.page}`;
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
    default:
      break;
  }
  return `the state after the step breaks ${id}`;
}
