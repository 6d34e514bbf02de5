/**
 * The rule table: one rule per step kind, so the compiler rejects a step kind
 * without semantics.
 */
import type { StepKind } from './actions.js';
import type { Rule } from './kernel/rules/common.js';
import * as cpu from './kernel/rules/cpu.js';
import * as driver from './drivers/steps.js';
import * as hmm from './kernel/rules/hmm.js';
import * as excl from './kernel/rules/exclusive.js';
import * as memcg from './kernel/rules/memcg.js';
import * as migrate from './kernel/rules/migrate.js';
import * as mm from './kernel/rules/mm.js';
import * as proc from './kernel/rules/process.js';
import * as tlb from './kernel/rules/tlb.js';
import type { HmmAction } from './actions.js';
import type { HmmState } from './state.js';
import type { World } from './world.js';
import type { D } from './kernel/rules/common.js';

export type { D, Rule } from './kernel/rules/common.js';

export const RULES: { readonly [K in StepKind]: Rule } = {
  cpu_read: cpu.cpu_read,
  cpu_write: cpu.cpu_write,
  sigsegv: cpu.sigsegv,
  handle_mm_fault: cpu.handle_mm_fault,
  do_anonymous_page: cpu.do_anonymous_page,
  do_wp_page: cpu.do_wp_page,
  wp_page_copy: cpu.wp_page_copy,
  munmap: mm.munmap,
  madvise_dontneed: mm.madvise_dontneed,
  mprotect: mm.mprotect,
  invalidate_range_start: mm.invalidate_range_start,
  invalidate: mm.invalidate,
  zap_pte_range: mm.zap_pte_range,
  change_pte_range: mm.change_pte_range,
  invalidate_range_end: mm.invalidate_range_end,
  mmu_interval_read_begin: hmm.mmu_interval_read_begin,
  hmm_range_fault: hmm.hmm_range_fault,
  driver_lock: driver.driver_lock,
  mmu_interval_read_retry: hmm.mmu_interval_read_retry,
  devpt_map: driver.devpt_map,
  devpt_unmap: driver.devpt_unmap,
  driver_unlock: driver.driver_unlock,
  device_read: driver.device_read,
  device_write: driver.device_write,
  fork: proc.fork,
  copy_page_range: proc.copy_page_range,
  exit: proc.exit,
  gup: migrate.gup,
  unpin_user_page: migrate.unpin_user_page,
  migrate_device_coherent_folio: migrate.migrate_device_coherent_folio,
  do_swap_page: migrate.do_swap_page,
  migrate_to_ram: migrate.migrate_to_ram,
  folio_put: migrate.folio_put,
  migrate_vma_collect: migrate.migrate_vma_collect,
  migrate_vma_setup: migrate.migrate_vma_setup,
  alloc_page: migrate.alloc_page,
  migrate_copy: migrate.migrate_copy,
  migrate_vma_pages: migrate.migrate_vma_pages,
  migrate_vma_finalize: migrate.migrate_vma_finalize,
  try_to_migrate: mm.try_to_migrate,
  migrate_device_range: migrate.migrate_device_range,
  // __migrate_device_pages and migrate_device_finalize serve migrate_vma and eviction alike.
  migrate_device_pages: migrate.migrate_vma_pages,
  migrate_device_finalize: migrate.migrate_vma_finalize,
  folio_free: migrate.folio_free,
  make_device_exclusive: excl.make_device_exclusive,
  restore_exclusive_pte: excl.restore_exclusive_pte,
  mem_cgroup_move_charge: memcg.mem_cgroup_move_charge,
  flush_tlb_range: tlb.flush_tlb_range,
  migrate_lock: migrate.migrate_lock,
};

/**
 * One step: its rule, then (in a world with a CPU TLB) the flush the kernel
 * does for every present PTE the step took down (tlb.ts). `before` is the
 * state the step started from; `d` its copy or draft.
 */
export function applyRule(before: HmmState, d: D, a: HmmAction, w: World): void {
  RULES[a.k](d, a, w);
  if (w.tlb) tlb.flushChanged(before, d, a, w);
}
