import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../../../src/store/transaction.js';
import { waitFor } from '../../support/service.js';
import { startSystem, type RunningSystem } from '../../support/system.js';
import { adminApi, mailboxIdOf } from './support.js';

/** A removed or disabled user's subscriptions end at Exchange: Graph (DELETE /subscriptions/{id}) would otherwise post for days. */
let system: RunningSystem;
let api: ReturnType<typeof adminApi>;
const liveRows = async (smtp: string) =>
  withTenant(
    'demo',
    async (tx) =>
      (
        await tx.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM subscriptions s JOIN mailboxes m ON m.id = s.mailbox_id WHERE m.smtp_address = $1 AND s.state <> 'retired'`,
          [smtp],
        )
      ).rows[0]!.n,
    system.db.pool,
  );

beforeAll(async () => {
  system = await startSystem({ backend: 'graph' });
  api = adminApi(system);
  // Calendar and contacts per user (To Do lists are polled: Graph refuses app-only To Do subscriptions).
  await waitFor(
    async () => system.graph!.subscriptions().length >= 4 || undefined,
    'Graph subscriptions of both users',
    60_000,
  );
}, 120_000);
afterAll(async () => system?.stop());

describe('Graph subscriptions end with the user', { timeout: 60_000 }, () => {
  it('disabling a user deletes their subscriptions in Graph; removing one deletes them before the user is gone', async () => {
    const bob = await mailboxIdOf(system, 'bob@demo.example');
    expect((await api('PATCH', `/users/${bob}`, { enabled: false })).status).toBe(200);
    await waitFor(
      async () => system.graph!.subscriptions().length === 2 || undefined,
      'Bob’s subscriptions to be deleted in Graph',
      20_000,
    );
    expect(system.graph!.subscriptions().every((s) => !s.resource.toLowerCase().includes('bob'))).toBe(true);
    await waitFor(
      async () => (await liveRows('bob@demo.example')) === 0 || undefined,
      'Bob’s subscription rows retired',
    );

    const alice = await mailboxIdOf(system, 'alice@demo.example');
    expect((await api('DELETE', `/users/${alice}`)).status).toBe(204);
    // Synchronously, before the rows (and with them the remote ids) are deleted with the user.
    expect(system.graph!.subscriptions()).toEqual([]);
  });
});
