/**
 * Canonical keys for plain data.
 *
 * Two equal states must get the same key whatever order their objects' keys
 * were created in (porcupine's lesson: iteration order must not leak into a
 * hash), so object keys are sorted. Models that build every object of a kind
 * from one literal can supply a faster `fingerprint` of their own; a test checks
 * that such a fingerprint agrees with this one.
 */
export function canonicalKey(value: unknown): string {
  return JSON.stringify(value, sortKeys);
}

function sortKeys(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  let sorted = true;
  for (let i = 1; i < keys.length; i++) if (keys[i - 1]! > keys[i]!) { sorted = false; break; }
  if (sorted) return value;
  const out: Record<string, unknown> = {};
  for (const k of keys.sort()) out[k] = obj[k];
  return out;
}
