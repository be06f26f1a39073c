import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MailboxConnector } from '../../../src/connectors/exchange/mailbox-connector.js';
import type { AppointmentDraft, TaskDraft } from '../../../src/connectors/exchange/types.js';
import type { FaultRuleInput } from '../../../src/emulators/ews/faults.js';
import { isTandemError, type TandemError } from '../../../src/errors/tandem-error.js';
import { libraryGetItems } from '../../unit/exchange-ews/library-reference.js';
import { ALICE, recordExchanges, stamp, startHarness, type Harness } from './support.js';

/**
 * Appointments created and read with the SOAP Tandem writes itself (soap-appointments.ts), against
 * the EWS emulator: what is stored, what is read back, what ews-javascript-api reads from the very
 * same answers, and what every kind of failure becomes compared with a call the library still makes.
 */

let h: Harness;
let connector: MailboxConnector;
const recording = recordExchanges();
const { exchanged } = recording;

beforeAll(async () => {
  h = await startHarness('ews-soap-appointments');
  connector = h.connector({}, { retry: { maxAttempts: 1 } });
});
afterAll(async () => {
  recording.restore();
  await h.close();
});
beforeEach(() => {
  h.emulator.reset();
  exchanged.length = 0;
});

const HOSTILE: AppointmentDraft = {
  subject: ' R&D <Q1> ]]> "review" ',
  body: { type: 'html', content: '<p>Agenda &amp; <b>notes</b> ]]></p>' },
  start: '2026-03-29T00:30:00.000Z',
  end: '2026-03-29T02:30:00.000Z',
  timeZone: 'Europe/Berlin',
  isAllDay: false,
  location: 'Walldorf <WDF03> & "B"',
  categories: ['S/4HANA', 'A&B <c>'],
  sensitivity: 'private',
  importance: 'high',
  showAs: 'tentative',
  reminderMinutesBeforeStart: 30,
  attendees: [
    { email: 'bob@demo.example', name: 'Bob <B&B>', type: 'required' },
    { email: 'carol@demo.example', type: 'optional' },
    { email: 'room-1@demo.example', name: 'Room ]]>', type: 'resource' },
  ],
};

