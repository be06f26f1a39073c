import { TandemError } from '../../errors/tandem-error.js';
import { queryString } from './http.js';

/**
 * Longest request target (path and query, as sent) an existence read may have. SAP Gateway itself
 * parses much longer `$filter`s, but the hops in front of it do not: reverse proxies and load
 * balancers commonly refuse request lines over 8 KB (nginx `large_client_header_buffers` 8k,
 * Apache `LimitRequestLine` 8190), and a destination's URL and the Cloud Connector's virtual host
 * come on top of the path. 4,096 keeps half of the smallest common limit spare.
 */
export const S4_MAX_REQUEST_TARGET = 4_096;

/**
 * Keys per existence read, within the length above (a GUID comparison costs ~70 characters
 * encoded, so ~55 would fit). Gateway turns `or`-ed `eq`s on one property into one select-option
 * (an IN list for the database), so 50 keys cost the database one indexed read.
 */
export const KEYS_PER_EXISTENCE_READ = 50;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface KeyBatch {
  /** The GUIDs this read asks about (lower case). */
  keys: string[];
  /** `$filter`, `$select`, `$top` for `path`. */
  query: Record<string, string>;
}

/**
 * OData v2 has no `in` (URI Conventions (OData Version 2.0) §4.5, Filter System Query Option: only
 * eq/ne/gt/ge/lt/le, and/or/not), so "which of these keys exist" is a `$filter` of `or`-ed key
 * comparisons, selecting only the key. Splits `guids` into such reads, each within
 * `maxTarget` characters and `maxKeys` keys; duplicates are asked once.
 */
export function guidExistenceBatches(
  path: string,
  keyProperty: string,
  guids: readonly string[],
  limits: { maxTarget?: number; maxKeys?: number } = {},
): KeyBatch[] {
  const maxTarget = limits.maxTarget ?? S4_MAX_REQUEST_TARGET;
  const maxKeys = limits.maxKeys ?? KEYS_PER_EXISTENCE_READ;
  const keys = [...new Set(guids.map(normalisedGuid))];
  const batches: KeyBatch[] = [];
  let current: string[] = [];
  for (const key of keys) {
    const candidate = [...current, key];
    if (current.length > 0 && (candidate.length > maxKeys || targetLength(path, keyProperty, candidate) > maxTarget)) {
      batches.push(batchOf(keyProperty, current));
      current = [key];
    } else current = candidate;
    if (targetLength(path, keyProperty, current) > maxTarget)
      throw new TandemError('VALIDATION_FAILED', `One key alone exceeds the request length limit of ${maxTarget}`, {
        details: { path, maxTarget },
      });
  }
  if (current.length > 0) batches.push(batchOf(keyProperty, current));
  return batches;
}

function batchOf(keyProperty: string, keys: string[]): KeyBatch {
  return {
    keys,
    query: {
      $filter: keys.map((key) => `${keyProperty} eq guid'${key}'`).join(' or '),
      $select: keyProperty,
      // At least as many as asked for, so that an answer without `__next` is the whole answer.
      $top: String(keys.length),
    },
  };
}

function targetLength(path: string, keyProperty: string, keys: string[]): number {
  return (path + queryString(batchOf(keyProperty, keys).query)).length;
}

function normalisedGuid(value: string): string {
  if (!GUID.test(value)) throw new TandemError('VALIDATION_FAILED', `Not an activity GUID: ${value}`);
  return value.toLowerCase();
}

/**
 * The keys of a batch that a successful, complete answer lacks: those S/4 says do not exist. Fails
 * closed: an answer that is not an OData collection throws, and a paged answer (`__next`: Gateway
 * cut it short) confirms nothing missing, because an unread page may hold the rest.
 */
export function keysAbsentFrom(batch: KeyBatch, keyProperty: string, answer: unknown): string[] {
  const results = (answer as { results?: unknown } | null | undefined)?.results;
  if (!Array.isArray(results))
    throw new TandemError('S4_BAD_REQUEST', 'S/4 answered an existence read without an OData collection', {
      retryable: true,
    });
  if ((answer as { __next?: unknown }).__next !== undefined) return [];
  const present = new Set(
    results.map((row) => String((row as Record<string, unknown> | null)?.[keyProperty] ?? '').toLowerCase()),
  );
  return batch.keys.filter((key) => !present.has(key));
}
