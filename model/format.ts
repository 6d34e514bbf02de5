/**
 * Human-readable renderings of actions and states for reports: kernel names,
 * arguments in the kernel's terms, and PTEs as in the reference (Present(p,W)).
 */
import type { HmmAction } from './actions.js';
import type { DevEntry, Pte } from './state.js';
import type { World } from './world.js';

export function formatPfn(pfn: number | null | undefined): string {
  if (pfn === null || pfn === undefined) return '-';
  return pfn === 0 ? 'zero' : `pfn${pfn}`;
}

export function formatPte(pte: Pte): string {
  switch (pte.k) {
    case 'none':
      return 'None';
    case 'zero':
      return 'Zero';
    case 'present':
      return `Present(${formatPfn(pte.pfn)},${pte.w ? 'W' : 'R'}${pte.d ? ',D' : ''})`;
    case 'migration':
      return `Migration(${formatPfn(pte.pfn)},${pte.w ? 'W' : 'R'})`;
    case 'devpriv':
      return `DevPriv(${formatPfn(pte.pfn)},${pte.w ? 'W' : 'R'})`;
    case 'devexcl':
      return `DevExcl(${formatPfn(pte.pfn)},${pte.w ? 'W' : 'R'})`;
  }
}

export function formatDevEntry(e: DevEntry | null): string {
  return e ? `${formatPfn(e.pfn)},${e.w ? 'RW' : 'R'}${e.atomic ? ',ATOMIC' : ''}` : 'None';
}

export function mirrorName(dev: number): string {
  return `dmirror${dev}`;
}

