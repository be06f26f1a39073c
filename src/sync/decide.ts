import type { ItemKind, Stamp } from './model/exchange-items.js';
import type { JournalEntry, OverwrittenValue, SyncAction, SyncLink } from './actions.js';
import { canonicalHash } from './canonical/hash.js';
import { changedFields, threeWayMerge, type ConflictPolicy, type MergeResult, type Side } from './merge.js';

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
  companions?: Partial<Record<keyof C & string, readonly (keyof C & string)[]>>;
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
  // Found by marker: the create happened, but its journal entry was lost with the commit it belonged
  // to (the process or its database connection died between the remote write and the commit), so
  // it is journalled now, marked as recovered. Then adopt the object; the snapshot written with the
  // `creating` link is the base.
  const adopted: SyncLink<C> = { ...link, state: 'linked' };
  const reason = target === 'exchange' ? 'created.exchange.recovered' : 'created.s4.recovered';
  const recovered: Action<C, D, W> = { type: 'noop', reason, journal: j('synced', reason) };
  return [recovered, ...decideLinked(spec, settings, input, adopted)];
}

function decideDetached<C extends object, D, W>(input: DecideInput<C>, link: SyncLink<C>): Action<C, D, W>[] {
  // A tombstone: one side was deleted (or the item withdrawn from sync) and the other must not bring
  // it back. Once both sides are gone nothing can be recreated and the tombstone can go too.
  if (input.s4.state === 'missing' && input.exchange.state === 'missing') {
    return [{ type: 'unlink', mailbox: link.mailbox, tombstone: false, journal: j('skipped', 'detached.bothGone') }];
  }
  return [noop('skipped', 'detached')];
}

type PresentS4<C> = Extract<S4State<C>, { state: 'present' }>;
type PresentExchange<C> = Extract<ExchangeState<C>, { state: 'present' }>;

/** A linked object present on both sides, as the content steps of the decision see it. */
interface LinkedPair<C> {
  mailbox: string;
  s4: PresentS4<C>;
  ex: PresentExchange<C>;
  link: SyncLink<C>;
  /** The item carries Tandem's stamp for this S/4 object. */
  stampedOurs: boolean;
  /** The link is being adopted in this decision (matched by stamp or initial load, or a resolved create). */
  adopted: boolean;
}

/** What changed since the snapshot both sides last agreed on. */
interface Observation<C> {
  base: C | undefined;
  /** The item holds exactly what Tandem last wrote: its differences from the snapshot are our own write. */
  ourWrite: boolean;
  exDiffers: boolean;
  s4Changed: boolean;
  /** Outlook edits of this copy may reach S/4 (enabled, owner copy, kind supports it). */
  exchangeMayWriteS4: boolean;
}

/** The merged content and the fields each side must receive. */
interface MergePlan<C> {
  merged: C;
  toExchange: (keyof C & string)[];
  toS4: (keyof C & string)[];
  /** What both sides agree on after the writes; for read-only copies it is the S/4 state. */
  snapshot: C;
  entry: (fields: string[]) => JournalEntry;
}

function decideLinked<C extends object, D, W>(
  spec: KindSpec<C, D, W>,
  settings: DecideSettings,
  input: DecideInput<C>,
  link: SyncLink<C>,
): Action<C, D, W>[] {
  const { s4, exchange, mailbox } = input;
  if (s4.state === 'missing') {
    if (exchange.state === 'missing')
      return [{ type: 'unlink', mailbox, tombstone: false, journal: j('deleted', 'deleted.bothSides') }];
    return s4Deleted(mailbox, exchange, link, isStampedOurs(exchange, link, undefined));
  }
  if (exchange.state === 'missing') return outlookDeleted(settings, mailbox, s4, link);
  const pair: LinkedPair<C> = {
    mailbox,
    s4,
    ex: exchange,
    link,
    stampedOurs: isStampedOurs(exchange, link, s4.key),
    adopted: link.state !== input.link?.state,
  };
  return leftScope<C, D, W>(pair) ?? reconcileContent(spec, settings, pair);
}

function isStampedOurs<C>(ex: PresentExchange<C>, link: SyncLink<C>, s4Key: string | undefined): boolean {
  return ex.stamp !== undefined && ex.stamp.s4Key === (link.s4Key ?? s4Key);
}

