import { logger } from '../logging/logger.js';
import { type Queues } from '../queue/queues.js';
import { inboxJob, inboxJobId } from '../queue/inbox-job.js';
import type { Pool } from '../store/pool.js';
import { withSystemScope } from '../store/transaction.js';
import { writeJournal } from '../journal/journal.js';
import { jobsProcessed } from '../observability/metrics.js';
import { groupBy } from '../util/group-by.js';
import { MAX_WORKER_DEATHS, poisonJournalEntries, sweepStaleRows } from './inbox-repository.js';

export interface SweepOptions {
  /** A pending row whose due time passed this long ago without being picked up is presumed lost in Redis. */
  graceMs: number;
  /** A processing row untouched this long belongs to a worker that died. */
  processingLeaseMs: number;
  batchSize: number;
  /** Worker deaths after which an abandoned row becomes a dead letter (default MAX_WORKER_DEATHS). */
  maxWorkerDeaths?: number;
}

export const DEFAULT_SWEEP_OPTIONS: SweepOptions = {
  graceMs: 30_000,
  processingLeaseMs: 10 * 60_000,
  batchSize: 1_000,
};

/**
 * Makes Postgres the source of truth: rows that are neither done nor dead but have no live job
 * (Redis flushed or failed over, a crash between commit and enqueue, a worker killed mid-job) are
 * enqueued again. Enqueueing is idempotent by job id, so sweeping a row that does have a job is harmless.
 */
export async function sweepInbox(
  pool: Pool,
  queues: Pick<Queues, 'inbox' | 'lanes'>,
  options: SweepOptions = DEFAULT_SWEEP_OPTIONS,
): Promise<number> {
  const swept = await withSystemScope(async (tx) => {
    const rows = await sweepStaleRows(tx, {
      ...options,
      maxWorkerDeaths: options.maxWorkerDeaths ?? MAX_WORKER_DEATHS,
    });
    const poisoned = rows.filter((row) => row.status === 'dead');
    for (const [tenantId, entries] of groupBy(poisoned, (row) => row.tenantId))
      await writeJournal(tx, tenantId, poisonJournalEntries(entries));
    return rows;
  }, pool);
  const stale = swept.filter((row) => row.status !== 'dead');
  const poisoned = swept.length - stale.length;
  if (poisoned > 0) {
    jobsProcessed.inc({ queue: 'inbox', outcome: 'dead' }, poisoned);
    logger.error({ count: poisoned }, 'inbox rows whose workers kept dying became dead letters (WORKER_DIED)');
  }
  // Concurrent calls share ioredis's pipeline: a batch costs a few round trips, not two per row.
  await Promise.all(stale.map(async (row) => clearDeadJob(queues.inbox, inboxJobId(row.id))));
  // Through the tenant lanes like every enqueue: a row whose job is parked stays parked (no-op).
  await queues.lanes.addBulk(stale.map((row) => inboxJob(row)));
  if (stale.length > 0) logger.info({ count: stale.length }, 'sweeper re-enqueued inbox rows');
  return stale.length;
}

/**
 * BullMQ ignores an add whose job id it still holds, so a job that will never run again would
 * keep its row from being queued: one that failed for good while its row was not marked (a crash),
 * or one left in no list at all when Redis lost only some of its keys (the job's hash survived,
 * its place in the wait list did not). Such a job is removed so the sweeper's add takes. A job
 * still waiting, delayed or active is left alone; one whose lock is held cannot be removed and
 * stays too (its worker is on it).
 */
async function clearDeadJob(queue: Queues['inbox'], jobId: string): Promise<void> {
  const existing = await queue.getJob(jobId);
  if (!existing) return;
  const state = await existing.getState();
  if (state !== 'failed' && state !== 'completed' && state !== 'unknown') return;
  await existing.remove().catch((error: unknown) => {
    logger.warn(
      { err: error, jobId },
      'sweeper could not remove a job that will not run; it tries again when the row is swept again',
    );
  });
}
