import { z } from 'zod';
import { subjects } from './subjects.js';

/**
 * The S/4 event contract: the one definition of the CloudEvents S/4HANA posts to `POST /s4/events`
 * (see docs/s4-setup.md, "Event types and payload"). Ingestion validates with it and the ABAP
 * payload tests check the function module's output against it. The S/4 emulator keeps its own
 * sender on purpose (it imports nothing from the service), so an end-to-end test catches the two
 * drifting apart.
 *
 * Events are triggers: `data` only names the object; Tandem always re-reads it over OData.
 *
 * Rules, and why:
 * - Envelope: CloudEvents 1.0, structured JSON mode (github.com/cloudevents/spec, v1.0.2 spec.md,
 *   "Context Attributes"): `specversion` "1.0", `id`, `source`, `type` REQUIRED; `time` OPTIONAL
 *   (RFC 3339 when present), `datacontenttype` and `subject` OPTIONAL; extension attributes pass.
 * - ActivityUUID: the CRM one-order GUID (CRMT_OBJECT_GUID, a RAW16). ABAP renders it as 32 hex
 *   digits without hyphens (GUID_32, what `cl_system_uuid` and a plain `WRITE` give); the OData API
 *   (Edm.Guid) and the emulator send the hyphenated 8-4-4-4-12 form. Both are accepted, any case,
 *   and normalised to lowercase hyphenated, the form OData reads and links store, so both spellings
 *   of one activity meet on one inbox subject.
 * - BusinessPartner, BusinessPartner1/2: BU_PARTNER is CHAR10 and may be alphanumeric with external
 *   numbering: 1 to 10 letters or digits.
 * - RelationshipCategory: BU_RELTYP is CHAR6 (e.g. BUR001, BUR011).
 * - ProcessType (informational): CRMT_PROCESS_TYPE is CHAR4.
 * - The heartbeat of Tandem's own event sender (abap/, job ZTANDEM_EVENT_SENDER) is no object event:
 *   it proves the SM59 destination and the job work although nothing changed, and is recorded as
 *   the tenant's last heartbeat, never queued.
 */

export const S4_EVENT_TYPES = {
  appointment: {
    created: 'sap.s4.beh.appointment.v1.Appointment.Created.v1',
    changed: 'sap.s4.beh.appointment.v1.Appointment.Changed.v1',
    deleted: 'sap.s4.beh.appointment.v1.Appointment.Deleted.v1',
  },
  task: {
    created: 'sap.s4.beh.task.v1.Task.Created.v1',
    changed: 'sap.s4.beh.task.v1.Task.Changed.v1',
    deleted: 'sap.s4.beh.task.v1.Task.Deleted.v1',
  },
  businessPartner: {
    created: 'sap.s4.beh.businesspartner.v1.BusinessPartner.Created.v1',
    changed: 'sap.s4.beh.businesspartner.v1.BusinessPartner.Changed.v1',
    deleted: 'sap.s4.beh.businesspartner.v1.BusinessPartner.Deleted.v1',
  },
  relationship: {
    created: 'sap.s4.beh.bprelationship.v1.BPRelationship.Created.v1',
    changed: 'sap.s4.beh.bprelationship.v1.BPRelationship.Changed.v1',
    deleted: 'sap.s4.beh.bprelationship.v1.BPRelationship.Deleted.v1',
  },
} as const;

export type S4EventObject = keyof typeof S4_EVENT_TYPES;
export type S4EventAction = 'created' | 'changed' | 'deleted';

/** The prefix every event type of one object kind starts with (inbox handlers register by prefix). */
export const S4_EVENT_TYPE_PREFIX: Record<S4EventObject, string> = {
  appointment: 'sap.s4.beh.appointment.',
  task: 'sap.s4.beh.task.',
  businessPartner: 'sap.s4.beh.businesspartner.',
  relationship: 'sap.s4.beh.bprelationship.',
};

/** Which object kind and action an event type names; undefined for types Tandem does not take. */
export function classifyS4EventType(type: string): { object: S4EventObject; action: S4EventAction } | undefined {
  for (const [object, actions] of Object.entries(S4_EVENT_TYPES) as [S4EventObject, Record<S4EventAction, string>][]) {
    for (const [action, t] of Object.entries(actions) as [S4EventAction, string][]) {
      if (t === type) return { object, action };
    }
  }
  return undefined;
}

export const S4_HEARTBEAT_TYPE = 'sap.s4.tandem.heartbeat.v1';
/** Marks a heartbeat among parsed events; never written to the inbox. */
export const S4_HEARTBEAT_SUBJECT = 's4:heartbeat';
const heartbeatDataSchema = z
  .object({
    PendingEvents: z.number().int().nonnegative(),
    FailedEvents: z.number().int().nonnegative(),
  })
  .loose();

const GUID_32 = /^[0-9A-Fa-f]{32}$/;
const GUID_HYPHENATED = /^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/;