/** S/4 deleted: remove the item from the mailbox, but only an item Tandem made (it carries our stamp). */
function s4Deleted<C extends object, D, W>(
  mailbox: string,
  ex: PresentExchange<C>,
  link: SyncLink<C>,
  stampedOurs: boolean,
): Action<C, D, W>[] {
  // The user's own item (created in Outlook) stays, and the tombstone keeps it from creating a new activity.
  // It is known by the link's origin, not the stamp alone: every S/4 change Tandem writes to it stamps it too.
  if (!stampedOurs || link.origin === 'exchange')
    return [{ type: 'unlink', mailbox, tombstone: true, journal: j('skipped', 'deleted.s4.itemNotStamped') }];
  return [
    {
      type: 'deleteExchangeItem',
      mailbox,
      itemId: ex.id,
      changeKey: ex.changeKey,
      journal: j('deleted', 'deleted.s4'),
    },
    { type: 'unlink', mailbox, tombstone: false, journal: j('deleted', 'deleted.s4') },
  ];
}

/** Outlook deleted: the configured S/4 action; never silently recreate. */
function outlookDeleted<C extends object, D, W>(
  settings: DecideSettings,
  mailbox: string,
  s4: PresentS4<C>,
  link: SyncLink<C>,
): Action<C, D, W>[] {
  if (link.role !== 'owner')
    return [{ type: 'unlink', mailbox, tombstone: true, journal: j('skipped', 'deleted.exchange.attendeeCopy') }];
  if (!settings.exchangeToS4Enabled)
    return [{ type: 'unlink', mailbox, tombstone: true, journal: j('skipped', 'deleted.exchange.exchangeToS4Off') }];
  if (settings.onOutlookDelete === 'setStatus' && settings.deletedStatus) {
    return [
      {
        type: 'setS4Status',
        s4Key: s4.key,
        etag: s4.etag,
        status: settings.deletedStatus,
        journal: j('deleted', 'deleted.exchange.statusSet'),
      },
      { type: 'unlink', mailbox, tombstone: true, journal: j('deleted', 'deleted.exchange.statusSet') },
    ];
  }
  return [
    { type: 'deleteS4', s4Key: s4.key, etag: s4.etag, journal: j('deleted', 'deleted.exchange') },
    { type: 'unlink', mailbox, tombstone: false, journal: j('deleted', 'deleted.exchange') },
  ];
}

/** The object left the sync on one side (blocked, out of scope, filter no longer met); undefined while it stays. */
function leftScope<C extends object, D, W>(pair: LinkedPair<C>): Action<C, D, W>[] | undefined {
  const { mailbox, s4, ex, link } = pair;
  if (ex.blocked) {
    // Made private in Outlook while private items do not sync: stop in both directions, keep both, never recreate.
    return [{ type: 'unlink', mailbox, tombstone: true, journal: j('skipped', `leftScope.${ex.blocked}`) }];
  }
  if (link.origin === 's4' && !s4.inScope) {
    const reason = `leftScope.${s4.scopeReason ?? 'outOfScope'}`;
    if (!pair.stampedOurs)
      return [{ type: 'unlink', mailbox, tombstone: false, journal: j('skipped', `${reason}.itemNotStamped`) }];
    return [
      { type: 'deleteExchangeItem', mailbox, itemId: ex.id, changeKey: ex.changeKey, journal: j('deleted', reason) },
      { type: 'unlink', mailbox, tombstone: false, journal: j('deleted', reason) },
    ];
  }
  if (link.origin === 'exchange' && !ex.qualifies) {
    // Category or tag removed in Outlook: stop syncing, keep the S/4 activity and the Outlook item.
    const reason = `leftScope.${ex.qualifyReason ?? 'filtered'}`;
    return [{ type: 'unlink', mailbox, tombstone: false, journal: j('skipped', reason) }];
  }
  return undefined;
}

