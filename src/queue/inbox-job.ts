import type { JobsOptions } from 'bullmq';

/**
 * Inbox jobs: what a job carries, its id, retries and priority, and the one way to make one from
 * an inbox row. A job only says "look at inbox row N"; the row in Postgres is the truth.
 */

/**
 * Payload of every inbox job. `version` lets a newer worker recognise old payloads after a deploy.
 * The subject travels with the job so a worker can see that its subject is busy (and step aside)
 * without reading the row first.
 */
export interface InboxJobData {
  version: 1;
  tenantId: string;
  inboxId: number;
  subject: string;
  correlationId: string;
}

/** Deterministic job id: enqueueing the same row twice is a no-op in BullMQ. */
export function inboxJobId(inboxId: number): string {
  return `inbox-${inboxId}`;
}

/** Retries with exponential backoff and jitter; after the last attempt the row becomes a dead letter. */
export const INBOX_JOB_ATTEMPTS = 8;
export const INBOX_BACKOFF_BASE_MS = 1_000;
export const INBOX_BACKOFF_MAX_MS = 10 * 60_000;

/** Full jitter (AWS architecture blog, "Exponential Backoff And Jitter"): spreads retry storms. */
export function backoffDelay(
  attempt: number,
  baseMs = INBOX_BACKOFF_BASE_MS,
  maxMs = INBOX_BACKOFF_MAX_MS,
  random = Math.random,
): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export function inboxJobOptions(inboxId: number, delayMs = 0, jobKey?: string): JobsOptions {
  return {
    jobId: jobKey ?? inboxJobId(inboxId),
    attempts: INBOX_JOB_ATTEMPTS,
    backoff: { type: 'tandem' },
    delay: delayMs,
    // Completed jobs go away so the sweeper may enqueue a row again if it was reopened (admin retry).
    removeOnComplete: true,
    removeOnFail: { age: 24 * 3600, count: 10_000 },
  };
}

/**
 * BullMQ serves jobs without a priority before prioritized ones: bulk work (initial loads, the
 * daily series pass, drift-check repairs) waits while events are waiting, so one tenant's bulk
 * work never delays another tenant's live changes. Bulk work still runs whenever the queue has no
 * events; the busy-subject and continuation re-queues keep the priority.
 */
export const BULK_PRIORITY = 10;

export function isBulkWork(row: { type: string; correlationId: string }): boolean {
  return row.type.startsWith('tandem.mailbox.') || row.correlationId.startsWith('drift:');
}

/** The one way to turn an inbox row into its job (writer, sweeper and admin retry all enqueue this). */
export function inboxJob(
  row: {
    id: number;
    tenantId: string;
    type: string;
    subject: string;
    correlationId: string;
    jobKey?: string | undefined;
  },
  delayMs = 0,
) {
  return {
    name: row.type,
    data: {
      version: 1 as const,
      tenantId: row.tenantId,
      inboxId: row.id,
      subject: row.subject,
      correlationId: row.correlationId,
    },
    opts: { ...inboxJobOptions(row.id, delayMs, row.jobKey), ...(isBulkWork(row) ? { priority: BULK_PRIORITY } : {}) },
  };
}

export type InboxJob = ReturnType<typeof inboxJob>;

/** Where producers put inbox jobs: TenantLanes (fair between tenants), never the BullMQ queue directly. */
export interface InboxEnqueuer {
  addBulk(jobs: InboxJob[]): Promise<unknown>;
}
