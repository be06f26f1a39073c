import type { Tx } from '../store/transaction.js';

// What the S/4 connection test reads: the newest heartbeat of the tenant's S/4 event sender.

/** The newest heartbeat of a tenant's S/4 event sender (sap.s4.tandem.heartbeat.v1). */
export interface S4Heartbeat {
  receivedAt: string;
  sentAt: string | null;
  source: string;
  eventId: string;
  pendingEvents: number;
  failedEvents: number;
}

/** Stores a heartbeat unless a newer one (by the sender's time) is stored already. */
export async function saveS4Heartbeat(
  tx: Tx,
  tenantId: string,
  heartbeat: Omit<S4Heartbeat, 'receivedAt'>,
): Promise<void> {
  await tx.query(
    `INSERT INTO s4_heartbeats (tenant_id, received_at, sent_at, source, event_id, pending_events, failed_events)
     VALUES ($1, now(), $2, $3, $4, $5, $6)
     ON CONFLICT (tenant_id) DO UPDATE SET received_at = excluded.received_at, sent_at = excluded.sent_at, source = excluded.source,
       event_id = excluded.event_id, pending_events = excluded.pending_events, failed_events = excluded.failed_events
     WHERE s4_heartbeats.sent_at IS NULL OR excluded.sent_at IS NULL OR excluded.sent_at >= s4_heartbeats.sent_at`,
    [tenantId, heartbeat.sentAt, heartbeat.source, heartbeat.eventId, heartbeat.pendingEvents, heartbeat.failedEvents],
  );
}

export async function lastS4Heartbeat(tx: Tx): Promise<S4Heartbeat | undefined> {
  const { rows } = await tx.query<{
    received_at: Date;
    sent_at: Date | null;
    source: string;
    event_id: string;
    pending_events: number;
    failed_events: number;
  }>('SELECT received_at, sent_at, source, event_id, pending_events, failed_events FROM s4_heartbeats');
  const row = rows[0];
  if (!row) return undefined;
  return {
    receivedAt: row.received_at.toISOString(),
    sentAt: row.sent_at?.toISOString() ?? null,
    source: row.source,
    eventId: row.event_id,
    pendingEvents: row.pending_events,
    failedEvents: row.failed_events,
  };
}
