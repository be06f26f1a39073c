import { describe, expect, it } from 'vitest';
import { occurrenceStarts } from '../../../src/emulators/graph/recurrence.js';
import { instantFromDateTimeTimeZone } from '../../../src/emulators/graph/time-zones.js';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number[]): string[] => ms.map((m) => new Date(m).toISOString());

describe('emulator recurrence expansion', () => {
  it('keeps the wall-clock time across DST (Berlin, daily)', () => {
    const start = instantFromDateTimeTimeZone({ dateTime: '2026-03-28T09:00:00', timeZone: 'Europe/Berlin' })!;
    expect(
      iso(
        occurrenceStarts(
          {
            pattern: { type: 'daily', interval: 1 },
            range: { type: 'numbered', startDate: '2026-03-28', numberOfOccurrences: 3 },
          },
          start,
          'Europe/Berlin',
          at('2027-01-01T00:00:00Z'),
        ),
      ),
    ).toEqual(['2026-03-28T08:00:00.000Z', '2026-03-29T07:00:00.000Z', '2026-03-30T07:00:00.000Z']);
  });

  it('expands weekly on several days with an interval, up to an end date', () => {
    const start = at('2026-01-05T10:00:00Z');
    expect(
      iso(
        occurrenceStarts(
          {
            pattern: { type: 'weekly', interval: 2, daysOfWeek: ['monday', 'thursday'], firstDayOfWeek: 'monday' },
            range: { type: 'endDate', startDate: '2026-01-05', endDate: '2026-01-31' },
          },
          start,
          'UTC',
          at('2027-01-01T00:00:00Z'),
        ),
      ),
    ).toEqual([
      '2026-01-05T10:00:00.000Z',
      '2026-01-08T10:00:00.000Z',
      '2026-01-19T10:00:00.000Z',
      '2026-01-22T10:00:00.000Z',
    ]);
  });

  it('handles absolute and relative monthly patterns and skips months without the day', () => {
    const start = at('2026-01-31T12:00:00Z');
    expect(
      iso(
        occurrenceStarts(
          {
            pattern: { type: 'absoluteMonthly', interval: 1, dayOfMonth: 31 },
            range: { type: 'numbered', startDate: '2026-01-31', numberOfOccurrences: 3 },
          },
          start,
          'UTC',
          at('2027-01-01T00:00:00Z'),
        ),
      ),
    ).toEqual(['2026-01-31T12:00:00.000Z', '2026-03-31T12:00:00.000Z', '2026-05-31T12:00:00.000Z']);
    expect(
      iso(
        occurrenceStarts(
          {
            pattern: { type: 'relativeMonthly', interval: 1, daysOfWeek: ['friday'], index: 'last' },
            range: { type: 'numbered', startDate: '2026-01-01', numberOfOccurrences: 2 },
          },
          at('2026-01-30T12:00:00Z'),
          'UTC',
          at('2027-01-01T00:00:00Z'),
        ),
      ),
    ).toEqual(['2026-01-30T12:00:00.000Z', '2026-02-27T12:00:00.000Z']);
  });
});
