/**
 * The drivers the model knows, and how a device's driver is resolved: the
 * driver's behaviour under the kernel version, then the device's options
 * (config allOrNothing / selectOwn), then the variants that are a driver's
 * mistake (D1, D2, B5, H1, H2, B19, B20), which stay as aliases of one option.
 */
import type { KernelVersion } from '../kernel/versions.js';
import { ANY } from './any.js';
import { REFERENCE } from './reference.js';
import { TEST_HMM } from './testHmm.js';
import type { Driver, DriverBehaviour, DriverOptions } from './types.js';

export type { Driver, DriverBehaviour, DriverOptions } from './types.js';

export const DRIVERS: readonly Driver[] = [REFERENCE, TEST_HMM, ANY];
export const DRIVER_NAMES: readonly string[] = DRIVERS.map((d) => d.name);

/** The default for `check` and `simulate`. */
export const DEFAULT_DRIVER = 'reference';
/** The default for a trace whose header names no driver: it comes from an implementation hmmcheck does not know. */
export const REPLAY_DEFAULT_DRIVER = 'any';

export function findDriver(name: string): Driver | undefined {
  return DRIVERS.find((d) => d.name === name);
}

/** The driver option each driver-mistake variant stands for. */
export const DRIVER_VARIANTS: Readonly<Record<string, DriverOptions>> = {
  D1: { readRetry: false },
  D2: { invalidateClears: false },
  B5: { holdsLockToEnd: true },
  H1: { ownMigrateSetsSeq: false },
  H2: { exclusiveSeqLoop: true },
  B19: { allocByPfn: true },
  B20: { migrateRwsem: false },
};

export function driverBehaviour(name: string, kernel: KernelVersion, options: DriverOptions, variants: readonly string[]): DriverBehaviour {
  const d = findDriver(name);
  if (!d) throw new Error(`drivers: unknown driver ${name}`);
  let out: DriverBehaviour = { ...d.behaviour(kernel), ...options };
  for (const v of variants) if (DRIVER_VARIANTS[v]) out = { ...out, ...DRIVER_VARIANTS[v] };
  return out;
}
