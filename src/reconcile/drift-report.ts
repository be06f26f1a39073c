import type { InboxWriter } from '../inbox/inbox-writer.js';
import { subjects } from '../inbox/subjects.js';
import { writeJournal, type JournalEntry } from '../journal/journal.js';
import type { Pool } from '../store/pool.js';
import { withTenant } from '../store/transaction.js';
import type { ActivityKind } from './activity-kinds.js';
import { subjectsAwaitingWork } from './drift-repository.js';
import type { TenantContexts } from './tenant-context.js';

/** Inbox event type of a drift finding; handled like the S/4 event it stands in for (handlers.ts). */
export const S4_DRIFT = 'tandem.s4.drift.';
export const driftType = (kind: DriftKind | 'businessPartner') => `${S4_DRIFT}${kind}`;

export type DriftKind = ActivityKind;

/** Where findings go: the inbox event type, the journal's object kind and the subject of a key. */
export interface DriftTarget {
  type: string;
  objectKind: 'appointment' | 'task' | 'contact';
  subject: (key: string) => string;
}

export const activityDrift = (kind: DriftKind): DriftTarget => ({
  type: driftType(kind),
  objectKind: kind,
  subject: (uuid) => subjects.activity(kind, uuid),
});

export interface DriftDeps {
  pool: Pool;
  contexts: TenantContexts;
  inbox: InboxWriter;
}

/** One drift finding: an S/4 object to reconcile as its lost event would have been. */
export interface DriftFinding {
  /** The object's S/4 key: an activity GUID or a business partner number. */
  uuid: string;
  /** The inbox event id: the same finding made twice is one event. */
  eventId: string;
  payload: Record<string, unknown>;
  reason: string;
  /** The users whose copies are concerned; one journal entry each (one without a user if none). */
  mailboxIds: string[];
  details: Record<string, unknown>;
}

/**
 * Queues each finding as an inbox event of type `tandem.s4.drift.<kind>` on the object's subject
 * (handlers.ts reconciles it exactly like the S/4 event it stands in for, so it serialises with
 * real events and the tenant's settings and the safety valve apply unchanged) and journals it as
 * `drift`. A finding whose subject still has an event waiting in the inbox is dropped: that event
 * was not lost, only not handled yet (a backlog after an outage), and its handler reads the object
 * fresh. Without this a backlog doubled itself with repair events and filled the journal with
 * drift entries for events that were merely late. Returns how many were queued.
 */
export async function reportDrift(
  deps: Pick<DriftDeps, 'pool' | 'inbox'>,
  tenantId: string,
  target: DriftTarget,
  allFindings: DriftFinding[],
): Promise<number> {
  if (allFindings.length === 0) return 0;
  const waiting = await withTenant(
    tenantId,
    (tx) =>
      subjectsAwaitingWork(
        tx,
        allFindings.map((finding) => target.subject(finding.uuid)),
      ),
    deps.pool,
  );
  const findings = allFindings.filter((finding) => !waiting.has(target.subject(finding.uuid)));
  if (findings.length === 0) return 0;
  const correlationId = `drift:${tenantId}:${target.objectKind}:${Date.now()}`;
  await deps.inbox.write(
    findings.map((finding) => ({
      tenantId,
      source: 'system' as const,
      eventId: finding.eventId,
      type: target.type,
      subject: target.subject(finding.uuid),
      payload: finding.payload,
      correlationId,
    })),
  );
  await withTenant(
    tenantId,
    (tx) =>
      writeJournal(
        tx,
        tenantId,
        findings.flatMap((finding) =>
          (finding.mailboxIds.length > 0 ? finding.mailboxIds : [undefined]).map((mailboxId): JournalEntry => ({
            correlationId,
            objectKind: target.objectKind,
            s4Key: finding.uuid,
            direction: 's4-to-exchange',
            outcome: 'drift',
            reason: finding.reason,
            ...(mailboxId ? { mailboxId } : {}),
            details: finding.details,
          })),
        ),
      ),
    deps.pool,
  );
  return findings.length;
}
