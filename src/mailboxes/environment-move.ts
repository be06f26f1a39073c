import { TandemError } from '../errors/tandem-error.js';
import { environmentKinds } from '../environments/environment-repository.js';
import { writeJournal } from '../journal/journal.js';
import { forgetFolderSyncStates, retireMailboxSubscriptions } from '../subscriptions/subscription-repository.js';
import type { Tx } from '../store/transaction.js';
import { requestInitialLoad, type QueuedInitialLoad } from './initial-load-request.js';
import { forgetLinkedExchangeItems } from '../reconcile/link-store.js';
import { forgetExchangeObjectId, moveMailboxesToEnvironment } from './mailbox-repository.js';

/**
 * A user moved to another Exchange environment — typically EWS → Graph when an Exchange Online
 * tenant leaves EWS (docs/exchange-online-setup.md "Switching from EWS to Graph"). Item ids are
 * backend-specific (an EWS ItemId is no Graph event id), so everything keyed by the old backend's
 * ids is reset in the same transaction as the move:
 * - links keep their S/4 key, snapshot and role but lose the Exchange item id and change key: the
 *   next reconciliation re-finds each item by the stamp Tandem wrote on it;
 * - change-tracking states (EWS SyncState / Graph deltaLink) are dropped: the new backend starts
 *   from the beginning, and items carrying our stamp are adopted, not duplicated;
 * - live subscriptions are retired (EWS is answered "Unsubscribe" on its next call); the next
 *   maintenance run subscribes the folders on the new backend.
 */
export async function resetForEnvironmentMove(
  tx: Tx,
  tenantId: string,
  mailboxId: string,
  from: string,
  to: string,
): Promise<void> {
  const linksRekeyed = await forgetLinkedExchangeItems(tx, mailboxId);
  await forgetFolderSyncStates(tx, mailboxId);
  // The Entra object id belongs to the old environment's directory; the new backend resolves its own.
  await forgetExchangeObjectId(tx, mailboxId);
  const subscriptionsRetired = await retireMailboxSubscriptions(tx, mailboxId);
  await writeJournal(tx, tenantId, [
    {
      mailboxId,
      objectKind: 'mailbox',
      outcome: 'info',
      reason: 'mailbox.environmentChanged',
      details: { from, to, linksRekeyed, subscriptionsRetired },
    },
  ]);
}

/** How many users one transaction of a bulk move takes: bounded so 10,000 users do not hold one long transaction. */
export const BULK_MOVE_BATCH = 200;

export interface BulkMoveBatch {
  /** Users moved by this batch. */
  moved: number;
  /** Initial loads (full resyncs) queued with them; enqueue after commit. */
  initialLoads: QueuedInitialLoad[];
}

/**
 * Moves up to `limit` users of environment `from` to environment `to` in the caller's transaction —
 * each exactly as `PATCH /users/{id}` with a new environmentId moves one (resetForEnvironmentMove),
 * plus the full resync the move procedure asks for (docs/exchange-online-setup.md "Switching an
 * environment from EWS to Graph", step 3) for every enabled user with an employee. Call it again
 * until it moves fewer than `limit`: users already moved no longer belong to `from`, so a bulk move
 * interrupted half-way is finished by running it again.
 */
export async function moveEnvironmentUsersBatch(
  tx: Tx,
  tenantId: string,
  move: { from: string; to: string; by: string },
  limit = BULK_MOVE_BATCH,
): Promise<BulkMoveBatch> {
  const rows = await moveMailboxesToEnvironment(tx, move.from, move.to, limit);
  const initialLoads: QueuedInitialLoad[] = [];
  for (const user of rows) {
    await resetForEnvironmentMove(tx, tenantId, user.id, move.from, move.to);
    if (user.enabled && user.employeeBp)
      initialLoads.push(
        await requestInitialLoad(tx, tenantId, user.id, { by: move.by, reason: 'environmentMove.bulk' }),
      );
  }
  return { moved: rows.length, initialLoads };
}

/**
 * Checks a bulk move before any user moves: both environments exist in the tenant and differ.
 * Returns the kinds, for the journal.
 */
export async function checkBulkMove(
  tx: Tx,
  move: { from: string; to: string },
): Promise<{ fromKind: string; toKind: string }> {
  if (move.from === move.to)
    throw new TandemError('VALIDATION_FAILED', 'The users are in this environment already', {
      fieldErrors: [{ path: 'to', message: 'choose another environment' }],
    });
  const rows = await environmentKinds(tx, [move.from, move.to]);
  const from = rows.find((r) => r.id === move.from);
  const to = rows.find((r) => r.id === move.to);
  if (!from) throw new TandemError('NOT_FOUND', `Environment ${move.from} not found`);
  if (!to)
    throw new TandemError('VALIDATION_FAILED', 'Unknown Exchange environment', {
      fieldErrors: [{ path: 'to', message: 'no such environment in this tenant' }],
    });
  return { fromKind: from.kind, toKind: to.kind };
}

/** The tenant-level journal entry of a finished bulk move (each user has its mailbox.environmentChanged). */
export async function journalBulkMove(
  tx: Tx,
  tenantId: string,
  details: {
    from: string;
    to: string;
    fromKind: string;
    toKind: string;
    moved: number;
    initialLoadsQueued: number;
    by: string;
  },
): Promise<void> {
  await writeJournal(tx, tenantId, [
    { objectKind: 'tenant', outcome: 'info', reason: 'environment.usersMoved', details },
  ]);
}