describe('appointments through the EWS emulator', () => {
  it('round-trips hostile values, the zone and the stamp; the library reads the same answer the same way', async () => {
    const created = await connector.createItem(ALICE, 'appointment', HOSTILE, stamp('ACT-<&>', 'h]]>'));
    const stored = h.emulator.listItems(ALICE.smtpAddress).find((item) => item.id === created.id);
    expect(stored?.subject).toBe(HOSTILE.subject);
    const read = await connector.getItem(ALICE, 'appointment', created.id);
    expect(read).toMatchObject({
      ...HOSTILE,
      // Sent as given (stored above); read back trimmed, as ews-javascript-api reads text.
      subject: HOSTILE.subject.trim(),
      id: created.id,
      changeKey: created.changeKey,
      type: 'single',
      stamp: { s4Key: 'ACT-<&>', hash: 'h]]>' },
    });
    const getItem = exchanged.find((entry) => entry.request.includes('<m:GetItem>'))!;
    const library = await libraryGetItems([created.id], getItem.answer);
    expect(library.appointments).toEqual([read]);
  });

  it('writes a UTC appointment with the TimeZoneContext header, and reads it back in UTC', async () => {
    const draft = {
      ...HOSTILE,
      timeZone: 'UTC',
      isAllDay: true,
      start: '2026-07-01T00:00:00.000Z',
      end: '2026-07-02T00:00:00.000Z',
    };
    const created = await connector.createItem(ALICE, 'appointment', draft, stamp('ACT-UTC'));
    expect(exchanged[0]!.request).toContain('<t:TimeZoneContext>');
    const read = await connector.getItem(ALICE, 'appointment', created.id);
    expect(read).toMatchObject({ timeZone: 'UTC', isAllDay: true, start: draft.start, end: draft.end });
  });

  it('reads series masters, occurrences and exceptions as the library does (series still written by the library)', async () => {
    const series = await connector.createItem(
      ALICE,
      'appointment',
      {
        ...HOSTILE,
        start: '2026-03-02T08:00:00.000Z',
        end: '2026-03-02T09:00:00.000Z',
        recurrence: {
          pattern: { type: 'weekly', interval: 2, daysOfWeek: ['monday', 'thursday'], firstDayOfWeek: 'monday' },
          range: { type: 'numbered', startDate: '2026-03-02', numberOfOccurrences: 8 },
        },
        deletedOccurrences: ['2026-03-05T08:00:00.000Z'],
      },
      stamp('ACT-SERIES'),
    );
    exchanged.length = 0;
    const master = await connector.getItem(ALICE, 'appointment', series.id);
    expect(master).toMatchObject({
      type: 'seriesMaster',
      recurrence: {
        pattern: { type: 'weekly', interval: 2, daysOfWeek: ['monday', 'thursday'], firstDayOfWeek: 'monday' },
        range: { type: 'numbered', startDate: '2026-03-02', numberOfOccurrences: 8 },
      },
      deletedOccurrences: ['2026-03-05T08:00:00.000Z'],
    });
    const occurrences = await connector.expandSeries(ALICE, series.id, {
      start: '2026-03-01T00:00:00.000Z',
      end: '2026-03-31T00:00:00.000Z',
    });
    expect(occurrences.length).toBeGreaterThan(2);
    // Every GetItem with the full appointment shape went through the SOAP path: the master's, then the occurrences'.
    const reads = exchanged.filter((entry) => entry.request.includes('<t:BaseShape>AllProperties</t:BaseShape>'));
    expect(reads).toHaveLength(2);
    const [masterRead, occurrenceRead] = reads as [(typeof reads)[0], (typeof reads)[0]];
    expect((await libraryGetItems([series.id], masterRead.answer)).appointments).toEqual([master]);
    const ids = [...occurrenceRead.request.matchAll(/<t:ItemId Id="([^"]+)"/g)].map((match) => match[1]!);
    const library = await libraryGetItems(ids, occurrenceRead.answer, { seriesMasterId: series.id });
    expect(library.appointments).toEqual(ids.map((id) => occurrences.find((occurrence) => occurrence.id === id)));
  });

  it('leaves items Exchange does not find out of a batch, and keeps the rest', async () => {
    const created = await connector.createItem(ALICE, 'appointment', HOSTILE, stamp('ACT-1'));
    const found = await connector.getItems(ALICE, 'appointment', [created.id, 'RU1VMXxub3RoZXJlfGl8bm9uZQ==']);
    expect([...found.keys()]).toEqual([created.id]);
  });
});

const TASK: TaskDraft = {
  subject: 'Task',
  body: { type: 'text', content: '' },
  status: 'notStarted',
  percentComplete: 0,
  importance: 'normal',
  categories: [],
  sensitivity: 'normal',
};

/** The error of a call, as what callers see of it. */
function facts(error: unknown) {
  if (!isTandemError(error)) throw new Error(`expected a TandemError, got ${String(error)}`);
  const tandem = error as TandemError;
  return {
    code: tandem.code,
    message: tandem.message,
    details: tandem.details,
    retryable: tandem.retryable,
    retryAfterMs: tandem.retryAfterMs,
  };
}

const FAULTS: Array<[string, Omit<FaultRuleInput, 'operation'>, string]> = [
  [
    'ErrorServerBusy as a SOAP fault',
    { responseCode: 'ErrorServerBusy', backOffMilliseconds: 2500 },
    'EXCHANGE_THROTTLED',
  ],
  [
    'ErrorServerBusy as a response message',
    { responseCode: 'ErrorServerBusy', backOffMilliseconds: 700, asResponseMessage: true },
    'EXCHANGE_THROTTLED',
  ],
  ['ErrorImpersonateUserDenied', { responseCode: 'ErrorImpersonateUserDenied' }, 'EXCHANGE_IMPERSONATION_DENIED'],
  [
    'ErrorAccessDenied as a response message',
    { responseCode: 'ErrorAccessDenied', asResponseMessage: true },
    'EXCHANGE_FORBIDDEN',
  ],
  ['ErrorNonExistentMailbox', { responseCode: 'ErrorNonExistentMailbox' }, 'EXCHANGE_MAILBOX_NOT_FOUND'],
  ['ErrorInternalServerError', { responseCode: 'ErrorInternalServerError' }, 'EXCHANGE_UNAVAILABLE'],
  ['a code the library does not know', { responseCode: 'ErrorTandemUnheardOf', asResponseMessage: true }, 'INTERNAL'],
  ['HTTP 503', { httpStatus: 503 }, 'EXCHANGE_UNAVAILABLE'],
  ['HTTP 401', { httpStatus: 401 }, 'EXCHANGE_UNAUTHORIZED'],
  ['HTTP 403', { httpStatus: 403 }, 'EXCHANGE_FORBIDDEN'],
  ['HTTP 429', { httpStatus: 429 }, 'EXCHANGE_THROTTLED'],
];

