import { logger } from '../logging/logger.js';
import type { Pool } from '../store/pool.js';
import {
  deleteDoneInboxRows,
  deleteOldJournalEntries,
  deleteTenantRowsOf,
  deleteUnclaimedFences,
  journalRetentionOfTenants,
  TENANT_TABLES,
} from './retention-repository.js';

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

/**
 * Deletes what Tandem no longer needs, in small batches: handled inbox rows older than
 * `inboxDoneDays` (open and dead rows stay until handled or retried), each tenant's journal
 * entries older than its retention, and fencing tokens of subjects nobody claimed for a day.
 * Safe to run on several workers at once (each batch deletes whatever is still there).
 */
export async function runRetention(pool: Pool, options: RetentionOptions): Promise<RetentionResult> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  const deadline = Date.now() + (options.maxRunMs ?? 20_000);
  const inbox = await inBatches(() => deleteDoneInboxRows(pool, options.inboxDoneDays, batchSize), batchSize, deadline);

  const tenants = await journalRetentionOfTenants(pool, options.journalDefaultDays);
  let journal = 0;
  for (const tenant of tenants) {
    if (Date.now() >= deadline) break;
    journal += await inBatches(
      () => deleteOldJournalEntries(pool, tenant.id, tenant.days, batchSize),
      batchSize,
      deadline,
    );
  }

  // A fence only matters while a job may still hold its subject; every claim writes a fresh token
  // (and a claimed_at at most an hour old, migration 020).
  const fences = await inBatches(() => deleteUnclaimedFences(pool, batchSize), batchSize, deadline);
  if (inbox || journal || fences) logger.info({ inbox, journal, fences }, 'retention removed old rows');
  return { inbox, journal, fences };
}

/** Deletes a tenant's rows of TENANT_TABLES (see there) in batches; returns the count per table. */
export async function deleteTenantRows(
  pool: Pool,
  tenantId: string,
  batchSize = DEFAULT_BATCH,
): Promise<Record<string, number>> {
  const deleted: Record<string, number> = {};
  for (const table of TENANT_TABLES) {
    deleted[table] = await inBatches(
      () => deleteTenantRowsOf(pool, table, tenantId, batchSize),
      batchSize,
      Number.POSITIVE_INFINITY,
    );
  }
  return deleted;
}
