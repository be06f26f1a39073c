import { describe, expect, it } from 'vitest';
import { S4_EVENT_TYPES } from '../../../src/emulators/s4/cloud-events.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventOutbox, toEvents } from '../../../src/emulators/s4/event-outbox.js';
import type { ChangeRecord, Row } from '../../../src/emulators/s4/store.js';
import { validateS4Event } from '../../../src/inbox/s4-event.js';

const uuid = '5f0c2e1a-0000-4000-8000-000000000001';
const appt = (action: ChangeRecord['action']): ChangeRecord => ({
  set: 'A_AppointmentActivity',
  action,
  row: { ActivityUUID: uuid, ActivityProcessType: 'ZVIS', __changed: 1 } as Row,
});

describe('S/4 emulator CloudEvents', () => {
  it('collapses the changes of one unit of work into one event per object', () => {
    const types = (changes: ChangeRecord[]): string[] => toEvents(changes, '/s').map((e) => e.type);
    expect(types([appt('created'), appt('changed'), appt('changed')])).toEqual([S4_EVENT_TYPES.appointment.created]);
    expect(types([appt('changed'), appt('changed')])).toEqual([S4_EVENT_TYPES.appointment.changed]);
    expect(types([appt('changed'), appt('deleted')])).toEqual([S4_EVENT_TYPES.appointment.deleted]);
    expect(types([appt('created'), appt('deleted')])).toEqual([]);
    expect(types([{ set: 'A_AppointmentActivityText', action: 'created', row: { __changed: 1 } as Row }])).toEqual([]);
  });

  it('sends events the service accepts, for every object kind', () => {
    const events = toEvents(
      [
        appt('changed'),
        {
          set: 'TaskActivity',
          action: 'created',
          row: {
            ActivityUUID: '5f0c2e1a-0000-4000-8000-000000000002',
            ActivityProcessType: 'ZTSK',
            __changed: 1,
          } as Row,
        },
        { set: 'A_BusinessPartner', action: 'changed', row: { BusinessPartner: '10200001', __changed: 1 } as Row },
        {
          set: 'BPRelationship',
          action: 'created',
          row: {
            RelationshipNumber: '1',
            BusinessPartner1: 'EMP001',
            BusinessPartner2: '10100001',
            RelationshipCategory: 'BUR011',
            __changed: 1,
          } as Row,
        },
      ],
      '/default/sap.s4.beh/S4D/100',
    );
    expect(events).toHaveLength(4);
    for (const event of events) expect(validateS4Event(JSON.parse(JSON.stringify(event)))).toMatchObject({ ok: true });
  });
});

describe('S/4 emulator event outbox: lost events', () => {
  it('drops the next N events a filter accepts and delivers the others', async () => {
    const received: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push((JSON.parse(body) as { type: string }).type);
        res.writeHead(202).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const outbox = new EventOutbox({ source: '/s', eventsUrl: `http://127.0.0.1:${port}/s4/events` });
    try {
      // One lost appointment event: the business-partner event before it still arrives.
      outbox.drop(1, (event) => event.type.includes('.appointment.'));
      outbox.publish([
        { set: 'A_BusinessPartner', action: 'changed', row: { BusinessPartner: '10200001', __changed: 1 } as Row },
      ]);
      outbox.publish([appt('changed')]);
      outbox.publish([appt('deleted')]);
      for (let i = 0; i < 100 && outbox.list().some((entry) => entry.state === 'pending'); i++)
        await new Promise((resolve) => setTimeout(resolve, 20));
      expect(received).toEqual([S4_EVENT_TYPES.businessPartner.changed, S4_EVENT_TYPES.appointment.deleted]);
      expect(outbox.list().map((entry) => entry.state)).toEqual(['delivered', 'dropped', 'delivered']);
    } finally {
      await outbox.close();
      server.close();
    }
  });
});
