import type { ItemKind, Stamp } from './model/exchange-items.js';
import type { JournalEntry, OverwrittenValue, SyncAction, SyncLink } from './actions.js';
import { canonicalHash } from './canonical/hash.js';
import { changedFields, threeWayMerge, type ConflictPolicy, type Side } from './merge.js';

/**
 * The decision table (docs/sync-engine.md, "The decision table as implemented") for one object in one mailbox, independent of the kind.
 * Kind modules (appointments, tasks, contacts) supply a KindSpec and the scope verdicts.
 */

export interface KindSpec<C extends object, D, W> {
  kind: ItemKind;
  /** Fields compared and merged. */
  fields: readonly (keyof C & string)[];
  /** Fields the Exchange item expresses (its projection is what the stamp hash covers). */
  exchangeFields: readonly (keyof C & string)[];
  /** Fields merged as sets. */
  setFields?: readonly (keyof C & string)[];
  companions?: Partial<Record<keyof C & string, readonly string[]>>;
  toDraft(c: C): D;
  draftChanges(c: C, changed: readonly (keyof C & string)[]): Partial<D>;
  /** Absent for kinds that only sync S/4 → Exchange (contacts). */
  toS4Create?(c: C, marker: string): W;
  toS4Update?(before: C, after: C, changed: readonly (keyof C & string)[]): W;
}

export type S4State<C> =
  | {
      state: 'present';
      key: string;
      etag: string;
      canonical: C;
      inScope: boolean;
      scopeReason?: string;
      /** Role of this mailbox's copy (attendee copies are read-only mirrors); default owner. */
      role?: 'owner' | 'attendee';
    }
  /** `searchedByMarker`: the worker already looked for a pending create's marker (externalReference) and found nothing. */
  | { state: 'missing'; searchedByMarker?: boolean };

export type ExchangeState<C> =
  | {
      state: 'present';
      id: string;
      changeKey: string;
      canonical: C;
      stamp?: Stamp;
      qualifies: boolean;
      qualifyReason?: string;
      /** Set when the item must not sync in any direction any more (made private in Outlook while private sync is off). */
      blocked?: string;
    }
  /** `searchedByMarker`: the worker already looked for the pending create's marker and found nothing. */
  | { state: 'missing'; searchedByMarker?: boolean };

export interface DecideSettings {
  /** Whether Outlook changes may be written to S/4 for this kind at all. */
  exchangeToS4Enabled: boolean;
  onOutlookDelete: 'delete' | 'setStatus';
  deletedStatus?: string;
  policy: ConflictPolicy;
  owners: Partial<Record<string, Side>>;
}

export interface DecideInput<C> {
  mailbox: string;
  s4: S4State<C>;
  exchange: ExchangeState<C>;
  link?: SyncLink<C>;
}

type Action<C extends object, D, W> = SyncAction<C, D, W>;

const j = (
  outcome: JournalEntry['outcome'],
  reason: string,
  extra: Omit<JournalEntry, 'outcome' | 'reason'> = {},
): JournalEntry => ({ outcome, reason, ...extra });

function noop<C extends object, D, W>(outcome: JournalEntry['outcome'], reason: string): Action<C, D, W> {
  return { type: 'noop', reason, journal: j(outcome, reason) };
}

/** Projection onto the fields Exchange can express: the content the stamp hash describes. */
export function exchangeProjection<C extends object>(spec: KindSpec<C, unknown, unknown>, c: C): Partial<C> {
  const out: Partial<C> = {};
  for (const f of spec.exchangeFields) out[f] = c[f];
  return out;
}

export function stampHash<C extends object>(spec: KindSpec<C, unknown, unknown>, c: C): string {
  return canonicalHash(exchangeProjection(spec, c));
}

export function decide<C extends object, D, W>(
  spec: KindSpec<C, D, W>,
  settings: DecideSettings,
  input: DecideInput<C>,
): Action<C, D, W>[] {
  const { link } = input;
  if (!link) return decideUnlinked(spec, settings, input);
  if (link.state === 'creating') return decideCreating(spec, settings, input, link);
  if (link.state === 'detached') return decideDetached(input, link);
  return decideLinked(spec, settings, input, link);
}

