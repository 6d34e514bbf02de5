/**
 * The program of a CPU thread: each operation of its budget, in any order,
 * on any of its pages or ranges. A load or store completes, faults, or gets
 * SIGSEGV, depending on the PTE and the VMA at that moment.
 */
import type { HmmAction } from '../../actions.js';
import { canRead, canWrite, cpuReadable, cpuWritable, firstTabled, ptePfn, unreadable } from '../../queries.js';
import { LIVE, type HmmState, type MmState, type OpKind } from '../../state.js';
import { writeValue, type World } from '../../world.js';
import { faultSteps, invalidationSteps, migrationSteps, ownerMirror } from './kernel.js';
import { tlbHit } from '../rules/tlb.js';

function accessStep(s: HmmState, w: World, t: number, op: OpKind, page: number, out: HmmAction[]): void {
  const m = w.actors[t]!.mm;
  const mm = s.mms[m]!;
  const pte = mm.pte[page]!;
  const vma = mm.vma[page]!;
  // A translation the TLB cached completes without a look at the PTE.
  if (w.tlb && op !== 'gup') {
    const hit = tlbHit(s, m, page, op === 'cpu_write');
    if (hit && op === 'cpu_read') return void out.push({ t, k: 'cpu_read', op, mm: m, page, value: s.frames[hit.pfn]!.val });
    if (hit) return void out.push({ t, k: 'cpu_write', op, mm: m, page, value: writeValue(w, t, s.threads[t]!.left) });
  }
  // A migration entry: the access waits for the migration (migration_entry_wait).
  if (pte.k === 'migration') return;
  if (op === 'gup' && vma === 'noaccess') {
    // check_vma_flags: no access at all, GUP fails.
    out.push({ t, k: 'sigsegv', op, mm: m, page, write: true });
    return;
  }
  if (op === 'gup') {
    // pin_user_pages(FOLL_WRITE | FOLL_LONGTERM): fault until present and writable.
    // A device-private page is faulted back to system memory first, unless variant D5.
    if (pte.k === 'present' && pte.w && w.zone[pte.pfn] === 'coherent') {
      // Not long-term pinnable: migrated to system memory first (folio_lock sleeps while another holds it).
      if (s.frames[pte.pfn]!.lock === -1) out.push({ t, k: 'migrate_device_coherent_folio', op, mm: m, page, pfn: pte.pfn, dev: ownerMirror(w, m, pte.pfn) });
    } else if (cpuWritable(pte) || (pte.k === 'devpriv' && w.variants.has('D5'))) {
      out.push({ t, k: 'gup', op, mm: m, page, pfn: (pte as { pfn: number }).pfn, pin: true, longterm: true });
    } else if (vma !== 'rw') out.push({ t, k: 'sigsegv', op, mm: m, page, write: true });
    else if (canRead(mm, t)) out.push({ t, k: 'handle_mm_fault', op, mm: m, page, write: true });
    return;
  }
  if (op === 'cpu_read') {
    // A PROT_NONE PTE is there but the MMU refuses it: the fault finds no access in the VMA.
    if (cpuReadable(pte) && vma !== 'noaccess') out.push({ t, k: 'cpu_read', op, mm: m, page, value: s.frames[ptePfn(pte)]!.val });
    else if (unreadable(vma)) out.push({ t, k: 'sigsegv', op, mm: m, page, write: false });
    else if (canRead(mm, t)) out.push({ t, k: 'handle_mm_fault', op, mm: m, page, write: false });
  } else {
    if (cpuWritable(pte)) {
      out.push({ t, k: 'cpu_write', op, mm: m, page, value: writeValue(w, t, s.threads[t]!.left) });
    } else if (vma !== 'rw') out.push({ t, k: 'sigsegv', op, mm: m, page, write: true });
    else if (canRead(mm, t)) out.push({ t, k: 'handle_mm_fault', op, mm: m, page, write: true });
  }
}

/**
 * A world sharing its page tables with pages outside it (World.sharedTables):
 * mprotect over mapped pages under no table the world populated may find
 * one those pages populated, and invalidate.
 */