/** "hmm_range_fault(dmirror0, pages 0..1, write) = ok [0:pfn1,W]" */
export function formatAction(w: World, a: HmmAction): string {
  const range = a.start !== undefined ? ` pages ${a.start}..${a.end! - 1}` : '';
  const page = a.page !== undefined ? ` page ${a.page}` : '';
  const dev = a.dev !== undefined ? `${mirrorName(a.dev)}` : '';
  switch (a.k) {
    case 'cpu_read':
    case 'cpu_write':
      return `${a.k}(mm${a.mm},${page}) = ${a.value}`;
    case 'device_read':
    case 'device_write':
      return `${a.k}(${dev},${page}) = ${a.value}`;
    case 'sigsegv':
    case 'handle_mm_fault':
      return `${a.k}(mm${a.mm},${page}, ${a.write ? 'write' : 'read'})`;
    case 'do_anonymous_page':
      return `do_anonymous_page(mm${a.mm},${page}) -> ${a.pfn === null ? 'Zero' : `Present(${formatPfn(a.pfn)},W)`}`;
    case 'do_wp_page':
      return `do_wp_page(mm${a.mm},${page}) -> ${formatPfn(a.pfn)} writable`;
    case 'wp_page_copy':
      return `wp_page_copy(mm${a.mm},${page}) ${formatPfn(a.src ?? 0)} -> ${a.pfn === null ? '(PTE changed, no copy)' : formatPfn(a.pfn)}`;
    case 'mprotect':
      return `mprotect(mm${a.mm},${range}, ${a.prot === 'none' ? 'PROT_NONE' : a.write ? 'PROT_READ|PROT_WRITE' : 'PROT_READ'})${a.shared ? ' over a page table pages outside the world populated' : ''}`;
    case 'munmap':
    case 'madvise_dontneed':
    case 'zap_pte_range':
    case 'invalidate_range_end':
      return `${a.k}(mm${a.mm},${range})`;
    case 'change_pte_range':
      return `change_pte_range(mm${a.mm},${range}, ${a.write ? 'RW' : 'RO'})`;
    case 'invalidate_range_start':
      return `invalidate_range_start(mm${a.mm},${range}, ${a.event?.toUpperCase()}${a.blockable === false ? ', non-blockable (OOM reaper)' : ''})`;
    case 'invalidate':
      return `invalidate(${dev}, mm${a.mm},${range}, ${a.event?.toUpperCase()})${a.refused ? ` = false (refused: L(d) is held)` : ''}`;
    case 'mmu_interval_read_begin':
      return `mmu_interval_read_begin(${dev}) = ${a.seq}`;
    case 'hmm_range_fault': {
      const pfns = a.pfns ? ` [${a.pfns.map((e) => `${e.page}:${formatPfn(e.pfn)}${e.w ? ',W' : ''}`).join(' ')}]` : '';
      return `hmm_range_fault(${dev},${range}, ${a.fault === false ? 'no faults' : a.write ? 'write' : 'read'}) = ${a.result}${pfns}`;
    }
    case 'driver_lock':
    case 'driver_unlock':
      return `${a.k}(${dev})`;
    case 'mmu_interval_read_retry':
      return `mmu_interval_read_retry(${dev}, ${a.seq}) = ${a.retry}`;
    case 'devpt_unmap':
      return `devpt_unmap(${dev},${page})`;
    case 'devpt_map':
      return `devpt_map(${dev},${page}, ${formatPfn(a.pfn)}, ${a.write ? 'RW' : 'R'}${a.atomic ? ', ATOMIC' : ''})`;
    case 'gup':
      return `gup(mm${a.mm},${page}) = ${formatPfn(a.pfn)} pinned`;
    case 'unpin_user_page':
      return `unpin_user_page(${formatPfn(a.pfn)})`;
    case 'do_swap_page':
      // The entry is DevPriv (migrate_to_ram follows) or DevExcl (the revocation follows).
      if (a.result === 'EBUSY') return `do_swap_page(mm${a.mm},${page}) ${formatPfn(a.pfn)} is locked: the trylock fails, the fault returns (B18)`;
      return `do_swap_page(mm${a.mm},${page}) ${formatPfn(a.pfn)}${w.kernel.do_swap_page === 'none' ? ', no PTL, no ref taken (before v6.1, B12)' : w.kernel.do_swap_page === 'get' ? ', ref taken, not locked (v6.1 to v6.14, B17)' : w.variants.has('B14') ? ', locked (a DevExcl entry: no ref taken, B14)' : ' locked, ref taken'}`;
    case 'migrate_to_ram':
      return `migrate_to_ram(${dev}, mm${a.mm},${page}, ${formatPfn(a.pfn)})`;
    case 'migrate_vma_collect':
      return `migrate_vma_collect(${dev}, mm${a.mm},${range})`;
    case 'migrate_vma_setup':
      return `migrate_vma_setup(${dev}, mm${a.mm},${range}, ${a.toDevice ? 'SYSTEM' : 'DEVICE_PRIVATE'}) src [${formatMig(a)}]`;
    case 'alloc_page':
      return `alloc_page(${a.dev !== undefined ? dev : 'system'}) = ${formatPfn(a.pfn)}`;
    case 'migrate_copy':
      return `migrate_copy(${page.trim()}, ${a.pfn === null || a.pfn === undefined ? 'zero fill' : formatPfn(a.pfn)} -> ${formatPfn(a.dst!)})`;
    case 'migrate_vma_pages':
      return `migrate_vma_pages(${dev}) migrated [${(a.mig ?? []).filter((e) => e.migrate).map((e) => e.page).join(' ')}]`;
    case 'migrate_vma_finalize':
      return `migrate_vma_finalize(${dev})`;
    case 'folio_put':
      return `folio_put(${formatPfn(a.pfn)})`;
    case 'migrate_device_coherent_folio':
      return `migrate_device_coherent_folio(mm${a.mm},${page}) ${formatPfn(a.pfn)}`;
    case 'migrate_lock':
      return `migrate_lock(${a.write ? 'down_write' : 'down_read'})`;
    case 'flush_tlb_range':
      return `flush_tlb_range(mm${a.mm},${range})`;
    case 'mem_cgroup_move_charge':
      return `mem_cgroup_move_charge(mm${a.mm})`;
    case 'make_device_exclusive':
      return `make_device_exclusive(${dev}, mm${a.mm},${page}) ${a.pfn === null ? `failed: ${w.kernel.exclusiveLock === 'trylock' ? 'no writable mapping, or the page was locked' : 'no writable mapping'}` : `-> DevExcl(${formatPfn(a.pfn)})`}`;
    case 'restore_exclusive_pte':
      return `restore_exclusive_pte(mm${a.mm},${page}) -> ${formatPfn(a.pfn)}`;
    case 'folio_free':
      return `folio_free(${formatPfn(a.pfn)})`;
    case 'fork':
      return `fork(mm${a.mm}) -> mm${a.child}`;
    case 'copy_page_range':
      return `copy_page_range(mm${a.mm} -> mm${a.child},${range})`;
    case 'exit':
      return `exit(mm${a.mm})`;
    case 'try_to_migrate':
      return `try_to_migrate(mm${a.mm},${range})`;
    case 'migrate_device_range':
      return `migrate_device_range(${dev}) pfns [${(a.mig ?? []).map((e) => formatPfn(e.pfn)).join(' ')}]`;
    case 'migrate_device_pages':
      return `migrate_device_pages(${dev}) migrated [${(a.mig ?? []).filter((e) => e.migrate).map((e) => formatPfn(e.pfn)).join(' ')}]`;
    case 'migrate_device_finalize':
      return `migrate_device_finalize(${dev})`;
  }
}

function formatMig(a: HmmAction): string {
  return (a.mig ?? []).map((e) => `${e.page}:${e.migrate ? (e.pfn === null ? 'empty' : formatPfn(e.pfn)) : 'skip'}${e.migrate && e.w ? ',W' : ''}`).join(' ');
}
