import { describe, expect, it } from 'vitest';
import { classifyS4EventType, s4EventBatchSchema, s4EventSchema, S4_EVENT_TYPES } from '../../../src/connectors/s4/events.js';
import { toEvents } from '../../../src/emulators/s4/event-outbox.js';
import type { ChangeRecord, Row } from '../../../src/emulators/s4/store.js';

const uuid = '5f0c2e1a-0000-4000-8000-000000000001';
const appt = (action: ChangeRecord['action']): ChangeRecord => ({ set: 'A_AppointmentActivity', action, row: { ActivityUUID: uuid, ActivityProcessType: 'ZVIS', __changed: 1 } as Row });

describe('S/4 CloudEvents', () => {
  it('validates the envelope and the data per type', () => {
    const ok = { specversion: '1.0', id: 'e1', source: '/default/sap.s4.beh/S4D/100', type: S4_EVENT_TYPES.appointment.created, time: '2026-11-22T05:00:00Z', datacontenttype: 'application/json', data: { ActivityUUID: uuid, ProcessType: 'ZVIS' } };
    expect(s4EventSchema.parse(ok)).toEqual(ok);
    expect(s4EventSchema.safeParse({ ...ok, specversion: '0.3' }).success).toBe(false);
    expect(s4EventSchema.safeParse({ ...ok, data: { BusinessPartner: '1' } }).success).toBe(false);
    expect(s4EventSchema.safeParse({ ...ok, type: 'sap.s4.beh.other.v1.X.Created.v1' }).success).toBe(false);
    expect(s4EventSchema.safeParse({ ...ok, type: S4_EVENT_TYPES.relationship.deleted, data: { BusinessPartner1: 'A', BusinessPartner2: 'B', RelationshipCategory: 'BUR011' } }).success).toBe(true);
    expect(s4EventBatchSchema.safeParse([]).success).toBe(false);
    expect(classifyS4EventType(S4_EVENT_TYPES.task.changed)).toEqual({ object: 'task', action: 'changed' });
    expect(classifyS4EventType('nope')).toBeUndefined();
  });

  it('collapses the changes of one unit of work into one event per object', () => {
    const types = (changes: ChangeRecord[]): string[] => toEvents(changes, '/s').map((e) => e.type);
    expect(types([appt('created'), appt('changed'), appt('changed')])).toEqual([S4_EVENT_TYPES.appointment.created]);
    expect(types([appt('changed'), appt('changed')])).toEqual([S4_EVENT_TYPES.appointment.changed]);
    expect(types([appt('changed'), appt('deleted')])).toEqual([S4_EVENT_TYPES.appointment.deleted]);
    expect(types([appt('created'), appt('deleted')])).toEqual([]);
    expect(types([{ set: 'A_AppointmentActivityText', action: 'created', row: { __changed: 1 } as Row }])).toEqual([]);
  });
});
