/** Where an inbox event came from. `system` = Tandem's own triggers (initial loads, catch-ups). */
export type InboxSource = 's4' | 'ews' | 'graph' | 'system';

/** An event as accepted at the edge, before it is stored. */
export interface NewInboxEvent {
  tenantId: string;
  source: InboxSource;
  /** Deduplication key within (tenant, source): the CloudEvent id, or a notification's own id. */
  eventId: string;
  /** What happened, e.g. `sap.s4.beh.appointment.v1.Appointment.Changed.v1` or `exchange.folder.changed`. */
  type: string;
  /** What the event is about; work on one subject is serialised and coalesced (built by subjects.ts). */
  subject: string;
  payload: unknown;
  correlationId: string;
  /** Debounce: don't start before this many ms (notifications for one folder collapse into one run). */
  delayMs?: number;
  /** Events with the same key share one queue job, which claims them all (see collapsingTrigger). */
  jobKey?: string;
}

/**
 * Timing for triggers that only say "look again" (Exchange notifications for a folder): all that
 * arrive for one subject within the same window are due at the same moment — one to two windows
 * later — and share one queue job, so a burst of pushes for a folder costs one job and one
 * catch-up per window instead of a job each (which mostly found the folder busy and had to wait).
 * Each event is still stored on its own; a job lost in Redis is replaced by the sweeper per row.
 */
export function collapsingTrigger(
  subject: string,
  windowMs: number,
  now = Date.now(),
): { delayMs: number; jobKey: string } {
  const due = (Math.floor(now / windowMs) + 2) * windowMs;
  // BullMQ refuses ':' in custom job ids.
  return { delayMs: due - now, jobKey: `collapsed-${subject.replaceAll(':', '_')}-${due}` };
}

export type InboxStatus = 'pending' | 'processing' | 'done' | 'dead';

/** A stored event: what was accepted, plus its processing state. */
export interface InboxRow extends Omit<NewInboxEvent, 'delayMs' | 'jobKey'> {
  id: number;
  status: InboxStatus;
  attempts: number;
  lastError: unknown;
  receivedAt: Date;
}
