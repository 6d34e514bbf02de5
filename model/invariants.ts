/**
 * The invariants of MODEL.md section 3 that level L1 reaches, each a check on
 * one state (or on one step, for INV-4 and the read half of INV-7). Ids and
 * sentences are part of the contract; none is specific to a bug variant.
 *
 * Order matters only for reports: when one state breaks several invariants,
 * all are reported, most specific first.
 */
import type { Invariant, StepProperty } from '../checker/index.js';
import type { HmmAction } from './actions.js';
import { cpuWritable, invalOpen, mapsPage, migratedTo, migrationHome, ptePfn } from './queries.js';
import type { HmmState, Pte } from './state.js';
import { LIVE, ZERO_PFN } from './state.js';
import { rmapReaches, zoneDevice, type World } from './world.js';
import { tlbJustified } from './kernel/rules/tlb.js';

export const SENTENCES = {
  'INV-1': 'every mapping of an address (the CPU PTE and each device page table) refers to the one page that currently backs it',
  'INV-2': "once a driver's invalidate callback for an address has returned, its device page table maps that address only to the page the CPU PTE maps",
  'INV-3': 'a writable device mapping exists only over a writable CPU entry (Present(p,W) or DevPriv(p,W)); an atomic one only over DevExcl',
  'INV-4': 'a device page-table entry is installed only under L(d), after read_retry returned false for a seq taken before the hmm_range_fault that produced it',
  'INV-5': 'a device-private page is never CPU-present, never pinned',
  'INV-6': 'a page with pins or unexpected references is never committed as a migration source; coherent pages are never left long-term pinned',
  'INV-7': 'every read, by the CPU or a device, returns the last value written to that address in that process',
  'INV-8': "a dirty PTE's dirty state survives unmap, migration and rollback",
  'INV-9': 'refcount >= mapcount + holders; nothing maps, locks or accesses a page whose refcount is 0; folio_free runs exactly once per allocation; drivers allocate only free pages',
  'INV-10': 'after all processes exit and the driver releases its memory, every device page is free and no folio lock is held',
  'INV-11': "each memcg's usage equals the pages charged to it; migration moves the charge exactly; migration back to system memory never fails on a memcg limit",
  'INV-12': 'after fork of a private mapping, a write by one process (CPU or device) is never visible to the other; no device keeps a writable mapping of a COW-shared page',
  'INV-13': 'while an address is device-exclusive no CPU access completes; revocation removes the atomic device mapping before the PTE is restored',
  'INV-14': 'every invalidate_range_start that did not fail is paired with one invalidate_range_end; no driver lock is held across start..end; no deadlock (a non-final state with nothing enabled)',
  'INV-15': 'mapcount equals the number of Present, DevPriv (and DevExcl) entries that reference the page',
  'INV-16': 'a device maps a device-private page only if it owns it',
  'INV-17': 'every Migration(p) entry implies p is locked and held by the migrating thread',
  'LIVE-1': 'under fairness (weak; strong for a thread asleep on a lock the kernel hands over) every started device fault, CPU fault and migration completes (livelock detection: a reachable cycle of steps in which a started operation never completes)',
} as const;

export type InvariantId = keyof typeof SENTENCES;

/** Invariants this version of the model checks; the others belong to later levels. */
export const CHECKED: readonly InvariantId[] = [
  'INV-1',
  'INV-2',
  'INV-3',
  'INV-4',
  'INV-5',
  'INV-6',
  'INV-7',
  'INV-8',
  'INV-9',
  'INV-10',
  'INV-11',
  'INV-12',
  'INV-13',
  'INV-14',
  'INV-15',
  'INV-16',
  'INV-17',
];

/** The page whose data an address holds now (the CPU side's view), or -1. */
function backing(pte: Pte): number {
  return ptePfn(pte);
}

/**
 * Where the data of an address lives: the page its PTE names, except that
 * once migrate_vma_pages has committed, a migration entry's address lives in
 * the destination (MODEL.md section 3, notes).
 */