function untabled(w: World, mm: MmState, start: number, end: number): boolean {
  if (!w.sharedTables || firstTabled(w, mm, start, end) >= 0) return false;
  for (let p = start; p < end; p++) if (mm.vma[p] !== 'none') return true;
  return false;
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
      if (!canWrite(mm)) return;
      out.push({ t, k: 'mprotect', mm: m, start, end, write: op === 'mprotect_rw' });
      if (untabled(w, mm, start, end)) out.push({ t, k: 'mprotect', mm: m, start, end, write: op === 'mprotect_rw', shared: true });
      return;
    case 'mprotect_none':
      if (!canWrite(mm)) return;
      out.push({ t, k: 'mprotect', mm: m, start, end, write: false, prot: 'none' });
      if (untabled(w, mm, start, end)) out.push({ t, k: 'mprotect', mm: m, start, end, write: false, prot: 'none', shared: true });
      return;
    case 'oom_reap':
      // __oom_reap_task_mm: mmap_read_trylock, then a non-blockable UNMAP
      // invalidation over the VMA (mm/oom_kill.c).
      if (canRead(mm, t)) out.push({ t, k: 'invalidate_range_start', op: 'oom_reap', mm: m, start, end, event: 'unmap', blockable: false });
      return;
    default:
      return;
  }
}

/**
 * exit_mmap runs when the last user of the mm goes: every other thread of
 * the process is idle, and no thread of it holds a pin (a pinned page would
 * outlive the process, which the model does not follow). It is the last
 * thing the exiting thread does, so a fork it has to do comes first.
 */
function exitStep(s: HmmState, w: World, t: number, out: HmmAction[]): void {
  const m = w.actors[t]!.mm;
  if (!canRead(s.mms[m]!, t)) return;
  // Exit is the thread's last operation: the rest of its budget is used first.
  const me = s.threads[t]!;
  if (me.op === null && w.actors[t]!.ops.some((o, i) => o.kind !== 'exit' && me.left[i]! > 0)) return;
  for (let u = 0; u < s.threads.length; u++) {
    if (w.actors[u]!.mm !== m) continue;
    const th = s.threads[u]!;
    if (th.pins.length > 0 || th.frees.length > 0 || (u !== t && th.pc !== 'idle')) return;
  }
  out.push({ t, k: 'exit', op: 'exit', mm: m });
}

function opStep(s: HmmState, w: World, t: number, op: OpKind, start: number, end: number, out: HmmAction[]): void {
  const m = w.actors[t]!.mm;
  if (op === 'cpu_read' || op === 'cpu_write' || op === 'gup') accessStep(s, w, t, op, start, out);
  else if (op === 'exit') exitStep(s, w, t, out);
  else if (op === 'memcg_move') {
    if (canRead(s.mms[m]!, t)) out.push({ t, k: 'mem_cgroup_move_charge', op: 'memcg_move', mm: m });
  }
  else if (op === 'fork') {
    if (canWrite(s.mms[m]!)) out.push({ t, k: 'fork', op: 'fork', mm: m, child: w.actors[t]!.child });
  } else rangeStep(s, w, t, op, start, end, out);
}

export function cpuSteps(s: HmmState, w: World, t: number, out: HmmAction[]): void {
  const th = s.threads[t]!;
  const spec = w.actors[t]!;
  switch (th.pc) {
    case 'idle':
      // Threads of a process not forked yet, or exited, do nothing.
      if (s.mms[spec.mm]!.life !== LIVE) return;
      // A replayed trace plans the thread's next operation; the checker's
      // threads choose among what their budget has left.
      if (th.op) {
        opStep(s, w, t, th.op.kind, th.op.start, th.op.end, out);
        return;
      }
      // unpin_user_page of a page this thread pinned.
      if (th.pins.length > 0) out.push({ t, k: 'unpin_user_page', pfn: th.pins[0]! });
      // Plain loops: this runs for every state with the thread idle.
      for (let i = 0; i < spec.ops.length; i++) {
        const o = spec.ops[i]!;
        if (th.left[i] === 0) continue;
        if (o.kind === 'cpu_read' || o.kind === 'cpu_write' || o.kind === 'gup') {
          for (const p of spec.pages) accessStep(s, w, t, o.kind, p, out);
        } else if (o.kind === 'fork' || o.kind === 'exit' || o.kind === 'memcg_move') {
          opStep(s, w, t, o.kind, 0, w.pages, out);
        } else {
          for (const r of spec.ranges) rangeStep(s, w, t, o.kind, r[0], r[1], out);
        }
      }
      return;
    case 'access':
      accessStep(s, w, t, th.op!.kind, th.op!.start, out);
      return;
    case 'fault':
      faultSteps(s, w, t, th, out);
      return;
    default:
      if (th.inv) invalidationSteps(s, w, t, th, out);
      else migrationSteps(s, w, t, th, out);
  }
}
