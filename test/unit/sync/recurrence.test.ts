import { describe, expect, it } from 'vitest';
import type { Appointment, Recurrence } from '../../../src/connectors/exchange/types.js';
import type { SyncLink } from '../../../src/sync/actions.js';
import type { CanonicalAppointment } from '../../../src/sync/appointments/canonical-appointment.js';
import { decideSeries, type LinkedOccurrence } from '../../../src/sync/recurrence/decide-series.js';
import { expandSeriesToOccurrences, parseOccurrenceKey } from '../../../src/sync/recurrence/expand-series.js';
import { dateInZone } from '../../../src/sync/time/zone.js';
import { exAppt, lookup, s4Appt, settings } from './fixtures.js';

const WIN = { start: '2026-01-01T00:00:00Z', end: '2027-01-01T00:00:00Z' };

function series(recurrence: Recurrence, over: Partial<Appointment> = {}): Appointment {
  return exAppt({
    id: 'SER-1',
    type: 'seriesMaster',
    subject: 'Weekly sync',
    start: '2026-03-16T08:00:00Z',
    end: '2026-03-16T08:30:00Z',
    timeZone: 'Europe/Berlin',
    recurrence,
    ...over,
  });
}
const weekly = (
  over: Partial<Recurrence['range']> = {},
  days: Recurrence['pattern']['daysOfWeek'] = ['monday'],
): Recurrence => ({
  pattern: { type: 'weekly', interval: 1, daysOfWeek: days, firstDayOfWeek: 'monday' },
  range: { type: 'numbered', startDate: '2026-03-16', numberOfOccurrences: 4, ...over },
});
const starts = (occ: { item: Appointment }[]) => occ.map((o) => o.item.start);