function home(s: HmmState, mm: number, page: number): number {
  const pte = s.mms[mm]!.pte[page]!;
  return pte.k === 'migration' ? migrationHome(s, pte.pfn) : backing(pte);
}

/**
 * A device entry a migration in progress justifies: between collect and
 * finalize, the source (the zero page for an empty source) or, once
 * committed, the destination.
 */
function migrating(s: HmmState, mm: number, page: number, pfn: number): boolean {
  const pte = s.mms[mm]!.pte[page]!;
  if (pte.k === 'migration' && (pfn === pte.pfn || pfn === migrationHome(s, pte.pfn))) return true;
  const m = migratedTo(s, mm, page);
  return m !== null && (pfn === (m.src ?? ZERO_PFN) || pfn === m.dst);
}

function forEachDevEntry(
  s: HmmState,
  w: World,
  fn: (mirror: number, page: number, pfn: number, write: boolean) => boolean,
): boolean {
  for (let j = 0; j < s.mirrors.length; j++) {
    const pt = s.mirrors[j]!.pt;
    for (let p = 0; p < pt.length; p++) {
      const e = pt[p];
      if (e && !fn(j, p, e.pfn, e.w)) return false;
    }
  }
  void w;
  return true;
}

export function invariants(w: World): Invariant<HmmState>[] {
  const inv = (id: InvariantId, holds: (s: HmmState) => boolean): Invariant<HmmState> => ({ id, sentence: SENTENCES[id], holds });
  // Found once: the check runs on every state, and most worlds have none.
  const coherentFrames = w.zone.flatMap((z, pfn) => (z === 'coherent' ? [pfn] : []));
  return [
    // Fork isolation: a page two processes map is read-only everywhere, on
    // the CPU and on every device, and holds what both last wrote.
    inv('INV-12', (s) => {
      if (s.mms.length < 2) return true;
      for (let pfn = 1; pfn < s.frames.length; pfn++) {
        if (s.frames[pfn]!.map < 2 && !s.mms.some((mm) => mm.pte.some((p) => p.k === 'migration' && p.pfn === pfn))) continue;
        let holders = 0;
        let value: number | null = null;
        let same = true;
        for (const mm of s.mms) {
          let here = false;
          mm.pte.forEach((p, i) => {
            if ((p.k === 'present' || p.k === 'devpriv' || p.k === 'migration') && p.pfn === pfn) {
              here = true;
              if (p.w) same = false;
              if (value === null) value = mm.expect[i]!;
              else if (mm.expect[i] !== value) same = false;
            }
          });
          if (here) holders++;
        }
        if (holders < 2) continue;
        if (!same) return false;
        if (!forEachDevEntry(s, w, (_j, _p, f, write) => !(write && f === pfn))) return false;
      }
      return true;
    }),
    inv('INV-2', (s) =>
      forEachDevEntry(s, w, (j, p, pfn) => {
        const mm = w.mirrors[j]!.mm;
        return backing(s.mms[mm]!.pte[p]!) === pfn || invalOpen(s, w, j, p) || migrating(s, mm, p, pfn);
      }) && tlbCoherent(s),
    ),
    inv('INV-3', (s) =>
      forEachDevEntry(s, w, (j, p, _pfn, write) => {
        if (!write) return true;
        const mm = w.mirrors[j]!.mm;
        const pte = s.mms[mm]!.pte[p]!;
        // A migration entry's write bit stands in for the entry it replaced.
        const writable = cpuWritable(pte) || ((pte.k === 'devpriv' || pte.k === 'migration' || pte.k === 'devexcl') && pte.w);
        return writable || invalOpen(s, w, j, p);
      }),
    ),
    inv('INV-5', (s) => {
      for (const mm of s.mms) for (const pte of mm.pte) if (pte.k === 'present' && w.zone[pte.pfn] === 'device') return false;
      for (let pfn = 1; pfn < s.frames.length; pfn++) if (w.zone[pfn] === 'device' && s.frames[pfn]!.pin > 0) return false;
      return true;
    }),
    // Coherent device memory must always allow eviction: FOLL_LONGTERM never leaves a pin on it.
    inv('INV-6', (s) => {
      for (const pfn of coherentFrames) if (s.frames[pfn]!.pin > 0) return false;
      return true;
    }),
    inv('INV-17', (s) => {
      for (const mm of s.mms) {
        for (const pte of mm.pte) {
          if (pte.k !== 'migration') continue;
          const holder = s.frames[pte.pfn]!.lock;
          if (holder < 0 || s.threads[holder]!.mig === null) return false;
        }
      }
      return true;
    }),
    inv('INV-7', (s) => {
      for (let m = 0; m < s.mms.length; m++) {
        const mm = s.mms[m]!;
        for (let p = 0; p < mm.pte.length; p++) {
          if (mm.vma[p] === 'none') continue;
          const pfn = home(s, m, p);
          const held = pfn < 0 ? 0 : s.frames[pfn]!.val;
          if (held !== mm.expect[p]) return false;
        }
      }
      return true;
    }),
    inv('INV-9', (s) => {
      for (let pfn = 1; pfn < s.frames.length; pfn++) {
        const f = s.frames[pfn]!;
        if (f.ref < f.map) return false;
        if (f.ref === 0 && f.lock !== -1) return false;
        if (f.ref < f.pin) return false;
      }
      // folio_free at most once: a page is due to be freed by one thread at a time.
      let due = 0;
      for (const t of s.threads) {
        for (const p of t.frees) {
          if (s.frames[p]!.ref !== 0) return false;
          due++;
        }
      }
      if (due > 1) {
        const all = s.threads.flatMap((t) => t.frees);
        if (new Set(all).size !== all.length) return false;
      }
      for (const mm of s.mms) for (const pte of mm.pte) if (ptePfn(pte) > ZERO_PFN && s.frames[ptePfn(pte)]!.ref === 0) return false;
      // A CPU fault between do_swap_page and the migration's collect uses the device page it found.
      for (const t of s.threads) {
        const f = t.fault;
        if (f && f.orig.k === 'devpriv' && (t.pc === 'swap' || (t.mig !== null && t.mig.src === null)) && s.frames[f.orig.pfn]!.ref === 0) return false;
      }
      return forEachDevEntry(s, w, (_j, _p, pfn) => pfn === ZERO_PFN || s.frames[pfn]!.ref > 0);
    }),
    inv('INV-15', (s) => {
      const counts = new Array<number>(s.frames.length).fill(0);
      for (let m = 0; m < s.mms.length; m++) {
        for (const pte of s.mms[m]!.pte) {
          if (!mapsPage(pte)) continue;
          counts[ptePfn(pte)]!++;
          // page->mapping must lead an rmap walk to every process that maps the page.
          if (!rmapReaches(w, s.frames[ptePfn(pte)]!.anon, m)) return false;
        }
      }
      for (let pfn = 1; pfn < s.frames.length; pfn++) if (counts[pfn] !== s.frames[pfn]!.map) return false;
      return true;
    }),
    // An atomic device mapping exists only over the device-exclusive entry of
    // its page: while it stands no CPU access can complete (the CPU faults),
    // and a revocation's CLEAR callbacks drop it before restore_exclusive_pte.
    inv('INV-13', (s) => {
      for (let j = 0; j < s.mirrors.length; j++) {
        const pt = s.mirrors[j]!.pt;
        const mm = s.mms[w.mirrors[j]!.mm]!;
        for (let p = 0; p < pt.length; p++) {
          const e = pt[p];
          if (!e || !e.atomic) continue;
          const pte = mm.pte[p]!;
          if (pte.k !== 'devexcl' || pte.pfn !== e.pfn) return false;
        }
      }
      return true;
    }),
    inv('INV-16', (s) =>
      forEachDevEntry(s, w, (j, _p, pfn) => w.zone[pfn] !== 'device' || w.frameDevice[pfn] === w.mirrors[j]!.device),
    ),
    // Once no process is left and nothing is in flight, device memory is all free and no page is locked.
    inv('INV-10', (s) => {
      if (s.mms.some((mm) => mm.life === LIVE)) return true;
      if (s.threads.some((t) => t.pc !== 'idle' || t.frees.length > 0)) return true;
      for (let pfn = 1; pfn < s.frames.length; pfn++) {
        const f = s.frames[pfn]!;
        if (f.lock !== -1 || (zoneDevice(w, pfn) && f.ref !== 0)) return false;
      }
      return true;
    }),
    // One memcg per process: its usage is exactly the pages charged to it,
    // and no migration back to system memory failed on its limit (D4).
    inv('INV-11', (s) => {
      for (let m = 0; m < s.mms.length; m++) {
        const mm = s.mms[m]!;
        if (mm.chargeFailed) return false;
        let n = 0;
        for (const f of s.frames) if (f.memcg === m) n++;
        if (n !== mm.charged) return false;
      }
      return true;
    }),
    inv('INV-14', (s) => {
      for (let m = 0; m < s.mms.length; m++) {
        let open = 0;
        for (const t of s.threads) if (t.inv && t.inv.cur >= 0 && t.inv.mm === m) open++;
        if (s.mms[m]!.active !== open) return false;
      }
      for (const mirror of s.mirrors) {
        if (mirror.lock >= 0) {
          const holder = s.threads[mirror.lock]!;
          if (holder.inv && holder.inv.cur >= 0) return false;
        }
      }
      return true;
    }),
    inv('INV-1', (s) =>
      forEachDevEntry(s, w, (j, p, pfn) => {
        const mm = w.mirrors[j]!.mm;
        return backing(s.mms[mm]!.pte[p]!) === pfn || migrating(s, mm, p, pfn);
      }),
    ),
  ];
}

