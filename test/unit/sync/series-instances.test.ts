import { describe, expect, it } from 'vitest';
import type { Appointment, Recurrence } from '../../../src/connectors/exchange/types.js';
import {
  instanceWindow,
  occurrencesMissingFromInstances,
  withDeletedFromInstances,
} from '../../../src/sync/recurrence/series-instances.js';
import { exAppt } from './fixtures.js';

/**
 * Deleted occurrences on Graph: the v1.0 event resource has no list of cancelled occurrences
 * (`cancelledOccurrences` is beta-only, learn.microsoft.com/graph/api/resources/event?view=graph-rest-beta)
 * and occurrence ids are opaque, so a deleted occurrence is the one "List instances"
 * (learn.microsoft.com/graph/api/event-list-instances) no longer returns.
 */
const WIN = { start: '2026-03-01T00:00:00.000Z', end: '2026-05-01T00:00:00.000Z' };
const weekly: Recurrence = {
  pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'], firstDayOfWeek: 'monday' },
  range: { type: 'numbered', startDate: '2026-03-16', numberOfOccurrences: 4 },
};
const master: Appointment = exAppt({
  id: 'SER-1',
  type: 'seriesMaster',
  start: '2026-03-16T08:00:00.000Z',
  end: '2026-03-16T08:30:00.000Z',
  timeZone: 'Europe/Berlin',
  recurrence: weekly,
});
// 09:00 Berlin: 08:00Z before the change on 29 March, 07:00Z after.
const ORIGINALS = [
  '2026-03-16T08:00:00.000Z',
  '2026-03-23T08:00:00.000Z',
  '2026-03-30T07:00:00.000Z',
  '2026-04-06T07:00:00.000Z',
];
const instance = (originalStart: string, over: Partial<Appointment> = {}): Appointment =>
  exAppt({ id: `opaque-${originalStart}`, type: 'occurrence', seriesMasterId: 'SER-1', originalStart, ...over });

describe('deleted occurrences from the series instances', () => {
  it('an occurrence the pattern has but the instances lack is deleted', () => {
    const listed = [ORIGINALS[0]!, ORIGINALS[1]!, ORIGINALS[3]!].map((o) => instance(o));
    expect(occurrencesMissingFromInstances(master, listed, WIN)).toEqual([ORIGINALS[2]]);
    expect(
      occurrencesMissingFromInstances(
        master,
        ORIGINALS.map((o) => instance(o)),
        WIN,
      ),
    ).toEqual([]);
  });

  it('an exception moved elsewhere still counts by its original start', () => {
    const moved = instance(ORIGINALS[1]!, { type: 'exception', start: '2026-03-24T12:00:00.000Z' });
    const listed = [instance(ORIGINALS[0]!), moved, instance(ORIGINALS[2]!), instance(ORIGINALS[3]!)];
    expect(occurrencesMissingFromInstances(master, listed, WIN)).toEqual([]);
  });

  it('every occurrence deleted: all of them', () => {
    expect(occurrencesMissingFromInstances(master, [], WIN)).toEqual(ORIGINALS);
  });

  it('guesses nothing when an instance has no original start or none matches the pattern', () => {
    const without = { ...instance(ORIGINALS[0]!) };
    delete without.originalStart;
    expect(occurrencesMissingFromInstances(master, [without], WIN)).toEqual([]);
    // An hour off everywhere: the two expansions disagree (a zone), so nothing is called deleted.
    const shifted = ORIGINALS.map((o) => instance(new Date(Date.parse(o) + 3_600_000).toISOString()));
    expect(occurrencesMissingFromInstances(master, shifted, WIN)).toEqual([]);
  });

  it('only occurrences in the window are judged', () => {
    const late = { start: '2026-03-25T00:00:00.000Z', end: '2026-05-01T00:00:00.000Z' };
    expect(occurrencesMissingFromInstances(master, [instance(ORIGINALS[3]!)], late)).toEqual([ORIGINALS[2]]);
  });

  it('adds the missing ones to what the master already says, once', () => {
    const known = { ...master, deletedOccurrences: [ORIGINALS[2]!] };
    const listed = [instance(ORIGINALS[0]!), instance(ORIGINALS[3]!)];
    expect(withDeletedFromInstances(known, listed, WIN).deletedOccurrences).toEqual([ORIGINALS[2], ORIGINALS[1]]);
    const all = ORIGINALS.map((o) => instance(o));
    expect(withDeletedFromInstances(master, all, WIN)).toBe(master);
  });

  it('the instance range reaches one pattern gap plus the duration beyond the window (EWS ErrorOccurrenceCrossingBoundary)', () => {
    const pad = 7 * 86_400_000 + 1_800_000;
    expect(instanceWindow(master, WIN)).toEqual({
      start: new Date(Date.parse(WIN.start) - pad).toISOString(),
      end: new Date(Date.parse(WIN.end) + pad).toISOString(),
    });
    const monthly = {
      ...master,
      recurrence: { ...weekly, pattern: { type: 'absoluteMonthly' as const, interval: 2 } },
    };
    expect(Date.parse(instanceWindow(monthly, WIN).end) - Date.parse(WIN.end)).toBe(62 * 86_400_000 + 1_800_000);
    const single = { ...master, type: 'single' as const };
    delete single.recurrence;
    expect(instanceWindow(single, WIN)).toEqual(WIN);
  });
});