/** Both sides present and in scope: merge what changed and write each side what it lacks. */
function reconcileContent<C extends object, D, W>(
  spec: KindSpec<C, D, W>,
  settings: DecideSettings,
  pair: LinkedPair<C>,
): Action<C, D, W>[] {
  const seen = observe(spec, settings, pair);
  if (seen.base !== undefined && !seen.s4Changed && !seen.exDiffers) return unchangedContent(pair, seen.base);
  const plan = mergePair(spec, settings, pair, seen);
  // S/4 first: the Exchange write stamps the item with a hash of all it then holds, Outlook's own
  // edits included, and a stamped item's differences from the snapshot count as Tandem's (observe).
  // That is true only once S/4 holds those edits too — so the Exchange write comes last.
  const actions: Action<C, D, W>[] = [
    ...s4Update(spec, pair, plan, seen.base),
    ...exchangeUpdate(spec, pair, plan),
    ...keptOutlookEdits<C, D, W>(spec, pair, seen, plan),
  ];
  const nothingNew =
    plan.toExchange.length === 0 &&
    plan.toS4.length === 0 &&
    seen.base !== undefined &&
    canonicalHash(plan.snapshot) === canonicalHash(seen.base) &&
    pair.ex.changeKey === pair.link.changeKey &&
    pair.s4.etag === pair.link.s4Etag &&
    !pair.adopted;
  // Only differences Tandem already knows it keeps (a read-only copy's own edits): nothing to write or commit.
  if (nothingNew) return actions.length > 0 ? actions : [noop('skipped', 'unchanged')];
  actions.push({
    type: 'commitSnapshot',
    mailbox: pair.mailbox,
    s4Key: pair.s4.key,
    exchangeId: pair.ex.id,
    snapshot: plan.snapshot,
    hash: canonicalHash(plan.snapshot),
    journal: plan.entry([...new Set([...plan.toExchange, ...plan.toS4])]),
  });
  return actions;
}

function observe<C extends object, D, W>(
  spec: KindSpec<C, D, W>,
  settings: DecideSettings,
  { s4, ex, link, stampedOurs }: LinkedPair<C>,
): Observation<C> {
  const base = link.snapshot;
  // Echo detection: the item holds exactly what Tandem last wrote (its stamp hash matches its content),
  // so whatever differs from the snapshot is our own write coming back, not a user edit.
  const ourWrite = stampedOurs && ex.stamp?.hash === stampHash(spec, ex.canonical);
  return {
    base,
    ourWrite,
    exDiffers: base === undefined || changedFields(base, ex.canonical, spec.exchangeFields).length > 0,
    s4Changed: base === undefined || changedFields(base, s4.canonical, spec.fields).length > 0,
    exchangeMayWriteS4: settings.exchangeToS4Enabled && link.role === 'owner' && spec.toS4Update !== undefined,
  };
}

/** Same content on both sides. A moved version with unchanged content is our own write (to either side) coming back. */
function unchangedContent<C extends object, D, W>(pair: LinkedPair<C>, base: C): Action<C, D, W>[] {
  const { mailbox, s4, ex, link } = pair;
  const echo = ex.changeKey !== link.changeKey || s4.etag !== link.s4Etag;
  const out: Action<C, D, W>[] = [noop(echo ? 'echo' : 'skipped', echo ? 'echo' : 'unchanged')];
  if (echo || pair.adopted) {
    out.push({
      type: 'commitSnapshot',
      mailbox,
      s4Key: s4.key,
      exchangeId: ex.id,
      snapshot: base,
      hash: canonicalHash(base),
      journal: j(echo ? 'echo' : 'skipped', 'versions'),
    });
  }
  return out;
}

function mergePair<C extends object, D, W>(
  spec: KindSpec<C, D, W>,
  settings: DecideSettings,
  { s4, ex }: LinkedPair<C>,
  { base, ourWrite, exchangeMayWriteS4 }: Observation<C>,
): MergePlan<C> {
  // Exchange side for the merge: unchanged when the difference is our own echo or cannot be written to S/4.
  const unchanged = base ?? s4.canonical;
  const exchangeSide = exchangeMayWriteS4 && !ourWrite ? ex.canonical : unchanged;
  const policy = exchangeMayWriteS4 ? settings.policy : 's4Wins';
  const result = threeWayMerge(base, s4.canonical, withFieldsFrom(spec, unchanged, exchangeSide, spec.exchangeFields), {
    fields: spec.fields,
    policy,
    owners: settings.owners,
    ...(spec.setFields ? { setFields: spec.setFields } : {}),
    ...(spec.companions ? { companions: spec.companions } : {}),
  });
  const merged = result.merged;
  // A copy S/4 alone writes keeps the user's Outlook edits until S/4 changes that field itself.
  const toExchange = changedFields(ex.canonical, merged, spec.exchangeFields).filter(
    (f) => exchangeMayWriteS4 || base === undefined || result.s4Changed.includes(f),
  );
  const toS4 = exchangeMayWriteS4 ? changedFields(s4.canonical, merged, spec.fields) : [];
  const snapshot = exchangeMayWriteS4 ? merged : s4.canonical;
  return { merged, toExchange, toS4, snapshot, entry: journalEntryOf(result, base, policy) };
}

