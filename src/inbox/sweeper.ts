import type { Queue } from 'bullmq';
import { logger } from '../logging/logger.js';
import { inboxJob, inboxJobId, type InboxJobData } from '../queue/queues.js';
import type { Pool } from '../store/pool.js';
import { withSystemScope } from '../store/transaction.js';

export interface SweepOptions {
  /** A pending row whose due time passed this long ago without being picked up is presumed lost in Redis. */
  graceMs: number;
  /** A processing row untouched this long belongs to a worker that died. */
  processingLeaseMs: number;
  batchSize: number;
}

export const DEFAULT_SWEEP_OPTIONS: SweepOptions = { graceMs: 30_000, processingLeaseMs: 10 * 60_000, batchSize: 1_000 };

/**
 * Makes Postgres the source of truth: rows that are neither done nor dead but have no live job
 * (Redis flushed or failed over, a crash between commit and enqueue, a worker killed mid-job) are
 * enqueued again. Enqueueing is idempotent by job id, so sweeping a row that does have a job is harmless.
 */
export async function sweepInbox(pool: Pool, queue: Queue<InboxJobData>, options: SweepOptions = DEFAULT_SWEEP_OPTIONS): Promise<number> {
  const stale = await withSystemScope(async (tx) => {
    const { rows } = await tx.query<{ id: number; tenant_id: string; correlation_id: string; type: string; subject: string }>(
      `UPDATE inbox SET next_attempt_at = now(), status = 'pending', updated_at = now()
        WHERE id IN (
          SELECT id FROM inbox
           WHERE (status = 'pending' AND next_attempt_at < now() - make_interval(secs => $1 / 1000.0))
              OR (status = 'processing' AND updated_at < now() - make_interval(secs => $2 / 1000.0))
           ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED)
        RETURNING id, tenant_id, correlation_id, type, subject`,
      [options.graceMs, options.processingLeaseMs, options.batchSize]);
    return rows;
  }, pool);
  // Concurrent calls share ioredis's pipeline: a batch costs a few round trips, not two per row.
  await Promise.all(stale.map(async (row) => {
    // A job that failed for good but whose row was not marked (crash) would block the id; clear it.
    const existing = await queue.getJob(inboxJobId(row.id));
    if (existing && (await existing.isFailed())) await existing.remove();
    const job = inboxJob({ id: row.id, tenantId: row.tenant_id, type: row.type, subject: row.subject, correlationId: row.correlation_id });
    await queue.add(job.name, job.data, job.opts);
  }));
  if (stale.length > 0) logger.info({ count: stale.length }, 'sweeper re-enqueued inbox rows');
  return stale.length;
}
