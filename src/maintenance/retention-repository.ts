import type { Tx } from '../store/transaction.js';

// Deletions of rows Tandem no longer needs. Retention and offboarding work across tenants, so every
// function here takes a system-scope transaction (withSystemScope); each call deletes one batch and
// returns how many rows went, so a caller can stop a run after any batch.

/** Handled (done) inbox rows older than `days`. */
export async function deleteDoneInboxRows(tx: Tx, days: number, batchSize: number): Promise<number> {
  const { rowCount } = await tx.query(
    `DELETE FROM inbox WHERE id IN (SELECT id FROM inbox WHERE status = 'done' AND done_at < now() - make_interval(secs => $1 * 86400.0) LIMIT $2)`,
    [days, batchSize],
  );
  return rowCount ?? 0;
}

/** Each active tenant with the days its journal is kept (its setting, else `defaultDays`). */
export async function journalRetentionOfTenants(tx: Tx, defaultDays: number): Promise<{ id: string; days: number }[]> {
  const { rows } = await tx.query<{ id: string; days: number }>(
    `SELECT id, coalesce((settings #>> '{retention,journalDays}')::int, $1) AS days FROM tenants WHERE state = 'active' ORDER BY id`,
    [defaultDays],
  );
  return rows;
}

/** A tenant's journal entries older than `days`. */
export async function deleteOldJournalEntries(
  tx: Tx,
  tenantId: string,
  days: number,
  batchSize: number,
): Promise<number> {
  const { rowCount } = await tx.query(
    `DELETE FROM journal WHERE id IN (SELECT id FROM journal WHERE tenant_id = $1 AND at < now() - make_interval(days => $2) LIMIT $3)`,
    [tenantId, days, batchSize],
  );
  return rowCount ?? 0;
}

/** Fencing tokens of subjects nobody claimed for a day. */
export async function deleteUnclaimedFences(tx: Tx, batchSize: number): Promise<number> {
  const { rowCount } = await tx.query(
    `DELETE FROM subject_fences WHERE ctid IN (SELECT ctid FROM subject_fences WHERE claimed_at < now() - interval '1 day' LIMIT $1)`,
    [batchSize],
  );
  return rowCount ?? 0;
}

/**
 * A tenant's own rows, biggest tables first, in batches (each its own transaction): one DELETE of
 * the tenant row would cascade through millions of journal rows in one statement and run into the
 * statement timeout. What is left afterwards (settings, environments, users) is small and goes
 * with the tenant row by ON DELETE CASCADE.
 */
export const TENANT_TABLES = [
  'journal',
  'inbox',
  'links',
  'subject_fences',
  'pending_deletions',
  'folder_sync_states',
  'subscriptions',
  'settings_audit',
] as const;

/** One batch of a tenant's rows in one of TENANT_TABLES. */
export async function deleteTenantRowsOf(
  tx: Tx,
  table: (typeof TENANT_TABLES)[number],
  tenantId: string,
  batchSize: number,
): Promise<number> {
  const { rowCount } = await tx.query(
    `DELETE FROM ${table} WHERE ctid IN (SELECT ctid FROM ${table} WHERE tenant_id = $1 LIMIT $2)`,
    [tenantId, batchSize],
  );
  return rowCount ?? 0;
}
