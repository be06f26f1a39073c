import { z } from 'zod';

/**
 * The CloudEvents S/4HANA posts to Tandem (through the SM59 destination; the emulator posts the
 * same). Tandem's ingestion validates against these schemas, so the emulator uses them too.
 * Events are triggers: `data` only names the object; Tandem always re-reads it over OData.
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

const guid = z.string().regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/);
const bpNumber = z.string().min(1).max(10);

export const activityEventDataSchema = z.object({ ActivityUUID: guid, ProcessType: z.string().max(4).optional() });
export const businessPartnerEventDataSchema = z.object({ BusinessPartner: bpNumber });
export const relationshipEventDataSchema = z.object({
  BusinessPartner1: bpNumber,
  BusinessPartner2: bpNumber,
  RelationshipCategory: z.string().min(1).max(6),
});

const envelope = {
  specversion: z.literal('1.0'),
  id: z.string().min(1).max(200),
  source: z.string().min(1).max(500),
  time: z.iso.datetime({ offset: true }),
  datacontenttype: z.literal('application/json').optional(),
  subject: z.string().max(500).optional(),
};

const values = <T extends Record<string, string>>(o: T): [T[keyof T], ...T[keyof T][]] =>
  Object.values(o) as [T[keyof T], ...T[keyof T][]];

export const appointmentEventSchema = z.object({ ...envelope, type: z.enum(values(S4_EVENT_TYPES.appointment)), data: activityEventDataSchema });
export const taskEventSchema = z.object({ ...envelope, type: z.enum(values(S4_EVENT_TYPES.task)), data: activityEventDataSchema });
export const businessPartnerEventSchema = z.object({ ...envelope, type: z.enum(values(S4_EVENT_TYPES.businessPartner)), data: businessPartnerEventDataSchema });
export const relationshipEventSchema = z.object({ ...envelope, type: z.enum(values(S4_EVENT_TYPES.relationship)), data: relationshipEventDataSchema });

/** Any event Tandem accepts from S/4; discriminated by `type`. */
export const s4EventSchema = z.union([appointmentEventSchema, taskEventSchema, businessPartnerEventSchema, relationshipEventSchema]);
/** A batch (`application/cloudevents-batch+json`). */
export const s4EventBatchSchema = z.array(s4EventSchema).min(1).max(1000);

export type S4AppointmentEvent = z.infer<typeof appointmentEventSchema>;
export type S4TaskEvent = z.infer<typeof taskEventSchema>;
export type S4BusinessPartnerEvent = z.infer<typeof businessPartnerEventSchema>;
export type S4RelationshipEvent = z.infer<typeof relationshipEventSchema>;
export type S4Event = z.infer<typeof s4EventSchema>;

/** Which object kind and action an event type names. */
export function classifyS4EventType(type: string): { object: S4EventObject; action: S4EventAction } | undefined {
  for (const [object, actions] of Object.entries(S4_EVENT_TYPES) as [S4EventObject, Record<S4EventAction, string>][]) {
    for (const [action, t] of Object.entries(actions) as [S4EventAction, string][]) {
      if (t === type) return { object, action };
    }
  }
  return undefined;
}
