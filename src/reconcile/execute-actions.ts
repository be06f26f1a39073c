import type { MailboxConnector } from '../connectors/exchange/mailbox-connector.js';
import type { ItemKind } from '../connectors/exchange/types.js';
import type { JournalEntry as StoredJournalEntry } from '../journal/journal.js';
import { writeJournal } from '../journal/journal.js';
import type { Pool } from '../store/pool.js';
import { withSyncWrite } from '../store/transaction.js';
import type { CommitSnapshot, SyncAction, Unlink } from '../sync/index.js';
import { deleteLink, saveLink, type StoredLink } from './link-store.js';

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

/**
 * Carries out one decision (docs/sync-engine.md, "For the worker"): remote writes in order, with the exactly-once rule
 * for creates — the link is committed as `creating` with its marker before the remote create, so
 * a crash in between is resolved by searching the marker, never by creating twice — and then the
 * new snapshot, ids and versions committed together with the journal entries.
 */
export async function executeActions(scope: ExecutionScope, actions: SyncAction[]): Promise<void> {
  const { connector, mailbox, kind } = scope;
  const address = { smtpAddress: mailbox };
  const commit = actions.find((a): a is CommitSnapshot<object> => a.type === 'commitSnapshot');
  let linkId = scope.link?.id;
  let exchangeId = scope.link?.exchangeId ?? scope.exchangeItemId;
  let changeKey = scope.exchangeChangeKey ?? scope.link?.changeKey;
  let s4Key = scope.link?.s4Key ?? scope.s4Key;
  let s4Etag = scope.s4Etag ?? scope.link?.s4Etag;
  let origin = scope.link?.origin ?? 's4';
  let role = scope.link?.role ?? 'owner';
  let marker = scope.link?.marker ?? '';
  let unlink: Unlink | undefined;
  const journal: StoredJournalEntry[] = [];
  const pending: Array<{ action: SyncAction; scope: 'mailbox' | 'tenant'; followUps: SyncAction[] }> = [];

  const linkWrite = (state: 'creating' | 'linked' | 'detached') => ({
    tenantId: scope.tenantId,
    kind,
    mailboxId: scope.mailboxId,
    state,
    origin,
    role,
    marker,
    s4Key,
    exchangeId,
    changeKey,
    s4Etag,
    snapshot: commit?.snapshot as object | undefined,
    snapshotHash: commit?.hash,
    occurrence: scope.occurrence,
  });

  for (const action of actions) {
    switch (action.type) {
      case 'createExchangeItem': {
        origin = 's4';
        role = action.role;
        marker = action.marker;
        s4Key ??= action.marker;
        linkId = await withSyncWrite(scope.tenantId, (tx) => saveLink(tx, linkId, linkWrite('creating')), scope.pool);
        const created = await connector.createItem(address, kind, action.draft as never, action.stamp);
        exchangeId = created.id;
        changeKey = created.changeKey;
        break;
      }
      case 'updateExchangeItem': {
        const updated = await connector.updateItem(
          address,
          kind,
          { id: action.itemId, changeKey: action.changeKey },
          action.changes as never,
          action.stamp,
        );
        exchangeId = updated.id;
        changeKey = updated.changeKey;
        break;
      }
      case 'deleteExchangeItem':
        await connector.deleteItem(address, kind, action.itemId);
        break;
      case 'createS4': {
        origin = 'exchange';
        role = 'owner';
        marker = action.marker;
        exchangeId ??= action.marker;
        linkId = await withSyncWrite(scope.tenantId, (tx) => saveLink(tx, linkId, linkWrite('creating')), scope.pool);
        const created = await scope.s4!.create(action.write);
        s4Key = created.uuid;
        s4Etag = created.etag;
        break;
      }
      case 'updateS4':
        s4Etag = (await scope.s4!.update(action.s4Key, action.etag, action.changes)).etag;
        break;
      case 'setS4Status':
        s4Etag = (await scope.s4!.setStatus(action.s4Key, action.etag, action.status)).etag;
        break;
      case 'deleteS4':
        await scope.s4!.remove(action.s4Key, action.etag);
        break;
      case 'unlink':
        unlink = action;
        break;
      case 'pendingDeletion':
        pending.push({ action: action.action, scope: action.scope, followUps: action.followUps });
        break;
      case 'noop':
      case 'commitSnapshot':
      case 'resolvePendingCreate':
        break;
    }
    // commitSnapshot repeats the entry of the write it completes; it is journalled only on its own.
    if (action.type === 'commitSnapshot' && actions.some((a) => a.type !== 'commitSnapshot')) continue;
    journal.push({
      correlationId: scope.correlationId,
      mailboxId: scope.mailboxId,
      objectKind: kind,
      direction: DIRECTION[action.type] ?? 'none',
      outcome: action.journal.outcome,
      reason: action.journal.reason,
      ...(s4Key ? { s4Key } : {}),
      ...(exchangeId ? { exchangeItemId: exchangeId } : {}),
      details: {
        ...(action.journal.fields ? { fields: action.journal.fields } : {}),
        ...(action.journal.overwritten ? { overwritten: action.journal.overwritten } : {}),
        ...(action.type === 'pendingDeletion' ? { held: action.action.type } : {}),
      },
    });
  }

  // Outlook attendees with no business partner in S/4 cannot be written as partners: say so, per address.
  for (const action of actions) {
    if (action.type !== 'createS4' && action.type !== 'updateS4') continue;
    const write = (action.type === 'createS4' ? action.write : action.changes) as
      { unresolvedAttendees?: string[] } | undefined;
    for (const address of write?.unresolvedAttendees ?? []) {
      journal.push({
        correlationId: scope.correlationId,
        mailboxId: scope.mailboxId,
        objectKind: kind,
        direction: 'exchange-to-s4',
        outcome: 'skipped',
        reason: 'attendee.unresolved',
        ...(s4Key ? { s4Key } : {}),
        ...(exchangeId ? { exchangeItemId: exchangeId } : {}),
        details: { address },
      });
    }
  }

  await withSyncWrite(
    scope.tenantId,
    async (tx) => {
      if (unlink && linkId !== undefined) {
        if (unlink.tombstone) await saveLink(tx, linkId, linkWrite('detached'));
        else await deleteLink(tx, linkId);
      } else if (commit) {
        if (commit.s4Key) s4Key = commit.s4Key;
        if (commit.exchangeId) exchangeId = commit.exchangeId;
        await saveLink(tx, linkId, linkWrite('linked'));
      }
      for (const held of pending) {
        await tx.query(
          `INSERT INTO pending_deletions (tenant_id, mailbox_id, scope, kind, s4_key, exchange_item_id, summary, action, follow_ups)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          [
            scope.tenantId,
            scope.mailboxId,
            held.scope,
            kind,
            s4Key ?? null,
            exchangeId ?? null,
            describeDeletion(held.action, kind, mailbox),
            JSON.stringify(held.action),
            JSON.stringify(held.followUps),
          ],
        );
      }
      await writeJournal(tx, scope.tenantId, journal);
    },
    scope.pool,
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
