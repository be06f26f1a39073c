import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MailboxConnector } from '../../../src/connectors/exchange/mailbox-connector.js';
import type { AppointmentDraft } from '../../../src/connectors/exchange/types.js';
import { ALICE, stamp, startHarness, type Harness } from './support.js';

let h: Harness;
let connector: MailboxConnector;
beforeAll(async () => {
  h = await startHarness('ews-series');
  connector = h.connector();
});
afterAll(async () => h.close());
beforeEach(() => h.emulator.reset());

// Weekly on Mondays 09:00–10:00 Berlin, five times, across the DST change of 29 March 2026.
const series: AppointmentDraft = {
  subject: 'Jour fixe',
  body: { type: 'text', content: '' },
  start: '2026-03-16T08:00:00.000Z',
  end: '2026-03-16T09:00:00.000Z',
  timeZone: 'Europe/Berlin',
  isAllDay: false,
  location: '',
  categories: [],
  sensitivity: 'normal',
  importance: 'normal',
  attendees: [],
  recurrence: {
    pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'], firstDayOfWeek: 'monday' },
    range: { type: 'numbered', startDate: '2026-03-16', numberOfOccurrences: 5 },
  },
};
const window = { start: '2026-03-01T00:00:00.000Z', end: '2026-05-01T00:00:00.000Z' };

describe('recurring series', () => {
  it('keeps the 09:00 wall-clock time across DST and round-trips the pattern', async () => {
    const created = await connector.createItem(ALICE, 'appointment', series, stamp('SER-1'));
    const master = await connector.getItem(ALICE, 'appointment', created.id);
    expect(master).toMatchObject({
      type: 'seriesMaster',
      timeZone: 'Europe/Berlin',
      recurrence: series.recurrence,
      deletedOccurrences: [],
    });

    const occurrences = await connector.expandSeries(ALICE, created.id, window);
    expect(occurrences.map((o) => o.start)).toEqual([
      '2026-03-16T08:00:00.000Z',
      '2026-03-23T08:00:00.000Z', // CET: 09:00 = 08:00Z
      '2026-03-30T07:00:00.000Z',
      '2026-04-06T07:00:00.000Z',
      '2026-04-13T07:00:00.000Z', // CEST: 09:00 = 07:00Z
    ]);
    expect(occurrences.every((o) => o.type === 'occurrence' && o.seriesMasterId === created.id)).toBe(true);
    expect(occurrences.map((o) => o.originalStart)).toEqual(occurrences.map((o) => o.start));
  });

  it('writes deleted occurrences and reports them on the master', async () => {
    const draft = { ...series, deletedOccurrences: ['2026-03-30T07:00:00.000Z'] };
    const created = await connector.createItem(ALICE, 'appointment', draft, stamp('SER-2'));
    const master = await connector.getItem(ALICE, 'appointment', created.id);
    expect(master!.changeKey).toBe(created.changeKey);
    expect(master!.deletedOccurrences).toEqual(['2026-03-30T07:00:00.000Z']);
    const occurrences = await connector.expandSeries(ALICE, created.id, window);
    expect(occurrences.map((o) => o.originalStart)).not.toContain('2026-03-30T07:00:00.000Z');
    expect(occurrences).toHaveLength(4);
  });

  it('lists singles and series masters overlapping a window', async () => {
    const single = await connector.createItem(
      ALICE,
      'appointment',
      { ...series, subject: 'single', recurrence: undefined } as AppointmentDraft,
      stamp('S-1'),
    );
    const outside = await connector.createItem(
      ALICE,
      'appointment',
      {
        ...series,
        subject: 'later',
        recurrence: undefined,
        start: '2027-01-04T08:00:00.000Z',
        end: '2027-01-04T09:00:00.000Z',
      } as AppointmentDraft,
      stamp('S-2'),
    );
    const master = await connector.createItem(ALICE, 'appointment', series, stamp('SER-3'));
    const listed = await connector.listItems(ALICE, 'appointment', window);
    const ids = listed.map((a) => a.id);
    expect(ids).toContain(single.id);
    expect(ids).toContain(master.id);
    expect(ids).not.toContain(outside.id);
    expect(listed.find((a) => a.id === master.id)!.type).toBe('seriesMaster');
    // Without a window: everything (singles and masters).
    expect((await connector.listItems(ALICE, 'appointment')).map((a) => a.id).sort()).toEqual(
      [single.id, outside.id, master.id].sort(),
    );
  });

  it('turns an edited occurrence into an exception that expandSeries and listItems report with its master', async () => {
    const created = await connector.createItem(ALICE, 'appointment', series, stamp('SER-4'));
    const occurrences = await connector.expandSeries(ALICE, created.id, window);
    const second = occurrences[1]!;
    await connector.updateItem(
      ALICE,
      'appointment',
      second,
      {
        subject: 'Jour fixe (moved)',
        start: '2026-03-24T12:00:00.000Z',
        end: '2026-03-24T13:00:00.000Z',
      },
      stamp('SER-4@2026-03-23T08:00:00.000Z'),
    );
    const expanded = await connector.expandSeries(ALICE, created.id, window);
    const exception = expanded.find((o) => o.originalStart === '2026-03-23T08:00:00.000Z')!;
    expect(exception).toMatchObject({
      type: 'exception',
      subject: 'Jour fixe (moved)',
      start: '2026-03-24T12:00:00.000Z',
      seriesMasterId: created.id,
    });
    expect(expanded.filter((o) => o.type === 'occurrence')).toHaveLength(4);
    const listed = await connector.listItems(ALICE, 'appointment', window);
    expect(listed.find((a) => a.type === 'exception')).toMatchObject({
      subject: 'Jour fixe (moved)',
      seriesMasterId: created.id,
    });
  });
});
