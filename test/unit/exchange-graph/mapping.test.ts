import { describe, expect, it } from 'vitest';
import {
  appointmentFromGraph,
  appointmentToGraph,
  contactToGraph,
  taskFromGraph,
  taskToGraph,
} from '../../../src/connectors/exchange/graph/mapping.js';
import { HASH_PROPERTY, S4_KEY_PROPERTY } from '../../../src/connectors/exchange/graph/stamp.js';

describe('Graph mapping', () => {
  it('writes start and end as wall time in the planned zone', () => {
    expect(
      appointmentToGraph({
        start: '2026-01-15T08:00:00.000Z',
        end: '2026-07-15T08:00:00.000Z',
        timeZone: 'Europe/Berlin',
      }),
    ).toEqual({
      start: { dateTime: '2026-01-15T09:00:00', timeZone: 'Europe/Berlin' },
      end: { dateTime: '2026-07-15T10:00:00', timeZone: 'Europe/Berlin' },
    });
  });

  it('reads UTC times, Windows zone names, attendee responses and the stamp', () => {
    const a = appointmentFromGraph({
      id: 'E1',
      '@odata.etag': 'W/"ck1"',
      type: 'singleInstance',
      subject: 'S',
      start: { dateTime: '2026-01-15T08:00:00.0000000', timeZone: 'UTC' },
      end: { dateTime: '2026-01-15T09:30:00.0000000', timeZone: 'UTC' },
      originalStartTimeZone: 'W. Europe Standard Time',
      attendees: [
        { type: 'optional', emailAddress: { address: 'x@y', name: 'X' }, status: { response: 'tentativelyAccepted' } },
      ],
      singleValueExtendedProperties: [
        { id: S4_KEY_PROPERTY.toLowerCase(), value: 'K' },
        { id: HASH_PROPERTY, value: 'H' },
      ],
    });
    expect(a).toMatchObject({
      id: 'E1',
      changeKey: 'ck1',
      type: 'single',
      start: '2026-01-15T08:00:00.000Z',
      end: '2026-01-15T09:30:00.000Z',
      timeZone: 'Europe/Berlin',
      attendees: [{ email: 'x@y', name: 'X', type: 'optional', response: 'tentative' }],
      stamp: { s4Key: 'K', hash: 'H' },
    });
  });

  it('maps tasks to To Do (dates as midnight UTC) and back, with fallbacks when the extension is missing', () => {
    expect(taskToGraph({ subject: 'T', dueDate: '2026-02-01', startDate: undefined })).toEqual({
      title: 'T',
      dueDateTime: { dateTime: '2026-02-01T00:00:00.0000000', timeZone: 'UTC' },
      startDateTime: null,
    });
    expect(
      taskFromGraph({
        id: 'T1',
        '@odata.etag': 'W/"e"',
        title: 'T',
        status: 'completed',
        dueDateTime: { dateTime: '2026-02-01T00:00:00.0000000', timeZone: 'UTC' },
      }),
    ).toMatchObject({ changeKey: 'e', dueDate: '2026-02-01', percentComplete: 100, sensitivity: 'normal' });
  });

  it('sends only the contact fields present, clearing removed ones', () => {
    expect(contactToGraph({ displayName: 'D', mobilePhone: undefined, emailAddresses: ['a@b'] })).toEqual({
      displayName: 'D',
      mobilePhone: null,
      emailAddresses: [{ address: 'a@b', name: 'a@b' }],
    });
  });
});
