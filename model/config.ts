/**
 * Configurations: the world a check explores (MODEL.md section 4).
 *
 * A configuration is JSON validated against `config.schema.json`, then checked
 * for what a schema cannot say (indices in range). Errors are `ConfigError`s
 * naming the file, the field, what was expected and what was found.
 */
import { compileSchema } from '../checker/jsonSchema.js';
import schema from './config.schema.json' with { type: 'json' };
import type { OpKind } from './state.js';
import type { KernelVersion } from './kernel/versions.js';

export interface DeviceConfig {
  readonly frames: number;
  readonly owner?: string;
  readonly memory?: 'private' | 'coherent';
  /** The driver's migration to its device also selects its own device-private pages (see config.schema.json). */
  readonly selectOwn?: boolean;
  /** The driver migrates all or nothing and retries (drm_pagemap and xe; see config.schema.json). */
  readonly allOrNothing?: boolean;
  /** The device's driver (drivers/index.ts); default the configuration's `driver`. */
  readonly driver?: string;
}

export interface MirrorConfig {
  readonly device: number;
  readonly process: number;
}

export interface ActorConfig {
  readonly kind: 'cpu' | 'device';
  readonly name?: string;
  readonly process?: number;
  readonly mirror?: number;
  readonly child?: number;
  readonly ops: Partial<Record<OpKind, number>>;
  readonly pages?: readonly number[];
  readonly ranges?: readonly (readonly [number, number])[];
}

export interface Config {
  readonly name?: string;
  readonly description?: string;
  /** The kernel version whose core-kernel behaviour the model follows (kernel/versions.ts); default latest. */
  readonly kernel?: KernelVersion;
  /** The driver of every device that names none (drivers/index.ts); default reference. */
  readonly driver?: string;
  readonly processes?: number;
  readonly pages: number;
  readonly systemFrames: number;
  /** Pages each process's memcg may hold; absent: no limit. */
  readonly memcgLimit?: number;
  /** Pages per page-table page (one PTL): migrate_vma_collect takes the PTL once per such run of pages (default: all pages under one). */
  readonly pmdPages?: number;
  /** Model the PTE dirty bit and PG_dirty (level L4, INV-8); default off. */
  readonly dirty?: boolean;
  /** Model a CPU TLB per process, a second mirror of its page table (level L4); default off. */
  readonly tlb?: boolean;
  readonly devices: readonly DeviceConfig[];
  readonly mirrors?: readonly MirrorConfig[];
  readonly actors: readonly ActorConfig[];
}

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly field: string,
    readonly expected: string,
    readonly found: string,
  ) {
    super(`${file}: ${field || 'config'}: expected ${expected}, found ${found}`);
    this.name = 'ConfigError';
  }
}

export const configSchema: object = schema;
const validate = compileSchema(schema);

const CPU_OPS: readonly OpKind[] = ['cpu_read', 'cpu_write', 'munmap', 'madvise_dontneed', 'mprotect', 'mprotect_rw', 'mprotect_none', 'gup', 'fork', 'exit', 'oom_reap', 'memcg_move'];
const DEVICE_OPS: readonly OpKind[] = ['device_read', 'device_write', 'migrate_to_device', 'migrate_device_range', 'device_atomic', 'migrate_to_system', 'snapshot'];

/** Validates an untrusted configuration (from a file or a trace header); `file` names it in errors. */
export function parseConfig(value: unknown, file: string): Config {
  const issue = validate(value);
  if (issue) throw new ConfigError(file, issue.path, issue.expected, issue.found);
  const c = value as Config;
  const processes = c.processes ?? 1;
  (c.mirrors ?? []).forEach((m, i) => {
    if (m.device >= c.devices.length) {
      throw new ConfigError(file, `mirrors[${i}].device`, `a device index below ${c.devices.length}`, `${m.device}`);
    }
    if (m.process >= processes) {
      throw new ConfigError(file, `mirrors[${i}].process`, `a process index below ${processes}`, `${m.process}`);
    }
  });
  const mirrors = c.mirrors?.length ?? c.devices.length;
  c.actors.forEach((a, i) => {
    const at = `actors[${i}]`;
    const allowed = a.kind === 'cpu' ? CPU_OPS : DEVICE_OPS;
    for (const op of Object.keys(a.ops)) {
      if (!allowed.includes(op as OpKind)) {
        throw new ConfigError(file, `${at}.ops.${op}`, `an operation of a ${a.kind} actor (${allowed.join(', ')})`, `"${op}"`);
      }
    }
    if ((a.ops.memcg_move ?? 0) > 0 && processes < 2) {
      throw new ConfigError(file, `${at}.ops.memcg_move`, "two processes or more (each process has its memcg; the move goes to the next process's)", `${processes} process`);
    }
    if (a.kind === 'cpu' && (a.process ?? 0) >= processes) {
      throw new ConfigError(file, `${at}.process`, `a process index below ${processes}`, `${a.process}`);
    }
    if (a.kind === 'device' && (a.mirror ?? 0) >= mirrors) {
      throw new ConfigError(file, `${at}.mirror`, `a mirror index below ${mirrors}`, `${a.mirror}`);
    }
    const forks = (a.ops.fork ?? 0) > 0;
    if (forks && a.child === undefined) {
      throw new ConfigError(file, `${at}.child`, 'the process index the fork creates (an actor with ops.fork needs one)', 'nothing');
    }
    if (a.child !== undefined) {
      if (!forks) throw new ConfigError(file, `${at}.child`, 'no child (only an actor with ops.fork has one)', `${a.child}`);
      if (a.child >= processes || a.child === (a.process ?? 0)) {
        throw new ConfigError(file, `${at}.child`, `a process index below ${processes} other than the actor's own`, `${a.child}`);
      }
      const other = c.actors.findIndex((b, j) => j !== i && b.child === a.child);
      if (other >= 0) throw new ConfigError(file, `${at}.child`, `a process no other fork creates (actors[${other}] creates it)`, `${a.child}`);
    }
    (a.pages ?? []).forEach((p, j) => {
      if (p >= c.pages) throw new ConfigError(file, `${at}.pages[${j}]`, `a page index below ${c.pages}`, `${p}`);
    });
    (a.ranges ?? []).forEach(([s, e], j) => {
      if (!(s < e && e <= c.pages)) {
        throw new ConfigError(file, `${at}.ranges[${j}]`, `[start, end) with start < end <= ${c.pages}`, `[${s}, ${e}]`);
      }
    });
  });
  const parent = new Array<number>(processes).fill(-1);
  for (const a of c.actors) if (a.child !== undefined) parent[a.child] = a.process ?? 0;
  for (let m = 0; m < processes; m++) {
    let x = m;
    for (let hops = 0; x >= 0; hops++) {
      if (hops > processes) throw new ConfigError(file, 'actors', 'forks that start from a process that exists at the start', `process ${m} descends from itself`);
      x = parent[x]!;
    }
  }
  return c;
}