/**
 * INV-2's CPU TLB clause (a world with a TLB): a cached translation matches
 * the PTE, the TLB being the second mirror whose "callback" is the flush
 * under the PTL. The one window allowed is that of a thread whose flush of
 * its own migration entries is still to come (the PTE is the migration entry
 * of the cached page, which it holds locked): that is the kernel's deferred
 * flush, and variant B11 is when something else changes the PTE meanwhile.
 */
function tlbCoherent(s: HmmState): boolean {
  for (let m = 0; m < s.mms.length; m++) {
    const mm = s.mms[m]!;
    for (let p = 0; p < mm.tlb.length; p++) {
      const e = mm.tlb[p];
      if (!e || tlbJustified(e, mm.pte[p]!)) continue;
      const pte = mm.pte[p]!;
      const pending = s.threads.some((t) => t.pc === 'tlb_flush' && t.inv !== null && t.inv.mm === m && t.inv.start <= p && p < t.inv.end);
      if (!(pending && pte.k === 'migration' && pte.pfn === e.pfn)) return false;
    }
  }
  return true;
}

/**
 * INV-8 on one step: a dirty PTE the step took down or replaced left its
 * dirty bit on the folio, or its replacement is dirty itself (a COW copy, a
 * write-protect that keeps the bit); a zap discards the data with the bit.
 * A committed migration's destination is dirty if its source was
 * (folio_migrate_flags).
 */