describe('failures of the SOAP path are the TandemErrors of the library path', () => {
  for (const [name, fault, code] of FAULTS) {
    it(`CreateItem and GetItem: ${name} → ${code}`, async () => {
      const task = await connector.createItem(ALICE, 'task', TASK, stamp('T-REF'));
      const appointment = await connector.createItem(ALICE, 'appointment', HOSTILE, stamp('A-REF'));

      h.emulator.failNext({ operation: 'CreateItem', ...fault });
      const library = await connector.createItem(ALICE, 'task', TASK, stamp('T-1')).catch((e: unknown) => e);
      h.emulator.failNext({ operation: 'CreateItem', ...fault });
      const ours = await connector.createItem(ALICE, 'appointment', HOSTILE, stamp('A-1')).catch((e: unknown) => e);
      expect(facts(ours)).toEqual(facts(library));
      expect(facts(ours).code).toBe(code);

      h.emulator.failNext({ operation: 'GetItem', ...fault });
      const libraryRead = await connector.getItem(ALICE, 'task', task.id).catch((e: unknown) => e);
      h.emulator.failNext({ operation: 'GetItem', ...fault });
      const ourRead = await connector.getItem(ALICE, 'appointment', appointment.id).catch((e: unknown) => e);
      expect(facts(ourRead)).toEqual(facts(libraryRead));
      expect(facts(ourRead).code).toBe(code);
    });
  }

  it('retries ErrorServerBusy after the back-off Exchange asked for, then succeeds', async () => {
    const patient = h.connector({}, { retry: { maxAttempts: 3 } });
    h.emulator.failNext({ operation: 'CreateItem', responseCode: 'ErrorServerBusy', backOffMilliseconds: 300 });
    const started = Date.now();
    const created = await patient.createItem(ALICE, 'appointment', HOSTILE, stamp('A-BUSY'));
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(h.emulator.listItems(ALICE.smtpAddress).filter((item) => item.id === created.id)).toHaveLength(1);
  });
});

describe('an answer that is not EWS', () => {
  it('a proxy page or a cut-off answer with HTTP 200 is the same TandemError on both paths', async () => {
    const { createServer } = await import('node:http');
    let body = '<html><body>Please sign in to the proxy</body></html>';
    const server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        response.writeHead(200, { 'Content-Type': 'text/html' });
        response.end(body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    try {
      const address = server.address() as { port: number };
      const proxied = h.connector({ url: `http://127.0.0.1:${address.port}/EWS/Exchange.asmx` });
      const library = await proxied.createItem(ALICE, 'task', TASK, stamp('T-P')).catch((e: unknown) => e);
      const ours = await proxied.createItem(ALICE, 'appointment', HOSTILE, stamp('A-P')).catch((e: unknown) => e);
      expect(facts(ours).code).toBe('EXCHANGE_UNAVAILABLE');
      expect({ ...facts(ours), message: undefined }).toEqual({ ...facts(library), message: undefined });
      const read = await proxied.getItem(ALICE, 'appointment', 'AAMk1').catch((e: unknown) => e);
      expect(facts(read).code).toBe('EXCHANGE_UNAVAILABLE');

      body =
        '<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><m:CreateItemRes';
      const cutLibrary = await proxied.createItem(ALICE, 'task', TASK, stamp('T-C')).catch((e: unknown) => e);
      const cutOurs = await proxied.createItem(ALICE, 'appointment', HOSTILE, stamp('A-C')).catch((e: unknown) => e);
      expect(facts(cutOurs).code).toBe('EXCHANGE_UNAVAILABLE');
      expect({ ...facts(cutOurs), message: undefined }).toEqual({ ...facts(cutLibrary), message: undefined });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
