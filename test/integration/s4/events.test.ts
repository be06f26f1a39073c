import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createS4Client, type S4Client } from '../../../src/connectors/s4/index.js';
import { S4_EVENT_TYPES, validateS4Event, type CloudEvent } from '../../../src/inbox/s4-event.js';
import { DEMO, startS4Emulator, type S4Emulator } from '../../../src/emulators/s4/index.js';

/** A stand-in for Tandem's POST /s4/events that can be "down" (503) for a while. */
class Listener {
  received: { event: CloudEvent; contentType: string | undefined; authorization: string | undefined }[] = [];
  failuresLeft = 0;
  attempts = 0;
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      void this.handle(req).then((status) => {
        res.statusCode = status;
        res.end();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}/s4/events`;
  }

  private async handle(req: IncomingMessage): Promise<number> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    this.attempts++;
    if (this.failuresLeft > 0) {
      this.failuresLeft--;
      return 503;
    }
    // The service's own contract judges what the emulator sends.
    const checked = validateS4Event(JSON.parse(Buffer.concat(chunks).toString('utf8')));
    if (!checked.ok) throw new Error(`emulator sent an event the service refuses: ${checked.path}: ${checked.message}`);
    const event = checked.event;
    this.received.push({ event, contentType: req.headers['content-type'], authorization: req.headers.authorization });
    return 202;
  }

  types(): string[] {
    return this.received.map((r) => r.event.type);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

let emulator: S4Emulator;
let listener: Listener;
let client: S4Client;

async function until(predicate: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  listener = new Listener();
  await listener.start();
  emulator = await startS4Emulator({
    port: 0,
    eventsUrl: listener.url,
    eventsAuth: { username: 'demo-callback', password: 'cb-secret' },
    eventRetry: { initialDelayMs: 20, factor: 2, maxDelayMs: 200, maxAttempts: 8 },
  });
  client = createS4Client(
    { kind: 'url', url: emulator.url, username: 'TANDEM_COMM', password: 'demo-password', sapClient: '100' },
    { resilience: { circuitBreaker: false, readRetries: 0 } },
  );
});
afterAll(async () => {
  await emulator.close();
  await listener.stop();
});
afterEach(() => {
  emulator.reset();
  listener.received = [];
  listener.failuresLeft = 0;
  listener.attempts = 0;
});

describe('S/4 emulator — events', () => {
  it('posts a structured CloudEvent for every create, change and delete of an appointment', async () => {
    const created = await client.createAppointment({
      processType: 'ZVIS',
      subject: 'Evented',
      start: '2027-01-05T09:00:00Z',
      end: '2027-01-05T10:00:00Z',
      timeZone: 'UTC',
      partners: [{ partnerFunction: '00000014', businessPartner: DEMO.employees.alice }],
      texts: [{ textType: 'A002', text: 'x' }],
    });
    const updated = await client.updateAppointment(created.uuid, created.etag, {
      subject: 'Evented 2',
      texts: [{ textType: 'A002', text: 'y' }],
    });
    await client.deleteAppointment(created.uuid, updated.etag);
    const a = S4_EVENT_TYPES.appointment;
    await until(() => listener.received.length >= 3, 'three appointment events');
    // A deep insert (header + partner + text) and a changeset update are one event each.
    expect(listener.types()).toEqual([a.created, a.changed, a.deleted]);
    const first = listener.received[0]!;
    expect(first.contentType).toBe('application/cloudevents+json');
    expect(first.authorization).toBe(`Basic ${Buffer.from('demo-callback:cb-secret').toString('base64')}`);
    expect(first.event).toMatchObject({
      specversion: '1.0',
      source: '/default/sap.s4.beh/S4D/100',
      datacontenttype: 'application/json',
      data: { ActivityUUID: created.uuid, ProcessType: 'ZVIS' },
    });
    expect(new Set(listener.received.map((r) => r.event.id)).size).toBe(3);
    // The emulator marks an event delivered when the 202 reaches it, just after the listener saw it.
    await until(() => emulator.events().every((e) => e.state === 'delivered'), 'all events marked delivered');
  });

  it('emits task, business partner and relationship events (also from the browser page)', async () => {
    const task = await client.createTask({ processType: 'ZTSK', subject: 'T', timeZone: 'UTC' });
    await client.updateTask(task.uuid, task.etag, { percentComplete: 50 });
    emulator.modify('A_BusinessPartner', { BusinessPartner: DEMO.contacts.max }, { LastName: 'Mustermann-Meier' });
    const ui = (path: string, form: Record<string, string>): Promise<Response> =>
      fetch(`${emulator.url}${path}`, { method: 'POST', body: new URLSearchParams(form), redirect: 'manual' });
    expect(
      (await ui('/ui/relationships', { bp1: DEMO.customers.fabrikam, bp2: DEMO.employees.bob, category: 'BUR011' }))
        .status,
    ).toBe(303);
    expect((await ui('/ui/partners', { firstName: 'Nina', lastName: 'Neu' })).status).toBe(303);
    const rel = emulator.list('BPRelationship').find((r) => r.BusinessPartner2 === DEMO.employees.bob);
    expect((await ui(`/ui/relationships/${String(rel?.RelationshipNumber)}/delete`, {})).status).toBe(303);

    await until(() => listener.received.length >= 6, 'six events');
    expect(listener.types()).toEqual([
      S4_EVENT_TYPES.task.created,
      S4_EVENT_TYPES.task.changed,
      S4_EVENT_TYPES.businessPartner.changed,
      S4_EVENT_TYPES.relationship.created,
      S4_EVENT_TYPES.businessPartner.created,
      S4_EVENT_TYPES.relationship.deleted,
    ]);
    expect(listener.received[2]?.event.data).toEqual({ BusinessPartner: DEMO.contacts.max });
    expect(listener.received[3]?.event.data).toEqual({
      BusinessPartner1: DEMO.customers.fabrikam,
      BusinessPartner2: DEMO.employees.bob,
      RelationshipCategory: 'BUR011',
    });
  });

  it('deleting a business partner removes its relationships, each with its own event', async () => {
    const response = await fetch(`${emulator.url}/ui/partners/${DEMO.contacts.jan}/delete`, {
      method: 'POST',
      redirect: 'manual',
    });
    expect(response.status).toBe(303);
    await until(() => listener.received.length >= 3, 'three deletion events');
    expect(listener.received.map((r) => [r.event.type, r.event.data])).toEqual([
      [
        S4_EVENT_TYPES.relationship.deleted,
        {
          BusinessPartner1: DEMO.customers.fabrikam,
          BusinessPartner2: DEMO.contacts.jan,
          RelationshipCategory: 'BUR001',
        },
      ],
      [
        S4_EVENT_TYPES.relationship.deleted,
        { BusinessPartner1: DEMO.contacts.jan, BusinessPartner2: DEMO.employees.alice, RelationshipCategory: 'BUR011' },
      ],
      [S4_EVENT_TYPES.businessPartner.deleted, { BusinessPartner: DEMO.contacts.jan }],
    ]);
    expect(await client.listEmployeeRelationships(DEMO.employees.alice)).toHaveLength(1);
    expect(await client.getBusinessPartner(DEMO.contacts.jan)).toBeUndefined();
  });

  it('a changed e-mail address of a contact raises BusinessPartner.Changed for its BP', async () => {
    const address = emulator.list('A_BusinessPartnerAddress').find((a) => a.BusinessPartner === DEMO.contacts.erika);
    const email = emulator.list('A_AddressEmailAddress').find((e) => e.AddressID === address?.AddressID);
    const response = await client.executeChangeset('businessPartner', [
      {
        method: 'MERGE',
        path: `A_AddressEmailAddress(AddressID='${String(email?.AddressID)}',Person='',OrdinalNumber='001')`,
        body: { EmailAddress: 'erika@contoso.example' },
      },
    ]);
    expect(response[0]?.status).toBe(204);
    await until(() => listener.received.length >= 1, 'BP changed event');
    expect(listener.received.map((r) => [r.event.type, r.event.data])).toEqual([
      [S4_EVENT_TYPES.businessPartner.changed, { BusinessPartner: DEMO.contacts.erika }],
    ]);
    expect((await client.getBusinessPartner(DEMO.contacts.erika))?.emails).toEqual(['erika@contoso.example']);

    // The same through the test helper (as a user editing in the SAP GUI).
    emulator.modify(
      'A_AppointmentActivityText',
      { ActivityUUID: emulator.list('A_AppointmentActivity')[0]?.ActivityUUID, LongTextID: 'A002', Language: 'EN' },
      { LongText: 'edited' },
    );
    await until(() => listener.received.length >= 2, 'appointment changed event');
    expect(listener.received[1]?.event.type).toBe(S4_EVENT_TYPES.appointment.changed);
  });

  it('retries with backoff while the receiver is down and keeps the order', async () => {
    listener.failuresLeft = 4;
    const created = await client.createAppointment({
      processType: 'ZVIS',
      subject: 'During outage',
      start: '2027-01-05T09:00:00Z',
      end: '2027-01-05T10:00:00Z',
      timeZone: 'UTC',
    });
    const changed = await client.updateAppointment(created.uuid, created.etag, { subject: 'Still down' });
    await client.deleteAppointment(created.uuid, changed.etag);
    await until(() => listener.received.length >= 3, 'delivery after the outage');
    expect(listener.attempts).toBe(7);
    expect(listener.types()).toEqual([
      S4_EVENT_TYPES.appointment.created,
      S4_EVENT_TYPES.appointment.changed,
      S4_EVENT_TYPES.appointment.deleted,
    ]);
    expect(emulator.events()[0]?.attempts).toBe(5);
  });

  it('can pause delivery, drop events, and gives up after the bounded number of attempts', async () => {
    await fetch(`${emulator.url}/_emulator/events/pause`, { method: 'POST' });
    const task = await client.createTask({ processType: 'ZTSK', subject: 'Paused', timeZone: 'UTC' });
    await new Promise((r) => setTimeout(r, 150));
    expect(listener.received).toHaveLength(0);
    const pending = (await (await fetch(`${emulator.url}/_emulator/events`)).json()) as { state: string }[];
    expect(pending.map((e) => e.state)).toEqual(['pending']);
    await fetch(`${emulator.url}/_emulator/events/drop`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ count: 1 }),
    });
    await fetch(`${emulator.url}/_emulator/events/resume`, { method: 'POST' });
    await until(() => emulator.events()[0]?.state === 'dropped', 'the drop');

    listener.failuresLeft = 1000;
    await client.updateTask(task.uuid, (await client.getTask(task.uuid))!.etag, { subject: 'Never arrives' });
    await emulator.waitForEvents((entries) => entries[1]?.state === 'failed');
    expect(emulator.events()[1]?.attempts).toBe(8);
    expect(listener.received).toHaveLength(0);
  });
});
