import { logger } from '../logging/logger.js';
import type { Pool } from '../store/pool.js';
import { withSystemScope } from '../store/transaction.js';

export interface RetentionOptions {
  /** Days a handled (done) inbox row is kept. */
  inboxDoneDays: number;
  /** Journal days for tenants without their own setting (settings.retention.journalDays). */
  journalDefaultDays: number;
  /** Rows per DELETE: each batch is its own short transaction, far below the statement timeout. */
  batchSize?: number;
  /** Stop after this long; the next run continues (default 20 s). */
  maxRunMs?: number;
}

export interface RetentionResult {
  inbox: number;
  journal: number;
  fences: number;
}

const DEFAULT_BATCH = 5_000;

/** Runs `deleteBatch` until it deletes fewer than a batch or the deadline passes; returns the total. */
async function inBatches(deleteBatch: () => Promise<number>, batchSize: number, deadline: number): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await deleteBatch();
    total += deleted;
    if (deleted < batchSize || Date.now() >= deadline) return total;
  }
}

const deleteCount = async (pool: Pool, sql: string, params: unknown[]) =>
  withSystemScope(async (tx) => (await tx.query(sql, params)).rowCount ?? 0, pool);

/**
 * Deletes what Tandem no longer needs, in small batches: handled inbox rows older than
 * `inboxDoneDays` (open and dead rows stay until handled or retried), each tenant's journal
 * entries older than its retention, and fencing tokens of subjects nobody claimed for a day.
 * Safe to run on several workers at once (each batch deletes whatever is still there).
 */
export async function runRetention(pool: Pool, options: RetentionOptions): Promise<RetentionResult> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  const deadline = Date.now() + (options.maxRunMs ?? 20_000);
  const inbox = await inBatches(
    () =>
      deleteCount(
        pool,
        `DELETE FROM inbox WHERE id IN (SELECT id FROM inbox WHERE status = 'done' AND done_at < now() - make_interval(secs => $1 * 86400.0) LIMIT $2)`,
        [options.inboxDoneDays, batchSize],
      ),
    batchSize,
    deadline,
  );

  const tenants = await withSystemScope(
    async (tx) =>
      (
        await tx.query<{ id: string; days: number }>(
          `SELECT id, coalesce((settings #>> '{retention,journalDays}')::int, $1) AS days FROM tenants WHERE state = 'active' ORDER BY id`,
          [options.journalDefaultDays],
        )
      ).rows,
    pool,
  );
  let journal = 0;
  for (const tenant of tenants) {
    if (Date.now() >= deadline) break;
    journal += await inBatches(
      () =>
        deleteCount(
          pool,
          `DELETE FROM journal WHERE id IN (SELECT id FROM journal WHERE tenant_id = $1 AND at < now() - make_interval(days => $2) LIMIT $3)`,
          [tenant.id, tenant.days, batchSize],
        ),
      batchSize,
      deadline,
    );
  }

  // A fence only matters while a job may still hold its subject; every claim writes a fresh one.
  const fences = await inBatches(
    () =>
      deleteCount(
        pool,
        `DELETE FROM subject_fences WHERE ctid IN (SELECT ctid FROM subject_fences WHERE claimed_at < now() - interval '1 day' LIMIT $1)`,
        [batchSize],
      ),
    batchSize,
    deadline,
  );
  if (inbox || journal || fences) logger.info({ inbox, journal, fences }, 'retention removed old rows');
  return { inbox, journal, fences };
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

export async function deleteTenantRows(
  pool: Pool,
  tenantId: string,
  batchSize = DEFAULT_BATCH,
): Promise<Record<string, number>> {
  const deleted: Record<string, number> = {};
  for (const table of TENANT_TABLES) {
    deleted[table] = await inBatches(
      () =>
        deleteCount(
          pool,
          `DELETE FROM ${table} WHERE ctid IN (SELECT ctid FROM ${table} WHERE tenant_id = $1 LIMIT $2)`,
          [tenantId, batchSize],
        ),
      batchSize,
      Number.POSITIVE_INFINITY,
    );
  }
  return deleted;
}
