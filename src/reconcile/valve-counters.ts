import { recentDeletions } from '../journal/journal.js';
import { pendingDeletionFlags } from '../pending-deletions/pending-deletion-repository.js';
import type { Tx } from '../store/transaction.js';
import type { ValveCounters } from '../sync/index.js';

/**
 * The safety valve's memory: destructive actions executed recently (from the journal, which
 * records every one) and whether deletions already wait for an admin, per mailbox and tenant.
 */
export async function valveCounters(tx: Tx, mailboxId: string, windowMinutes: number): Promise<ValveCounters> {
  const rows = await recentDeletions(tx, windowMinutes);
  const pending = await pendingDeletionFlags(tx, mailboxId);
  return {
    tenant: rows.map((r) => r.at.toISOString()),
    mailbox: rows.filter((r) => r.mailbox_id === mailboxId).map((r) => r.at.toISOString()),
    mailboxPending: pending.mailboxPending,
    tenantPending: pending.tenantPending,
  };
}
