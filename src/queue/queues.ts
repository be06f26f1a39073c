import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { InboxJobData } from './inbox-job.js';
import { DEFAULT_LANE_CAPS, TenantLanes, type LaneCaps } from './tenant-lanes.js';

/**
 * The inbox queue and its per-tenant lanes (the jobs themselves: inbox-job.ts). Postgres holds
 * the truth (the inbox); the jobs only say "look at inbox row N", so losing Redis costs time (the
 * sweeper re-enqueues), never data.
 */
export const INBOX_QUEUE = 'inbox';

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