describe('series expansion', () => {
  it('weekly 09:00 Europe/Berlin keeps its wall time across the last Sunday of March', () => {
    const m = series(weekly());
    const occ = expandSeriesToOccurrences(m, [], [], WIN);
    expect(starts(occ)).toEqual([
      '2026-03-16T08:00:00.000Z',
      '2026-03-23T08:00:00.000Z',
      '2026-03-30T07:00:00.000Z',
      '2026-04-06T07:00:00.000Z',
    ]);
    expect(occ.map((o) => o.item.end)).toEqual([
      '2026-03-16T08:30:00.000Z',
      '2026-03-23T08:30:00.000Z',
      '2026-03-30T07:30:00.000Z',
      '2026-04-06T07:30:00.000Z',
    ]);
    expect(occ[2]!.key).toBe('SER-1@2026-03-30T07:00:00.000Z');
    expect(parseOccurrenceKey(occ[2]!.key)).toEqual({ seriesId: 'SER-1', originalStart: '2026-03-30T07:00:00.000Z' });
    expect(occ[0]!.item).toMatchObject({ type: 'occurrence', seriesMasterId: 'SER-1', subject: 'Weekly sync' });
    expect(occ[0]!.item.recurrence).toBeUndefined();
  });

  it('an exception replaces its occurrence and a deleted occurrence is left out (but still counted)', () => {
    const m = series(weekly());
    const exception = exAppt({
      id: 'EXC-1',
      type: 'exception',
      seriesMasterId: 'SER-1',
      originalStart: '2026-03-23T08:00:00Z',
      subject: 'Weekly sync (moved)',
      start: '2026-03-24T13:00:00Z',
      end: '2026-03-24T14:00:00Z',
    });
    const occ = expandSeriesToOccurrences(m, [exception], ['2026-03-30T07:00:00Z'], WIN);
    expect(occ.map((o) => [o.originalStart, o.item.start, o.isException])).toEqual([
      ['2026-03-16T08:00:00.000Z', '2026-03-16T08:00:00.000Z', false],
      ['2026-03-23T08:00:00.000Z', '2026-03-24T13:00:00Z', true],
      ['2026-04-06T07:00:00.000Z', '2026-04-06T07:00:00.000Z', false],
    ]);
    expect(occ[1]!.item.subject).toBe('Weekly sync (moved)');
  });

  it('weekly on several days with an interval, until an end date', () => {
    const r: Recurrence = {
      pattern: { type: 'weekly', interval: 2, daysOfWeek: ['tuesday', 'thursday'], firstDayOfWeek: 'sunday' },
      range: { type: 'endDate', startDate: '2026-03-16', endDate: '2026-04-02' },
    };
    expect(starts(expandSeriesToOccurrences(series(r), [], [], WIN)).map((s) => s.slice(0, 10))).toEqual([
      '2026-03-17',
      '2026-03-19',
      '2026-03-31',
      '2026-04-02',
    ]);
  });

  it('daily every 3 days', () => {
    const r: Recurrence = {
      pattern: { type: 'daily', interval: 3 },
      range: { type: 'numbered', startDate: '2026-03-27', numberOfOccurrences: 3 },
    };
    expect(
      starts(
        expandSeriesToOccurrences(
          series(r, { start: '2026-03-27T08:00:00Z', end: '2026-03-27T08:30:00Z' }),
          [],
          [],
          WIN,
        ),
      ),
    ).toEqual(['2026-03-27T08:00:00.000Z', '2026-03-30T07:00:00.000Z', '2026-04-02T07:00:00.000Z']);
  });

  it('absolute monthly on the 31st falls on the last day of shorter months', () => {
    const r: Recurrence = {
      pattern: { type: 'absoluteMonthly', interval: 1, dayOfMonth: 31 },
      range: { type: 'numbered', startDate: '2026-01-31', numberOfOccurrences: 4 },
    };
    const occ = expandSeriesToOccurrences(
      series(r, { start: '2026-01-31T08:00:00Z', end: '2026-01-31T09:00:00Z' }),
      [],
      [],
      WIN,
    );
    expect(occ.map((o) => dateInZone(o.item.start, 'Europe/Berlin'))).toEqual([
      '2026-01-31',
      '2026-02-28',
      '2026-03-31',
      '2026-04-30',
    ]);
  });

  it('relative monthly: the last Friday, and the first weekday', () => {
    const last: Recurrence = {
      pattern: { type: 'relativeMonthly', interval: 1, daysOfWeek: ['friday'], index: 'last' },
      range: { type: 'numbered', startDate: '2026-03-01', numberOfOccurrences: 3 },
    };
    expect(
      expandSeriesToOccurrences(series(last), [], [], WIN).map((o) => dateInZone(o.item.start, 'Europe/Berlin')),
    ).toEqual(['2026-03-27', '2026-04-24', '2026-05-29']);
    const weekday: Recurrence = {
      pattern: {
        type: 'relativeMonthly',
        interval: 1,
        daysOfWeek: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'],
        index: 'first',
      },
      range: { type: 'numbered', startDate: '2026-03-01', numberOfOccurrences: 2 },
    };
    expect(
      expandSeriesToOccurrences(series(weekday), [], [], WIN).map((o) => dateInZone(o.item.start, 'Europe/Berlin')),
    ).toEqual(['2026-03-02', '2026-04-01']);
  });

  it('yearly: absolute and relative', () => {
    const abs: Recurrence = {
      pattern: { type: 'absoluteYearly', interval: 1, month: 4, dayOfMonth: 15 },
      range: { type: 'noEnd', startDate: '2026-01-01' },
    };
    const win = { start: '2026-01-01T00:00:00Z', end: '2028-06-01T00:00:00Z' };
    expect(expandSeriesToOccurrences(series(abs), [], [], win).map((o) => o.item.start)).toEqual([
      '2026-04-15T07:00:00.000Z',
      '2027-04-15T07:00:00.000Z',
      '2028-04-15T07:00:00.000Z',
    ]);
    const rel: Recurrence = {
      pattern: { type: 'relativeYearly', interval: 1, month: 11, daysOfWeek: ['thursday'], index: 'fourth' },
      range: { type: 'numbered', startDate: '2026-01-01', numberOfOccurrences: 2 },
    };
    expect(
      expandSeriesToOccurrences(series(rel), [], [], win).map((o) => dateInZone(o.item.start, 'Europe/Berlin')),
    ).toEqual(['2026-11-26', '2027-11-25']);
  });

  it('a series without end is bounded by the window, and occurrences before it are skipped', () => {
    const r: Recurrence = {
      pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'] },
      range: { type: 'noEnd', startDate: '2020-01-06' },
    };
    const occ = expandSeriesToOccurrences(
      series(r, { start: '2020-01-06T08:00:00Z', end: '2020-01-06T08:30:00Z' }),
      [],
      [],
      { start: '2026-03-01T00:00:00Z', end: '2026-03-31T00:00:00Z' },
    );
    expect(occ.map((o) => o.item.start.slice(0, 10))).toEqual([
      '2026-03-02',
      '2026-03-09',
      '2026-03-16',
      '2026-03-23',
      '2026-03-30',
    ]);
    expect(occ[4]!.item.start).toBe('2026-03-30T07:00:00.000Z');
  });

  it('all-day occurrences stay on local midnight across DST', () => {
    const r: Recurrence = {
      pattern: { type: 'weekly', interval: 1, daysOfWeek: ['saturday'] },
      range: { type: 'numbered', startDate: '2026-03-21', numberOfOccurrences: 2 },
    };
    const occ = expandSeriesToOccurrences(
      series(r, { isAllDay: true, start: '2026-03-20T23:00:00Z', end: '2026-03-21T23:00:00Z' }),
      [],
      [],
      WIN,
    );
    expect(occ.map((o) => [o.item.start, o.item.end])).toEqual([
      ['2026-03-20T23:00:00.000Z', '2026-03-21T23:00:00.000Z'],
      ['2026-03-27T23:00:00.000Z', '2026-03-28T23:00:00.000Z'],
    ]);
  });
});