function createExchange<C extends object, D, W>(
  spec: KindSpec<C, D, W>,
  mailbox: string,
  key: string,
  c: C,
  reason: string,
  role: 'owner' | 'attendee',
): Action<C, D, W>[] {
  const hash = stampHash(spec, c);
  return [
    {
      type: 'createExchangeItem',
      mailbox,
      role,
      draft: spec.toDraft(c),
      stamp: { s4Key: key, hash },
      marker: key,
      journal: j('synced', reason, { fields: [...spec.fields] }),
    },
    { type: 'commitSnapshot', mailbox, snapshot: c, hash: canonicalHash(c), journal: j('synced', reason) },
  ];
}

function createS4<C extends object, D, W>(
  spec: KindSpec<C, D, W>,
  mailbox: string,
  exId: string,
  c: C,
  reason: string,
): Action<C, D, W>[] {
  if (!spec.toS4Create) return [noop('skipped', `${spec.kind}.exchangeToS4.unsupported`)];
  return [
    {
      type: 'createS4',
      mailbox,
      write: spec.toS4Create(c, exId),
      marker: exId,
      journal: j('synced', reason, { fields: [...spec.fields] }),
    },
    { type: 'commitSnapshot', mailbox, snapshot: c, hash: canonicalHash(c), journal: j('synced', reason) },
  ];
}

function decideUnlinked<C extends object, D, W>(
  spec: KindSpec<C, D, W>,
  settings: DecideSettings,
  input: DecideInput<C>,
): Action<C, D, W>[] {
  const { s4, exchange, mailbox } = input;
  if (s4.state === 'present' && exchange.state === 'present') {
    // A pair matched by stamp or initial load: adopt it, reconciling as if no snapshot existed.
    const adopt: SyncLink<C> = {
      kind: spec.kind,
      mailbox,
      s4Key: s4.key,
      state: 'linked',
      origin: 's4',
      role: s4.role ?? 'owner',
      marker: s4.key,
    };
    return decideLinked(spec, settings, input, adopt);
  }
  if (s4.state === 'present') {
    if (!s4.inScope) return [noop('skipped', s4.scopeReason ?? 'outOfScope')];
    return createExchange(spec, mailbox, s4.key, s4.canonical, 'created.exchange', s4.role ?? 'owner');
  }
  if (exchange.state === 'present') {
    // An item carrying a stamp but no link was written by Tandem: it must be re-linked by stamp, never copied back.
    if (exchange.stamp) return [noop('skipped', 'stamped.unlinked')];
    if (!settings.exchangeToS4Enabled) return [noop('skipped', 'exchangeToS4.off')];
    if (!exchange.qualifies) return [noop('skipped', exchange.qualifyReason ?? 'filtered')];
    return createS4(spec, mailbox, exchange.id, exchange.canonical, 'created.s4');
  }
  return [noop('skipped', 'gone')];
}

/** Exactly-once creates: a `creating` link is resolved by searching its marker before anything is created again. */
function decideCreating<C extends object, D, W>(
  spec: KindSpec<C, D, W>,
  settings: DecideSettings,
  input: DecideInput<C>,
  link: SyncLink<C>,
): Action<C, D, W>[] {
  const { s4, exchange, mailbox } = input;
  const target: 'exchange' | 's4' = link.origin === 's4' ? 'exchange' : 's4';
  const created = target === 'exchange' ? exchange : s4;
  if (created.state === 'missing') {
    if (!created.searchedByMarker) {
      return [
        {
          type: 'resolvePendingCreate',
          side: target,
          mailbox,
          marker: link.marker,
          journal: j('pending', 'create.resolvingMarker'),
        },
      ];
    }
    // Nothing carries the marker: the earlier create never happened; create now (same marker).
    if (target === 'exchange') {
      if (s4.state !== 'present')
        return [{ type: 'unlink', mailbox, tombstone: false, journal: j('skipped', 'create.sourceGone') }];
      if (!s4.inScope)
        return [{ type: 'unlink', mailbox, tombstone: false, journal: j('skipped', s4.scopeReason ?? 'outOfScope') }];
      return createExchange(spec, mailbox, s4.key, s4.canonical, 'created.exchange.retry', s4.role ?? link.role);
    }
    if (exchange.state !== 'present')
      return [{ type: 'unlink', mailbox, tombstone: false, journal: j('skipped', 'create.sourceGone') }];
    return createS4(spec, mailbox, exchange.id, exchange.canonical, 'created.s4.retry');
  }
  // Found by marker: adopt it. The snapshot written with the `creating` link is the base.
  const adopted: SyncLink<C> = { ...link, state: 'linked' };
  const actions = decideLinked(spec, settings, input, adopted);
  return actions;
}

