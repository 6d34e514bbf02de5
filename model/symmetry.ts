/**
 * Symmetry of physical frames: frames of one kind (system memory, or one
 * device's private memory) are interchangeable, so states that differ only in
 * which frame holds what are one state (issue 6; TLC's SYMMETRY, SPIN's
 * symmetry reduction). `canonicalFrames` finds the renumbering that makes a
 * state canonical: within each kind, frames sorted by a signature that does
 * not mention frame numbers (their fields, and every place that references
 * them: PTEs, TLBs, device page tables, snapshots, migration entries, pins, frees).
 * Two frames tie only if nothing references either and their fields are
 * equal, and then they are identical, so the result is a canonical form (up
 * to a hash of the references, see siteHash: a collision costs reduction,
 * never soundness, since any renumbering is a symmetry).
 *
 * Why it is sound: no rule or program chooses a frame by its number. The page
 * allocator (do_anonymous_page, wp_page_copy, a driver's alloc_page) may return
 * any free page, so the programs offer every free frame (queries.ts
 * freeFrames), and renumbering maps those choices onto each other. Worlds
 * that allocate the lowest free frame only (replay's, World.anyFrame) get no
 * symmetry: a free frame still referenced (a stale snapshot) makes that
 * choice depend on numbers. Two steps
 * still choose by number, and configurations that take them get no symmetry
 * (`symmetric`): migrate_device_range lists the device's pages in pfn order,
 * and copy_page_range (fork) takes the lowest free frames for pinned pages.
 */
import type { HmmState } from './state.js';
import type { World } from './world.js';

/** Whether frame symmetry holds for a world: any free frame allocatable, no evictor and no fork (see above). */
export function symmetric(w: World): boolean {
  return w.anyFrame && !w.actors.some((a) => a.ops.some((o) => o.kind === 'migrate_device_range' || o.kind === 'fork'));
}

// Site codes: where a frame is referenced from, without frame numbers.
const PTE = 1 << 24;
const DEVPT = 2 << 24;
const SNAP = 3 << 24;
const MIG_SRC = 4 << 24;
const MIG_DST = 5 << 24;
const MIG_FAULT = 6 << 24;
const FAULT_ORIG = 7 << 24;
const PIN = 8 << 24;
const FREE = 9 << 24;
const TLB = 10 << 24;

const site = (kind: number, a: number, b: number): number => kind + a * 4096 + b;

// Per frame: how many places reference it, and an order-independent hash of
// where. Two frames with different references could hash alike; the sort
// then leaves them in the order it found them, which is still a renumbering
// (sound), only not always the canonical one (a little less reduction).
let siteCount = new Int32Array(64);
let siteHash = new Int32Array(64);

function addSite(pfn: number | null, code: number): void {
  if (pfn === null || pfn <= 0) return;
  siteCount[pfn]!++;
  let h = Math.imul(code ^ (code >>> 15), 0x2c1b3c6d);
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39);
  siteHash[pfn] = (siteHash[pfn]! + (h ^ (h >>> 15))) | 0;
}

/** Each world's frames grouped by kind, in number order (computed once per world; kinds of one frame left out). */
const KINDS = new WeakMap<World, Int32Array[]>();

function kindsOf(w: World): Int32Array[] {
  let kinds = KINDS.get(w);
  if (kinds) return kinds;
  const byKey = new Map<number, number[]>();
  for (let p = 1; p < w.zone.length; p++) {
    const key = w.zone[p] === 'system' ? -1 : w.frameDevice[p]!;
    let list = byKey.get(key);
    if (!list) byKey.set(key, (list = []));
    list.push(p);
  }
  kinds = [...byKey.values()].filter((l) => l.length > 1).map((l) => Int32Array.from(l));
  KINDS.set(w, kinds);
  return kinds;
}

let order = new Int32Array(64);

/** Writes the canonical renumbering of `s`'s frames into `perm` (perm[old] = new). */
export function canonicalFrames(s: HmmState, w: World, perm: Int32Array): void {
  const nf = s.frames.length;
  for (let p = 0; p < nf; p++) perm[p] = p;
  const kinds = kindsOf(w);
  if (kinds.length === 0) return;
  if (siteCount.length < nf) {
    siteCount = new Int32Array(nf * 2);
    siteHash = new Int32Array(nf * 2);
    order = new Int32Array(nf * 2);
  }
  siteCount.fill(0, 0, nf);
  siteHash.fill(0, 0, nf);
  for (let i = 0; i < s.mms.length; i++) {
    const pte = s.mms[i]!.pte;
    for (let p = 0; p < pte.length; p++) {
      const x = pte[p]!;
      if (x.k === 'present' || x.k === 'migration' || x.k === 'devpriv' || x.k === 'devexcl') addSite(x.pfn, site(PTE, i, p));
    }
    const tlb = s.mms[i]!.tlb;
    for (let p = 0; p < tlb.length; p++) {
      const e = tlb[p];
      if (e) addSite(e.pfn, site(TLB, i, p));
    }
  }
  for (let j = 0; j < s.mirrors.length; j++) {
    const pt = s.mirrors[j]!.pt;
    for (let p = 0; p < pt.length; p++) {
      const e = pt[p];
      if (e) addSite(e.pfn, site(DEVPT, j, p));
    }
  }
  for (let i = 0; i < s.threads.length; i++) {
    const t = s.threads[i]!;
    if (t.snap) for (let k = 0; k < t.snap.length; k++) addSite(t.snap[k]!.pfn, site(SNAP, i, k));
    if (t.mig) {
      const src = t.mig.src;
      if (src) {
        for (let k = 0; k < src.length; k++) {
          addSite(src[k]!.pfn, site(MIG_SRC, i, k));
          addSite(src[k]!.dst, site(MIG_DST, i, k));
        }
      }
      if (t.mig.fault > 0) addSite(t.mig.fault, site(MIG_FAULT, i, 0));
    }
    const o = t.fault?.orig;
    if (o && (o.k === 'present' || o.k === 'migration' || o.k === 'devpriv' || o.k === 'devexcl')) addSite(o.pfn, site(FAULT_ORIG, i, 0));
    for (let k = 0; k < t.pins.length; k++) addSite(t.pins[k]!, site(PIN, i, k));
    for (let k = 0; k < t.frees.length; k++) addSite(t.frees[k]!, site(FREE, i, k));
  }
  for (const positions of kinds) {
    // Insertion sort: a kind has a handful of frames.
    const n = positions.length;
    for (let k = 0; k < n; k++) {
      const x = positions[k]!;
      let j = k - 1;
      while (j >= 0 && compare(s, order[j]!, x) > 0) {
        order[j + 1] = order[j]!;
        j--;
      }
      order[j + 1] = x;
    }
    for (let k = 0; k < n; k++) perm[order[k]!] = positions[k]!;
  }
}

/** Orders frames by signature: fields, then how often and from where they are referenced. */
function compare(s: HmmState, a: number, b: number): number {
  const fa = s.frames[a]!;
  const fb = s.frames[b]!;
  return (
    fa.ref - fb.ref ||
    fa.map - fb.map ||
    fa.lock - fb.lock ||
    fa.val - fb.val ||
    fa.pin - fb.pin ||
    fa.memcg - fb.memcg ||
    +fa.dirty - +fb.dirty ||
    fa.anon - fb.anon ||
    siteCount[a]! - siteCount[b]! ||
    siteHash[a]! - siteHash[b]!
  );
}
