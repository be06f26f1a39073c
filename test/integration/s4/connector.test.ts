import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createS4Client, type S4Client } from '../../../src/connectors/s4/index.js';
import { wallTimeToInstant } from '../../../src/sync/time/zone.js';
import { isTandemError, type TandemError } from '../../../src/errors/tandem-error.js';
import { DEMO, startS4Emulator, type S4Emulator } from '../../../src/emulators/s4/index.js';

let emulator: S4Emulator;
let client: S4Client;

beforeAll(async () => {
  emulator = await startS4Emulator({ port: 0 });
  client = createS4Client(
    { kind: 'url', url: emulator.url, username: 'TANDEM_COMM', password: 'demo-password', sapClient: '100' },
    { resilience: { circuitBreaker: false, readRetries: 0, timeoutMs: 10_000 } },
  );
});
afterAll(async () => {
  await emulator.close();
});
beforeEach(() => {
  emulator.reset();
});

async function rejection(promise: Promise<unknown>): Promise<TandemError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isTandemError(error)) throw new Error(`expected a TandemError, got ${String(error)}`);
  return error;
}

const berlin = (y: number, mo: number, d: number, h: number, mi = 0): string =>
  new Date(wallTimeToInstant({ year: y, month: mo, day: d, hour: h, minute: mi }, 'Europe/Berlin'))
    .toISOString()
    .replace('.000Z', 'Z');

