import { describe, expect, it } from 'vitest';
import { isTandemError } from '../../../src/errors/tandem-error.js';
import { graphClient } from '../../support/graph-outlook.js';
import { connectorFor, useGraphConnector } from './harness.js';

/**
 * Mailbox identity: Graph addresses users by object id or userPrincipalName ("Get user",
 * learn.microsoft.com/graph/api/user-get); the SMTP address finds them through "List users" with
 * `$filter=mail eq '…'` (learn.microsoft.com/graph/api/user-list). Both need User.Read.All.
 */
const erin = { smtpAddress: 'erin@demo.example' };
const UPN = 'erin.k@demotenant.onmicrosoft.example';

describe('mailbox identity on Graph (emulator and connector)', () => {
  const graph = useGraphConnector({
    mailboxes: ['erin@demo.example'],
    userPrincipalNames: { 'erin@demo.example': UPN },
  });

  it('the emulator refuses the SMTP address where it is not the UPN, and finds the user by UPN, object id and mail filter', async () => {
    const outlook = await graphClient(graph.emu);
    const bySmtp = await outlook('GET', '/users/erin@demo.example?$select=id');
    expect(bySmtp.status).toBe(404);
    expect((bySmtp.json.error as { code: string }).code).toBe('Request_ResourceNotFound');
    expect((await outlook('GET', '/users/erin@demo.example/events')).status).toBe(404);
    const byUpn = await outlook('GET', `/users/${UPN}?$select=id,userPrincipalName,mail`);
    expect(byUpn.json).toMatchObject({
      id: graph.emu.objectIdOf('erin@demo.example'),
      userPrincipalName: UPN,
      mail: 'erin@demo.example',
    });
    const filtered = await outlook(
      'GET',
      `/users?$filter=${encodeURIComponent("mail eq 'erin@demo.example'")}&$select=id`,
    );
    expect((filtered.json.value as Array<{ id: string }>).map((u) => u.id)).toEqual([
      graph.emu.objectIdOf('erin@demo.example'),
    ]);
    expect((await outlook('GET', `/users/${String(byUpn.json.id)}/events`)).status).toBe(200);
  });

  it('the connector resolves the object id once, stores it through its directory, and syncs the mailbox', async () => {
    const stored = new Map<string, string>();
    let lookups = 0;
    const c = connectorFor(graph.emu, graph.redis, {
      directory: {
        objectIdOf: async (smtp) => {
          lookups++;
          return stored.get(smtp);
        },
        remember: async (smtp, id) => {
          stored.set(smtp, id);
        },
      },
    });
    const v = await c.createItem(
      erin,
      'appointment',
      {
        subject: 'UPN is not SMTP',
        body: { type: 'text', content: '' },
        start: '2026-06-01T10:00:00.000Z',
        end: '2026-06-01T11:00:00.000Z',
        timeZone: 'UTC',
        isAllDay: false,
        location: '',
        categories: [],
        sensitivity: 'normal',
        importance: 'normal',
        attendees: [],
      },
      { s4Key: 'UPN-1', hash: 'h' },
    );
    expect(stored.get('erin@demo.example')).toBe(graph.emu.objectIdOf('erin@demo.example'));
    expect((await c.getItem(erin, 'appointment', v.id))?.subject).toBe('UPN is not SMTP');
    expect(lookups).toBe(1);
    await c.close();
  });

  it('without User.Read.All it falls back to the SMTP address (fine where it is the UPN) and names a missing user', async () => {
    graph.emu.setRoles(['Calendars.ReadWrite', 'Contacts.ReadWrite', 'Tasks.ReadWrite.All']);
    try {
      const c = connectorFor(graph.emu, graph.redis);
      expect(await c.listItems({ smtpAddress: 'alice@demo.example' }, 'contact')).toEqual([]);
      await expect(c.listItems(erin, 'contact')).rejects.toSatisfy((e: unknown) =>
        isTandemError(e, 'EXCHANGE_MAILBOX_NOT_FOUND'),
      );
      await c.close();
    } finally {
      graph.emu.setRoles(['Calendars.ReadWrite', 'Contacts.ReadWrite', 'Tasks.ReadWrite.All', 'User.Read.All']);
    }
    const c = connectorFor(graph.emu, graph.redis);
    await expect(c.listItems({ smtpAddress: 'nobody@demo.example' }, 'contact')).rejects.toSatisfy((e: unknown) =>
      isTandemError(e, 'EXCHANGE_MAILBOX_NOT_FOUND'),
    );
    await c.close();
  });
});
