import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { DEFAULT_LANE_CAPS, TenantLanes, type LaneCaps } from './tenant-lanes.js';

/**
 * Queue names and job payloads. Postgres holds the truth (the inbox); these jobs only say
 * "look at inbox row N", so losing Redis costs time (the sweeper re-enqueues), never data.
 */
export const INBOX_QUEUE = 'inbox';

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

export interface Queues {
  /** The BullMQ queue the worker consumes; producers enqueue through `lanes`. */
  inbox: Queue<InboxJobData>;
  /** Per-tenant admission into `inbox` (docs/operations.md "Fairness between tenants"). */
  lanes: TenantLanes;
  prefix: string;
  close(): Promise<void>;
}

export function createQueues(connection: Redis, prefix: string, caps: LaneCaps = DEFAULT_LANE_CAPS): Queues {
  const inbox = new Queue<InboxJobData>(INBOX_QUEUE, { connection, prefix });
  // The connection's own listener logs outages; without one here BullMQ prints each reconnect failure.
  inbox.on('error', () => undefined);
  return {
    inbox,
    lanes: new TenantLanes(connection, inbox, prefix, caps),
    prefix,
    async close() {
      await inbox.close();
    },
  };
}
