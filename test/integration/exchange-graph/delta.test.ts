import { describe, expect, it } from 'vitest';
import { isTandemError } from '../../../src/errors/tandem-error.js';
import type { MailboxConnector } from '../../../src/connectors/exchange/mailbox-connector.js';
import type { ChangePage, ItemKind } from '../../../src/connectors/exchange/types.js';

import { connectorFor, useGraphConnector } from './harness.js';

const bob = { smtpAddress: 'bob@demo.example' };
const window = { start: '2026-01-01T00:00:00.000Z', end: '2027-01-01T00:00:00.000Z' };

/** Drains change tracking to the current end, like the engine does page by page. */
async function drain(
  c: MailboxConnector,
  kind: ItemKind,
  state: string | undefined,
): Promise<{ pages: ChangePage[]; state: string }> {
  const pages: ChangePage[] = [];
  let current = state;
  do {
    const page = await c.changesSince(bob, kind, current, window);
    pages.push(page);
    current = page.syncState;
  } while (pages.at(-1)?.moreAvailable);
  return { pages, state: current! };
}

describe('Graph connector against the emulator: delta', () => {
  const graph = useGraphConnector();

  it('pages through an initial contact delta (several nextLinks) and then reports updates and deletes', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 230; i++) {
      ids.push(
        (
          await graph.connector.createItem(
            bob,
            'contact',
            { displayName: `Person ${i}`, emailAddresses: [], businessPhones: [], categories: [] },
            { s4Key: `BP-${i}`, hash: 'h' },
          )
        ).id,
      );
    }
    const first = await drain(graph.connector, 'contact', undefined);
    const created = first.pages.flatMap((p) => p.created);
    expect(new Set(created)).toEqual(new Set(ids));
    expect(created).toHaveLength(230);
    expect(first.pages.at(-1)?.moreAvailable).toBe(false);

    const nothing = await drain(graph.connector, 'contact', first.state);
    expect(nothing.pages.flatMap((p) => [...p.created, ...p.updated, ...p.deleted])).toEqual([]);

    const v = (await graph.connector.getItem(bob, 'contact', ids[3]!))!;
    await graph.connector.updateItem(bob, 'contact', v, { jobTitle: 'CFO' }, { s4Key: 'BP-3', hash: 'h2' });
    await graph.connector.deleteItem(bob, 'contact', ids[7]!);
    const next = await drain(graph.connector, 'contact', nothing.state);
    expect(next.pages.flatMap((p) => p.updated)).toEqual([ids[3]]);
    expect(next.pages.flatMap((p) => p.deleted)).toEqual([ids[7]]);
  });

  it('turns a lost delta token into EXCHANGE_INVALID_SYNC_STATE; a full resync matches stamps without duplicates', async () => {
    const before = await drain(graph.connector, 'contact', undefined);
    graph.emu.expireDeltaTokens('bob@demo.example');
    await expect(graph.connector.changesSince(bob, 'contact', before.state, window)).rejects.toSatisfy((e: unknown) =>
      isTandemError(e, 'EXCHANGE_INVALID_SYNC_STATE'),
    );
    // Recovery as the engine does it: restart without a state, then match by stamp, never create twice.
    const restart = await drain(graph.connector, 'contact', undefined);
    const listed = await graph.connector.listItems(bob, 'contact');
    const byKey = new Map<string, number>();
    for (const c of listed) if (c.stamp) byKey.set(c.stamp.s4Key, (byKey.get(c.stamp.s4Key) ?? 0) + 1);
    expect([...byKey.values()].every((n) => n === 1)).toBe(true);
    expect(byKey.size).toBe(229);
    expect(new Set(restart.pages.flatMap((p) => p.created))).toEqual(new Set(listed.map((c) => c.id)));
    for (const key of ['BP-0', 'BP-3', 'BP-228'])
      expect(await graph.connector.findByStamp(bob, 'contact', key)).toHaveLength(1);
  });

  it('tracks appointments in a window through calendarView delta and tasks through todoTask delta', async () => {
    const inside = await graph.connector.createItem(
      bob,
      'appointment',
      {
        subject: 'In window',
        body: { type: 'text', content: '' },
        start: '2026-05-01T10:00:00.000Z',
        end: '2026-05-01T11:00:00.000Z',
        timeZone: 'UTC',
        isAllDay: false,
        location: '',
        categories: [],
        sensitivity: 'normal',
        importance: 'normal',
        attendees: [],
      },
      { s4Key: 'A-1', hash: 'h' },
    );
    await graph.connector.createItem(
      bob,
      'appointment',
      {
        subject: 'Outside',
        body: { type: 'text', content: '' },
        start: '2028-05-01T10:00:00.000Z',
        end: '2028-05-01T11:00:00.000Z',
        timeZone: 'UTC',
        isAllDay: false,
        location: '',
        categories: [],
        sensitivity: 'normal',
        importance: 'normal',
        attendees: [],
      },
      { s4Key: 'A-2', hash: 'h' },
    );
    const a = await drain(graph.connector, 'appointment', undefined);
    expect(a.pages.flatMap((p) => p.created)).toEqual([inside.id]);
    await graph.connector.deleteItem(bob, 'appointment', inside.id);
    const a2 = await drain(graph.connector, 'appointment', a.state);
    expect(a2.pages.flatMap((p) => p.deleted)).toEqual([inside.id]);

    const t = await graph.connector.createItem(
      bob,
      'task',
      {
        subject: 'T',
        body: { type: 'text', content: '' },
        status: 'notStarted',
        percentComplete: 0,
        importance: 'normal',
        categories: [],
        sensitivity: 'normal',
      },
      { s4Key: 'T-1', hash: 'h' },
    );
    const t1 = await drain(graph.connector, 'task', undefined);
    expect(t1.pages.flatMap((p) => p.created)).toEqual([t.id]);
    await graph.connector.updateItem(bob, 'task', t, { subject: 'T2' }, { s4Key: 'T-1', hash: 'h2' });
    const t2 = await drain(graph.connector, 'task', t1.state);
    expect(t2.pages.flatMap((p) => p.updated)).toEqual([t.id]);
  });

  it('returns the nextLink as sync state with moreAvailable when a call reaches its page limit', async () => {
    const small = connectorFor(graph.emu, graph.redis, { delta: { pageSize: 10, maxPagesPerCall: 2 } });
    const all = await small.listItems(bob, 'contact');
    const seen: string[] = [];
    let state: string | undefined;
    let calls = 0;
    for (;;) {
      const page = await small.changesSince(bob, 'contact', state, window);
      calls++;
      seen.push(...page.created);
      state = page.syncState;
      if (!page.moreAvailable) break;
      expect(page.created).toHaveLength(20);
      expect(page.syncState).toContain('skiptoken');
    }
    expect(calls).toBe(Math.ceil(all.length / 20) + (all.length % 20 === 0 ? 1 : 0));
    expect(new Set(seen)).toEqual(new Set(all.map((c) => c.id)));
    expect(seen).toHaveLength(all.length);
    await small.close();
  });

  it('rejects a sync state that points to another host (the bearer token must not leak)', async () => {
    await expect(
      graph.connector.changesSince(bob, 'contact', 'graph1:d:https://evil.example/v1.0/users/x/contacts/delta', window),
    ).rejects.toSatisfy((e: unknown) => isTandemError(e, 'EXCHANGE_BAD_REQUEST'));
  });
});
