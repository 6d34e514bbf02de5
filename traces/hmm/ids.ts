/**
 * Trace identifiers and values as the HMM adapter sees them.
 *
 * Identifiers (mm, dev, pfn, seq) are opaque JSON scalars compared for
 * equality, so they are keyed by their JSON text ("1" and 1 differ). Data
 * values are mapped into the model's numbers: integers stand for themselves
 * (0 is "never written" in both worlds), any other scalar gets a number of its
 * own below every integer a trace is likely to use.
 */
export type Scalar = string | number | boolean | null;

export const idKey = (v: unknown): string => JSON.stringify(v ?? 0);

const OTHER_BASE = -1_000_000_000;

export class ValueMap {
  private readonly others = new Map<string, number>();
  private readonly back = new Map<number, Scalar>();

  toModel(v: unknown): number {
    if (typeof v === 'number' && Number.isSafeInteger(v) && v > OTHER_BASE) return v;
    const k = JSON.stringify(v ?? null);
    let n = this.others.get(k);
    if (n === undefined) {
      n = OTHER_BASE - this.others.size;
      this.others.set(k, n);
      this.back.set(n, (v ?? null) as Scalar);
    }
    return n;
  }

  toTrace(n: number): Scalar {
    return this.back.has(n) ? this.back.get(n)! : n;
  }
}

/** A field of an event, untyped: the schema has already checked it. */
export const field = <T = unknown>(e: Readonly<Record<string, unknown>>, name: string): T => e[name] as T;
