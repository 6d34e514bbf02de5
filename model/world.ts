/**
 * The static part of a configuration, in the shape the rules use: which frame
 * is in which zone, which mirror mirrors which mm, what each thread does.
 * Nothing here changes during a run, so none of it is in the state.
 */
import type { Config } from './config.js';
import type { OpKind } from './state.js';
import type { VariantId } from './variants.js';
import { DEFAULT_KERNEL, kernelBehaviour, type KernelBehaviour } from './kernel/versions.js';
import { DEFAULT_DRIVER, driverBehaviour, type DriverBehaviour } from './drivers/index.js';

/** 'device': MEMORY_DEVICE_PRIVATE (the CPU cannot reach it); 'coherent': MEMORY_DEVICE_COHERENT (mapped by present PTEs). */
export type Zone = 'zero' | 'system' | 'device' | 'coherent';

export interface ActorSpec {
  readonly kind: 'cpu' | 'device';
  readonly name: string;
  readonly mm: number;
  /** Device actors: the mirror they fault through; -1 for CPU actors. */
  readonly mirror: number;
  /** The operations, in a fixed order; a thread's `left` counts follow it. */
  readonly ops: readonly { readonly kind: OpKind; readonly count: number }[];
  readonly pages: readonly number[];
  readonly ranges: readonly (readonly [number, number])[];
  /** CPU actors with a fork: the process it creates, else -1. */
  readonly child: number;
}

export interface World {
  readonly config: Config;
  readonly pages: number;
  readonly mms: number;
  /** Zone of each frame; frame 0 is the shared zero page. */
  readonly zone: readonly Zone[];
  /** Device of each device frame, -1 otherwise. */
  readonly frameDevice: readonly number[];
  readonly mirrors: readonly { readonly device: number; readonly mm: number }[];
  readonly actors: readonly ActorSpec[];
  readonly variants: ReadonlySet<VariantId>;
  /**
   * The core kernel's behaviour where versions differ (kernel/versions.ts):
   * the configuration's `kernel` (default latest), with the variants that are
   * only an older kernel (B12, B16, B17, B18) setting their one rule back.
   */
  readonly kernel: KernelBehaviour;
  /** memory.max of each process's memcg, in pages (Infinity: none). */
  readonly memcgLimit: number;
  /** The process each process was forked from, -1 for those that exist from the start. */
  readonly parent: readonly number[];
  /**
   * The page allocator may return any free frame (every choice explored; frame
   * symmetry makes that cheap), or only the lowest free one. Checking uses
   * any; replay uses lowest: it binds the trace's pfns to frames as names, so
   * the choice is the trace's, not the model's, and one frame is as good as
   * another there (traces/hmm/binding.ts).
   */
  readonly anyFrame: boolean;
  /**
   * hmm_vma_fault faults every page from the first that needs it to the end
   * of the walk (mm/hmm.c), so pages that need nothing see a fault too: the
   * kernel finds the PTE already good and returns. The checker leaves these
   * out (they change nothing); replay of a kernel trace, which shows them
   * and shows one page at a time, lets the walk take them on any page.
   */
  readonly spuriousFaults: boolean;
  /**
   * Pages outside the world may share its page tables, and populate them
   * unseen: a replay of a kernel trace, whose world is the pages the trace
   * names (or one of them), within a page-table page of 512 and a process
   * of many more. mprotect over a range the world has never populated then
   * may or may not find a page table there (MmState.tables). The checker's
   * worlds, and a trace's given by its header, are whole: nothing else is
   * under their page tables.
   */
  readonly sharedTables: boolean;
  /**
   * MmState.tables is kept: some thread may mprotect, the one step that reads
   * it (every thread of a replay may). Elsewhere it stays 0, which changes no
   * step, and states that differ only in it are not told apart.
   */
  readonly tables: boolean;
  /** CPU writes set the PTE dirty bit, which must reach PG_dirty when the PTE goes (config `dirty`). */
  readonly dirty: boolean;
  /** Per device: the name of its driver (drivers/index.ts; config devices[].driver, else driver, else reference). */
  readonly driverNames: readonly string[];
  /**
   * Per device: what its driver does where drivers differ (drivers/types.ts),
   * under the world's kernel, with the device's options (allOrNothing,
   * selectOwn) and the driver-mistake variants (D1, D2, B5, H1, H2, B19, B20) put in.
   */
  readonly drivers: readonly DriverBehaviour[];
  /** Pages per page-table page, for collect (config pmdPages; Infinity: one PTL for all). */
  readonly pmdPages: number;
  /** Each process has a CPU TLB that CPU accesses fill and go through (config `tlb`). */
  readonly tlb: boolean;
}

const OP_ORDER: readonly OpKind[] = [
  'cpu_read',
  'cpu_write',
  'munmap',
  'madvise_dontneed',
  'mprotect',
  'mprotect_rw',
  'mprotect_none',
  'device_read',
  'device_write',
  'migrate_to_device',
  'gup',
  'fork',
  'exit',
  'migrate_device_range',
  'oom_reap',
  'device_atomic',
  'memcg_move',
  'migrate_to_system',
  'snapshot',
];

