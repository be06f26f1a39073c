import { describe, expect, it } from 'vitest';
import {
  classifyS4EventType,
  cloudEventBatchSchema,
  normaliseActivityGuid,
  s4EventTarget,
  S4_EVENT_TYPES,
  S4_HEARTBEAT_SUBJECT,
  S4_HEARTBEAT_TYPE,
  validateS4Event,
} from '../../../src/inbox/s4-event.js';

const uuid = 'd44eaae1-ab6f-442c-aeb4-64e2c35497cc';
const appointment = {
  specversion: '1.0',
  id: 'e1',
  source: '/default/sap.s4.beh/S4D/100',
  type: S4_EVENT_TYPES.appointment.changed,
  time: '2026-11-22T09:14:03Z',
  datacontenttype: 'application/json',
  data: { ActivityUUID: uuid, ProcessType: 'ZVIS' },
};
const relationship = (data: Record<string, unknown>) => ({
  ...appointment,
  type: S4_EVENT_TYPES.relationship.created,
  data,
});
const partner = (BusinessPartner: unknown) => ({
  ...appointment,
  type: S4_EVENT_TYPES.businessPartner.changed,
  data: { BusinessPartner },
});

describe('S/4 event contract (src/inbox/s4-event.ts)', () => {
  it('accepts the documented example and names its subject', () => {
    expect(validateS4Event(appointment)).toMatchObject({
      ok: true,
      target: { object: 'appointment', action: 'changed', subject: `s4:appointment:${uuid}` },
    });
  });

  describe('CloudEvents 1.0 envelope', () => {
    it('requires specversion "1.0", id, source and type', () => {
      expect(validateS4Event({ ...appointment, specversion: '0.3' })).toMatchObject({ ok: false, path: 'specversion' });
      for (const attribute of ['id', 'source', 'type'] as const) {
        const { [attribute]: _dropped, ...rest } = appointment;
        expect(validateS4Event(rest)).toMatchObject({ ok: false, path: attribute });
      }
    });

    it('takes time as OPTIONAL (CloudEvents 1.0 "time"), but an RFC 3339 timestamp when present', () => {
      const { time: _time, ...withoutTime } = appointment;
      expect(validateS4Event(withoutTime)).toMatchObject({ ok: true });
      expect(validateS4Event({ ...appointment, time: '2026-11-22T10:14:03+01:00' })).toMatchObject({ ok: true });
      expect(validateS4Event({ ...appointment, time: '22.11.2026 09:14' })).toMatchObject({ ok: false, path: 'time' });
    });

    it('lets extension attributes through', () => {
      expect(validateS4Event({ ...appointment, sapclient: '100' })).toMatchObject({
        ok: true,
        event: { sapclient: '100' },
      });
    });

    it('bounds a batch to 1..1000 events', () => {
      expect(cloudEventBatchSchema.safeParse([]).success).toBe(false);
      expect(cloudEventBatchSchema.safeParse(Array.from({ length: 1001 }, () => appointment)).success).toBe(false);
      expect(cloudEventBatchSchema.safeParse([appointment]).success).toBe(true);
    });
  });

  it('knows exactly the twelve event types and refuses others', () => {
    expect(classifyS4EventType(S4_EVENT_TYPES.task.deleted)).toEqual({ object: 'task', action: 'deleted' });
    expect(classifyS4EventType('sap.s4.beh.appointment.v1.Appointment.Archived.v1')).toBeUndefined();
    expect(s4EventTarget('sap.s4.beh.other.v1.X.Created.v1', {})).toEqual({
      ok: false,
      path: 'type',
      message: expect.stringContaining('unsupported event type'),
    });
  });

  describe('ActivityUUID (CRMT_OBJECT_GUID)', () => {
    it('accepts the 32-hex ABAP form (GUID_32) and the hyphenated OData form, and files both under one subject', () => {
      const hyphenated = s4EventTarget(S4_EVENT_TYPES.appointment.changed, { ActivityUUID: uuid });
      const abap = s4EventTarget(S4_EVENT_TYPES.appointment.changed, {
        ActivityUUID: 'D44EAAE1AB6F442CAEB464E2C35497CC',
      });
      expect(hyphenated).toMatchObject({ ok: true, target: { subject: `s4:appointment:${uuid}` } });
      expect(abap).toMatchObject({
        ok: true,
        target: { subject: `s4:appointment:${uuid}`, data: { ActivityUUID: uuid } },
      });
      expect(normaliseActivityGuid(uuid.toUpperCase())).toBe(uuid);
    });

    it('refuses anything else', () => {
      for (const bad of [
        'd44eaae1-ab6f-442c-aeb4',
        'd44eaae1ab6f-442c-aeb4-64e2c35497cc',
        'G44EAAE1AB6F442CAEB464E2C35497CC',
        42,
      ]) {
        expect(s4EventTarget(S4_EVENT_TYPES.task.created, { ActivityUUID: bad })).toMatchObject({
          ok: false,
          path: 'data.ActivityUUID',
        });
      }
    });

    it('takes ProcessType as informational, but at most CHAR4', () => {
      expect(s4EventTarget(S4_EVENT_TYPES.task.created, { ActivityUUID: uuid })).toMatchObject({ ok: true });
      expect(s4EventTarget(S4_EVENT_TYPES.task.created, { ActivityUUID: uuid, ProcessType: 'ZVISIT' })).toMatchObject({
        ok: false,
        path: 'data.ProcessType',
      });
    });
  });

  describe('business partner numbers (BU_PARTNER, CHAR10)', () => {
    it('accepts 1 to 10 letters or digits (external numbering may be alphanumeric)', () => {
      for (const good of ['1', '0010100001', 'EMP001', 'ABCDEFGHIJ'])
        expect(validateS4Event(partner(good))).toMatchObject({ ok: true, target: { subject: `s4:bp:${good}` } });
    });

    it('refuses empty, longer, or other characters', () => {
      for (const bad of ['', 'ABCDEFGHIJK', 'EMP 001', 'EMP-001', 1000])
        expect(validateS4Event(partner(bad))).toMatchObject({ ok: false, path: 'data.BusinessPartner' });
    });
  });

  describe('relationships', () => {
    it('are filed under the BusinessPartner1 side', () => {
      expect(
        validateS4Event(
          relationship({ BusinessPartner1: 'EMP001', BusinessPartner2: '10100001', RelationshipCategory: 'BUR011' }),
        ),
      ).toMatchObject({ ok: true, target: { subject: 's4:bp-relationships:EMP001' } });
    });

    it('take RelationshipCategory as BU_RELTYP, CHAR6', () => {
      expect(
        validateS4Event(relationship({ BusinessPartner1: 'A', BusinessPartner2: 'B', RelationshipCategory: 'BUR001' })),
      ).toMatchObject({ ok: true });
      expect(
        validateS4Event(
          relationship({ BusinessPartner1: 'A', BusinessPartner2: 'B', RelationshipCategory: 'BUR0011' }),
        ),
      ).toMatchObject({ ok: false, path: 'data.RelationshipCategory' });
      expect(validateS4Event(relationship({ BusinessPartner1: 'A', BusinessPartner2: 'B' }))).toMatchObject({
        ok: false,
        path: 'data.RelationshipCategory',
      });
    });

    it('check both partner numbers', () => {
      expect(
        validateS4Event(
          relationship({ BusinessPartner1: 'A', BusinessPartner2: 'B-2', RelationshipCategory: 'BUR001' }),
        ),
      ).toMatchObject({ ok: false, path: 'data.BusinessPartner2' });
    });
  });
});

describe("the event sender's heartbeat", () => {
  it('is accepted with its counters and marked as a heartbeat, not an object event', () => {
    expect(s4EventTarget(S4_HEARTBEAT_TYPE, { PendingEvents: 0, FailedEvents: 2 })).toMatchObject({
      ok: true,
      target: { object: 'heartbeat', subject: S4_HEARTBEAT_SUBJECT },
    });
    expect(s4EventTarget(S4_HEARTBEAT_TYPE, { PendingEvents: -1, FailedEvents: 0 })).toMatchObject({
      ok: false,
      path: 'data.PendingEvents',
    });
  });
});
