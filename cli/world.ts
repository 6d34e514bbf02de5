/**
 * Resolving what the user asked to check: a preset or a configuration file,
 * plus variants, into a model world. Every mistake is a usage error (exit 2)
 * that names what exists.
 */
import { buildWorld, DRIVER_NAMES, findDriver, findPreset, findVariant, isKernelVersion, KERNELS, parseConfig, PRESETS, VARIANTS, type Config, type KernelVersion, type World } from '../model/index.js';
import { ConfigError } from '../model/index.js';
import type { VariantId } from '../model/index.js';
import { readUserFile } from '../traces/boundedFile.js';
import { UsageError } from './args.js';

/** The flags that say what to explore, shared by check and simulate (resolveTarget reads them). */
export const TARGET_FLAGS = { preset: 'string', config: 'string', variant: 'list', kernel: 'string', driver: 'string' } as const;

export interface Target {
  readonly world: World;
  /** The preset name, or null for a configuration file. */
  readonly preset: string | null;
  readonly configFile: string | null;
  readonly variants: readonly VariantId[];
}

export function resolveVariants(ids: readonly string[]): VariantId[] {
  return ids.map((id) => {
    const v = findVariant(id.toUpperCase());
    if (!v) {
      throw new UsageError(`unknown variant "${id}"; variants are ${VARIANTS.map((x) => x.id).join(', ')} (see \`hmmcheck variants\`)`);
    }
    return v.id as VariantId;
  });
}

/** A configuration file: a regular file of at most 16 MiB (not /dev/zero), JSON, the schema. */
export function loadConfigFile(file: string): Config {
  const text = readUserFile(file, { what: 'a readable JSON file', fail: (expected, found) => new ConfigError(file, '', expected, found) });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(file, '', 'valid JSON', `a syntax error (${(e as Error).message})`);
  }
  return parseConfig(value, file);
}

/** `--kernel V`, checked: one of the versions the model follows. */
export function resolveKernel(v: string | undefined): KernelVersion | undefined {
  if (v === undefined) return undefined;
  if (!isKernelVersion(v)) throw new UsageError(`unknown kernel "${v}"; kernels are ${KERNELS.join(', ')} (see \`hmmcheck kernels\`)`);
  return v;
}

/** `--driver NAME`, checked: a driver the model knows; `any` only where a trace drives (replay). */
export function resolveDriver(name: string | undefined, verb: string): string | undefined {
  if (name === undefined) return undefined;
  const d = findDriver(name);
  if (!d) throw new UsageError(`unknown driver "${name}"; drivers are ${DRIVER_NAMES.join(', ')} (see \`hmmcheck drivers\`)`);
  if (d.replayOnly && verb !== 'replay') {
    throw new UsageError(`${verb}: --driver ${name} is for replay only (${d.summary}): there is nothing to enumerate; drivers for ${verb} are ${checkableDrivers()}`);
  }
  return d.name;
}

const checkableDrivers = (): string => DRIVER_NAMES.filter((n) => !findDriver(n)!.replayOnly).join(', ');

/** The configuration with `--kernel` and `--driver` put in, which override the file's (the driver for every device). */
function withFlags(c: Config, kernel: KernelVersion | undefined, driver: string | undefined): Config {
  let out = kernel === undefined ? c : { ...c, kernel };
  if (driver !== undefined) out = { ...out, driver, devices: out.devices.map(({ driver: _, ...d }) => d) };
  return out;
}

/** A configuration that names a replay-only driver cannot be enumerated. */
function checkable(c: Config, where: string): Config {
  const names = [c.driver, ...c.devices.map((d) => d.driver)];
  const i = names.findIndex((n) => n !== undefined && findDriver(n)?.replayOnly);
  if (i >= 0) {
    throw new ConfigError(where, i === 0 ? 'driver' : `devices[${i - 1}].driver`, `a driver check can enumerate (${checkableDrivers()}; ${names[i]} is for replay only)`, `"${names[i]}"`);
  }
  return c;
}

export function resolveTarget(preset: string | undefined, configFile: string | undefined, variantIds: readonly string[], kernelFlag?: string, driverFlag?: string, verb = 'check'): Target {
  if (preset !== undefined && configFile !== undefined) throw new UsageError('give --preset or --config, not both');
  const variants = resolveVariants(variantIds);
  const kernel = resolveKernel(kernelFlag);
  const driver = resolveDriver(driverFlag, verb);
  if (configFile !== undefined) {
    return { world: buildWorld(checkable(withFlags(loadConfigFile(configFile), kernel, driver), configFile), variants), preset: null, configFile, variants };
  }
  const name = preset ?? 'small';
  const p = findPreset(name);
  if (!p) throw new UsageError(`unknown preset "${name}"; presets are ${PRESETS.map((x) => x.name).join(', ')}`);
  return { world: buildWorld(withFlags(p.config, kernel, driver), variants), preset: name, configFile: null, variants };
}
