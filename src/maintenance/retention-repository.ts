import type { Pool } from '../store/pool.js';
import { withSystemScope } from '../store/transaction.js';

// Deletions of rows Tandem no longer needs. Retention and offboarding work across tenants, so every
// function here takes the pool and runs in a system-scope transaction of its own; each call deletes
// one batch and returns how many rows went, so a caller can stop a run after any batch and no
// transaction grows long enough to meet the statement timeout.

/** Handled (done) inbox rows older than `days`. */
export async function deleteDoneInboxRows(pool: Pool, days: number, batchSize: number): Promise<number> {
  // One batch, one short system-scope transaction.
  return withSystemScope(async (tx) => {
    const { rowCount } = await tx.query(
      `DELETE FROM inbox WHERE id IN (SELECT id FROM inbox WHERE status = 'done' AND done_at < now() - make_interval(secs => $1 * 86400.0) LIMIT $2)`,
      [days, batchSize],
    );
    return rowCount ?? 0;
  }, pool);
}

/** Each active tenant with the days its journal is kept (its setting, else `defaultDays`). */
export async function journalRetentionOfTenants(
  pool: Pool,
  defaultDays: number,
): Promise<{ id: string; days: number }[]> {
  // Every tenant: system scope.
  return withSystemScope(async (tx) => {
    const { rows } = await tx.query<{ id: string; days: number }>(
      `SELECT id, coalesce((settings #>> '{retention,journalDays}')::int, $1) AS days FROM tenants WHERE state = 'active' ORDER BY id`,
      [defaultDays],
    );
    return rows;
  }, pool);
}

/** A tenant's journal entries older than `days`. */
export async function deleteOldJournalEntries(
  pool: Pool,
  tenantId: string,
  days: number,
  batchSize: number,
): Promise<number> {
  // One batch, one short system-scope transaction.
  return withSystemScope(async (tx) => {
    const { rowCount } = await tx.query(
      `DELETE FROM journal WHERE id IN (SELECT id FROM journal WHERE tenant_id = $1 AND at < now() - make_interval(days => $2) LIMIT $3)`,
      [tenantId, days, batchSize],
    );
    return rowCount ?? 0;
  }, pool);
}

/** Fencing tokens of subjects nobody claimed for a day. */
export async function deleteUnclaimedFences(pool: Pool, batchSize: number): Promise<number> {
  // One batch, one short system-scope transaction.
  return withSystemScope(async (tx) => {
    const { rowCount } = await tx.query(
      `DELETE FROM subject_fences WHERE ctid IN (SELECT ctid FROM subject_fences WHERE claimed_at < now() - interval '1 day' LIMIT $1)`,
      [batchSize],
    );
    return rowCount ?? 0;
  }, pool);
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
  pool: Pool,
  table: (typeof TENANT_TABLES)[number],
  tenantId: string,
  batchSize: number,
): Promise<number> {
  // One batch, one short system-scope transaction.
  return withSystemScope(async (tx) => {
    const { rowCount } = await tx.query(
      `DELETE FROM ${table} WHERE ctid IN (SELECT ctid FROM ${table} WHERE tenant_id = $1 LIMIT $2)`,
      [tenantId, batchSize],
    );
    return rowCount ?? 0;
  }, pool);
}
