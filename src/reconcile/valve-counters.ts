import type { Tx } from '../store/transaction.js';
import type { ValveCounters } from '../sync/index.js';

/**
 * The safety valve's memory: destructive actions executed recently (from the journal, which
 * records every one) and whether deletions already wait for an admin, per mailbox and tenant.
 */
export async function valveCounters(tx: Tx, mailboxId: string, windowMinutes: number): Promise<ValveCounters> {
  const { rows } = await tx.query<{ at: Date; mailbox_id: string | null }>(
    `SELECT at, mailbox_id FROM journal
      WHERE outcome = 'deleted' AND direction IN ('s4-to-exchange', 'exchange-to-s4') AND at > now() - make_interval(mins => $1)
      ORDER BY at DESC LIMIT 5000`,
    [windowMinutes],
  );
  const pending = await tx.query<{ mailbox: boolean; tenant: boolean }>(
    `SELECT bool_or(mailbox_id = $1) AS mailbox, bool_or(scope = 'tenant') AS tenant FROM pending_deletions WHERE state = 'pending'`,
    [mailboxId],
  );
  return {
    tenant: rows.map((r) => r.at.toISOString()),
    mailbox: rows.filter((r) => r.mailbox_id === mailboxId).map((r) => r.at.toISOString()),
    mailboxPending: pending.rows[0]?.mailbox ?? false,
    tenantPending: pending.rows[0]?.tenant ?? false,
  };
}
