import { createRequire } from 'node:module';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MailboxConnector } from '../../../src/connectors/exchange/mailbox-connector.js';
import type { AppointmentDraft } from '../../../src/connectors/exchange/types.js';
import { isTandemError } from '../../../src/errors/tandem-error.js';
import {
  AppointmentSchema,
  ExchangeService,
  ExchangeVersion,
  TimeZoneInfo,
  type DateTime,
} from '../../../src/connectors/exchange/ews/ews-lib.js';
import { ALICE, stamp, startHarness, type Harness } from './support.js';

// The DOM parser ews-javascript-api reads XML with (its ExtensionMethods take @xmldom/xmldom's).
const require = createRequire(import.meta.url);
const { DOMParser } = require('@xmldom/xmldom') as {
  DOMParser: { prototype: { parseFromString(xml: string, type: string): unknown } };
};

let h: Harness;
let connector: MailboxConnector;
beforeAll(async () => {
  h = await startHarness('ews-library-patches');
  connector = h.connector({}, { retry: { maxAttempts: 1 } });
});
afterAll(async () => h.close());
beforeEach(() => h.emulator.reset());

const draft = (subject: string): AppointmentDraft => ({
  subject,
  body: { type: 'text', content: 'Agenda' },
  start: '2026-03-10T08:00:00.000Z',
  end: '2026-03-10T09:00:00.000Z',
  timeZone: 'Europe/Berlin',
  isAllDay: false,
  location: 'Walldorf',
  categories: [],
  sensitivity: 'normal',
  importance: 'normal',
  showAs: 'busy',
  reminderMinutesBeforeStart: 15,
  attendees: [],
});

/** Counts the XML documents the library parses while `fn` runs, and whether one was a request it sent. */
async function parsesDuring(fn: () => Promise<unknown>): Promise<{ parses: number; requestParsed: boolean }> {
  const original = DOMParser.prototype.parseFromString;
  let parses = 0;
  let requestParsed = false;
  DOMParser.prototype.parseFromString = function counted(xml: string, type: string) {
    parses++;
    // Requests carry the operation element (m:CreateItem); answers carry its response (m:CreateItemResponse).
    if (/<m:CreateItem[\s>]/.test(xml)) requestParsed = true;
    return original.call(this, xml, type);
  };
  try {
    await fn();
  } finally {
    DOMParser.prototype.parseFromString = original;
  }
  return { parses, requestParsed };
}

describe('ews-javascript-api patches', () => {
  it('parses only the answer of a request, not the SOAP body it has just sent', async () => {
    // A series: single appointments are written without the library (soap-appointments.ts).
    const series: AppointmentDraft = {
      ...draft('Patched'),
      recurrence: {
        pattern: { type: 'daily', interval: 1 },
        range: { type: 'numbered', startDate: '2026-03-10', numberOfOccurrences: 3 },
      },
    };
    const counted = await parsesDuring(() => connector.createItem(ALICE, 'appointment', series, stamp('ACT-PATCH')));
    expect(counted).toEqual({ parses: 1, requestParsed: false });
    expect(h.emulator.listItems(ALICE.smtpAddress).map((item) => item.subject)).toContain('Patched');
  });

  it('still turns an HTTP failure and a SOAP fault into typed errors', async () => {
    h.emulator.failNext({ operation: 'CreateItem', httpStatus: 503 });
    const unavailable = await connector
      .createItem(ALICE, 'appointment', draft('Unavailable'), stamp('ACT-503'))
      .catch((error: unknown) => error);
    expect(isTandemError(unavailable) && unavailable.code).toBe('EXCHANGE_UNAVAILABLE');

    const denied = await h
      .connector({ username: 'limited@demo.example' }, { retry: { maxAttempts: 1 } })
      .createItem(ALICE, 'appointment', draft('Denied'), stamp('ACT-DENIED'))
      .catch((error: unknown) => error);
    expect(isTandemError(denied) && denied.code).toBe('EXCHANGE_IMPERSONATION_DENIED');
  });

  it('converts each DateTime of an answer once and stores that conversion', async () => {
    // The conversion is internal to the library (not in its typings).
    const service = new ExchangeService(ExchangeVersion.Exchange2016, TimeZoneInfo.Utc) as unknown as {
      ConvertUniversalDateTimeStringToLocalDateTime(value: string): DateTime;
    };
    const convert = service.ConvertUniversalDateTimeStringToLocalDateTime.bind(service);
    let conversions = 0;
    service.ConvertUniversalDateTimeStringToLocalDateTime = (value: string) => {
      conversions++;
      return convert(value);
    };
    const stored: DateTime[] = [];
    const bag = { _setItem: (_definition: unknown, value: DateTime) => stored.push(value) };
    const start = AppointmentSchema.Start as unknown as {
      LoadPropertyValueFromXmlJsObject(value: unknown, service: unknown, bag: unknown): void;
    };
    start.LoadPropertyValueFromXmlJsObject('2026-03-10T08:00:00Z', service, bag);
    expect(conversions).toBe(1);
    expect(stored.map((value) => value.ToISOString())).toEqual(['2026-03-10T08:00:00.000Z']);
    // No value, nothing stored (the library's own rule).
    start.LoadPropertyValueFromXmlJsObject('', service, bag);
    start.LoadPropertyValueFromXmlJsObject(undefined, service, bag);
    expect(conversions).toBe(1);
    expect(stored).toHaveLength(1);
    // And through a real answer: the appointment's times read back as written.
    const created = await connector.createItem(ALICE, 'appointment', draft('Times'), stamp('ACT-TIMES'));
    const read = await connector.getItem(ALICE, 'appointment', created.id);
    expect(read).toMatchObject({ start: '2026-03-10T08:00:00.000Z', end: '2026-03-10T09:00:00.000Z' });
  });
});
