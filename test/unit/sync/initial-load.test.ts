import { describe, expect, it } from 'vitest';
import { matchForInitialLoad } from '../../../src/sync/initial-load.js';

const T1 = '2026-03-10T09:00:00.000Z';
const T2 = '2026-03-10T10:00:00.000Z';

describe('initial-load matching', () => {
  it('pairs by stamp first, even when the subject was edited', () => {
    const r = matchForInitialLoad(
      [{ key: 'A', subject: 'Visit', start: T1, end: T2 }],
      [{ id: 'x', subject: 'Visit (edited)', start: T1, end: T2, stamp: { s4Key: 'A', hash: 'h' } }],
    );
    expect(r.pairs).toEqual([{ s4Key: 'A', exchangeId: 'x', by: 'stamp' }]);
    expect(r.createInExchange).toEqual([]);
  });

  it('pairs by subject, start and end when exactly one candidate is on each side', () => {
    const r = matchForInitialLoad(
      [
        { key: 'A', subject: 'Visit  ACME', start: T1, end: T2 },
        { key: 'B', subject: 'Other', start: T1, end: T2 },
      ],
      [
        { id: 'x', subject: 'visit acme', start: T1, end: T2 },
        { id: 'y', subject: 'Lunch', start: T1, end: T2 },
      ],
    );
    expect(r.pairs).toEqual([{ s4Key: 'A', exchangeId: 'x', by: 'heuristic' }]);
    expect(r.createInExchange).toEqual([{ s4Key: 'B', journal: { outcome: 'synced', reason: 'initialLoad.noMatch' } }]);
    expect(r.exchangeOnly).toEqual([
      { exchangeId: 'y', mayCreateInS4: true, journal: { outcome: 'skipped', reason: 'initialLoad.noMatch' } },
    ]);
  });

  it('a different start or end is no match', () => {
    const r = matchForInitialLoad(
      [{ key: 'A', subject: 'Visit', start: T1, end: T2 }],
      [{ id: 'x', subject: 'Visit', start: T1, end: '2026-03-10T10:30:00.000Z' }],
    );
    expect(r.pairs).toEqual([]);
  });

  it('ambiguous candidates are never merged: create and journal the ambiguity', () => {
    const r = matchForInitialLoad(
      [{ key: 'A', subject: 'Visit', start: T1, end: T2 }],
      [
        { id: 'x', subject: 'Visit', start: T1, end: T2 },
        { id: 'y', subject: 'Visit', start: T1, end: T2 },
      ],
    );
    expect(r.pairs).toEqual([]);
    expect(r.createInExchange).toEqual([
      { s4Key: 'A', journal: { outcome: 'ambiguous', reason: 'initialLoad.ambiguous' } },
    ]);
    expect(r.exchangeOnly.map((e) => [e.journal.outcome, e.mayCreateInS4])).toEqual([
      ['ambiguous', false],
      ['ambiguous', false],
    ]);
    const two = matchForInitialLoad(
      [
        { key: 'A', subject: 'Visit', start: T1, end: T2 },
        { key: 'B', subject: 'Visit', start: T1, end: T2 },
      ],
      [{ id: 'x', subject: 'Visit', start: T1, end: T2 }],
    );
    expect(two.pairs).toEqual([]);
    expect(two.createInExchange.map((c) => c.journal.outcome)).toEqual(['ambiguous', 'ambiguous']);
  });

  it('a second item with the same stamp, or a stamp without object, is left alone and never used by the heuristic', () => {
    const r = matchForInitialLoad(
      [{ key: 'A', subject: 'Visit', start: T1, end: T2 }],
      [
        { id: 'x', subject: 'Visit', start: T1, end: T2, stamp: { s4Key: 'A', hash: 'h' } },
        { id: 'y', subject: 'Visit', start: T1, end: T2, stamp: { s4Key: 'A', hash: 'h' } },
        { id: 'z', subject: 'Gone', stamp: { s4Key: 'Q', hash: 'h' } },
      ],
    );
    expect(r.pairs).toEqual([{ s4Key: 'A', exchangeId: 'x', by: 'stamp' }]);
    expect(r.exchangeOnly.map((e) => [e.exchangeId, e.journal.reason, e.mayCreateInS4])).toEqual([
      ['y', 'initialLoad.duplicateStamp', false],
      ['z', 'initialLoad.stampWithoutObject', false],
    ]);
  });
});
