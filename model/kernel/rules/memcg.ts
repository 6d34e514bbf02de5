/**
 * Moving a task to another memcg with its charges (cgroup v1
 * memory.move_charge_at_immigrate): mm/memcontrol-v1.c
 * mem_cgroup_move_charge walks the task's page tables
 * (mem_cgroup_move_charge_pte_range); a page mapped by this task alone moves
 * its charge (mc_handle_present_pte), and so does a device-private page
 * (mc_handle_swap_pte), which before "mm/memcg: fix device private memcg
 * accounting" (variant B13) returned early on any non-swap entry.
 */
import { finishOp, fw, startOp, type Rule } from './common.js';

export const mem_cgroup_move_charge: Rule = (d, a, w) => {
  startOp(d, a, w, 'memcg_move');
  const mm = d.mms[a.mm!]!;
  const from = mm.cg;
  const to = (from + 1) % d.mms.length;
  for (const pte of mm.pte) {
    if (pte.k !== 'present' && !(pte.k === 'devpriv' && !w.variants.has('B13'))) continue;
    const f = fw(d, pte.pfn);
    // mem_cgroup_move_account needs the folio lock (folio_trylock): a locked page keeps its charge.
    if (f.map !== 1 || f.memcg !== from || f.lock !== -1) continue;
    f.memcg = to;
    d.mms[from]!.charged--;
    d.mms[to]!.charged++;
  }
  mm.cg = to;
  finishOp(d, a.t, w);
};