function dirtyKept(before: HmmState, a: HmmAction, after: HmmState): boolean {
  if (a.k === 'zap_pte_range' || a.k === 'exit') return true;
  for (let m = 0; m < before.mms.length; m++) {
    const was = before.mms[m]!.pte;
    const now = after.mms[m]!.pte;
    for (let p = 0; p < was.length; p++) {
      const b = was[p]!;
      if (b.k !== 'present' || !b.d) continue;
      const n = now[p]!;
      if ((n.k === 'present' && n.d) || after.frames[b.pfn]!.dirty) continue;
      return false;
    }
  }
  if (a.k === 'migrate_vma_pages' || a.k === 'migrate_device_pages') {
    for (const e of after.threads[a.t]!.mig?.src ?? []) {
      if (e.migrate && e.pfn !== null && e.dst !== null && before.frames[e.pfn]!.dirty && !after.frames[e.dst]!.dirty) return false;
    }
  }
  return true;
}

export function stepProperties(w: World): StepProperty<HmmState, HmmAction>[] {
  return [
    { id: 'INV-8', sentence: SENTENCES['INV-8'], holds: (before, a, after) => !w.dirty || dirtyKept(before, a, after) },
    {
      id: 'INV-4',
      sentence: SENTENCES['INV-4'],
      holds: (before, a) => {
        if (a.k !== 'devpt_map') return true;
        const th = before.threads[a.t]!;
        const mirror = before.mirrors[a.dev!]!;
        if (mirror.lock !== a.t) return false;
        // An atomic entry is justified by make_device_exclusive: the page is locked and its entry exclusive.
        if (a.atomic) {
          const pte = before.mms[w.mirrors[a.dev!]!.mm]!.pte[a.page!]!;
          return pte.k === 'devexcl' && pte.pfn === a.pfn && before.frames[a.pfn!]!.lock === a.t;
        }
        // Entries for the destinations of the driver's own committed migration are justified by it.
        const mig = th.mig;
        if (mig && mig.committed && mig.src?.some((e) => e.page === a.page && e.migrate && e.dst === a.pfn)) return true;
        const fromSnapshot = (th.snap ?? []).some((e) => e.page === a.page && e.pfn === a.pfn && (e.w || !a.write));
        return fromSnapshot && th.snapSeq === mirror.seq;
      },
    },
    {
      // Drivers allocate only free pages: zone_device_page_init assumes a
      // refcount of 0 (and a page whose folio_free is due is not free yet).
      id: 'INV-9',
      sentence: SENTENCES['INV-9'],
      holds: (before, a) => a.k !== 'alloc_page' || (before.frames[a.pfn!]!.ref === 0 && !before.threads.some((t) => t.frees.includes(a.pfn!))),
    },
    {
      // Moving a task to another memcg takes the charges of every page only it
      // maps, system or device-private, that the move can lock (a page under
      // migration or locked elsewhere keeps its charge, as the kernel's does).
      id: 'INV-11',
      sentence: SENTENCES['INV-11'],
      holds: (before, a, after) => {
        if (a.k !== 'mem_cgroup_move_charge') return true;
        const from = before.mms[a.mm!]!.cg;
        for (const pte of after.mms[a.mm!]!.pte) {
          if (pte.k !== 'present' && pte.k !== 'devpriv') continue;
          const f = after.frames[pte.pfn]!;
          if (f.map === 1 && before.frames[pte.pfn]!.lock === -1 && f.memcg === from) return false;
        }
        return true;
      },
    },
    {
      id: 'INV-6',
      sentence: SENTENCES['INV-6'],
      holds: (before, a, after) => {
        if (a.k !== 'migrate_vma_pages') return true;
        const committed = after.threads[a.t]!.mig?.src ?? [];
        return committed.every((e) => !e.migrate || e.pfn === null || e.dst === null || before.frames[e.pfn]!.pin === 0);
      },
    },
    {
      // The driver's eviction (migrate_device_range) leaves every page it committed free.
      id: 'INV-10',
      sentence: SENTENCES['INV-10'],
      holds: (before, a, after) => {
        if (a.k !== 'migrate_device_finalize') return true;
        const src = before.threads[a.t]!.mig?.src ?? [];
        return src.every((e) => !e.migrate || e.dst === null || e.pfn === null || after.frames[e.pfn]!.ref === 0);
      },
    },
    {
      id: 'INV-7',
      sentence: SENTENCES['INV-7'],
      holds: (before, a) => {
        if (a.k === 'cpu_read') return a.value === before.mms[a.mm!]!.expect[a.page!];
        if (a.k === 'device_read') return a.value === before.mms[w.mirrors[a.dev!]!.mm]!.expect[a.page!];
        return true;
      },
    },
  ];
}