export function buildWorld(
  config: Config,
  variants: readonly VariantId[] = [],
  options: { readonly anyFrame?: boolean; readonly spuriousFaults?: boolean; readonly sharedTables?: boolean; readonly tables?: boolean } = {},
): World {
  const zone: Zone[] = ['zero'];
  const frameDevice: number[] = [-1];
  for (let i = 0; i < config.systemFrames; i++) {
    zone.push('system');
    frameDevice.push(-1);
  }
  config.devices.forEach((d, di) => {
    for (let i = 0; i < d.frames; i++) {
      zone.push(d.memory === 'coherent' ? 'coherent' : 'device');
      frameDevice.push(di);
    }
  });
  const mirrors = config.mirrors
    ? config.mirrors.map((m) => ({ device: m.device, mm: m.process }))
    : config.devices.map((_, i) => ({ device: i, mm: 0 }));
  const all = Array.from({ length: config.pages }, (_, i) => i);
  // MmState.tables holds a bit per page table (config.schema.json bounds pages at 16).
  if (config.pmdPages !== undefined && Math.ceil(config.pages / config.pmdPages) > 31) {
    throw new Error(`buildWorld: ${Math.ceil(config.pages / config.pmdPages)} page tables of pmdPages ${config.pmdPages}: MmState.tables holds 31`);
  }
  let cpus = 0;
  let devs = 0;
  const actors = config.actors.map((a): ActorSpec => {
    const mirror = a.kind === 'device' ? (a.mirror ?? 0) : -1;
    return {
      kind: a.kind,
      name: a.name ?? (a.kind === 'cpu' ? `cpu${cpus++}` : `gpu${devs++}`),
      mm: a.kind === 'device' ? mirrors[mirror]!.mm : (a.process ?? 0),
      mirror,
      ops: OP_ORDER.filter((k) => (a.ops[k] ?? 0) > 0).map((kind) => ({ kind, count: a.ops[kind]! })),
      pages: a.pages ?? all,
      ranges: a.ranges ?? [[0, config.pages]],
      child: a.child ?? -1,
    };
  });
  const kernelVersion = config.kernel ?? DEFAULT_KERNEL;
  const driverNames = config.devices.map((d) => d.driver ?? config.driver ?? DEFAULT_DRIVER);
  return {
    config,
    pages: config.pages,
    mms: config.processes ?? 1,
    zone,
    frameDevice,
    mirrors,
    actors,
    variants: new Set(variants),
    kernel: withOlderRules(kernelBehaviour(kernelVersion), variants),
    memcgLimit: config.memcgLimit ?? Infinity,
    anyFrame: options.anyFrame ?? true,
    spuriousFaults: options.spuriousFaults ?? false,
    driverNames,
    drivers: config.devices.map((d, i) =>
      driverBehaviour(driverNames[i]!, kernelVersion, { ...(d.selectOwn !== undefined ? { selectOwn: d.selectOwn } : {}), ...(d.allOrNothing !== undefined ? { allOrNothing: d.allOrNothing } : {}) }, variants),
    ),
    sharedTables: options.sharedTables ?? false,
    tables: options.tables ?? config.actors.some((a) => (a.ops.mprotect ?? 0) + (a.ops.mprotect_rw ?? 0) + (a.ops.mprotect_none ?? 0) > 0),
    pmdPages: config.pmdPages ?? Infinity,
    dirty: config.dirty ?? false,
    tlb: config.tlb ?? false,
    parent: Array.from({ length: config.processes ?? 1 }, (_, m) => {
      const forker = config.actors.find((a) => a.child === m);
      return forker ? (forker.process ?? 0) : -1;
    }),
  };
}

/**
 * The variants that are one rule of an older kernel: that rule's older
 * choice, whatever the version. do_swap_page and collect changed together
 * (1afaeb8293c9): collect takes the fault page as locked exactly when
 * do_swap_page locks it.
 */
function withOlderRules(k: KernelBehaviour, variants: readonly VariantId[]): KernelBehaviour {
  let out = k;
  const set = (patch: Partial<KernelBehaviour>): void => void (out = { ...out, ...patch });
  if (variants.includes('B12')) set({ do_swap_page: 'none' });
  if (variants.includes('B17')) set({ do_swap_page: 'get' });
  if (variants.includes('B18')) set({ do_swap_page: 'trylock' });
  if (variants.includes('B16')) set({ exclusiveMapcount: 'drop' });
  const locks = out.do_swap_page === 'trylock' || out.do_swap_page === 'sleep';
  return { ...out, collectFaultFolio: locks ? 'fault-locked' : 'trylock' };
}

/** The world's driver as results and traces name it: one name when every device has it, else one per device. */
export function driverOf(w: World): string | readonly string[] {
  return w.driverNames.every((n) => n === w.driverNames[0]) ? w.driverNames[0]! : w.driverNames;
}

/** A ZONE_DEVICE page, private or coherent: its last reference goes through free_zone_device_folio. */
export function zoneDevice(w: World, pfn: number): boolean {
  const z = w.zone[pfn];
  return z === 'device' || z === 'coherent';
}

/** The value the thread's next write stores: distinct for every write of a run. */
export function writeValue(world: World, thread: number, left: readonly number[]): number {
  const spec = world.actors[thread]!;
  let done = 0;
  spec.ops.forEach((o, i) => (done += o.count - left[i]!));
  return (thread + 1) * 100 + done + 1;
}

/**
 * The processes an rmap walk from an anon_vma of process `anon` reaches:
 * that process and every process forked from it (anon_vma_fork chains a
 * child's VMA to its parent's anon_vma), since pages keep their mapping.
 */
export function rmapReaches(w: World, anon: number, mm: number): boolean {
  if (anon < 0) return false;
  for (let m = mm; m >= 0; m = w.parent[m]!) if (m === anon) return true;
  return false;
}
