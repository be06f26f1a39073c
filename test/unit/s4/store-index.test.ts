import { describe, expect, it } from 'vitest';
import { S4Store, type Row } from '../../../src/emulators/s4/store.js';
import { seedDemoData } from '../../../src/emulators/s4/seed.js';

/**
 * S4Store.where answers from an index kept beside each table; it must list exactly the rows, in
 * exactly the order, that a scan of the table does — through inserts, replacements that move a row
 * to another value, deletes and rolled-back transactions.
 */
const SET = 'A_AppointmentActivityPartner';
const scan = (store: S4Store, value: unknown): Row[] => store.list(SET).filter((row) => row.ActivityUUID === value);

function partner(activity: string, fn: string, bp: string): Row {
  return { ActivityUUID: activity, PartnerFunction: fn, BusinessPartner: bp, __changed: 0 } as Row;
}

describe('S/4 emulator store index', () => {
  it('lists what a scan lists, in table order, through writes and rollbacks', () => {
    const store = new S4Store();
    seedDemoData(store);
    const [a, b] = ['aaaaaaaa-0000-0000-0000-000000000001', 'bbbbbbbb-0000-0000-0000-000000000002'];
    store.insert(SET, partner(a, '00000014', 'EMP001'));
    // The index is built here, from the table; everything after maintains it.
    expect(store.where(SET, 'ActivityUUID', a)).toEqual(scan(store, a));
    store.insert(SET, partner(b, '00000014', 'EMP002'));
    store.insert(SET, partner(a, '00000009', 'EMP002'));
    const first = store.where(SET, 'ActivityUUID', a)[0]!;
    // A replace moves the row to the end of the table, and so of the index.
    store.replace(SET, first, { ...first, BusinessPartner: 'EMP003' });
    expect(store.where(SET, 'ActivityUUID', a).map((r) => r.BusinessPartner)).toEqual(['EMP002', 'EMP003']);
    expect(store.where(SET, 'ActivityUUID', a)).toEqual(scan(store, a));
    // A replace that changes the indexed field moves the row between values.
    const moved = store.where(SET, 'ActivityUUID', b)[0]!;
    store.replace(SET, moved, { ...moved, ActivityUUID: a, PartnerFunction: '00000021' });
    expect(store.where(SET, 'ActivityUUID', b)).toEqual([]);
    expect(store.where(SET, 'ActivityUUID', a)).toEqual(scan(store, a));
    expect(store.where(SET, 'ActivityUUID', a)).toHaveLength(3);
    // A failed unit of work leaves table and index as they were.
    const before = scan(store, a);
    expect(() =>
      store.transaction(() => {
        store.remove(SET, store.where(SET, 'ActivityUUID', a)[0]!);
        store.insert(SET, partner(b, '00000014', 'EMP001'));
        throw new Error('changeset fails');
      }),
    ).toThrow('changeset fails');
    expect(store.where(SET, 'ActivityUUID', a)).toEqual(scan(store, a));
    expect(new Set(store.where(SET, 'ActivityUUID', a))).toEqual(new Set(before));
    expect(store.where(SET, 'ActivityUUID', b)).toEqual([]);
    // Deleting the last row of a value leaves nothing behind; clear() drops the index with the data.
    for (const row of store.where(SET, 'ActivityUUID', a)) store.remove(SET, row);
    expect(store.where(SET, 'ActivityUUID', a)).toEqual([]);
    store.insert(SET, partner(a, '00000014', 'EMP001'));
    store.clear();
    expect(store.where(SET, 'ActivityUUID', a)).toEqual([]);
  });

  it('keeps the table order when an insert overwrites a row in place with another indexed value', () => {
    const store = new S4Store();
    const main = (fn: string, isMain: boolean): Row => ({ ...partner('c', fn, 'EMP001'), IsMainPartner: isMain });
    store.insert(SET, main('00000014', false));
    store.insert(SET, main('00000009', true));
    expect(store.where(SET, 'IsMainPartner', true).map((r) => r.PartnerFunction)).toEqual(['00000009']);
    // Same key, other IsMainPartner: the table keeps the row in first place, and so must the index.
    store.insert(SET, main('00000014', true));
    expect(store.where(SET, 'IsMainPartner', true).map((r) => r.PartnerFunction)).toEqual(['00000014', '00000009']);
    expect(store.where(SET, 'IsMainPartner', false)).toEqual([]);
  });
});
