/**
 * A small JSON Schema validator for the subset hmmcheck's own schemas use
 * (configurations and hmmtrace v1 events): type, enum, const, required,
 * properties, additionalProperties, items, min/maxItems, minimum/maximum,
 * minLength, local $ref into $defs, anyOf and oneOf.
 *
 * Why not a library: the users of this tool read the error, not the schema.
 * Every failure is reported as one field path, what was expected there in
 * words, and what was found, so a bad trace line or configuration says
 * `events[3].pfn: expected an integer, found "x"` instead of a keyword dump.
 * A oneOf whose branches each pin a property with `const` (the trace's `ev`)
 * is treated as a tagged union: the tag picks the branch, so an event with a
 * bad field is blamed on that field, not on "no branch matched".
 */

export interface SchemaIssue {
  /** Dotted path to the offending value: `devices[0].frames`; '' for the root. */
  readonly path: string;
  readonly expected: string;
  readonly found: string;
}

export type Validator = (value: unknown) => SchemaIssue | null;

type Schema = Readonly<Record<string, unknown>> | boolean;
type Check = (value: unknown, path: string) => SchemaIssue | null;

export class SchemaDefinitionError extends Error {
  constructor(message: string) {
    super(`schema: ${message}`);
    this.name = 'SchemaDefinitionError';
  }
}

// Paths are built for every field checked (a trace validates a million
// events): remember which keys print as plain identifiers.
const identifier = new Map<string, boolean>();
const isIdentifier = (key: string): boolean => {
  let yes = identifier.get(key);
  if (yes === undefined) {
    yes = /^[A-Za-z_$][\w$]*$/.test(key);
    if (identifier.size < 4096) identifier.set(key, yes);
  }
  return yes;
};
const join = (path: string, key: string): string => (isIdentifier(key) ? (path ? `${path}.${key}` : key) : `${path}[${JSON.stringify(key)}]`);
const index = (path: string, i: number): string => `${path}[${i}]`;

const SHOW_MAX = 60;