/** The journal entry of a merge: conflict, merged (both sides changed) or synced, with the values it overwrote. */
function journalEntryOf<C extends object, F extends keyof C & string>(
  result: MergeResult<C, F>,
  base: C | undefined,
  policy: ConflictPolicy,
): (fields: string[]) => JournalEntry {
  const overwritten: OverwrittenValue[] = result.resolutions.flatMap((r) =>
    r.lost ? [{ field: r.field, side: r.lost.side, value: r.lost.value }] : [],
  );
  const outcome: JournalEntry['outcome'] =
    result.conflicts.length > 0
      ? 'conflict'
      : result.s4Changed.length > 0 && result.exchangeChanged.length > 0 && base !== undefined
        ? 'merged'
        : 'synced';
  const reason = result.conflicts.length > 0 ? `conflict.${policy}` : base === undefined ? 'adopted' : 'changed';
  return (fields) => j(outcome, reason, { fields, ...(overwritten.length ? { overwritten } : {}) });
}

function exchangeUpdate<C extends object, D, W>(
  spec: KindSpec<C, D, W>,
  { mailbox, s4, ex }: LinkedPair<C>,
  { merged, toExchange, entry }: MergePlan<C>,
): Action<C, D, W>[] {
  if (toExchange.length === 0) return [];
  // The stamp describes what the item will hold after this write (for read-only copies that keeps the user's other edits).
  const written = withFieldsFrom(spec, ex.canonical, merged, toExchange);
  return [
    {
      type: 'updateExchangeItem',
      mailbox,
      itemId: ex.id,
      changeKey: ex.changeKey,
      changes: spec.draftChanges(merged, toExchange),
      stamp: { s4Key: s4.key, hash: stampHash(spec, written) },
      journal: entry(toExchange),
    },
  ];
}

function s4Update<C extends object, D, W>(
  spec: KindSpec<C, D, W>,
  { s4 }: LinkedPair<C>,
  { merged, toS4, toExchange, entry }: MergePlan<C>,
  base: C | undefined,
): Action<C, D, W>[] {
  if (toS4.length === 0 || !spec.toS4Update) return [];
  const agreed =
    base !== undefined && toExchange.length > 0 ? agreedAfterS4Write(base, merged, toS4, toExchange) : undefined;
  return [
    {
      type: 'updateS4',
      s4Key: s4.key,
      etag: s4.etag,
      changes: spec.toS4Update(s4.canonical, merged, toS4),
      journal: entry(toS4),
      ...(agreed ? { agreed: { snapshot: agreed, hash: canonicalHash(agreed) } } : {}),
    },
  ];
}

/**
 * The snapshot once S/4 holds its merged fields and Exchange is not written yet: the fields S/4
 * received that Exchange needs nothing for are agreed (Exchange already held them); every other
 * field keeps its snapshot value, so S/4's change to it is still news for Exchange.
 */
function agreedAfterS4Write<C extends object>(
  base: C,
  merged: C,
  toS4: readonly (keyof C & string)[],
  toExchange: readonly (keyof C & string)[],
): C {
  const agreed = { ...base };
  for (const f of toS4) if (!toExchange.includes(f)) agreed[f] = merged[f];
  return agreed;
}

/** Outlook edits of a copy that may not write S/4 stay in Outlook; the journal says which and why. */
function keptOutlookEdits<C extends object, D, W>(
  spec: KindSpec<C, D, W>,
  { ex, link }: LinkedPair<C>,
  { base, ourWrite, exDiffers, exchangeMayWriteS4 }: Observation<C>,
  { toExchange }: MergePlan<C>,
): Action<C, D, W>[] {
  if (exchangeMayWriteS4 || !exDiffers || ourWrite || base === undefined) return [];
  const kept = changedFields(base, ex.canonical, spec.exchangeFields).filter((f) => !toExchange.includes(f));
  if (kept.length === 0) return [];
  const reason = link.role === 'owner' ? 'exchangeToS4.off' : 'attendeeCopy.readOnly';
  return [{ type: 'noop', reason, journal: j('skipped', reason, { fields: kept }) }];
}

/** `target` with `fields` and their companions (e.g. timeZone with start) taken from `source`. */
function withFieldsFrom<C extends object>(
  spec: KindSpec<C, unknown, unknown>,
  target: C,
  source: C,
  fields: readonly (keyof C & string)[],
): C {
  const out = { ...target };
  for (const f of fields) {
    out[f] = source[f];
    for (const c of spec.companions?.[f] ?? []) out[c] = source[c];
  }
  return out;
}
