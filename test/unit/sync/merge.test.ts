import { describe, expect, it } from 'vitest';
import { mergeSets, threeWayMerge, type MergeOptions } from '../../../src/sync/merge.js';

interface Rec {
  subject: string;
  location: string;
  status: string;
  attendees: string[];
  start: string;
  timeZone: string;
}
const base: Rec = {
  subject: 'S',
  location: 'L',
  status: 'open',
  attendees: ['a', 'b'],
  start: '09:00',
  timeZone: 'Europe/Berlin',
};
const opts = (over: Partial<MergeOptions<keyof Rec & string>> = {}): MergeOptions<keyof Rec & string> => ({
  fields: ['subject', 'location', 'status', 'attendees', 'start'],
  policy: 'merge',
  owners: { subject: 'exchange', location: 'exchange', status: 's4', start: 'exchange' },
  setFields: ['attendees'],
  companions: { start: ['timeZone'] },
  ...over,
});

describe('three-way merge', () => {
  it("takes each side's own changes", () => {
    const r = threeWayMerge(base, { ...base, status: 'done' }, { ...base, subject: 'S2' }, opts());
    expect(r.merged).toMatchObject({ status: 'done', subject: 'S2', location: 'L' });
    expect(r.conflicts).toEqual([]);
    expect(r.s4Changed).toEqual(['status']);
    expect(r.exchangeChanged).toEqual(['subject']);
  });

  it('the same change on both sides is no conflict', () => {
    const r = threeWayMerge(base, { ...base, location: 'X' }, { ...base, location: 'X' }, opts());
    expect(r.conflicts).toEqual([]);
    expect(r.resolutions.find((x) => x.field === 'location')).toEqual({
      field: 'location',
      winner: 'both',
      conflict: false,
    });
  });

  it('a true conflict goes to the owner and reports the loser', () => {
    const r = threeWayMerge(
      base,
      { ...base, location: 'S4', status: 'a' },
      { ...base, location: 'EX', status: 'b' },
      opts(),
    );
    expect(r.merged).toMatchObject({ location: 'EX', status: 'a' });
    expect(r.conflicts).toEqual(['location', 'status']);
    expect(r.resolutions.filter((x) => x.conflict)).toEqual([
      { field: 'location', winner: 'exchange', conflict: true, lost: { side: 's4', value: 'S4' } },
      { field: 'status', winner: 's4', conflict: true, lost: { side: 'exchange', value: 'b' } },
    ]);
  });

  it('s4Wins / exchangeWins override owners', () => {
    const s4 = { ...base, location: 'S4', status: 'a' };
    const ex = { ...base, location: 'EX', status: 'b' };
    expect(threeWayMerge(base, s4, ex, opts({ policy: 's4Wins' })).merged).toMatchObject({
      location: 'S4',
      status: 'a',
    });
    expect(threeWayMerge(base, s4, ex, opts({ policy: 'exchangeWins' })).merged).toMatchObject({
      location: 'EX',
      status: 'b',
    });
  });

  it('companions travel with their field (time zone with start)', () => {
    const r = threeWayMerge(
      base,
      { ...base, status: 'x' },
      { ...base, start: '10:00', timeZone: 'America/New_York' },
      opts(),
    );
    expect(r.merged).toMatchObject({ start: '10:00', timeZone: 'America/New_York', status: 'x' });
  });

  it('attendee lists merge as sets: adds and removes from both sides', () => {
    const r = threeWayMerge(base, { ...base, attendees: ['a', 'c'] }, { ...base, attendees: ['b', 'd'] }, opts());
    // S/4 removed b, added c; Exchange removed a, added d.
    expect(r.merged.attendees).toEqual(['c', 'd']);
    expect(r.conflicts).toEqual([]);
    expect(mergeSets(['a'], ['a', 'x'], ['a', 'x'])).toEqual(['a', 'x']);
  });

  it('without a base attendee lists too are decided by their owner, not united', () => {
    const s4 = { ...base, attendees: ['a', 's4-only'] };
    const exchange = { ...base, attendees: ['a', 'exchange-only'] };
    const toS4 = threeWayMerge(undefined, s4, exchange, opts());
    expect(toS4.merged.attendees).toEqual(['a', 's4-only']);
    expect(toS4.resolutions).toContainEqual({
      field: 'attendees',
      winner: 's4',
      conflict: true,
      lost: { side: 'exchange', value: ['a', 'exchange-only'] },
    });
    const toExchange = threeWayMerge(undefined, s4, exchange, { ...opts(), owners: { attendees: 'exchange' } });
    expect(toExchange.merged.attendees).toEqual(['a', 'exchange-only']);
  });

  it('without a base every difference is a conflict decided by the owner', () => {
    const r = threeWayMerge(undefined, { ...base, location: 'S4' }, { ...base, location: 'EX' }, opts());
    expect(r.merged.location).toBe('EX');
    expect(r.conflicts).toEqual(['location']);
  });
});
