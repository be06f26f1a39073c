import type { MailboxConnector } from '../connectors/exchange/mailbox-connector.js';
import type { ItemKind } from '../connectors/exchange/types.js';
import type { JournalEntry as StoredJournalEntry } from '../journal/journal.js';
import { lastJournalEntryOf, writeJournal } from '../journal/journal.js';
import type { Pool } from '../store/pool.js';
import { withSyncWrite, type Tx } from '../store/transaction.js';
import type { CommitSnapshot, SyncAction, Unlink } from '../sync/index.js';
import { logger } from '../logging/logger.js';
import { holdDeletion } from '../pending-deletions/pending-deletion-repository.js';
import { deleteLink, saveLink, saveLinkWithJournal, type LinkWrite, type StoredLink } from './link-store.js';

/** How the executor reaches S/4 for one object kind (contacts never write to S/4). */
export interface S4Writer {
  create(write: unknown): Promise<{ uuid: string; etag: string }>;
  update(s4Key: string, etag: string, write: unknown): Promise<{ etag: string }>;
  setStatus(s4Key: string, etag: string, status: string): Promise<{ etag: string }>;
  remove(s4Key: string, etag: string): Promise<void>;
}

export interface ExecutionScope {
  pool: Pool;
  tenantId: string;
  kind: ItemKind;
  mailboxId: string;
  mailbox: string;
  connector: MailboxConnector;
  s4: S4Writer | undefined;
  correlationId: string;
  link: StoredLink | undefined;
  /** Fresh state read in this step: versions stored on the link with the snapshot, ids for the journal. */
  s4Etag: string | undefined;
  s4Key?: string | undefined;
  exchangeItemId?: string | undefined;
  exchangeChangeKey: string | undefined;
  /** Set when the object is one occurrence of an Outlook series (its link records key and series). */
  occurrence?: { key: string; seriesId: string } | undefined;
  /** The result is the job's last write: it commits the job's completion too (withSyncWrite). */
  completesJob?: boolean | undefined;
}

const DIRECTION: Partial<Record<SyncAction['type'], StoredJournalEntry['direction']>> = {
  createExchangeItem: 's4-to-exchange',
  updateExchangeItem: 's4-to-exchange',
  deleteExchangeItem: 's4-to-exchange',
  createS4: 'exchange-to-s4',
  updateS4: 'exchange-to-s4',
  deleteS4: 'exchange-to-s4',
  setS4Status: 'exchange-to-s4',
};

/** What the executor learns while it writes: the link's ids, versions and provenance, and what it will commit. */
interface Progress {
  linkId: number | undefined;
  exchangeId: string | undefined;
  changeKey: string | undefined;
  s4Key: string | undefined;
  s4Etag: string | undefined;
  origin: 's4' | 'exchange';
  role: 'owner' | 'attendee';
  marker: string;
  unlink: Unlink | undefined;
  journal: StoredJournalEntry[];
  pending: Array<{ action: SyncAction; scope: 'mailbox' | 'tenant'; followUps: SyncAction[] }>;
  /** What both sides agree on after the S/4 update that landed, should a later write fail. */
  landed: { snapshot: object; hash: string } | undefined;
}

/**
 * Carries out one decision (docs/sync-engine.md, "For the worker"): remote writes in order, with the exactly-once rule
 * for creates — the link is committed as `creating` with its marker before the remote create, so
 * a crash in between is resolved by searching the marker, never by creating twice — and then the
 * new snapshot, ids and versions committed together with the journal entries.
 */
export async function executeActions(scope: ExecutionScope, actions: SyncAction[]): Promise<void> {
  const commit = actions.find((a): a is CommitSnapshot<object> => a.type === 'commitSnapshot');
  const progress = startProgress(scope);
  for (const action of actions) {
    try {
      await perform(scope, progress, commit, action);
    } catch (error) {
      await commitLanded(scope, progress);
      throw error;
    }
    // commitSnapshot repeats the entry of the write it completes; it is journalled only on its own.
    if (action.type === 'commitSnapshot' && actions.some((a) => a.type !== 'commitSnapshot')) continue;
    progress.journal.push(actionEntry(scope, progress, action));
  }
  progress.journal.push(...unresolvedAttendeeEntries(scope, progress, actions));
  await commitOutcome(scope, progress, commit, onlySkipsUnlinked(scope, actions));
}

/** The decision leaves an object Tandem does not sync alone (no link, nothing written): it only says why. */
function onlySkipsUnlinked(scope: ExecutionScope, actions: SyncAction[]): boolean {
  return scope.link === undefined && actions.every((a) => a.type === 'noop' && a.journal.outcome === 'skipped');
}

/**
 * Whether the object's last journal entry in this mailbox already gives this reason. An object the
 * settings keep out (process type, private, category, …) is skipped again at each of its changes;
 * support needs the answer once per object and reason, not once per event.
 */