describe('series → S/4 decisions', () => {
  const s = settings({ appointments: { recurringToS4: 'occurrences' } });
  const NOW = '2026-03-15T00:00:00Z';
  const base = {
    settings: s,
    lookup,
    now: NOW,
    mailbox: 'alice@demo.example',
    mailboxPartnerId: 'EMP001',
    exceptions: [] as Appointment[],
  };

  function linkFor(key: string, snapshot: CanonicalAppointment): LinkedOccurrence {
    const link: SyncLink<CanonicalAppointment> = {
      kind: 'appointment',
      mailbox: 'alice@demo.example',
      s4Key: `S4-${key}`,
      state: 'linked',
      origin: 'exchange',
      role: 'owner',
      marker: key,
      exchangeId: key,
      changeKey: 'ck1',
      s4Etag: 'e1',
      snapshot,
    };
    return {
      link,
      s4: s4Appt({
        uuid: `S4-${key}`,
        subject: snapshot.subject,
        start: snapshot.start,
        end: snapshot.end,
        texts: [{ textType: 'A002', text: snapshot.body }],
      }),
    };
  }

  it('creates one activity per occurrence, each carrying its key as marker', () => {
    const d = decideSeries({ ...base, master: series(weekly()), linked: new Map() });
    expect(d.map((x) => x.key)).toEqual([
      'SER-1@2026-03-16T08:00:00.000Z',
      'SER-1@2026-03-23T08:00:00.000Z',
      'SER-1@2026-03-30T07:00:00.000Z',
      'SER-1@2026-04-06T07:00:00.000Z',
    ]);
    const create = d[2]!.actions.find((a) => a.type === 'createS4');
    expect(create).toMatchObject({
      marker: 'SER-1@2026-03-30T07:00:00.000Z',
      write: {
        externalReference: 'SER-1@2026-03-30T07:00:00.000Z',
        start: '2026-03-30T07:00:00.000Z',
        end: '2026-03-30T07:30:00.000Z',
      },
    });
  });

  it('off, or a series without the category: nothing', () => {
    expect(decideSeries({ ...base, settings: settings(), master: series(weekly()), linked: new Map() })).toEqual([]);
    expect(decideSeries({ ...base, master: series(weekly(), { categories: [] }), linked: new Map() })).toEqual([]);
  });

  it('exception updates its activity, a deleted occurrence deletes its activity, unchanged ones stay', () => {
    const first = decideSeries({ ...base, master: series(weekly()), linked: new Map() });
    const linked = new Map(
      first.map((x) => {
        const snap = x.actions.find((a) => a.type === 'commitSnapshot')!;
        return [x.key, linkFor(x.key, (snap as { snapshot: CanonicalAppointment }).snapshot)] as const;
      }),
    );
    const exception = exAppt({
      id: 'EXC-1',
      type: 'exception',
      seriesMasterId: 'SER-1',
      originalStart: '2026-03-23T08:00:00Z',
      subject: 'Weekly sync',
      start: '2026-03-23T12:00:00Z',
      end: '2026-03-23T12:30:00Z',
    });
    const master = series(weekly(), { deletedOccurrences: ['2026-03-30T07:00:00Z'] });
    const d = new Map(
      decideSeries({ ...base, master, exceptions: [exception], linked }).map((x) => [
        x.key,
        x.actions.map((a) => a.type),
      ]),
    );
    expect(d.get('SER-1@2026-03-16T08:00:00.000Z')).toEqual(['noop']);
    expect(d.get('SER-1@2026-03-23T08:00:00.000Z')).toEqual(['updateS4', 'commitSnapshot']);
    expect(d.get('SER-1@2026-03-30T07:00:00.000Z')).toEqual(['deleteS4', 'unlink']);
    expect(d.get('SER-1@2026-04-06T07:00:00.000Z')).toEqual(['noop']);
  });

  it('a deleted occurrence sets the status when so configured', () => {
    const st = settings({
      appointments: { recurringToS4: 'occurrences', onOutlookDelete: 'setStatus', deletedStatus: 'E0003' },
    });
    const key = 'SER-1@2026-03-30T07:00:00.000Z';
    const first = decideSeries({ ...base, settings: st, master: series(weekly()), linked: new Map() });
    const snap = (
      first.find((x) => x.key === key)!.actions.find((a) => a.type === 'commitSnapshot') as {
        snapshot: CanonicalAppointment;
      }
    ).snapshot;
    const d = decideSeries({
      ...base,
      settings: st,
      master: series(weekly(), { deletedOccurrences: ['2026-03-30T07:00:00Z'] }),
      linked: new Map([[key, linkFor(key, snap)]]),
    });
    expect(d.find((x) => x.key === key)!.actions).toEqual([
      expect.objectContaining({ type: 'setS4Status', status: 'E0003' }),
      expect.objectContaining({ type: 'unlink', tombstone: true }),
    ]);
  });

  it('the window moving forward adds the next occurrences and leaves past ones alone', () => {
    const noEnd: Recurrence = {
      pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'] },
      range: { type: 'noEnd', startDate: '2026-03-16' },
    };
    const narrow = settings({ appointments: { recurringToS4: 'occurrences' } });
    narrow.syncWindow = { daysBack: 0, daysAhead: 14 };
    const first = decideSeries({ ...base, settings: narrow, master: series(noEnd), linked: new Map() });
    expect(first.map((x) => x.key.split('@')[1]!.slice(0, 10))).toEqual(['2026-03-16', '2026-03-23']);
    const linked = new Map(
      first.map(
        (x) =>
          [
            x.key,
            linkFor(
              x.key,
              (x.actions.find((a) => a.type === 'commitSnapshot') as { snapshot: CanonicalAppointment }).snapshot,
            ),
          ] as const,
      ),
    );
    const later = decideSeries({
      ...base,
      settings: narrow,
      now: '2026-03-29T00:00:00Z',
      master: series(noEnd),
      linked,
    });
    const byKey = new Map(
      later.map((x) => [
        x.key.split('@')[1]!.slice(0, 10),
        x.actions.map((a) => (a.type === 'noop' ? a.reason : a.type)),
      ]),
    );
    expect(byKey.get('2026-03-16')).toEqual(['behindWindow']);
    expect(byKey.get('2026-03-23')).toEqual(['behindWindow']);
    expect(byKey.get('2026-03-30')).toEqual(['createS4', 'commitSnapshot']);
    expect(byKey.get('2026-04-06')).toEqual(['createS4', 'commitSnapshot']);
  });

  it('S/4 edits of an occurrence are not written to Outlook; an activity deleted in S/4 is not recreated', () => {
    const first = decideSeries({ ...base, master: series(weekly()), linked: new Map() });
    const key = first[0]!.key;
    const snap = (first[0]!.actions.find((a) => a.type === 'commitSnapshot') as { snapshot: CanonicalAppointment })
      .snapshot;
    const lo = linkFor(key, snap);
    const edited = decideSeries({
      ...base,
      master: series(weekly()),
      linked: new Map([[key, { ...lo, s4: { ...lo.s4!, location: 'Elsewhere', etag: 'e2' } }]]),
    });
    const acts = edited.find((x) => x.key === key)!.actions;
    expect(acts.map((a) => a.type)).not.toContain('updateExchangeItem');
    expect(acts.some((a) => a.type === 'noop' && a.reason === 'series.outlookIsMaster')).toBe(true);
    const gone = decideSeries({ ...base, master: series(weekly()), linked: new Map([[key, { link: lo.link }]]) });
    expect(gone.find((x) => x.key === key)!.actions).toEqual([
      expect.objectContaining({ type: 'unlink', tombstone: true }),
    ]);
  });

  it('the whole series deleted → every linked occurrence takes the delete action', () => {
    const first = decideSeries({ ...base, master: series(weekly()), linked: new Map() });
    const linked = new Map(
      first.map(
        (x) =>
          [
            x.key,
            linkFor(
              x.key,
              (x.actions.find((a) => a.type === 'commitSnapshot') as { snapshot: CanonicalAppointment }).snapshot,
            ),
          ] as const,
      ),
    );
    const d = decideSeries({ ...base, linked });
    expect(d).toHaveLength(4);
    expect(d.every((x) => x.actions[0]!.type === 'deleteS4')).toBe(true);
  });
});
