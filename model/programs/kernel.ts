/**
 * The kernel paths any thread can be inside: a page fault it took (its own,
 * or hmm_range_fault's on its behalf) and an invalidation bracket. Given a
 * thread's program counter, these list the one step the kernel code takes
 * next, when it is not blocked.
 */
import type { HmmAction } from '../actions.js';
import { canRead, cpuReadable, cpuWritable, lowestFree, ptePfn, samePte } from '../queries.js';
import type { HmmState, ThreadState } from '../state.js';
import type { World } from '../world.js';

/** The step that resolves a fault under the PTL, or nothing while it cannot run. */
export function faultSteps(s: HmmState, w: World, t: number, th: ThreadState, out: HmmAction[]): void {
  const f = th.fault!;
  const pte = s.mms[f.mm]!.pte[f.page]!;
  switch (f.orig.k) {
    case 'none': {
      let pfn: number | null = null;
      if (f.write && pte.k === 'none') {
        pfn = lowestFree(s, w, 'system');
        // Out of memory is not modelled: a configuration must have frames enough.
        if (pfn < 0) return;
      }
      out.push({ t, k: 'do_anonymous_page', mm: f.mm, page: f.page, write: f.write, pfn });
      return;
    }
    case 'present':
      out.push({ t, k: 'do_wp_page', mm: f.mm, page: f.page, pfn: f.orig.pfn });
      return;
    default:
      return;
  }
}

function nextMirror(w: World, mm: number, from: number): number {
  for (let j = from; j < w.mirrors.length; j++) if (w.mirrors[j]!.mm === mm) return j;
  return -1;
}

export function invalidationSteps(s: HmmState, w: World, t: number, th: ThreadState, out: HmmAction[]): void {
  const inv = th.inv!;
  const base = { t, mm: inv.mm, start: inv.start, end: inv.end } as const;
  switch (th.pc) {
    case 'inv_start':
      out.push({ ...base, k: 'invalidate_range_start', event: inv.event });
      return;
    case 'inv_cb': {
      const j = nextMirror(w, inv.mm, inv.cb);
      if (j >= 0 && s.mirrors[j]!.lock === -1) out.push({ ...base, k: 'invalidate', dev: j, event: inv.event });
      return;
    }
    case 'inv_then':
      switch (inv.then) {
        case 'zap_pte_range':
          out.push({ ...base, k: 'zap_pte_range' });
          return;
        case 'change_pte_range':
          out.push({ ...base, k: 'change_pte_range', write: inv.write });
          return;
        case 'wp_page_copy': {
          const f = th.fault!;
          const pte = s.mms[f.mm]!.pte[f.page]!;
          let dst: number | null = null;
          if (samePte(pte, f.orig)) {
            dst = lowestFree(s, w, 'system');
            if (dst < 0) return;
          }
          const src = pte.k === 'present' ? pte.pfn : null;
          out.push({ t, k: 'wp_page_copy', mm: f.mm, page: f.page, src, pfn: dst });
          return;
        }
      }
      return;
    case 'inv_end':
      out.push({ ...base, k: 'invalidate_range_end' });
      return;
    default:
      return;
  }
}

/** The value a load through `pte` returns. */
export function loadValue(s: HmmState, pfn: number): number {
  return s.frames[pfn]!.val;
}

export { canRead, cpuReadable, cpuWritable, ptePfn };
