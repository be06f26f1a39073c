import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../../../src/store/transaction.js';
import { graphClient } from '../../support/graph-outlook.js';
import { waitFor } from '../../support/service.js';
import type { RunningSystem } from '../../support/system.js';
import { inDays, linksWhere, settle, startGraphSystem } from './support.js';

/**
 * Tasks on Microsoft Graph: To Do sends apps no change notifications ("Create subscription",
 * learn.microsoft.com/graph/api/subscription-post-subscriptions: todoTask — Application: Not supported),
 * so Tandem polls each Graph user's Tandem To Do list with delta queries ("todoTask: delta",
 * learn.microsoft.com/graph/api/todotask-delta) every TODO_POLL_SECONDS.
 */
const POLL_SECONDS = 5;
let system: RunningSystem;
beforeAll(async () => {
  system = await startGraphSystem({ env: { TODO_POLL_SECONDS: String(POLL_SECONDS) } });
}, 120_000);
afterAll(async () => system?.stop());

describe('tasks end to end on Microsoft Graph (polled To Do)', { timeout: 90_000 }, () => {
  it('subscribes calendars and contacts only, never To Do', async () => {
    const resources = system.graph!.subscriptions().map((s) => s.resource);
    expect(resources.filter((r) => r.includes('/todo/'))).toEqual([]);
    const folders = await withTenant(
      'demo',
      async (tx) =>
        (
          await tx.query<{ folder: string }>(
            `SELECT DISTINCT folder FROM subscriptions WHERE state <> 'retired' ORDER BY folder`,
          )
        ).rows.map((r) => r.folder),
      system.db.pool,
    );
    expect(folders).toEqual(['calendar', 'contacts']);
  });

  it('a To Do task created in Outlook reaches S/4 through the poll within its interval', async () => {
    const outlook = await graphClient(system.graph!);
    // The first poll finds or creates the Tandem list and stores the list's deltaLink.
    const listId = await waitFor(async () => {
      const lists = await outlook(
        'GET',
        `/users/alice@demo.example/todo/lists?$filter=${encodeURIComponent("displayName eq 'Tandem'")}`,
      );
      return (lists.json.value as Array<{ id: string }> | undefined)?.[0]?.id;
    }, 'the Tandem To Do list');
    await waitFor(
      async () =>
        (
          await withTenant(
            'demo',
            (tx) =>
              tx.query(
                `SELECT 1 FROM folder_sync_states s JOIN mailboxes m ON m.id = s.mailbox_id WHERE m.smtp_address = 'alice@demo.example' AND s.folder = 'tasks' AND s.sync_state IS NOT NULL`,
              ),
            system.db.pool,
          )
        ).rowCount || undefined,
      'the To Do delta state',
    );

    const notificationsBefore = system.graph!.deliveries().length;
    const createdAt = Date.now();
    const posted = await outlook('POST', `/users/alice@demo.example/todo/lists/${listId}/tasks`, {
      title: 'Send the Contoso quote',
      categories: ['S/4HANA'],
      body: { content: 'Pricing from the call', contentType: 'text' },
      dueDateTime: { dateTime: `${inDays(5, 0).slice(0, 10)}T00:00:00.0000000`, timeZone: 'UTC' },
    });
    expect(posted.status).toBe(201);
    const taskId = posted.json.id as string;

    const s4Key = await waitFor(
      async () => {
        const links = await linksWhere(system, 'exchange_item_id = $1', [taskId]);
        return links[0]?.state === 'linked' ? (links[0].s4_key ?? undefined) : undefined;
      },
      'the S/4 task to be created and linked',
      60_000,
    );
    const elapsed = Date.now() - createdAt;
    // Within the poll interval plus one maintenance run (the demo runs it every 500 ms) and the sync itself.
    expect(elapsed).toBeLessThan((POLL_SECONDS + 6) * 1_000);
    const s4 = (await system.s4.getTask(s4Key))!;
    expect(s4).toMatchObject({ subject: 'Send the Contoso quote', processType: 'ZTSK', externalReference: taskId });
    // No notification was involved: the poll found it.
    expect(
      system
        .graph!.deliveries()
        .slice(notificationsBefore)
        .filter((d) => d.itemId === taskId),
    ).toEqual([]);

    // Completed in To Do: the next poll carries it to S/4; nothing is duplicated.
    expect(
      (
        await outlook('PATCH', `/users/alice@demo.example/todo/lists/${listId}/tasks/${taskId}`, {
          status: 'completed',
        })
      ).status,
    ).toBe(200);
    await waitFor(
      async () => (await system.s4.getTask(s4Key))?.status === 'E0003' || undefined,
      'the completed status in S/4',
      60_000,
    );
    await settle(POLL_SECONDS * 1_000);
    expect(await system.s4.findTasksByExternalReference(taskId)).toHaveLength(1);
  });
});
