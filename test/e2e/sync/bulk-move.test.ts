import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDevToken } from '../../../src/security/dev-token.js';
import { withTenant } from '../../../src/store/transaction.js';
import { waitFor } from '../../support/service.js';
import { graphEnvironment, startSystem, type RunningSystem } from '../../support/system.js';
import { adminApi, inDays, journalWhere, waitForSubscriptions } from './support.js';

/**
 * "Move users to Microsoft Graph" (issue #17, EWS Online's end): POST /environments/{id}/move-users
 * moves every user of an EWS environment to a Graph environment at once, each as PATCH /users/{id}
 * moves one (docs/exchange-online-setup.md "Switching an environment from EWS to Graph"), and queues
 * their full resync. Afterwards the users really sync on Graph: subscribed there, and S/4 changes
 * arrive in their Exchange Online mailboxes, not in the old EWS ones.
 */
let system: RunningSystem;
beforeAll(async () => {
  system = await startSystem({ withGraph: true });
  await waitForSubscriptions(system, 6);
}, 120_000);
afterAll(async () => system?.stop());

const q = <T extends object>(sql: string, values: unknown[] = []) =>
  withTenant('demo', async (tx) => (await tx.query<T & Record<string, unknown>>(sql, values)).rows, system.db.pool);

describe('moving all users of an environment to Microsoft Graph', { timeout: 150_000 }, () => {
  it('validates the target, moves every user with its resync, journals it, and the users sync on Graph afterwards', async () => {
    const api = adminApi(system);
    const from = system.environmentId;
    // Admin only: support may read users and environments but not move them.
    const supportToken = await signDevToken(system.config.devTokenSecret, {
      tenantId: 'demo',
      scopes: ['Support'],
      user: 'e2e-support',
    });
    const bySupport = await fetch(`${system.config.publicUrl}/api/v1/environments/${from}/move-users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${supportToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ to: from }),
    });
    expect(bySupport.status).toBe(403);
    // Refused: an unknown target, the same environment, no uuid.
    const unknown = await api<{ code: string }>('POST', `/environments/${from}/move-users`, {
      to: '00000000-0000-4000-8000-000000000000',
    });
    expect(unknown).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    expect((await api('POST', `/environments/${from}/move-users`, { to: from })).status).toBe(400);
    expect((await api('POST', `/environments/${from}/move-users`, { to: 'not-a-uuid' })).status).toBe(400);

    const created = await api<{ id: string }>('POST', '/environments', {
      kind: 'graph',
      name: 'Exchange Online (Graph)',
      testMailbox: 'alice@demo.example',
      ...graphEnvironment(system.graph!),
    });
    expect(created.status).toBe(201);
    const to = created.body.id;
    const moved = await api<Record<string, unknown>>('POST', `/environments/${from}/move-users`, { to });
    expect(moved).toMatchObject({
      status: 200,
      body: { from, to, toKind: 'graph', moved: 2, initialLoadsQueued: 2 },
    });
    const users = await api<{ items: Array<{ smtpAddress: string; environmentId: string }>; total: number }>(
      'GET',
      `/users?environmentId=${from}`,
    );
    expect(users.body.total).toBe(0);
    expect(await journalWhere(system, `reason = 'environment.usersMoved'`, [])).toMatchObject([
      { outcome: 'info', details: { moved: 2, toKind: 'graph' } },
    ]);
    expect(await journalWhere(system, `reason = 'mailbox.environmentChanged'`, [])).toHaveLength(2);
    // Running it again moves nobody (an interrupted move is finished the same way).
    expect((await api('POST', `/environments/${from}/move-users`, { to })).body).toMatchObject({ moved: 0 });

    // Subscribed on Graph (calendar and contacts per user; To Do is polled), nothing left on EWS.
    await waitFor(
      async () =>
        (
          await q<{ n: number }>(
            `SELECT count(*)::int AS n FROM subscriptions WHERE backend = 'graph' AND state = 'active'`,
          )
        )[0]!.n === 4 || undefined,
      'the users’ Graph subscriptions',
      60_000,
    );
    expect(
      (
        await q<{ n: number }>(
          `SELECT count(*)::int AS n FROM subscriptions WHERE backend = 'ews' AND state = 'active'`,
        )
      )[0]!.n,
    ).toBe(0);
    await waitFor(
      async () =>
        (
          await q<{ n: number }>(
            `SELECT count(*)::int AS n FROM mailboxes WHERE initial_load->>'state' = 'done' AND environment_id = $1`,
            [to],
          )
        )[0]!.n === 2 || undefined,
      'both resyncs',
      60_000,
    );

    // An S/4 appointment for both now lands in their Exchange Online calendars, not in EWS.
    await system.s4.createAppointment({
      processType: 'ZVIS',
      subject: 'After the move to Graph',
      start: inDays(5, 9),
      end: inDays(5, 10),
      timeZone: 'Europe/Berlin',
      partners: [
        { partnerFunction: '00000014', businessPartner: 'EMP001' },
        { partnerFunction: '00000032', businessPartner: 'EMP002' },
      ],
    });
    const onGraph = (smtp: string) =>
      system.graph!.exportMailbox(smtp).appointments.some((a) => a.subject === 'After the move to Graph');
    await waitFor(
      async () => (onGraph('alice@demo.example') && onGraph('bob@demo.example')) || undefined,
      'the appointment in both Graph calendars',
    );
    for (const smtp of ['alice@demo.example', 'bob@demo.example'])
      expect(system.ews.listItems(smtp).some((item) => item.subject === 'After the move to Graph')).toBe(false);
  });
});
