import type { Pool } from '../store/pool.js';
import { withTenant } from '../store/transaction.js';
import { saveS4Heartbeat } from './s4-connection-repository.js';

export interface HeartbeatInput {
  eventId: string;
  source: string;
  time?: string | undefined;
  data: Record<string, unknown>;
}

/** Keeps only the newest heartbeat per tenant; an older one arriving late does not replace it. */
export async function recordS4Heartbeats(pool: Pool, tenantId: string, heartbeats: HeartbeatInput[]): Promise<void> {
  if (heartbeats.length === 0) return;
  const newest = heartbeats.reduce((a, b) => ((b.time ?? '') > (a.time ?? '') ? b : a));
  await withTenant(
    tenantId,
    (tx) =>
      saveS4Heartbeat(tx, tenantId, {
        sentAt: newest.time ?? null,
        source: newest.source,
        eventId: newest.eventId,
        pendingEvents: Number(newest.data.PendingEvents ?? 0),
        failedEvents: Number(newest.data.FailedEvents ?? 0),
      }),
    pool,
  );
}
