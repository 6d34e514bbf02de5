/**
 * The program of a CPU thread: each operation of its budget, in any order,
 * on any of its pages or ranges. A load or store completes, faults, or gets
 * SIGSEGV, depending on the PTE and the VMA at that moment.
 */
import type { HmmAction } from '../actions.js';
import { canRead, canWrite, cpuReadable, cpuWritable, ptePfn } from '../queries.js';
import type { HmmState, OpKind } from '../state.js';
import { writeValue, type World } from '../world.js';
import { faultSteps, invalidationSteps } from './kernel.js';

function accessStep(s: HmmState, w: World, t: number, op: OpKind, page: number, out: HmmAction[]): void {
  const m = w.actors[t]!.mm;
  const mm = s.mms[m]!;
  const pte = mm.pte[page]!;
  const vma = mm.vma[page]!;
  if (op === 'cpu_read') {
    if (cpuReadable(pte)) out.push({ t, k: 'cpu_read', op, mm: m, page, value: s.frames[ptePfn(pte)]!.val });
    else if (vma === 'none') out.push({ t, k: 'sigsegv', op, mm: m, page, write: false });
    else if (canRead(mm, t)) out.push({ t, k: 'handle_mm_fault', op, mm: m, page, write: false });
  } else {
    if (cpuWritable(pte)) {
      out.push({ t, k: 'cpu_write', op, mm: m, page, value: writeValue(w, t, s.threads[t]!.left) });
    } else if (vma !== 'rw') out.push({ t, k: 'sigsegv', op, mm: m, page, write: true });
    else if (canRead(mm, t)) out.push({ t, k: 'handle_mm_fault', op, mm: m, page, write: true });
  }
}

function rangeStep(s: HmmState, w: World, t: number, op: OpKind, start: number, end: number, out: HmmAction[]): void {
  const m = w.actors[t]!.mm;
  const mm = s.mms[m]!;
  switch (op) {
    case 'munmap':
      if (canWrite(mm)) out.push({ t, k: 'munmap', mm: m, start, end });
      return;
    case 'madvise_dontneed':
      if (canRead(mm, t)) out.push({ t, k: 'madvise_dontneed', mm: m, start, end });
      return;
    case 'mprotect':
    case 'mprotect_rw':
      if (canWrite(mm)) out.push({ t, k: 'mprotect', mm: m, start, end, write: op === 'mprotect_rw' });
      return;
    default:
      return;
  }
}

export function cpuSteps(s: HmmState, w: World, t: number, out: HmmAction[]): void {
  const th = s.threads[t]!;
  const spec = w.actors[t]!;
  switch (th.pc) {
    case 'idle':
      // A replayed trace plans the thread's next operation; the checker's
      // threads choose among what their budget has left.
      if (th.op) {
        const op = th.op;
        if (op.kind === 'cpu_read' || op.kind === 'cpu_write') accessStep(s, w, t, op.kind, op.start, out);
        else rangeStep(s, w, t, op.kind, op.start, op.end, out);
        return;
      }
      spec.ops.forEach((o, i) => {
        if (th.left[i] === 0) return;
        if (o.kind === 'cpu_read' || o.kind === 'cpu_write') {
          for (const p of spec.pages) accessStep(s, w, t, o.kind, p, out);
        } else {
          for (const [a, b] of spec.ranges) rangeStep(s, w, t, o.kind, a, b, out);
        }
      });
      return;
    case 'access':
      accessStep(s, w, t, th.op!.kind, th.op!.start, out);
      return;
    case 'fault':
      faultSteps(s, w, t, th, out);
      return;
    default:
      if (th.inv) invalidationSteps(s, w, t, th, out);
  }
}