/** How a found value is named in an error message. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing (the field is missing)';
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'object') return 'an object';
  const s = JSON.stringify(v);
  return s.length > SHOW_MAX ? `${s.slice(0, SHOW_MAX)}…` : s;
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

const ARTICLE: Readonly<Record<string, string>> = {
  integer: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'a boolean',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

function typeWords(types: readonly string[], s: Readonly<Record<string, unknown>>): string {
  const words = types.map((t) => ARTICLE[t] ?? t).join(' or ');
  const lo = s['minimum'];
  const hi = s['maximum'];
  if (typeof lo === 'number' && typeof hi === 'number') return `${words} from ${lo} to ${hi}`;
  if (typeof lo === 'number') return `${words} >= ${lo}`;
  if (typeof hi === 'number') return `${words} <= ${hi}`;
  return words;
}

function matchesType(v: unknown, t: string): boolean {
  const actual = typeOf(v);
  return actual === t || (t === 'number' && actual === 'integer');
}

function listWords(values: readonly unknown[]): string {
  const shown = values.map((v) => JSON.stringify(v));
  return shown.length === 1 ? shown[0]! : `one of ${shown.join(', ')}`;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

class Compiler {
  private readonly refs = new Map<string, Check>();

  constructor(private readonly root: Readonly<Record<string, unknown>>) {}

  compile(s: Schema): Check {
    if (s === true) return () => null;
    if (s === false) return (v, path) => ({ path, expected: 'no value here', found: describeValue(v) });
    const checks: Check[] = [];
    if (typeof s['$ref'] === 'string') checks.push(this.ref(s['$ref']));
    const types = s['type'] === undefined ? undefined : Array.isArray(s['type']) ? (s['type'] as string[]) : [s['type'] as string];
    if (types) {
      const words = typeWords(types, s);
      checks.push((v, path) => (types.some((t) => matchesType(v, t)) ? null : { path, expected: words, found: describeValue(v) }));
    }
    if ('const' in s) {
      const c = s['const'];
      checks.push((v, path) => (v === c ? null : { path, expected: JSON.stringify(c), found: describeValue(v) }));
    }
    if (Array.isArray(s['enum'])) {
      const values = s['enum'] as unknown[];
      checks.push((v, path) => (values.includes(v) ? null : { path, expected: listWords(values), found: describeValue(v) }));
    }
    this.numbers(s, types, checks);
    if (typeof s['minLength'] === 'number') {
      const n = s['minLength'];
      checks.push((v, path) => (typeof v !== 'string' || v.length >= n ? null : { path, expected: `a string of at least ${n} characters`, found: describeValue(v) }));
    }
    this.object(s, checks);
    this.array(s, checks);
    if (Array.isArray(s['anyOf'])) checks.push(this.anyOf(s['anyOf'] as Schema[], s));
    if (Array.isArray(s['oneOf'])) checks.push(this.oneOf(s['oneOf'] as Schema[], s));
    return (v, path) => {
      for (const c of checks) {
        const issue = c(v, path);
        if (issue) return issue;
      }
      return null;
    };
  }

  private numbers(s: Readonly<Record<string, unknown>>, types: readonly string[] | undefined, checks: Check[]): void {
    const lo = s['minimum'];
    const hi = s['maximum'];
    if (typeof lo !== 'number' && typeof hi !== 'number') return;
    const words = typeWords(types ?? ['number'], s);
    checks.push((v, path) => {
      if (typeof v !== 'number') return null;
      if ((typeof lo === 'number' && v < lo) || (typeof hi === 'number' && v > hi)) return { path, expected: words, found: describeValue(v) };
      return null;
    });
  }

  private object(s: Readonly<Record<string, unknown>>, checks: Check[]): void {
    const props = (s['properties'] ?? {}) as Record<string, Schema>;
    const required = (s['required'] ?? []) as string[];
    const extra = s['additionalProperties'];
    if (!s['properties'] && !s['required'] && extra === undefined) return;
    const compiled = new Map(Object.entries(props).map(([k, sub]) => [k, this.compile(sub)] as const));
    const extraCheck = extra === undefined || extra === true ? undefined : this.compile(extra as Schema);
    const allowed = Object.keys(props);
    checks.push((v, path) => {
      if (!isObject(v)) return null;
      for (const k of required) {
        if (!(k in v)) return { path: join(path, k), expected: this.fieldWords(props[k]), found: describeValue(undefined) };
      }
      for (const k of Object.keys(v)) {
        const c = compiled.get(k);
        if (c) {
          const issue = c(v[k], join(path, k));
          if (issue) return issue;
        } else if (extra === false) {
          return { path: join(path, k), expected: `no such field (allowed: ${allowed.join(', ')})`, found: describeValue(v[k]) };
        } else if (extraCheck) {
          const issue = extraCheck(v[k], join(path, k));
          if (issue) return issue;
        }
      }
      return null;
    });
  }

  /** What a missing required field should have held, in words. */
  private fieldWords(s: Schema | undefined): string {
    if (s === undefined || typeof s === 'boolean') return 'a value';
    const resolved = typeof s['$ref'] === 'string' ? this.resolve(s['$ref']) : s;
    if (typeof resolved === 'boolean') return 'a value';
    if ('const' in resolved) return JSON.stringify(resolved['const']);
    if (Array.isArray(resolved['enum'])) return listWords(resolved['enum'] as unknown[]);
    const t = resolved['type'];
    if (t === undefined) return 'a value';
    return typeWords(Array.isArray(t) ? (t as string[]) : [t as string], resolved);
  }

  private array(s: Readonly<Record<string, unknown>>, checks: Check[]): void {
    const items = s['items'] as Schema | undefined;
    const minItems = s['minItems'];
    const maxItems = s['maxItems'];
    if (items === undefined && minItems === undefined && maxItems === undefined) return;
    const each = items === undefined ? undefined : this.compile(items);
    checks.push((v, path) => {
      if (!Array.isArray(v)) return null;
      if (typeof minItems === 'number' && v.length < minItems) return { path, expected: `an array of at least ${minItems}`, found: describeValue(v) };
      if (typeof maxItems === 'number' && v.length > maxItems) return { path, expected: `an array of at most ${maxItems}`, found: describeValue(v) };
      if (each) {
        for (let i = 0; i < v.length; i++) {
          const issue = each(v[i], index(path, i));
          if (issue) return issue;
        }
      }
      return null;
    });
  }

  private anyOf(branches: readonly Schema[], s: Readonly<Record<string, unknown>>): Check {
    const compiled = branches.map((b) => this.compile(b));
    const words = typeof s['description'] === 'string' ? s['description'] : branches.map((b) => this.fieldWords(b)).join(' or ');
    return (v, path) => {
      let deepest: SchemaIssue | null = null;
      for (const c of compiled) {
        const issue = c(v, path);
        if (!issue) return null;
        if (!deepest || issue.path.length > deepest.path.length) deepest = issue;
      }
      // A nested failure inside the one branch that got furthest explains more than "none matched".
      return deepest && deepest.path !== path ? deepest : { path, expected: words, found: describeValue(v) };
    };
  }

  private oneOf(branches: readonly Schema[], s: Readonly<Record<string, unknown>>): Check {
    const tag = this.tagOf(branches);
    if (!tag) {
      const any = this.anyOf(branches, s);
      const compiled = branches.map((b) => this.compile(b));
      return (v, path) => {
        const issue = any(v, path);
        if (issue) return issue;
        const n = compiled.filter((c) => c(v, path) === null).length;
        return n === 1 ? null : { path, expected: 'a value matching exactly one alternative', found: `${describeValue(v)} matching ${n}` };
      };
    }
    const byTag = new Map<unknown, Check>();
    branches.forEach((b) => {
      const value = ((b as Record<string, Record<string, Record<string, unknown>>>)['properties']![tag.key]!)['const'];
      byTag.set(value, this.compile(b));
    });
    const names = [...byTag.keys()].map((k) => String(k)).join(', ');
    return (v, path) => {
      if (!isObject(v)) return null;
      const c = byTag.get(v[tag.key]);
      if (!c) return { path: join(path, tag.key), expected: `a known ${tag.key} (${names})`, found: describeValue(v[tag.key]) };
      return c(v, path);
    };
  }

  /** The property every branch pins with `const`, if there is one. */
  private tagOf(branches: readonly Schema[]): { key: string } | undefined {
    const first = branches[0];
    if (typeof first !== 'object') return undefined;
    const props = first['properties'] as Record<string, Record<string, unknown>> | undefined;
    if (!props) return undefined;
    for (const key of Object.keys(props)) {
      const all = branches.every((b) => typeof b === 'object' && 'const' in (((b['properties'] ?? {}) as Record<string, Record<string, unknown>>)[key] ?? {}));
      if (all) return { key };
    }
    return undefined;
  }

  private resolve(ref: string): Schema {
    if (!ref.startsWith('#/')) throw new SchemaDefinitionError(`only local references are supported, found ${ref}`);
    let node: unknown = this.root;
    for (const part of ref.slice(2).split('/')) {
      node = isObject(node) ? node[part.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
    }
    if (node === undefined) throw new SchemaDefinitionError(`unresolved reference ${ref}`);
    return node as Schema;
  }

  private ref(ref: string): Check {
    const known = this.refs.get(ref);
    if (known) return known;
    // Late binding lets recursive definitions compile.
    let target: Check | undefined;
    const late: Check = (v, path) => target!(v, path);
    this.refs.set(ref, late);
    target = this.compile(this.resolve(ref));
    return late;
  }
}

/** Compiles `schema` once; the validator returns the first issue found or null. */
export function compileSchema(schema: object): Validator {
  const root = schema as Readonly<Record<string, unknown>>;
  const check = new Compiler(root).compile(root);
  return (value) => check(value, '');
}