function decideDetached<C extends object, D, W>(input: DecideInput<C>, link: SyncLink<C>): Action<C, D, W>[] {
  // A tombstone: one side was deleted (or the item withdrawn from sync) and the other must not bring
  // it back. Once both sides are gone nothing can be recreated and the tombstone can go too.
  if (input.s4.state === 'missing' && input.exchange.state === 'missing') {
    return [{ type: 'unlink', mailbox: link.mailbox, tombstone: false, journal: j('skipped', 'detached.bothGone') }];
  }
  return [noop('skipped', 'detached')];
}

function decideLinked<C extends object, D, W>(
  spec: KindSpec<C, D, W>,
  settings: DecideSettings,
  input: DecideInput<C>,
  link: SyncLink<C>,
): Action<C, D, W>[] {
  const { s4, exchange, mailbox } = input;
  const stampedOurs =
    exchange.state === 'present' &&
    exchange.stamp !== undefined &&
    exchange.stamp.s4Key === (link.s4Key ?? (s4.state === 'present' ? s4.key : undefined));

  if (s4.state === 'missing' && exchange.state === 'missing') {
    return [{ type: 'unlink', mailbox, tombstone: false, journal: j('deleted', 'deleted.bothSides') }];
  }
  // S/4 deleted: remove the item from the mailbox, but only an item Tandem made (it carries our stamp).
  if (s4.state === 'missing' && exchange.state === 'present') {
    // The user's own item (created in Outlook) stays, and the tombstone keeps it from creating a new activity.
    // It is known by the link's origin, not the stamp alone: every S/4 change Tandem writes to it stamps it too.
    if (!stampedOurs || link.origin === 'exchange')
      return [{ type: 'unlink', mailbox, tombstone: true, journal: j('skipped', 'deleted.s4.itemNotStamped') }];
    return [
      {
        type: 'deleteExchangeItem',
        mailbox,
        itemId: exchange.id,
        changeKey: exchange.changeKey,
        journal: j('deleted', 'deleted.s4'),
      },
      { type: 'unlink', mailbox, tombstone: false, journal: j('deleted', 'deleted.s4') },
    ];
  }
  const s4p = s4 as Extract<S4State<C>, { state: 'present' }>;
  // Outlook deleted: the configured S/4 action; never silently recreate.
  if (exchange.state === 'missing') {
    if (link.role !== 'owner')
      return [{ type: 'unlink', mailbox, tombstone: true, journal: j('skipped', 'deleted.exchange.attendeeCopy') }];
    if (!settings.exchangeToS4Enabled)
      return [{ type: 'unlink', mailbox, tombstone: true, journal: j('skipped', 'deleted.exchange.exchangeToS4Off') }];
    if (settings.onOutlookDelete === 'setStatus' && settings.deletedStatus) {
      return [
        {
          type: 'setS4Status',
          s4Key: s4p.key,
          etag: s4p.etag,
          status: settings.deletedStatus,
          journal: j('deleted', 'deleted.exchange.statusSet'),
        },
        { type: 'unlink', mailbox, tombstone: true, journal: j('deleted', 'deleted.exchange.statusSet') },
      ];
    }
    return [
      { type: 'deleteS4', s4Key: s4p.key, etag: s4p.etag, journal: j('deleted', 'deleted.exchange') },
      { type: 'unlink', mailbox, tombstone: false, journal: j('deleted', 'deleted.exchange') },
    ];
  }
  const ex = exchange;

  if (ex.blocked) {
    // Made private in Outlook while private items do not sync: stop in both directions, keep both, never recreate.
    return [{ type: 'unlink', mailbox, tombstone: true, journal: j('skipped', `leftScope.${ex.blocked}`) }];
  }
  // Leaving scope.
  if (link.origin === 's4' && !s4p.inScope) {
    const reason = `leftScope.${s4p.scopeReason ?? 'outOfScope'}`;
    if (!stampedOurs)
      return [{ type: 'unlink', mailbox, tombstone: false, journal: j('skipped', `${reason}.itemNotStamped`) }];
    return [
      { type: 'deleteExchangeItem', mailbox, itemId: ex.id, changeKey: ex.changeKey, journal: j('deleted', reason) },
      { type: 'unlink', mailbox, tombstone: false, journal: j('deleted', reason) },
    ];
  }
  if (link.origin === 'exchange' && !ex.qualifies) {
    // Category or tag removed in Outlook: stop syncing, keep the S/4 activity and the Outlook item.
    return [
      {
        type: 'unlink',
        mailbox,
        tombstone: false,
        journal: j('skipped', `leftScope.${ex.qualifyReason ?? 'filtered'}`),
      },
    ];
  }

  const base = link.snapshot;
  const exFields = spec.exchangeFields;
  // Echo detection: the item holds exactly what Tandem last wrote (its stamp hash matches its content),
  // so whatever differs from the snapshot is our own write coming back, not a user edit.
  const exHash = stampHash(spec, ex.canonical);
  const ourWrite = stampedOurs && ex.stamp!.hash === exHash;
  const exDiffers = base === undefined || changedFields(base, ex.canonical, exFields).length > 0;
  const exUserChanged = exDiffers && !ourWrite;
  const s4Changed = base === undefined || changedFields(base, s4p.canonical, spec.fields).length > 0;
  const exchangeMayWriteS4 = settings.exchangeToS4Enabled && link.role === 'owner' && spec.toS4Update !== undefined;

  if (!s4Changed && !exDiffers) {
    // Nothing to do. A moved version with unchanged content on both sides is our own write (to either side) coming back.
    const versionsMoved = ex.changeKey !== link.changeKey || s4p.etag !== link.s4Etag;
    const echo = versionsMoved;
    const out: Action<C, D, W>[] = [noop(echo ? 'echo' : 'skipped', echo ? 'echo' : 'unchanged')];
    if (echo || link.state !== input.link?.state) {
      out.push({
        type: 'commitSnapshot',
        mailbox,
        s4Key: s4p.key,
        exchangeId: ex.id,
        snapshot: base!,
        hash: canonicalHash(base!),
        journal: j(echo ? 'echo' : 'skipped', 'versions'),
      });
    }
    return out;
  }

  // Exchange side for the merge: unchanged when the difference is our own echo or cannot be written to S/4.
  const exForMerge = ourWrite ? (base ?? s4p.canonical) : ex.canonical;
  const mergeExchange = exchangeMayWriteS4 ? exForMerge : (base ?? s4p.canonical);
  const result = threeWayMerge(base, s4p.canonical, withExchangeFields(spec, base ?? s4p.canonical, mergeExchange), {
    fields: spec.fields,
    policy: exchangeMayWriteS4 ? settings.policy : 's4Wins',
    owners: settings.owners,
    ...(spec.setFields ? { setFields: spec.setFields } : {}),
    ...(spec.companions ? { companions: spec.companions } : {}),
  });
  const merged = result.merged;
  // A copy S/4 alone writes keeps the user's Outlook edits until S/4 changes that field itself.
  const toExchange = changedFields(ex.canonical, merged, exFields).filter(
    (f) => exchangeMayWriteS4 || base === undefined || result.s4Changed.includes(f),
  );
  const toS4 = exchangeMayWriteS4 ? changedFields(s4p.canonical, merged, spec.fields) : [];
  const overwritten: OverwrittenValue[] = result.resolutions
    .filter((r) => r.lost)
    .map((r) => ({ field: r.field, side: r.lost!.side, value: r.lost!.value }));
  const outcome: JournalEntry['outcome'] =
    result.conflicts.length > 0
      ? 'conflict'
      : result.s4Changed.length > 0 && result.exchangeChanged.length > 0 && base !== undefined
        ? 'merged'
        : 'synced';
  const effectivePolicy = exchangeMayWriteS4 ? settings.policy : 's4Wins';
  const reason =
    result.conflicts.length > 0 ? `conflict.${effectivePolicy}` : base === undefined ? 'adopted' : 'changed';
  const entry = (fields: string[]) => j(outcome, reason, { fields, ...(overwritten.length ? { overwritten } : {}) });

  const actions: Action<C, D, W>[] = [];
  const key = s4p.key;
  if (toExchange.length > 0) {
    // The stamp describes what the item will hold after this write (for read-only copies that keeps the user's other edits).
    const written = { ...ex.canonical };
    for (const f of toExchange) {
      written[f] = merged[f];
      for (const c of spec.companions?.[f] ?? [])
        (written as Record<string, unknown>)[c] = (merged as Record<string, unknown>)[c];
    }
    actions.push({
      type: 'updateExchangeItem',
      mailbox,
      itemId: ex.id,
      changeKey: ex.changeKey,
      changes: spec.draftChanges(merged, toExchange),
      stamp: { s4Key: key, hash: stampHash(spec, written) },
      journal: entry(toExchange),
    });
  }
  if (toS4.length > 0 && spec.toS4Update) {
    actions.push({
      type: 'updateS4',
      s4Key: key,
      etag: s4p.etag,
      changes: spec.toS4Update(s4p.canonical, merged, toS4),
      journal: entry(toS4),
    });
  }
  if (!exchangeMayWriteS4 && exUserChanged && !ourWrite && base !== undefined) {
    const kept = changedFields(base, ex.canonical, exFields).filter((f) => !toExchange.includes(f));
    if (kept.length > 0) {
      const reason = link.role === 'owner' ? 'exchangeToS4.off' : 'attendeeCopy.readOnly';
      actions.push({ type: 'noop', reason, journal: j('skipped', reason, { fields: kept }) });
    }
  }
  // The snapshot is what both sides now agree on; for read-only copies it is the S/4 state.
  const snapshot = exchangeMayWriteS4 ? merged : s4p.canonical;
  if (
    toExchange.length === 0 &&
    toS4.length === 0 &&
    base !== undefined &&
    canonicalHash(snapshot) === canonicalHash(base) &&
    ex.changeKey === link.changeKey &&
    s4p.etag === link.s4Etag &&
    link.state === input.link?.state
  ) {
    // Only differences Tandem already knows it keeps (a read-only copy's own edits): nothing to write or commit.
    return actions.length > 0 ? actions : [noop('skipped', 'unchanged')];
  }
  actions.push({
    type: 'commitSnapshot',
    mailbox,
    s4Key: key,
    exchangeId: ex.id,
    snapshot,
    hash: canonicalHash(snapshot),
    journal: entry([...new Set([...toExchange, ...toS4])]),
  });
  return actions;
}

/** `target` with the Exchange-expressible fields taken from `ex` (the rest cannot have been edited in Outlook). */
function withExchangeFields<C extends object>(spec: KindSpec<C, unknown, unknown>, target: C, ex: C): C {
  const out = { ...target };
  for (const f of spec.exchangeFields) out[f] = ex[f];
  for (const f of spec.exchangeFields)
    for (const c of spec.companions?.[f] ?? [])
      (out as Record<string, unknown>)[c] = (ex as Record<string, unknown>)[c];
  return out;
}