/** `D44EAAE1AB6F442CAEB464E2C35497CC` or `d44eaae1-ab6f-…` → `d44eaae1-ab6f-442c-aeb4-64e2c35497cc`. */
export function normaliseActivityGuid(value: string): string {
  const hex = value.replaceAll('-', '').toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const activityGuid = z
  .string()
  .refine((v) => GUID_32.test(v) || GUID_HYPHENATED.test(v), 'must be a GUID')
  .transform(normaliseActivityGuid);
const bpNumber = z.string().regex(/^[A-Za-z0-9]{1,10}$/, 'must be a business partner number (up to 10 characters)');

export const activityEventDataSchema = z
  .object({
    ActivityUUID: activityGuid,
    ProcessType: z.string().max(4, 'must be a process type (up to 4 characters)').nullish(),
  })
  .loose();
export const businessPartnerEventDataSchema = z.object({ BusinessPartner: bpNumber }).loose();
export const relationshipEventDataSchema = z
  .object({
    BusinessPartner1: bpNumber,
    BusinessPartner2: bpNumber,
    RelationshipCategory: z
      .string()
      .regex(/^[A-Za-z0-9]{1,6}$/, 'must be a relationship category (up to 6 characters)'),
  })
  .loose();

/**
 * The CloudEvents envelope. Only the attributes Tandem relies on are constrained; extension
 * attributes pass through. `data` is checked per type by s4EventTarget.
 */
export const cloudEventSchema = z
  .object({
    specversion: z.literal('1.0', { message: 'specversion must be "1.0"' }),
    id: z.string().min(1).max(200),
    source: z.string().min(1).max(500),
    type: z.string().min(1).max(200),
    time: z.iso.datetime({ offset: true, message: 'time must be an RFC 3339 timestamp' }).optional(),
    datacontenttype: z.string().optional(),
    subject: z.string().max(500).optional(),
    data: z.record(z.string(), z.unknown(), { message: 'data must be a JSON object' }),
  })
  .loose();

export type CloudEvent = z.infer<typeof cloudEventSchema>;

/** Bounded so one request cannot monopolise a group commit. */
export const MAX_EVENTS_PER_BATCH = 1_000;
export const cloudEventBatchSchema = z
  .array(cloudEventSchema)
  .min(1, 'a batch needs at least one event')
  .max(MAX_EVENTS_PER_BATCH);

const DATA_SCHEMAS = {
  appointment: activityEventDataSchema,
  task: activityEventDataSchema,
  businessPartner: businessPartnerEventDataSchema,
  relationship: relationshipEventDataSchema,
} as const;

/** What an accepted event is about: its kind, action, inbox subject and normalised data. */
export type S4EventTarget =
  | { object: S4EventObject; action: S4EventAction; subject: string; data: Record<string, unknown> }
  | { object: 'heartbeat'; subject: typeof S4_HEARTBEAT_SUBJECT; data: Record<string, unknown> };

export type S4EventCheck = { ok: true; target: S4EventTarget } | { ok: false; path: string; message: string };

/**
 * Checks an event's type and data against the contract and names its inbox subject. Work on one
 * object is serialised and repeated events for it coalesce; a relationship change alters which
 * contacts belong in the BusinessPartner1 side's mailbox, so it is serialised per that partner.
 */
export function s4EventTarget(type: string, data: unknown): S4EventCheck {
  if (type === S4_HEARTBEAT_TYPE) {
    const parsed = heartbeatDataSchema.safeParse(data);
    if (!parsed.success) return dataIssue(parsed.error);
    return { ok: true, target: { object: 'heartbeat', subject: S4_HEARTBEAT_SUBJECT, data: parsed.data } };
  }
  const kind = classifyS4EventType(type);
  if (!kind) return { ok: false, path: 'type', message: `unsupported event type "${type}"` };
  const parsed = DATA_SCHEMAS[kind.object].safeParse(data);
  if (!parsed.success) return dataIssue(parsed.error);
  const d = parsed.data as Record<string, string>;
  const subject =
    kind.object === 'appointment' || kind.object === 'task'
      ? subjects.activity(kind.object, d.ActivityUUID!)
      : kind.object === 'businessPartner'
        ? subjects.businessPartner(d.BusinessPartner!)
        : subjects.relationships(d.BusinessPartner1!);
  return { ok: true, target: { ...kind, subject, data: parsed.data } };
}

function dataIssue(error: z.ZodError): { ok: false; path: string; message: string } {
  const issue = error.issues[0]!;
  return { ok: false, path: ['data', ...issue.path].join('.'), message: issue.message };
}

/** Validates a whole event (envelope and data); for tests of what an S/4 system sends. */
export function validateS4Event(
  event: unknown,
): { ok: true; event: CloudEvent; target: S4EventTarget } | { ok: false; path: string; message: string } {
  const envelope = cloudEventSchema.safeParse(event);
  if (!envelope.success) {
    const issue = envelope.error.issues[0]!;
    return { ok: false, path: issue.path.join('.') || '(body)', message: issue.message };
  }
  const target = s4EventTarget(envelope.data.type, envelope.data.data);
  return target.ok ? { ok: true, event: envelope.data, target: target.target } : target;
}
