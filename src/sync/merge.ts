import { sameValue } from './canonical/hash.js';

/**
 * Field-level three-way merge against the snapshot (both sides changed since the last sync: docs/sync-engine.md, "Field owners"):
 * a field changed on one side takes that side; changed on both to the same value takes it;
 * changed on both differently is a true conflict, decided by the field's owner under the 'merge'
 * policy or by the winning side under 's4Wins' / 'exchangeWins'. Set-valued fields (attendees)
 * merge element-wise — adds and removes from both sides all apply — so they never conflict, except
 * at the first pairing (no base), where like every field they go to the owner.
 */

export type Side = 's4' | 'exchange';
export type ConflictPolicy = 'merge' | 's4Wins' | 'exchangeWins';

export interface FieldResolution<F extends string> {
  field: F;
  /** Who supplied the merged value; 'both' when both sides agree or a set merge combined them. */
  winner: Side | 'both';
  conflict: boolean;
  /** The value that was overwritten, for the journal (true conflicts only). */
  lost?: { side: Side; value: unknown };
}

export interface MergeOptions<F extends string> {
  fields: readonly F[];
  policy: ConflictPolicy;
  owners: Partial<Record<string, Side>>;
  /** Owner of fields missing in `owners`. */
  defaultOwner?: Side;
  /** Array fields merged as sets. */
  setFields?: readonly F[];
  /** Fields that travel with another (e.g. timeZone with start): they take the winner's value. */
  companions?: Partial<Record<F, readonly string[]>>;
}

export interface MergeResult<C, F extends string> {
  merged: C;
  s4Changed: F[];
  exchangeChanged: F[];
  resolutions: FieldResolution<F>[];
  conflicts: F[];
}

/** With no base (first pairing) every differing field counts as changed on both sides. */
export function threeWayMerge<C extends object, F extends keyof C & string>(
  base: C | undefined,
  s4: C,
  exchange: C,
  opts: MergeOptions<F>,
): MergeResult<C, F> {
  const merged = { ...s4 } as C;
  const s4Changed: F[] = [];
  const exchangeChanged: F[] = [];
  const resolutions: FieldResolution<F>[] = [];
  const conflicts: F[] = [];
  for (const f of opts.fields) {
    const b = base?.[f];
    const sv = s4[f];
    const ev = exchange[f];
    const sCh = base === undefined ? !sameValue(sv, ev) : !sameValue(sv, b);
    const eCh = base === undefined ? !sameValue(sv, ev) : !sameValue(ev, b);
    if (sCh) s4Changed.push(f);
    if (eCh) exchangeChanged.push(f);
    let winner: Side | 'both';
    if (!sCh && !eCh) winner = 'both';
    else if (sCh && !eCh) winner = 's4';
    else if (!sCh && eCh) winner = 'exchange';
    else if (sameValue(sv, ev)) winner = 'both';
    // With a base, set fields merge element-wise and never conflict. Without one (first pairing) no
    // one can tell an addition on one side from a removal on the other: the owner decides, as for any field.
    else if (base !== undefined && opts.setFields?.includes(f) && Array.isArray(sv) && Array.isArray(ev)) {
      merged[f] = mergeSets((Array.isArray(b) ? b : []) as unknown[], sv, ev) as C[F];
      resolutions.push({ field: f, winner: 'both', conflict: false });
      continue;
    } else {
      winner =
        opts.policy === 's4Wins'
          ? 's4'
          : opts.policy === 'exchangeWins'
            ? 'exchange'
            : (opts.owners[f] ?? opts.defaultOwner ?? 's4');
      const loser: Side = winner === 's4' ? 'exchange' : 's4';
      conflicts.push(f);
      resolutions.push({ field: f, winner, conflict: true, lost: { side: loser, value: loser === 's4' ? sv : ev } });
      take(merged, winner === 's4' ? s4 : exchange, f, opts);
      continue;
    }
    take(merged, winner === 'exchange' ? exchange : s4, f, opts);
    resolutions.push({ field: f, winner, conflict: false });
  }
  return { merged, s4Changed, exchangeChanged, resolutions, conflicts };
}

function take<C extends object, F extends keyof C & string>(target: C, from: C, f: F, opts: MergeOptions<F>): void {
  target[f] = from[f];
  for (const c of opts.companions?.[f] ?? [])
    (target as Record<string, unknown>)[c] = (from as Record<string, unknown>)[c];
}

/** (base − removed on either side) ∪ added on either side, sorted like normalizeSet. */
export function mergeSets<T>(base: readonly T[], a: readonly T[], b: readonly T[]): T[] {
  const key = (x: T) => JSON.stringify(x);
  const has = (list: readonly T[], x: T) => list.some((y) => key(y) === key(x));
  const out = new Map<string, T>();
  for (const x of base) if (has(a, x) && has(b, x)) out.set(key(x), x);
  for (const x of [...a, ...b]) if (!has(base, x)) out.set(key(x), x);
  return [...out.values()].sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0));
}

/** Fields whose values differ between two canonical forms. */
export function changedFields<C extends object, F extends keyof C & string>(
  a: C | undefined,
  b: C,
  fields: readonly F[],
): F[] {
  return fields.filter((f) => a === undefined || !sameValue(a[f], b[f]));
}
