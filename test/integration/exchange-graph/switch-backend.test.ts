import { describe, expect, it } from 'vitest';
import type { ItemKind } from '../../../src/connectors/exchange/types.js';
import type { PortableMailbox } from '../../../src/emulators/graph/index.js';
import { useGraphConnector } from './harness.js';

/**
 * Graph side of "switch an environment from EWS to Graph": the mailbox content moves as plain JSON
 * (what the EWS emulator exports), item ids change, and Tandem re-finds every linked item by its
 * stamp. Here the source is another Graph mailbox; with the EWS emulator the export comes from there.
 */
describe('switching backends keeps links through stamps', () => {
  const graph = useGraphConnector({ mailboxes: ['source@demo.example', 'target@demo.example'] });

  it('re-links every stamped item after export and import, with content and hashes intact', async () => {
    const source = { smtpAddress: 'source@demo.example' };
    const links: Array<{ kind: ItemKind; s4Key: string; id: string; hash: string }> = [];
    links.push({
      kind: 'appointment',
      s4Key: 'ACT-9',
      hash: 'ha',
      id: (
        await graph.connector.createItem(
          source,
          'appointment',
          {
            subject: 'Review',
            body: { type: 'text', content: 'x' },
            start: '2026-09-01T08:00:00.000Z',
            end: '2026-09-01T09:00:00.000Z',
            timeZone: 'Europe/Berlin',
            isAllDay: false,
            location: 'HQ',
            categories: ['A'],
            sensitivity: 'normal',
            importance: 'normal',
            attendees: [],
            recurrence: {
              pattern: { type: 'daily', interval: 1 },
              range: { type: 'numbered', startDate: '2026-09-01', numberOfOccurrences: 3 },
            },
          },
          { s4Key: 'ACT-9', hash: 'ha' },
        )
      ).id,
    });
    links.push({
      kind: 'contact',
      s4Key: 'BP-9',
      hash: 'hc',
      id: (
        await graph.connector.createItem(
          source,
          'contact',
          {
            displayName: 'Grace Hopper',
            emailAddresses: ['grace@navy.example'],
            businessPhones: [],
            categories: [],
          },
          { s4Key: 'BP-9', hash: 'hc' },
        )
      ).id,
    });
    links.push({
      kind: 'task',
      s4Key: 'TSK-9',
      hash: 'ht',
      id: (
        await graph.connector.createItem(
          source,
          'task',
          {
            subject: 'Follow up',
            body: { type: 'text', content: '' },
            dueDate: '2026-09-30',
            status: 'waitingOnOthers',
            percentComplete: 10,
            importance: 'high',
            categories: [],
            sensitivity: 'private',
          },
          { s4Key: 'TSK-9', hash: 'ht' },
        )
      ).id,
    });

    const exported: PortableMailbox = graph.emu.exportMailbox('source@demo.example');
    expect(exported.appointments.map((a) => a.stamp)).toEqual([{ s4Key: 'ACT-9', hash: 'ha' }]);
    // The export is plain JSON: it survives serialisation unchanged.
    const transported = JSON.parse(JSON.stringify(exported)) as PortableMailbox;
    graph.emu.importMailbox('target@demo.example', transported);

    const target = { smtpAddress: 'target@demo.example' };
    for (const link of links) {
      const found = await graph.connector.findByStamp(target, link.kind, link.s4Key);
      expect(found).toHaveLength(1);
      expect(found[0]?.id).not.toBe(link.id);
      expect(found[0]?.stamp).toEqual({ s4Key: link.s4Key, hash: link.hash });
    }
    const [series] = await graph.connector.findByStamp(target, 'appointment', 'ACT-9');
    expect(series).toMatchObject({
      type: 'seriesMaster',
      subject: 'Review',
      timeZone: 'Europe/Berlin',
      start: '2026-09-01T08:00:00.000Z',
    });
    expect(
      await graph.connector.expandSeries(target, series!.id, {
        start: '2026-09-01T00:00:00.000Z',
        end: '2026-10-01T00:00:00.000Z',
      }),
    ).toHaveLength(3);
    const [task] = await graph.connector.findByStamp(target, 'task', 'TSK-9');
    expect(task).toMatchObject({
      status: 'waitingOnOthers',
      percentComplete: 10,
      sensitivity: 'private',
      dueDate: '2026-09-30',
    });
  });
});
