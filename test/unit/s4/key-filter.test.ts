import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { queryString } from '../../../src/connectors/s4/http.js';
import {
  KEYS_PER_EXISTENCE_READ,
  S4_MAX_REQUEST_TARGET,
  guidExistenceBatches,
  keysAbsentFrom,
} from '../../../src/connectors/s4/key-filter.js';
import { isTandemError } from '../../../src/errors/tandem-error.js';

const PATH = '/sap/opu/odata/sap/OP_API_ACTIVITY_APPOINTMENT_SRV_0001/A_AppointmentActivity';
const guids = (n: number) => Array.from({ length: n }, () => randomUUID());

describe('existence reads by OR-ed key comparisons', () => {
  it('asks for each key once, in reads of at most 50 keys and 4,096 characters', () => {
    const keys = guids(237);
    const batches = guidExistenceBatches(PATH, 'ActivityUUID', [...keys, keys[0]!.toUpperCase()]);
    expect(batches.flatMap((b) => b.keys)).toEqual(keys);
    expect(batches.map((b) => b.keys.length)).toEqual([50, 50, 50, 50, 37]);
    for (const batch of batches) {
      expect((PATH + queryString(batch.query)).length).toBeLessThanOrEqual(S4_MAX_REQUEST_TARGET);
      expect(batch.query.$select).toBe('ActivityUUID');
      expect(batch.query.$top).toBe(String(batch.keys.length));
    }
    expect(KEYS_PER_EXISTENCE_READ).toBe(50);
  });

  it('builds the OData v2 filter: key comparisons joined by or, GUID literals', () => {
    const [a, b] = ['0A1B2C3D-0000-4000-8000-000000000001', '0a1b2c3d-0000-4000-8000-000000000002'];
    const [batch] = guidExistenceBatches(PATH, 'ActivityUUID', [a!, b!]);
    expect(batch!.query.$filter).toBe(
      "ActivityUUID eq guid'0a1b2c3d-0000-4000-8000-000000000001' or ActivityUUID eq guid'0a1b2c3d-0000-4000-8000-000000000002'",
    );
    // As sent: spaces percent-encoded, quotes kept.
    expect(queryString(batch!.query)).toContain(
      "ActivityUUID%20eq%20guid'0a1b2c3d-0000-4000-8000-000000000001'%20or%20",
    );
  });

  it('cuts by length before count when the length limit is tighter', () => {
    const batches = guidExistenceBatches(PATH, 'ActivityUUID', guids(30), { maxTarget: 1_000 });
    expect(batches.length).toBeGreaterThan(1);
    for (const batch of batches) expect((PATH + queryString(batch.query)).length).toBeLessThanOrEqual(1_000);
    expect(batches.flatMap((b) => b.keys)).toHaveLength(30);
  });

  it('refuses what is not a GUID (nothing unquoted reaches the filter) and a limit no key fits', () => {
    expect(() => guidExistenceBatches(PATH, 'ActivityUUID', ["x' or 1 eq 1"])).toThrow(/Not an activity GUID/);
    expect(() => guidExistenceBatches(PATH, 'ActivityUUID', guids(1), { maxTarget: 100 })).toThrow(/length limit/);
    expect(guidExistenceBatches(PATH, 'ActivityUUID', [])).toEqual([]);
  });
});

describe('reading the answer fails closed', () => {
  const [batch] = guidExistenceBatches(PATH, 'ActivityUUID', [
    '0a1b2c3d-0000-4000-8000-000000000001',
    '0a1b2c3d-0000-4000-8000-000000000002',
  ]);

  it('a complete answer: the keys it lacks are missing (case-insensitive)', () => {
    expect(
      keysAbsentFrom(batch!, 'ActivityUUID', { results: [{ ActivityUUID: '0A1B2C3D-0000-4000-8000-000000000001' }] }),
    ).toEqual(['0a1b2c3d-0000-4000-8000-000000000002']);
    expect(keysAbsentFrom(batch!, 'ActivityUUID', { results: [] })).toHaveLength(2);
  });

  it('a paged answer (__next) confirms nothing missing', () => {
    expect(keysAbsentFrom(batch!, 'ActivityUUID', { results: [], __next: 'https://s4/next' })).toEqual([]);
  });

  it('an answer that is not a collection throws instead of meaning "none exist"', () => {
    for (const answer of [undefined, null, {}, { results: 'x' }, 'html']) {
      let error: unknown;
      try {
        keysAbsentFrom(batch!, 'ActivityUUID', answer);
      } catch (e) {
        error = e;
      }
      expect(isTandemError(error) && error.retryable).toBe(true);
    }
  });
});
