/**
 * The CloudEvents the emulated S/4 system sends, written the way S/4HANA's enterprise event
 * enablement sends them (CloudEvents 1.0, "JSON Event Format"; event types from the SAP Business
 * Accelerator Hub's "Appointment / Task / Business Partner / BP Relationship Events" packages).
 * Events are triggers: `data` names the object, the receiver reads it over OData.
 *
 * The emulator's own sender: it imports nothing from the service. The service validates what it
 * receives with its own schema, so a disagreement between the two shows up in end-to-end tests
 * instead of being hidden by a shared definition.
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

/**
 * What Tandem's ABAP event sender (job ZTANDEM_EVENT_SENDER, abap/) posts every few minutes so that a
 * quiet system can be told from a broken destination. Not an SAP event type: Tandem's own.
 */
export const S4_HEARTBEAT_EVENT_TYPE = 'sap.s4.tandem.heartbeat.v1';

/** One structured-mode CloudEvent as the emulator posts it. */
export interface S4CloudEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  time: string;
  datacontenttype: 'application/json';
  data:
    | { ActivityUUID: string; ProcessType?: string }
    | { BusinessPartner: string }
    | { BusinessPartner1: string; BusinessPartner2: string; RelationshipCategory: string }
    | { PendingEvents: number; FailedEvents: number };
}
