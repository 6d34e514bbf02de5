/**
 * Command-line arguments: `verb [positionals] [--flag value] [--bool]`.
 *
 * Each verb declares its flags; anything else is a usage error naming the
 * flag and the ones that exist (exit status 2), never silently ignored.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type FlagKind = 'boolean' | 'string' | 'integer' | 'number' | 'list';

export type FlagSpec = Readonly<Record<string, FlagKind>>;

export interface ParsedArgs {
  readonly positionals: readonly string[];
  readonly flags: Readonly<Record<string, string | number | boolean | readonly string[]>>;
}

export function parseArgs(verb: string, argv: readonly string[], spec: FlagSpec): ParsedArgs {
  const positionals: string[] = [];
  const flags: Record<string, string | number | boolean | string[]> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-' || !arg.startsWith('-')) {
      positionals.push(arg);
      continue;
    }
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    const eq = arg.indexOf('=');
    const name = (eq >= 0 ? arg.slice(0, eq) : arg).replace(/^--?/, '');
    const kind = spec[name];
    if (kind === undefined) {
      const known = Object.keys(spec).map((k) => `--${k}`).join(', ');
      throw new UsageError(`${verb}: unknown option ${arg.slice(0, eq >= 0 ? eq : undefined)}; options are ${known}`);
    }
    if (kind === 'boolean') {
      if (eq >= 0) throw new UsageError(`${verb}: --${name} takes no value`);
      flags[name] = true;
      continue;
    }
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`${verb}: --${name} needs a value`);
    switch (kind) {
      case 'string':
        flags[name] = value;
        break;
      case 'list':
        flags[name] = [...((flags[name] as string[] | undefined) ?? []), ...value.split(',').filter((v) => v !== '')];
        break;
      case 'integer':
      case 'number': {
        const n = Number(value);
        if (value.trim() === '' || !Number.isFinite(n) || n < 0 || (kind === 'integer' && !Number.isInteger(n))) {
          throw new UsageError(`${verb}: --${name}: expected a ${kind === 'integer' ? 'non-negative integer' : 'non-negative number'}, found "${value}"`);
        }
        flags[name] = n;
        break;
      }
    }
  }
  return { positionals, flags };
}

export const str = (a: ParsedArgs, name: string): string | undefined => a.flags[name] as string | undefined;
export const num = (a: ParsedArgs, name: string): number | undefined => a.flags[name] as number | undefined;
export const bool = (a: ParsedArgs, name: string): boolean => a.flags[name] === true;
export const list = (a: ParsedArgs, name: string): readonly string[] => (a.flags[name] as readonly string[] | undefined) ?? [];