describe('S/4 connector — appointments', () => {
  it('creates (deep insert), reads, updates and deletes an appointment', async () => {
    const created = await client.createAppointment({
      processType: 'ZVIS',
      subject: 'Visit with a subject that is definitely longer than forty characters',
      start: '2027-01-12T09:00:00Z',
      end: '2027-01-12T10:30:00Z',
      timeZone: 'Europe/Berlin',
      location: 'Stuttgart',
      priority: '3',
      category: '001',
      texts: [{ textType: 'A002', text: 'Agenda: contract' }],
      partners: [
        { partnerFunction: '00000014', businessPartner: DEMO.employees.alice, isMain: true },
        { partnerFunction: '00000015', businessPartner: DEMO.contacts.max },
      ],
      externalReference: 'AAMkAGI2TG93AAA=',
    });
    expect(created.uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.id).toMatch(/^\d{10}$/);
    // ActivityDescription is CHAR 40: cut there (and trailing blanks dropped, as ABAP does).
    expect(created.subject).toBe('Visit with a subject that is definitely');
    expect(created.start).toBe('2027-01-12T09:00:00Z');
    expect(created.timeZone).toBe('Europe/Berlin');
    expect(created.etag).toMatch(/^W\/"datetimeoffset'/);
    expect(created.partners).toHaveLength(2);
    expect(created.texts).toEqual([{ textType: 'A002', text: 'Agenda: contract', language: 'EN' }]);

    const read = await client.getAppointment(created.uuid);
    expect(read).toEqual(created);

    const updated = await client.updateAppointment(created.uuid, created.etag, {
      subject: 'Moved visit',
      start: '2027-01-13T09:00:00Z',
      end: '2027-01-13T10:00:00Z',
      texts: [{ textType: 'A002', text: 'Agenda: contract and prices' }],
      partners: [
        { partnerFunction: '00000014', businessPartner: DEMO.employees.alice, isMain: true },
        { partnerFunction: '00000015', businessPartner: DEMO.contacts.erika },
      ],
    });
    expect(updated.subject).toBe('Moved visit');
    expect(updated.start).toBe('2027-01-13T09:00:00Z');
    expect(updated.texts[0]?.text).toBe('Agenda: contract and prices');
    expect(updated.partners.map((p) => p.businessPartner).sort()).toEqual(
      [DEMO.contacts.erika, DEMO.employees.alice].sort(),
    );
    expect(updated.etag).not.toBe(created.etag);

    const headerOnly = await client.updateAppointment(created.uuid, updated.etag, { isPrivate: true });
    expect(headerOnly.isPrivate).toBe(true);

    await client.deleteAppointment(created.uuid, headerOnly.etag);
    expect(await client.getAppointment(created.uuid)).toBeUndefined();
    // Deleting it again (deleted in S/4 meanwhile by someone else) is not an error: it is gone.
    await expect(client.deleteAppointment(created.uuid, headerOnly.etag)).resolves.toBeUndefined();
    // Updating it now (deleted in S/4 after Tandem read it) is a concurrent change that reconciliation
    // reads again and decides on, as a stale ETag is — S4_NOT_FOUND would make the event a dead letter.
    for (const changes of [{ subject: 'late' }, { subject: 'late', texts: [{ textType: 'A002', text: 'late' }] }]) {
      const late = await rejection(client.updateAppointment(created.uuid, headerOnly.etag, changes));
      expect(late.code).toBe('S4_ETAG_MISMATCH');
      expect(late.retryable).toBe(true);
    }
    expect(emulator.list('A_AppointmentActivityPartner').filter((p) => p.ActivityUUID === created.uuid)).toHaveLength(
      0,
    );
  });

  it('surfaces a stale ETag as S4_ETAG_MISMATCH on update and delete, and changes nothing', async () => {
    const [first] = await client.listAppointmentsOfEmployee(DEMO.employees.alice, {
      from: new Date().toISOString(),
      to: '2099-01-01T00:00:00Z',
    });
    expect(first).toBeDefined();
    const stale = first!.etag;
    // Someone edits it in S/4 meanwhile.
    emulator.modify(
      'A_AppointmentActivity',
      { ActivityUUID: first!.uuid },
      { ActivityDescription: 'Edited in SAP GUI' },
    );

    const headerOnly = await rejection(client.updateAppointment(first!.uuid, stale, { subject: 'from Outlook' }));
    expect(headerOnly.code).toBe('S4_ETAG_MISMATCH');
    expect(headerOnly.details?.status).toBe(412);

    const withTexts = await rejection(
      client.updateAppointment(first!.uuid, stale, { subject: 'x', texts: [{ textType: 'A002', text: 'new' }] }),
    );
    expect(withTexts.code).toBe('S4_ETAG_MISMATCH');
    const afterwards = await client.getAppointment(first!.uuid);
    expect(afterwards?.subject).toBe('Edited in SAP GUI');
    expect(afterwards?.texts.some((t) => t.text === 'new')).toBe(false);

    expect((await rejection(client.deleteAppointment(first!.uuid, stale))).code).toBe('S4_ETAG_MISMATCH');
    expect(await client.getAppointment(first!.uuid)).toBeDefined();
  });

  it('finds an appointment by its external reference (idempotency marker)', async () => {
    const marker = `AAMkADExchangeImmutableId/with+special=chars'${Date.now()}`;
    expect(await client.findAppointmentsByExternalReference(marker)).toEqual([]);
    const created = await client.createAppointment({
      processType: 'ZVIS',
      subject: 'From Outlook',
      start: '2027-02-01T08:00:00Z',
      end: '2027-02-01T09:00:00Z',
      timeZone: 'UTC',
      externalReference: marker,
      partners: [{ partnerFunction: '00000014', businessPartner: DEMO.employees.alice }],
    });
    const found = await client.findAppointmentsByExternalReference(marker);
    expect(found.map((a) => a.uuid)).toEqual([created.uuid]);
  });

  it('lists the appointments of an employee in a time window', async () => {
    const all = await client.listAppointmentsOfEmployee(DEMO.employees.alice, {
      from: new Date(Date.now() - 86_400_000).toISOString(),
      to: '2100-01-01T00:00:00Z',
    });
    expect(all.length).toBe(4);
    expect(
      all.every((a) =>
        a.partners.some((p) => p.partnerFunction === '00000014' && p.businessPartner === DEMO.employees.alice),
      ),
    ).toBe(true);
    const narrow = await client.listAppointmentsOfEmployee(DEMO.employees.alice, {
      from: new Date().toISOString(),
      to: new Date(Date.now() + 5 * 86_400_000).toISOString(),
    });
    expect(narrow.map((a) => a.subject)).toEqual(['Visit Contoso: maintenance contract']);
    expect(
      await client.listAppointmentsOfEmployee(DEMO.employees.bob, {
        from: '2000-01-01T00:00:00Z',
        to: '2100-01-01T00:00:00Z',
      }),
    ).toEqual([]);
    // Bob as an attendee (00000032) of one appointment: found only when attendees are asked for.
    const attended = all[0]!;
    await client.updateAppointment(attended.uuid, attended.etag, {
      partners: [...attended.partners, { partnerFunction: '00000032', businessPartner: DEMO.employees.bob }],
    });
    const window = { from: '2000-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z' };
    expect(await client.listAppointmentsOfEmployee(DEMO.employees.bob, window)).toEqual([]);
    expect(
      (await client.listAppointmentsOfEmployee(DEMO.employees.bob, window, ['00000014', '00000032'])).map(
        (a) => a.uuid,
      ),
    ).toEqual([attended.uuid]);
    // Server paging ($top/$skip) gives the same result with tiny pages.
    const paged = createS4Client(
      { kind: 'url', url: emulator.url, username: 'TANDEM_COMM', password: 'demo-password', sapClient: '100' },
      { pageSize: 1, resilience: { circuitBreaker: false, readRetries: 0 } },
    );
    const pagedAll = await paged.listAppointmentsOfEmployee(DEMO.employees.alice, {
      from: new Date(Date.now() - 86_400_000).toISOString(),
      to: '2100-01-01T00:00:00Z',
    });
    expect(pagedAll.map((a) => a.uuid).sort()).toEqual(all.map((a) => a.uuid).sort());
  });

  it('round-trips DST-crossing appointments in Europe/Berlin exactly (March and October)', async () => {
    // Last Sunday of March 2027 is the 28th (02:00 CET → 03:00 CEST); of October 2027 the 31st.
    for (const [start, end] of [
      [berlin(2027, 3, 27, 22), berlin(2027, 3, 28, 10)],
      [berlin(2027, 10, 30, 22), berlin(2027, 10, 31, 10)],
    ] as const) {
      const created = await client.createAppointment({
        processType: 'ZVIS',
        subject: 'Night shift',
        start,
        end,
        timeZone: 'Europe/Berlin',
      });
      const read = await client.getAppointment(created.uuid);
      expect(read?.start).toBe(start);
      expect(read?.end).toBe(end);
      expect(read?.timeZone).toBe('Europe/Berlin');
      // Wall clock 22:00 → 10:00 is 11 h in March (clocks go forward) and 13 h in October.
      const hours = (Date.parse(end) - Date.parse(start)) / 3_600_000;
      expect([11, 13]).toContain(hours);
    }
    // The wire shows the local offset at each instant, as Gateway does for CET activities.
    const raw = emulator.list('A_AppointmentActivity').find((r) => r.ActivityDescription === 'Night shift');
    expect(raw?.ActivityTimeZone).toBe('CET');
  });

  it('maps S/4 validation errors to S4_BAD_REQUEST with the Gateway message', async () => {
    const error = await rejection(
      client.createAppointment({
        processType: 'ZXXX',
        subject: 'x',
        start: '2027-01-01T10:00:00Z',
        end: '2027-01-01T11:00:00Z',
        timeZone: 'UTC',
      }),
    );
    expect(error.code).toBe('S4_BAD_REQUEST');
    expect(error.message).toContain('Transaction type ZXXX');
    expect(error.details?.sapCode).toBe('CRM_ORDERADM_H/012');
    // An appointment process type is not a task process type in S/4.
    const wrongObject = await rejection(client.createTask({ processType: 'ZVIS', subject: 'x' }));
    expect(wrongObject.code).toBe('S4_BAD_REQUEST');
    expect(wrongObject.details?.status).toBe(400);
    // A deep insert whose partner does not exist creates nothing at all.
    const before = emulator.list('A_AppointmentActivity').length;
    const badPartner = await rejection(
      client.createAppointment({
        processType: 'ZVIS',
        subject: 'x',
        start: '2027-01-01T10:00:00Z',
        end: '2027-01-01T11:00:00Z',
        timeZone: 'UTC',
        partners: [{ partnerFunction: '00000015', businessPartner: 'NOPE' }],
      }),
    );
    expect(badPartner.message).toContain('Business partner NOPE does not exist');
    expect(emulator.list('A_AppointmentActivity').length).toBe(before);
  });
});

describe('S/4 connector — input validation', () => {
  it('rejects bad input with VALIDATION_FAILED before calling S/4', async () => {
    const before = emulator.list('A_AppointmentActivity').length;
    const noZone = await rejection(
      client.createAppointment({
        processType: 'ZVIS',
        subject: 'x',
        start: '2027-01-01T10:00:00',
        end: '2027-01-01T11:00:00Z',
        timeZone: 'UTC',
      }),
    );
    expect(noZone.code).toBe('VALIDATION_FAILED');
    expect(noZone.fieldErrors?.[0]?.path).toBe('start');
    const badZone = await rejection(
      client.createAppointment({
        processType: 'ZVIS',
        subject: 'x',
        start: '2027-01-01T10:00:00Z',
        end: '2027-01-01T11:00:00Z',
        timeZone: 'Mars/Base',
      }),
    );
    expect(badZone.fieldErrors?.map((f) => f.path)).toEqual(['timeZone']);
    const [seeded] = emulator.list('A_AppointmentActivity');
    const backwards = await rejection(
      client.updateAppointment(String(seeded?.ActivityUUID), '*', {
        start: '2027-01-02T10:00:00Z',
        end: '2027-01-01T10:00:00Z',
      }),
    );
    expect(backwards.code).toBe('VALIDATION_FAILED');
    expect((await rejection(client.getAppointment('not-a-guid'))).code).toBe('VALIDATION_FAILED');
    expect((await rejection(client.createTask({ processType: 'ZTSK', subject: 'x', percentComplete: 120 }))).code).toBe(
      'VALIDATION_FAILED',
    );
    expect(emulator.list('A_AppointmentActivity').length).toBe(before);
  });
});

describe('S/4 connector — tasks', () => {
  it('creates, reads, updates, finds and deletes a task', async () => {
    const created = await client.createTask({
      processType: 'ZTSK',
      subject: 'Call back',
      due: '2027-03-01T16:00:00Z',
      timeZone: 'Europe/Berlin',
      percentComplete: 10,
      texts: [{ textType: 'A002', text: 'about pricing' }],
      partners: [{ partnerFunction: '00000014', businessPartner: DEMO.employees.alice }],
      externalReference: 'task-marker-1',
    });
    expect(created.start).toBeUndefined();
    expect(created.due).toBe('2027-03-01T16:00:00Z');
    expect(created.percentComplete).toBe(10);
    expect(await client.getTask(created.uuid)).toEqual(created);
    expect((await client.findTasksByExternalReference('task-marker-1')).map((t) => t.uuid)).toEqual([created.uuid]);

    const updated = await client.updateTask(created.uuid, created.etag, {
      percentComplete: 100,
      status: 'E0003',
      start: '2027-02-27T08:00:00Z',
    });
    expect(updated.percentComplete).toBe(100);
    expect(updated.status).toBe('E0003');
    expect(updated.start).toBe('2027-02-27T08:00:00Z');
    expect((await rejection(client.updateTask(created.uuid, created.etag, { percentComplete: 50 }))).code).toBe(
      'S4_ETAG_MISMATCH',
    );

    const listed = await client.listTasksOfEmployee(DEMO.employees.alice, {
      from: '2027-02-01T00:00:00Z',
      to: '2027-04-01T00:00:00Z',
    });
    expect(listed.map((t) => t.uuid)).toContain(created.uuid);

    await client.deleteTask(created.uuid, updated.etag);
    expect(await client.getTask(created.uuid)).toBeUndefined();
  });
});

describe('S/4 connector — business partners', () => {
  it('reads a contact person with e-mails, phones, address, job title and company', async () => {
    const max = await client.getBusinessPartner(DEMO.contacts.max);
    expect(max).toMatchObject({
      id: DEMO.contacts.max,
      category: 'person',
      firstName: 'Max',
      lastName: 'Mustermann',
      jobTitle: 'Head of Purchasing',
      companyId: DEMO.customers.contoso,
      emails: ['max.mustermann@contoso.example'],
      isEmployee: false,
      address: {
        street: 'Industriestraße',
        houseNumber: '7',
        postalCode: '70565',
        city: 'Stuttgart',
        country: 'DE',
        region: 'BW',
      },
    });
    expect(max?.phones).toEqual([
      { number: '+49 711 555 101', kind: 'phone' },
      { number: '+49 170 555 1010', kind: 'mobile' },
    ]);
    const org = await client.getBusinessPartner(DEMO.customers.contoso);
    expect(org).toMatchObject({ category: 'organization', organizationName: 'Contoso Maschinenbau GmbH' });
    expect(await client.getBusinessPartner('0000000000')).toBeUndefined();
  });

  it('finds employees by S/4 user and by e-mail', async () => {
    const byUser = await client.findEmployeeByUser('alice');
    expect(byUser).toMatchObject({ id: DEMO.employees.alice, userId: 'ALICE', isEmployee: true });
    const byMail = await client.findEmployeeByEmail('Bob@Demo.Example');
    expect(byMail).toMatchObject({ id: DEMO.employees.bob, userId: 'BOB' });
    expect(await client.findEmployeeByUser('NOBODY')).toBeUndefined();
    // A contact person's address is not an employee's.
    expect(await client.findEmployeeByEmail('max.mustermann@contoso.example')).toBeUndefined();
  });

  it("lists contact persons of a customer (BUR001) and an employee's BUR011 relationships", async () => {
    const contacts = await client.listContactPersons(DEMO.customers.contoso);
    expect(contacts.map((c) => c.id).sort()).toEqual([DEMO.contacts.max, DEMO.contacts.erika].sort());
    const rels = await client.listEmployeeRelationships(DEMO.employees.alice);
    expect(rels).toHaveLength(2);
    expect(rels.map((r) => r.bp1).sort()).toEqual([DEMO.customers.contoso, DEMO.contacts.jan].sort());
    expect(
      rels.every((r) => r.bp2 === DEMO.employees.alice && r.category === 'BUR011' && r.validTo === '9999-12-31'),
    ).toBe(true);
    expect(await client.listEmployeeRelationships(DEMO.employees.bob)).toEqual([]);
  });

  it('lists partners changed since a change stamp (LastChangeDate + LastChangeTime), key and stamp only', async () => {
    const before = await client.getBusinessPartner(DEMO.contacts.jan);
    // Seeded partners carry today's date at 00:00:00.
    expect(before?.changedAt).toMatch(/^\d{4}-\d{2}-\d{2}T00:00:00$/);
    const since = new Date(Date.now() - 1_000).toISOString().slice(0, 19);
    expect(await client.listBusinessPartnersChangedSince(since)).toEqual([]);

    emulator.modify('A_BusinessPartner', { BusinessPartner: DEMO.contacts.jan }, { LastName: 'Jansen-Olsen' });
    const after = await client.getBusinessPartner(DEMO.contacts.jan);
    expect((after?.changedAt ?? '') >= since).toBe(true);
    expect(await client.listBusinessPartnersChangedSince(since)).toEqual([
      { id: DEMO.contacts.jan, changedAt: after?.changedAt },
    ]);
    // A later day, or the same day from that time on: yesterday's stamp finds every partner changed today.
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 19);
    const sinceYesterday = await client.listBusinessPartnersChangedSince(yesterday);
    expect(sinceYesterday.length).toBeGreaterThan(1);
    expect(sinceYesterday.at(-1)).toEqual({ id: DEMO.contacts.jan, changedAt: after?.changedAt });
    await expect(client.listBusinessPartnersChangedSince('2026-12-03')).rejects.toThrow(/change stamp/);
  });
});

