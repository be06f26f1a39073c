import type { ItemKind, Stamp } from './model/exchange-items.js';
import type { SyncOutcome } from '../contract/journal-outcomes.js';

/**
 * What the engine asks the worker to do, and what the journal records for it. Every action
 * carries its journal entry, so that every sync decision is in the journal with its reason by
 * construction.
 */

/** The outcomes the engine decides (src/contract/journal-outcomes.ts holds the list). */
export type Outcome = SyncOutcome;

export interface OverwrittenValue {
  field: string;
  /** The side whose value lost. */
  side: 's4' | 'exchange';
  value: unknown;
}

export interface JournalEntry {
  outcome: Outcome;
  /** Stable reason code, e.g. 'created', 'filtered.processType', 'echo', 'leftScope.responsibleChanged'. */
  reason: string;
  fields?: string[];
  overwritten?: OverwrittenValue[];
}

interface Base {
  journal: JournalEntry;
}

/** Before any create on a `creating` link: search the remote side for the marker and adopt what exists. */
export interface ResolvePendingCreate extends Base {
  type: 'resolvePendingCreate';
  side: 'exchange' | 's4';
  mailbox: string;
  marker: string;
}
/**
 * Creates carry the marker. The worker first commits the link in state `creating` with the
 * marker and `snapshot` (exactly-once creates: docs/sync-engine.md, "For the worker"), then creates, then commits the link as linked.
 */
export interface CreateExchangeItem<D> extends Base {
  type: 'createExchangeItem';
  mailbox: string;
  /** Role to store on the new link. */
  role: 'owner' | 'attendee';
  draft: D;
  stamp: Stamp;
  marker: string;
}
export interface UpdateExchangeItem<D> extends Base {
  type: 'updateExchangeItem';
  mailbox: string;
  itemId: string;
  changeKey: string;
  changes: Partial<D>;
  stamp: Stamp;
}
export interface DeleteExchangeItem extends Base {
  type: 'deleteExchangeItem';
  mailbox: string;
  itemId: string;
  changeKey?: string;
}
export interface CreateS4<W> extends Base {
  type: 'createS4';
  mailbox: string;
  write: W;
  marker: string;
}
export interface UpdateS4<W, C = unknown> extends Base {
  type: 'updateS4';
  s4Key: string;
  etag: string;
  changes: W;
  /**
   * What both sides agree on once this write has landed but the Exchange write after it has not
   * (a ChangeKey conflict, Exchange busy): the worker commits it as the link's snapshot before it
   * retries, so the retry's three-way merge sees the Outlook edit S/4 now holds as agreed, not as
   * a change on both sides. Absent when no Exchange write follows or there is no snapshot yet.
   */
  agreed?: { snapshot: C; hash: string };
}
export interface DeleteS4 extends Base {
  type: 'deleteS4';
  s4Key: string;
  etag: string;
}
export interface SetS4Status extends Base {
  type: 'setS4Status';
  s4Key: string;
  etag: string;
  status: string;
}
/**
 * Ends the link. `tombstone` keeps it as a `detached` row so that the object is never silently
 * recreated in this mailbox (the user deleted it there).
 */
export interface Unlink extends Base {
  type: 'unlink';
  mailbox: string;
  tombstone: boolean;
}
export interface Noop extends Base {
  type: 'noop';
  reason: string;
}
/** Commit the new snapshot, ids and versions with the journal entry (the last step of a reconciliation). */
export interface CommitSnapshot<C> extends Base {
  type: 'commitSnapshot';
  mailbox: string;
  /** Known ids to store on the link (absent on creates: the worker takes them from the create's result). */
  s4Key?: string;
  exchangeId?: string;
  snapshot: C;
  hash: string;
}
/** A destructive action held back by the safety valve until an admin confirms or rejects it. */
export interface PendingDeletion extends Base {
  type: 'pendingDeletion';
  action: DestructiveAction;
  scope: 'mailbox' | 'tenant';
  /** What the decision meant to do after the destructive action (the unlink): runs only once confirmed. */
  followUps: SyncAction[];
}

export type DestructiveAction = DeleteExchangeItem | DeleteS4 | SetS4Status;

export type SyncAction<C = unknown, D = unknown, W = unknown> =
  | ResolvePendingCreate
  | CreateExchangeItem<D>
  | UpdateExchangeItem<D>
  | DeleteExchangeItem
  | CreateS4<W>
  | UpdateS4<W, C>
  | DeleteS4
  | SetS4Status
  | Unlink
  | Noop
  | CommitSnapshot<C>
  | PendingDeletion;

export function isDestructive(a: SyncAction): a is DestructiveAction {
  return a.type === 'deleteExchangeItem' || a.type === 'deleteS4' || a.type === 'setS4Status';
}

/** The link of one object to one mailbox (docs/architecture.md, glossary "Link"), as the engine reads it. */
export interface SyncLink<C> {
  kind: ItemKind;
  mailbox: string;
  /** Absent while an S/4 activity is being created from an Exchange item. */
  s4Key?: string;
  state: 'creating' | 'linked' | 'detached';
  /** Which side the object came from: it decides which side's filter governs leaving scope. */
  origin: 's4' | 'exchange';
  /** owner: the responsible's mailbox; attendee: a read-only copy in an attendee's mailbox. */
  role: 'owner' | 'attendee';
  /** Exactly-once marker: the S/4 key for Exchange creates, the Exchange item id for S/4 creates. */
  marker: string;
  exchangeId?: string;
  changeKey?: string;
  s4Etag?: string;
  /** Canonical form at the last successful sync (for `creating`: what is being written). */
  snapshot?: C;
  snapshotHash?: string;
}
