/**
 * Resolving what the user asked to check: a preset or a configuration file,
 * plus variants, into a model world. Every mistake is a usage error (exit 2)
 * that names what exists.
 */
import { buildWorld, findPreset, findVariant, isKernelVersion, KERNELS, parseConfig, PRESETS, VARIANTS, type Config, type KernelVersion, type World } from '../model/index.js';
import { ConfigError } from '../model/index.js';
import type { VariantId } from '../model/index.js';
import { readUserFile } from '../traces/boundedFile.js';
import { UsageError } from './args.js';

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

/** The configuration with `--kernel` put in, which overrides the file's. */
const withKernel = (c: Config, kernel: KernelVersion | undefined): Config => (kernel === undefined ? c : { ...c, kernel });

export function resolveTarget(preset: string | undefined, configFile: string | undefined, variantIds: readonly string[], kernelFlag?: string): Target {
  if (preset !== undefined && configFile !== undefined) throw new UsageError('give --preset or --config, not both');
  const variants = resolveVariants(variantIds);
  const kernel = resolveKernel(kernelFlag);
  if (configFile !== undefined) {
    return { world: buildWorld(withKernel(loadConfigFile(configFile), kernel), variants), preset: null, configFile, variants };
  }
  const name = preset ?? 'small';
  const p = findPreset(name);
  if (!p) throw new UsageError(`unknown preset "${name}"; presets are ${PRESETS.map((x) => x.name).join(', ')}`);
  return { world: buildWorld(withKernel(p.config, kernel), variants), preset: name, configFile: null, variants };
}
