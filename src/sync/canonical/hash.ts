import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted at every level and undefined members left out, so that two equal
 * canonical forms always serialise to the same bytes regardless of construction order.
 */
export function stableJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : sortKeys(v)));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/** sha256 (hex) of the stable JSON: the snapshot hash and the hash in an item's stamp. */
export function canonicalHash(c: unknown): string {
  return createHash('sha256').update(stableJson(c)).digest('hex');
}

/** Deep equality of canonical values (same meaning as equal hashes, without hashing). */
export function sameValue(a: unknown, b: unknown): boolean {
  return stableJson(a) === stableJson(b);
}
