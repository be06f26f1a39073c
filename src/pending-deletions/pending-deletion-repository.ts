import type { Pool } from '../store/pool.js';
import { withSystemScope, type Tx } from '../store/transaction.js';

/** A deletion the safety valve holds until an administrator confirms or rejects it. */
export interface PendingDeletionRow {
  id: number;
  mailboxId: string | null;
  scope: 'mailbox' | 'tenant';
  kind: string;
  s4Key: string | null;
  exchangeItemId: string | null;
  summary: string;
  createdAt: Date;
}

/** A destructive action the safety valve holds back, with the follow-ups to run once it is confirmed. */
export interface HeldDeletion {
  tenantId: string;
  mailboxId: string;
  scope: 'mailbox' | 'tenant';
  kind: string;
  s4Key: string | null;
  exchangeItemId: string | null;
  /** What an administrator reads in the cockpit before confirming. */
  summary: string;
  action: unknown;
  followUps: unknown[];
}

/** Holds a deletion until an administrator confirms or rejects it. */
export async function holdDeletion(tx: Tx, held: HeldDeletion): Promise<void> {
  await tx.query(
    `INSERT INTO pending_deletions (tenant_id, mailbox_id, scope, kind, s4_key, exchange_item_id, summary, action, follow_ups)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      held.tenantId,
      held.mailboxId,
      held.scope,
      held.kind,
      held.s4Key,
      held.exchangeItemId,
      held.summary,
      JSON.stringify(held.action),
      JSON.stringify(held.followUps),
    ],
  );
}

/** The oldest held deletions of the transaction's tenant (a bounded page: the screen shows the first 500). */
export async function listPendingDeletions(tx: Tx, limit = 500): Promise<PendingDeletionRow[]> {
  const { rows } = await tx.query<{
    id: number;
    mailbox_id: string | null;
    scope: 'mailbox' | 'tenant';
    kind: string;
    s4_key: string | null;
    exchange_item_id: string | null;
    summary: string;
    created_at: Date;
  }>(
    `SELECT id, mailbox_id, scope, kind, s4_key, exchange_item_id, summary, created_at FROM pending_deletions WHERE state = 'pending' ORDER BY id LIMIT $1`,
    [limit],
  );
  return rows.map((r) => ({
    id: r.id,
    mailboxId: r.mailbox_id,
    scope: r.scope,
    kind: r.kind,
    s4Key: r.s4_key,
    exchangeItemId: r.exchange_item_id,
    summary: r.summary,
    createdAt: r.created_at,
  }));
}

/**
 * Records an administrator's decision on a held deletion; the settle run carries it out. Only a
 * still-pending deletion can be decided: returns false when there is none with that id.
 */
export async function decidePendingDeletion(
  tx: Tx,
  id: number,
  state: 'confirmed' | 'rejected',
  decidedBy: string,
): Promise<boolean> {
  const { rows } = await tx.query<{ id: number }>(
    `UPDATE pending_deletions SET state = $2, decided_by = $3, decided_at = now() WHERE id = $1 AND state = 'pending' RETURNING id`,
    [id, state, decidedBy],
  );
  return rows.length > 0;
}

/** Whether deletions wait for an admin: any of this mailbox, any of tenant scope. */
export async function pendingDeletionFlags(
  tx: Tx,
  mailboxId: string,
): Promise<{ mailboxPending: boolean; tenantPending: boolean }> {
  const { rows } = await tx.query<{ mailbox: boolean; tenant: boolean }>(
    `SELECT bool_or(mailbox_id = $1) AS mailbox, bool_or(scope = 'tenant') AS tenant FROM pending_deletions WHERE state = 'pending'`,
    [mailboxId],
  );
  return { mailboxPending: rows[0]?.mailbox ?? false, tenantPending: rows[0]?.tenant ?? false };
}

/** A deletion an admin confirmed or rejected, waiting to be carried out. */
export interface DecidedDeletionRecord<Kind extends string, Action> {
  id: number;
  tenant_id: string;
  mailbox_id: string | null;
  kind: Kind;
  s4_key: string | null;
  action: Action;
  state: 'confirmed' | 'rejected';
  decided_by: string | null;
}

/** The oldest `limit` decided deletions of all tenants. */
export async function decidedPendingDeletions<Kind extends string, Action>(
  pool: Pool,
  limit: number,
): Promise<DecidedDeletionRecord<Kind, Action>[]> {
  // The settling job serves every tenant: system scope.
  return withSystemScope(async (tx) => {
    const { rows } = await tx.query<DecidedDeletionRecord<Kind, Action>>(
      `SELECT id, tenant_id, mailbox_id, kind, s4_key, action, state, decided_by FROM pending_deletions WHERE state IN ('confirmed', 'rejected') ORDER BY id LIMIT $1`,
      [limit],
    );
    return rows;
  }, pool);
}

export async function markPendingDeletionDone(tx: Tx, id: number): Promise<void> {
  await tx.query(`UPDATE pending_deletions SET state = 'done' WHERE id = $1`, [id]);
}
