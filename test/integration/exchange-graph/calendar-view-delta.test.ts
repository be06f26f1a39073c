import { describe, expect, it } from 'vitest';
import type { MailboxConnector } from '../../../src/connectors/exchange/mailbox-connector.js';
import type { AppointmentDraft, ChangePage, TimeWindow } from '../../../src/connectors/exchange/types.js';
import { graphClient } from '../../support/graph-outlook.js';
import { useGraphConnector } from './harness.js';

/**
 * calendarView delta as Microsoft documents it: "event: delta" (learn.microsoft.com/graph/api/event-delta),
 * "Get incremental changes to events in a calendar view" (learn.microsoft.com/graph/delta-query-events)
 * and "List calendarView" (learn.microsoft.com/graph/api/user-list-calendarview).
 */
const carol = { smtpAddress: 'carol@demo.example' };
const W1: TimeWindow = { start: '2026-01-01T00:00:00.000Z', end: '2027-01-01T00:00:00.000Z' };

function draft(subject: string, start: string, hours = 1): AppointmentDraft {
  return {
    subject,
    body: { type: 'text', content: '' },
    start,
    end: new Date(Date.parse(start) + hours * 3_600_000).toISOString(),
    timeZone: 'UTC',
    isAllDay: false,
    location: '',
    categories: [],
    sensitivity: 'normal',
    importance: 'normal',
    attendees: [],
  };
}

async function drain(
  c: MailboxConnector,
  state: string | undefined,
  window: TimeWindow,
): Promise<{ pages: ChangePage[]; state: string }> {
  const pages: ChangePage[] = [];
  let current = state;
  do {
    const page = await c.changesSince(carol, 'appointment', current, window);
    pages.push(page);
    current = page.syncState;
  } while (pages.at(-1)?.moreAvailable);
  return { pages, state: current! };
}

const all = (r: { pages: ChangePage[] }, key: 'created' | 'updated' | 'deleted') => r.pages.flatMap((p) => p[key]);