async function alreadyJournalled(tx: Tx, scope: ExecutionScope, p: Progress): Promise<boolean> {
  const reason = p.journal[0]?.reason;
  if (!reason || p.journal.some((e) => e.reason !== reason)) return false;
  const object = p.s4Key ? { s4Key: p.s4Key } : p.exchangeId ? { exchangeItemId: p.exchangeId } : undefined;
  if (!object) return false;
  const last = await lastJournalEntryOf(tx, object, scope.mailboxId);
  return last?.outcome === 'skipped' && last.reason === reason;
}

function startProgress(scope: ExecutionScope): Progress {
  const { link } = scope;
  return {
    linkId: link?.id,
    exchangeId: link?.exchangeId ?? scope.exchangeItemId,
    changeKey: scope.exchangeChangeKey ?? link?.changeKey,
    s4Key: link?.s4Key ?? scope.s4Key,
    s4Etag: scope.s4Etag ?? link?.s4Etag,
    origin: link?.origin ?? 's4',
    role: link?.role ?? 'owner',
    marker: link?.marker ?? '',
    unlink: undefined,
    journal: [],
    pending: [],
    landed: undefined,
  };
}

function linkWrite(
  scope: ExecutionScope,
  p: Progress,
  commit: Pick<CommitSnapshot<object>, 'snapshot' | 'hash'> | undefined,
  state: 'creating' | 'linked' | 'detached',
): LinkWrite {
  return {
    tenantId: scope.tenantId,
    kind: scope.kind,
    mailboxId: scope.mailboxId,
    state,
    origin: p.origin,
    role: p.role,
    marker: p.marker,
    s4Key: p.s4Key,
    exchangeId: p.exchangeId,
    changeKey: p.changeKey,
    s4Etag: p.s4Etag,
    snapshot: commit?.snapshot,
    snapshotHash: commit?.hash,
    occurrence: scope.occurrence,
  };
}

/** Commits the link as `creating` with its marker before the remote create (the exactly-once rule). */
async function markCreating(scope: ExecutionScope, p: Progress, commit: CommitSnapshot<object> | undefined) {
  const write = linkWrite(scope, p, commit, 'creating');
  p.linkId = await withSyncWrite(scope.tenantId, (tx) => saveLink(tx, p.linkId, write), scope.pool);
}

async function perform(
  scope: ExecutionScope,
  p: Progress,
  commit: CommitSnapshot<object> | undefined,
  action: SyncAction,
): Promise<void> {
  switch (action.type) {
    case 'createExchangeItem':
    case 'updateExchangeItem':
    case 'deleteExchangeItem':
      return performInExchange(scope, p, commit, action);
    case 'createS4':
    case 'updateS4':
    case 'setS4Status':
    case 'deleteS4':
      return performInS4(scope, p, commit, action);
    case 'unlink':
      p.unlink = action;
      return;
    case 'pendingDeletion':
      p.pending.push({ action: action.action, scope: action.scope, followUps: action.followUps });
      return;
    case 'noop':
    case 'commitSnapshot':
    case 'resolvePendingCreate':
      return;
  }
}

type ExchangeWrite = Extract<SyncAction, { type: 'createExchangeItem' | 'updateExchangeItem' | 'deleteExchangeItem' }>;

async function performInExchange(
  scope: ExecutionScope,
  p: Progress,
  commit: CommitSnapshot<object> | undefined,
  action: ExchangeWrite,
): Promise<void> {
  const { connector, kind } = scope;
  const address = { smtpAddress: scope.mailbox };
  if (action.type === 'deleteExchangeItem') return connector.deleteItem(address, kind, action.itemId);
  let written: { id: string; changeKey: string };
  if (action.type === 'createExchangeItem') {
    p.origin = 's4';
    p.role = action.role;
    p.marker = action.marker;
    p.s4Key ??= action.marker;
    await markCreating(scope, p, commit);
    written = await connector.createItem(address, kind, action.draft as never, action.stamp);
  } else {
    const version = { id: action.itemId, changeKey: action.changeKey };
    written = await connector.updateItem(address, kind, version, action.changes as never, action.stamp);
  }
  p.exchangeId = written.id;
  p.changeKey = written.changeKey;
  // Exchange holds the merged content now: what agreed after the S/4 write alone no longer is.
  p.landed = undefined;
}

type S4Write = Extract<SyncAction, { type: 'createS4' | 'updateS4' | 'setS4Status' | 'deleteS4' }>;

async function performInS4(
  scope: ExecutionScope,
  p: Progress,
  commit: CommitSnapshot<object> | undefined,
  action: S4Write,
): Promise<void> {
  const s4 = scope.s4!;
  switch (action.type) {
    case 'createS4': {
      p.origin = 'exchange';
      p.role = 'owner';
      p.marker = action.marker;
      p.exchangeId ??= action.marker;
      await markCreating(scope, p, commit);
      const created = await s4.create(action.write);
      p.s4Key = created.uuid;
      p.s4Etag = created.etag;
      return;
    }
    case 'updateS4':
      p.s4Etag = (await s4.update(action.s4Key, action.etag, action.changes)).etag;
      p.landed = action.agreed as Progress['landed']; // the action's content type is the kind's snapshot
      return;
    case 'setS4Status':
      p.s4Etag = (await s4.setStatus(action.s4Key, action.etag, action.status)).etag;
      return;
    case 'deleteS4':
      return s4.remove(action.s4Key, action.etag);
  }
}