describe('S/4 connector — transport errors', () => {
  it('maps auth, throttling and outages to S4_* codes', async () => {
    const wrong = createS4Client(
      { kind: 'url', url: emulator.url, username: 'TANDEM_COMM', password: 'nope', sapClient: '100' },
      { resilience: { circuitBreaker: false, readRetries: 0 } },
    );
    expect((await rejection(wrong.getBusinessPartner(DEMO.contacts.max))).code).toBe('S4_UNAUTHORIZED');
    const otherClient = createS4Client(
      { kind: 'url', url: emulator.url, username: 'TANDEM_COMM', password: 'demo-password', sapClient: '200' },
      { resilience: { circuitBreaker: false, readRetries: 0 } },
    );
    expect((await rejection(otherClient.getBusinessPartner(DEMO.contacts.max))).code).toBe('S4_UNAUTHORIZED');

    emulator.injectFault({ count: 1, status: 429, retryAfterSeconds: 7, pathContains: 'A_BusinessPartner' });
    const throttled = await rejection(client.getBusinessPartner(DEMO.contacts.max));
    expect(throttled.code).toBe('S4_THROTTLED');
    expect(throttled.retryAfterMs).toBe(7000);

    emulator.injectFault({ count: 1, status: 403, code: '/IWFND/CM_CONSUMER/101', message: 'No authorization' });
    expect((await rejection(client.getTask('00000000-0000-0000-0000-000000000001'))).code).toBe('S4_FORBIDDEN');

    emulator.injectFault({ count: 1, status: 500, message: 'Dump' });
    expect((await rejection(client.getTask('00000000-0000-0000-0000-000000000001'))).code).toBe('S4_UNAVAILABLE');

    // A fault without a method hits the write itself, not the CSRF token fetch before it.
    emulator.injectFault({ count: 1, status: 503, pathContains: 'TaskActivity' });
    const failedWrite = await rejection(client.createTask({ processType: 'ZTSK', subject: 'x' }));
    expect(failedWrite.code).toBe('S4_UNAVAILABLE');
    expect(failedWrite.details?.status).toBe(503);

    // The token fetch fails (both HEAD attempts of the SDK): the write goes without token and S/4 refuses it.
    emulator.injectFault({ count: 2, status: 500, method: 'HEAD' });
    const csrf = await rejection(client.createTask({ processType: 'ZTSK', subject: 'x' }));
    expect(csrf.code).toBe('S4_CSRF_FAILED');
    expect(csrf.details?.status).toBe(403);

    const down = createS4Client(
      { kind: 'url', url: 'http://127.0.0.1:1', username: 'x', password: 'y', sapClient: '100' },
      { resilience: { circuitBreaker: false, readRetries: 0 } },
    );
    expect((await rejection(down.getTask('00000000-0000-0000-0000-000000000001'))).code).toBe('S4_UNAVAILABLE');
  });

  it('retries idempotent reads on 503 but never a write', async () => {
    const retrying = createS4Client(
      { kind: 'url', url: emulator.url, username: 'TANDEM_COMM', password: 'demo-password', sapClient: '100' },
      { resilience: { circuitBreaker: false, readRetries: 1 } },
    );
    emulator.injectFault({ count: 1, status: 503, method: 'GET', pathContains: 'A_BusinessPartner(' });
    expect((await retrying.getBusinessPartner(DEMO.contacts.max))?.id).toBe(DEMO.contacts.max);

    emulator.injectFault({ count: 1, status: 503, method: 'POST', pathContains: 'A_AppointmentActivity' });
    const before = emulator.list('A_AppointmentActivity').length;
    const error = await rejection(
      retrying.createAppointment({
        processType: 'ZVIS',
        subject: 'x',
        start: '2027-01-01T10:00:00Z',
        end: '2027-01-01T11:00:00Z',
        timeZone: 'UTC',
      }),
    );
    expect(error.code).toBe('S4_UNAVAILABLE');
    expect(emulator.list('A_AppointmentActivity').length).toBe(before);
  });

  it('opens the circuit breaker after repeated 5xx and then fails fast without calling S/4', async () => {
    const guarded = createS4Client(
      { kind: 'url', url: emulator.url, username: 'TANDEM_COMM', password: 'demo-password', sapClient: '100' },
      { resilience: { circuitBreaker: true, readRetries: 0 } },
    );
    emulator.injectFault({ count: 12, status: 500, pathContains: 'TaskActivity' });
    for (let i = 0; i < 12; i++) {
      const error = await rejection(guarded.getTask('00000000-0000-0000-0000-000000000001'));
      expect(error.code).toBe('S4_UNAVAILABLE');
    }
    // S/4 is healthy again, but the breaker (per destination URL and tenant) is open for its reset timeout.
    emulator.faults.clear();
    const fast = await rejection(guarded.getTask('00000000-0000-0000-0000-000000000001'));
    expect(fast.code).toBe('S4_UNAVAILABLE');
    expect(fast.message).toMatch(/circuit breaker is open/);
    // A client without the breaker still gets through.
    expect(await client.getTask('00000000-0000-0000-0000-000000000001')).toBeUndefined();
  });

  it('on Cloud Foundry never falls back to provider-level destinations when no destination service is bound', async () => {
    const saved = { app: process.env.VCAP_APPLICATION, destinations: process.env.destinations };
    process.env.VCAP_APPLICATION = JSON.stringify({ application_name: 'tandem-worker' });
    process.env.destinations = JSON.stringify([
      {
        name: 'S4_TEST',
        url: emulator.url,
        username: 'TANDEM_COMM',
        password: 'demo-password',
        authentication: 'BasicAuthentication',
      },
    ]);
    try {
      const client = createS4Client(
        { kind: 'destination', destinationName: 'S4_TEST', tenantId: 'demo' },
        { resilience: { circuitBreaker: false, readRetries: 0 } },
      );
      expect((await rejection(client.getBusinessPartner(DEMO.customers.fabrikam))).code).toBe('CONFIG_INVALID');
    } finally {
      for (const [key, value] of [
        ['VCAP_APPLICATION', saved.app],
        ['destinations', saved.destinations],
      ] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });

  it('resolves a destination by name and reports an unknown one as S4_DESTINATION_NOT_FOUND', async () => {
    const previous = process.env.destinations;
    process.env.destinations = JSON.stringify([
      {
        name: 'S4_TEST',
        url: emulator.url,
        username: 'TANDEM_COMM',
        password: 'demo-password',
        sapClient: '100',
        authentication: 'BasicAuthentication',
      },
    ]);
    try {
      const viaDestination = createS4Client(
        { kind: 'destination', destinationName: 'S4_TEST', tenantId: 'demo' },
        { resilience: { circuitBreaker: false, readRetries: 0 } },
      );
      expect((await viaDestination.getBusinessPartner(DEMO.customers.fabrikam))?.organizationName).toBe(
        'Fabrikam Logistik AG',
      );
      const missing = createS4Client(
        { kind: 'destination', destinationName: 'NO_SUCH_DESTINATION', tenantId: 'demo' },
        { resilience: { circuitBreaker: false, readRetries: 0 } },
      );
      expect((await rejection(missing.getBusinessPartner('1'))).code).toBe('S4_DESTINATION_NOT_FOUND');
    } finally {
      if (previous === undefined) delete process.env.destinations;
      else process.env.destinations = previous;
    }
  });
});