describe('calendarView delta as documented (Graph emulator and connector)', () => {
  const graph = useGraphConnector({ mailboxes: ['carol@demo.example', 'dave@demo.example'] });

  it('event: delta — the emulator reports an event moved out of the window as @removed, and a GET still finds it (reason alone tells nothing)', async () => {
    const outlook = await graphClient(graph.emu);
    const view = `/users/dave@demo.example/calendarView/delta?startDateTime=${W1.start}&endDateTime=${W1.end}`;
    const posted = await outlook('POST', '/users/dave@demo.example/events', {
      subject: 'Review',
      start: { dateTime: '2026-06-01T10:00:00', timeZone: 'UTC' },
      end: { dateTime: '2026-06-01T11:00:00', timeZone: 'UTC' },
    });
    const doomed = await outlook('POST', '/users/dave@demo.example/events', {
      subject: 'Doomed',
      start: { dateTime: '2026-06-02T10:00:00', timeZone: 'UTC' },
      end: { dateTime: '2026-06-02T11:00:00', timeZone: 'UTC' },
    });
    const first = await outlook('GET', view);
    const deltaLink = String(first.json['@odata.deltaLink']).replace(/^.*\/v1\.0/, '');
    await outlook('PATCH', `/users/dave@demo.example/events/${String(posted.json.id)}`, {
      start: { dateTime: '2027-06-01T10:00:00', timeZone: 'UTC' },
      end: { dateTime: '2027-06-01T11:00:00', timeZone: 'UTC' },
    });
    await outlook('DELETE', `/users/dave@demo.example/events/${String(doomed.json.id)}`);
    const second = await outlook('GET', deltaLink);
    expect(second.json.value).toEqual([
      { id: posted.json.id, '@removed': { reason: 'deleted' } },
      { id: doomed.json.id, '@removed': { reason: 'deleted' } },
    ]);
    expect((await outlook('GET', `/users/dave@demo.example/events/${String(posted.json.id)}`)).status).toBe(200);
    const gone = await outlook('GET', `/users/dave@demo.example/events/${String(doomed.json.id)}`);
    expect(gone.status).toBe(404);
    expect((gone.json.error as { code: string }).code).toBe('ErrorItemNotFound');
  });

  it('List calendarView — the emulator reports occurrences and exceptions with seriesMasterId, never the series master', async () => {
    const outlook = await graphClient(graph.emu);
    const master = await outlook('POST', '/users/dave@demo.example/events', {
      subject: 'Standup',
      start: { dateTime: '2026-09-07T09:00:00', timeZone: 'UTC' },
      end: { dateTime: '2026-09-07T09:15:00', timeZone: 'UTC' },
      recurrence: {
        pattern: { type: 'daily', interval: 1 },
        range: { type: 'numbered', startDate: '2026-09-07', numberOfOccurrences: 3 },
      },
    });
    const res = await outlook(
      'GET',
      `/users/dave@demo.example/calendarView/delta?startDateTime=2026-09-01T00:00:00Z&endDateTime=2026-10-01T00:00:00Z`,
    );
    const rows = res.json.value as Array<{ id: string; type: string; seriesMasterId: string | null }>;
    expect(rows.map((r) => r.type)).toEqual(['occurrence', 'occurrence', 'occurrence']);
    expect(rows.every((r) => r.seriesMasterId === master.json.id && r.id !== master.json.id)).toBe(true);
    // A cancelled occurrence leaves the next round as @removed; the others are reported again (the series changed).
    const deltaLink = String(res.json['@odata.deltaLink']).replace(/^.*\/v1\.0/, '');
    await outlook('DELETE', `/users/dave@demo.example/events/${rows[1]!.id}`);
    const next = (await outlook('GET', deltaLink)).json.value as Array<Record<string, unknown>>;
    expect(next).toContainEqual({ id: rows[1]!.id, '@removed': { reason: 'deleted' } });
    expect(
      next
        .filter((r) => !r['@removed'])
        .map((r) => r.id)
        .sort(),
    ).toEqual([rows[0]!.id, rows[2]!.id].sort());
  });

  it('an @removed event that a GET still finds is a change, never a deletion; one that answers 404 ErrorItemNotFound is deleted', async () => {
    const moved = await graph.connector.createItem(
      carol,
      'appointment',
      draft('Moved away', '2026-05-04T10:00:00.000Z'),
      { s4Key: 'M-1', hash: 'h' },
    );
    const deleted = await graph.connector.createItem(
      carol,
      'appointment',
      draft('Deleted', '2026-05-05T10:00:00.000Z'),
      { s4Key: 'M-2', hash: 'h' },
    );
    const first = await drain(graph.connector, undefined, W1);
    expect(all(first, 'created').sort()).toEqual([moved.id, deleted.id].sort());

    const current = (await graph.connector.getItem(carol, 'appointment', moved.id))!;
    await graph.connector.updateItem(
      carol,
      'appointment',
      current,
      { start: '2027-05-04T10:00:00.000Z', end: '2027-05-04T11:00:00.000Z' },
      { s4Key: 'M-1', hash: 'h2' },
    );
    await graph.connector.deleteItem(carol, 'appointment', deleted.id);
    const second = await drain(graph.connector, first.state, W1);
    expect(all(second, 'updated')).toEqual([moved.id]);
    expect(all(second, 'deleted')).toEqual([deleted.id]);
  });

  it('a changed occurrence or exception names its series master', async () => {
    const master = await graph.connector.createItem(
      carol,
      'appointment',
      {
        ...draft('Weekly sync', '2026-07-06T08:00:00.000Z'),
        recurrence: {
          pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'], firstDayOfWeek: 'monday' },
          range: { type: 'numbered', startDate: '2026-07-06', numberOfOccurrences: 3 },
        },
      },
      { s4Key: 'S-1', hash: 'h' },
    );
    const first = await drain(graph.connector, undefined, W1);
    expect(all(first, 'created')).toContain(master.id);
    const instances = await graph.connector.expandSeries(carol, master.id, W1);
    await graph.connector.updateItem(
      carol,
      'appointment',
      instances[1]!,
      { subject: 'Weekly sync (moved room)' },
      { s4Key: 'S-1', hash: 'h' },
    );
    const second = await drain(graph.connector, first.state, W1);
    expect(all(second, 'updated')).toEqual([master.id]);
    expect(all(second, 'deleted')).toEqual([]);
  });

  it('restarts the round daily over the moving window: appointments beyond the first window arrive once the window reaches them', async () => {
    const start = await drain(graph.connector, undefined, W1);
    const later = await graph.connector.createItem(
      carol,
      'appointment',
      draft('Beyond the first window', '2027-01-20T10:00:00.000Z'),
      { s4Key: 'L-1', hash: 'h' },
    );
    const same = await drain(graph.connector, start.state, W1);
    expect([...all(same, 'created'), ...all(same, 'updated')]).toEqual([]);

    // The next day the window has moved: the old round finishes, then one over the new window lists only what is new to us.
    const W2: TimeWindow = { start: '2026-01-02T00:00:00.000Z', end: '2027-02-01T00:00:00.000Z' };
    const moved = await drain(graph.connector, same.state, W2);
    expect(moved.pages.length).toBeGreaterThan(1);
    expect(all(moved, 'created')).toEqual([later.id]);
    expect(all(moved, 'deleted')).toEqual([]);
    // And then it tracks changes in the new window.
    const v = (await graph.connector.getItem(carol, 'appointment', later.id))!;
    await graph.connector.updateItem(
      carol,
      'appointment',
      v,
      { subject: 'Beyond (renamed)' },
      { s4Key: 'L-1', hash: 'h2' },
    );
    const tracked = await drain(graph.connector, moved.state, W2);
    expect(all(tracked, 'updated')).toEqual([later.id]);
  });
});