function entryBase(scope: ExecutionScope, p: Progress) {
  return {
    correlationId: scope.correlationId,
    mailboxId: scope.mailboxId,
    objectKind: scope.kind,
    ...(p.s4Key ? { s4Key: p.s4Key } : {}),
    ...(p.exchangeId ? { exchangeItemId: p.exchangeId } : {}),
  };
}

function actionEntry(scope: ExecutionScope, p: Progress, action: SyncAction): StoredJournalEntry {
  return {
    ...entryBase(scope, p),
    direction: DIRECTION[action.type] ?? 'none',
    outcome: action.journal.outcome,
    reason: action.journal.reason,
    details: {
      ...(action.journal.fields ? { fields: action.journal.fields } : {}),
      ...(action.journal.overwritten ? { overwritten: action.journal.overwritten } : {}),
      ...(action.type === 'pendingDeletion' ? { held: action.action.type } : {}),
    },
  };
}

/** Outlook attendees with no business partner in S/4 cannot be written as partners: say so, per address. */
function unresolvedAttendeeEntries(scope: ExecutionScope, p: Progress, actions: SyncAction[]): StoredJournalEntry[] {
  return actions.flatMap((action) => {
    if (action.type !== 'createS4' && action.type !== 'updateS4') return [];
    const write = (action.type === 'createS4' ? action.write : action.changes) as
      { unresolvedAttendees?: string[] } | undefined;
    return (write?.unresolvedAttendees ?? []).map((address) => ({
      ...entryBase(scope, p),
      direction: 'exchange-to-s4' as const,
      outcome: 'skipped' as const,
      reason: 'attendee.unresolved',
      details: { address },
    }));
  });
}

/**
 * An S/4 update landed and the Exchange write after it failed: commit what both sides now agree
 * on, with S/4's new ETag and the entry of the S/4 write, before the failure goes up (a re-read
 * and decide again, or a retry of the job). Without it the retry would merge against the old
 * snapshot and see the Outlook edit S/4 now holds as a change on both sides, a conflict that can
 * undo the user's next Outlook edit. Must not hide the failure: a commit error is logged only.
 */
async function commitLanded(scope: ExecutionScope, p: Progress): Promise<void> {
  const landed = p.landed;
  if (!landed || p.linkId === undefined) return;
  const linkId = p.linkId;
  const write = linkWrite(scope, p, landed, 'linked');
  await withSyncWrite(scope.tenantId, (tx) => saveLinkWithJournal(tx, linkId, write, p.journal), scope.pool).catch(
    (error: unknown) =>
      logger.warn({ err: error, linkId }, 'could not commit the S/4 write that landed before a failed Exchange write'),
  );
}

/** The link's new state, the held deletions and the journal (and the job's completion when last), in one transaction. */
async function commitOutcome(
  scope: ExecutionScope,
  p: Progress,
  commit: CommitSnapshot<object> | undefined,
  skipOnly: boolean,
) {
  await withSyncWrite(
    scope.tenantId,
    async (tx) => {
      if (skipOnly && (await alreadyJournalled(tx, scope, p))) return;
      if (p.unlink && p.linkId !== undefined) {
        if (p.unlink.tombstone) await saveLink(tx, p.linkId, linkWrite(scope, p, commit, 'detached'));
        else await deleteLink(tx, p.linkId);
      } else if (commit) {
        if (commit.s4Key) p.s4Key = commit.s4Key;
        if (commit.exchangeId) p.exchangeId = commit.exchangeId;
        // The common result: a known link's new state and its journal entries, in one statement.
        if (p.linkId !== undefined && p.pending.length === 0)
          return saveLinkWithJournal(tx, p.linkId, linkWrite(scope, p, commit, 'linked'), p.journal);
        await saveLink(tx, p.linkId, linkWrite(scope, p, commit, 'linked'));
      }
      for (const held of p.pending) {
        await holdDeletion(tx, {
          tenantId: scope.tenantId,
          mailboxId: scope.mailboxId,
          scope: held.scope,
          kind: scope.kind,
          s4Key: p.s4Key ?? null,
          exchangeItemId: p.exchangeId ?? null,
          summary: describeDeletion(held.action, scope.kind, scope.mailbox),
          action: held.action,
          followUps: held.followUps,
        });
      }
      await writeJournal(tx, scope.tenantId, p.journal);
    },
    scope.pool,
    { completesJob: scope.completesJob ?? false },
  );
}

function describeDeletion(action: SyncAction, kind: ItemKind, mailbox: string): string {
  switch (action.type) {
    case 'deleteExchangeItem':
      return `Remove the ${kind} from ${mailbox}`;
    case 'deleteS4':
      return `Delete the S/4 ${kind} ${action.s4Key}`;
    case 'setS4Status':
      return `Set the S/4 ${kind} ${action.s4Key} to status ${action.status}`;
    default:
      return action.type;
  }
}
