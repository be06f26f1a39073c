import { z } from 'zod';

/**
 * Which S/4 object an event is about, by event type. The subject keys the inbox: work on one
 * object is serialised and repeated events for it coalesce. Event types and payloads are the ones
 * the S/4 side posts (docs/s4-setup.md).
 */
const guid = z.string().regex(/^[0-9A-Fa-f]{8}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{12}$/, 'must be a GUID');
const bpNumber = z.string().regex(/^[A-Za-z0-9]{1,10}$/, 'must be a business partner number (up to 10 characters)');

const families = [
  { prefix: 'sap.s4.beh.appointment.v1.Appointment.', schema: z.object({ ActivityUUID: guid }).loose(),
    subject: (data: { ActivityUUID: string }) => `s4:appointment:${data.ActivityUUID.toLowerCase()}` },
  { prefix: 'sap.s4.beh.task.v1.Task.', schema: z.object({ ActivityUUID: guid }).loose(),
    subject: (data: { ActivityUUID: string }) => `s4:task:${data.ActivityUUID.toLowerCase()}` },
  { prefix: 'sap.s4.beh.businesspartner.v1.BusinessPartner.', schema: z.object({ BusinessPartner: bpNumber }).loose(),
    subject: (data: { BusinessPartner: string }) => `s4:bp:${data.BusinessPartner}` },
  { prefix: 'sap.s4.beh.bprelationship.v1.BPRelationship.',
    schema: z.object({ BusinessPartner1: bpNumber, BusinessPartner2: bpNumber, RelationshipCategory: z.string().min(1).max(10) }).loose(),
    // A relationship change alters which contacts belong in an employee's mailbox: serialise per employee side.
    subject: (data: { BusinessPartner1: string }) => `s4:bp-relationships:${data.BusinessPartner1}` },
] as const;

const ACTIONS = ['Created.v1', 'Changed.v1', 'Deleted.v1'];

/**
 * Sent by Tandem's S/4 event sender (abap/, job ZTANDEM_EVENT_SENDER) every few minutes: proves the
 * SM59 destination and the job work although nothing changed. Not an object event: it is recorded
 * as the tenant's last heartbeat, never queued.
 */
export const S4_HEARTBEAT_TYPE = 'sap.s4.tandem.heartbeat.v1';
export const S4_HEARTBEAT_SUBJECT = 's4:heartbeat';
const heartbeatData = z.object({
  PendingEvents: z.number().int().nonnegative(),
  FailedEvents: z.number().int().nonnegative(),
}).loose();

export type SubjectResult = { ok: true; subject: string } | { ok: false; message: string; path?: string };

export function s4EventSubject(type: string, data: unknown): SubjectResult {
  if (type === S4_HEARTBEAT_TYPE) {
    const parsed = heartbeatData.safeParse(data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return { ok: false, path: ['data', ...issue.path].join('.'), message: issue.message };
    }
    return { ok: true, subject: S4_HEARTBEAT_SUBJECT };
  }
  const family = families.find((candidate) => type.startsWith(candidate.prefix));
  if (!family || !ACTIONS.includes(type.slice(family.prefix.length))) {
    return { ok: false, path: 'type', message: `unsupported event type "${type}"` };
  }
  const parsed = family.schema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, path: ['data', ...issue.path].join('.'), message: issue.message };
  }
  return { ok: true, subject: (family.subject as (d: unknown) => string)(parsed.data) };
}
