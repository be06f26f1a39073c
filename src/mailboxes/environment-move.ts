import { writeJournal } from '../journal/journal.js';
import type { Tx } from '../store/transaction.js';

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
  const links = await tx.query(
    `UPDATE links SET exchange_item_id = NULL, change_key = NULL, updated_at = now() WHERE mailbox_id = $1 AND exchange_item_id IS NOT NULL`,
    [mailboxId],
  );
  await tx.query('DELETE FROM folder_sync_states WHERE mailbox_id = $1', [mailboxId]);
  // The Entra object id belongs to the old environment's directory; the new backend resolves its own.
  await tx.query('UPDATE mailboxes SET exchange_object_id = NULL WHERE id = $1', [mailboxId]);
  const subscriptions = await tx.query(
    `UPDATE subscriptions SET state = 'retired', updated_at = now() WHERE mailbox_id = $1 AND state <> 'retired'`,
    [mailboxId],
  );
  await writeJournal(tx, tenantId, [
    {
      mailboxId,
      objectKind: 'mailbox',
      outcome: 'info',
      reason: 'mailbox.environmentChanged',
      details: { from, to, linksRekeyed: links.rowCount ?? 0, subscriptionsRetired: subscriptions.rowCount ?? 0 },
    },
  ]);
}
