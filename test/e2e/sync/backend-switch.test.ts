import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEwsConnector } from '../../../src/connectors/exchange/ews/ews-connector.js';
import type { ItemKind } from '../../../src/connectors/exchange/types.js';
import type { PortableMailbox } from '../../../src/emulators/graph/index.js';
import { environmentConnectorConfig } from '../../../src/environments/environment-repository.js';
import { SecretBox } from '../../../src/security/secret-box.js';
import { signDevToken } from '../../../src/security/dev-token.js';
import { withTenant } from '../../../src/store/transaction.js';
import { uniqueRedisPrefix } from '../../support/database.js';
import { ews as ewsLib, makeService } from '../../integration/ews-emulator/support.js';
import { graphClient } from '../../support/graph-outlook.js';
import { waitFor } from '../../support/service.js';
import { graphEnvironment, startSystem, type RunningSystem } from '../../support/system.js';

/**
 * Switching a user from EWS to Graph (docs/exchange-online-setup.md "Switching from EWS to Graph"):
 * the mailbox content moves with its stamps (as a migration would), the admin moves the user to a
 * new Graph environment, and Tandem keeps updating the same items — found again by stamp — without
 * creating anything twice.
 */
const ALICE = 'alice@demo.example';
let system: RunningSystem;
let aliceId: string;

const pool = () => system.db.pool;
const q = <T extends object>(sql: string, values: unknown[] = []) =>
  withTenant('demo', async (tx) => (await tx.query<T & Record<string, unknown>>(sql, values)).rows, pool());

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const token = await signDevToken(system.config.devTokenSecret, {
    tenantId: 'demo',
    scopes: ['Admin'],
    user: 'operator',
  });
  const response = await fetch(`${system.web.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

const inDays = (days: number, hour: number) => {
  const date = new Date(Date.now() + days * 86_400_000);
  date.setUTCHours(hour, 0, 0, 0);
  return date.toISOString();
};

const activeSubscriptions = (mailboxId: string, backend: 'ews' | 'graph') =>
  q<{ n: number }>(
    `SELECT count(*)::int AS n FROM subscriptions WHERE mailbox_id = $1 AND backend = $2 AND state = 'active'`,
    [mailboxId, backend],
  ).then((r) => r[0]!.n);

async function fullLoad(mailboxId: string): Promise<unknown> {
  expect((await api('POST', `/users/${mailboxId}/initial-load`)).status).toBe(202);
  return waitFor(
    async () => {
      const user = (await api('GET', `/users/${mailboxId}`)).body;
      return ['done', 'failed'].includes(user.initialLoad?.state) ? user.initialLoad : undefined;
    },
    'the initial load',
    60_000,
  );
}

beforeAll(async () => {
  system = await startSystem({ withGraph: true });
  aliceId = (await q<{ id: string }>(`SELECT id FROM mailboxes WHERE smtp_address = $1`, [ALICE]))[0]!.id;
  await waitFor(
    async () => (await activeSubscriptions(aliceId, 'ews')) === 3 || undefined,
    'Alice’s EWS subscriptions',
    60_000,
  );
  // Alice has been in sync on EWS: everything S/4 holds for her (the emulator's seed too) is in her mailbox.
  expect(await fullLoad(aliceId)).toMatchObject({ state: 'done' });
}, 120_000);
afterAll(async () => system?.stop());

describe('switching a user from EWS to Graph', { timeout: 150_000 }, () => {
  const subjects = ['Quarterly review', 'Site inspection', 'Budget call'];
  const keys: string[] = [];

  it('keeps updating the same items after the move, creates nothing twice, and still honours a real Outlook delete', async () => {
    // 1. On EWS: three S/4 appointments in Alice's calendar (the second also in Bob's, who stays on EWS).
    for (const [i, subject] of subjects.entries()) {
      const partners = [{ partnerFunction: '00000014', businessPartner: 'EMP001' }];
      if (i === 1) partners.push({ partnerFunction: '00000032', businessPartner: 'EMP002' });
      keys.push(
        (
          await system.s4.createAppointment({
            processType: 'ZVIS',
            subject,
            start: inDays(5 + i, 9),
            end: inDays(5 + i, 10),
            timeZone: 'Europe/Berlin',
            location: 'Room 1',
            partners,
          })
        ).uuid,
      );
    }
    // A fourth one the migration will lose.
    const lostKey = (
      await system.s4.createAppointment({
        processType: 'ZVIS',
        subject: 'Lost in migration',
        start: inDays(9, 9),
        end: inDays(9, 10),
        timeZone: 'Europe/Berlin',
        partners: [{ partnerFunction: '00000014', businessPartner: 'EMP001' }],
      })
    ).uuid;
    const ewsCalendar = (mailbox: string) => system.ews.listItems(mailbox).filter((item) => item.folder === 'calendar');
    await waitFor(
      async () =>
        [...subjects, 'Lost in migration'].every((s) => ewsCalendar(ALICE).some((item) => item.subject === s)) ||
        undefined,
      'the items in Alice’s EWS calendar',
    );
    await waitFor(
      async () =>
        (
          await q<{ n: number }>(
            `SELECT count(*)::int AS n FROM links WHERE mailbox_id = $1 AND state = 'linked' AND exchange_item_id IS NOT NULL
      AND s4_key = ANY($2)`,
            [aliceId, keys],
          )
        )[0]!.n === 3 || undefined,
      'Alice’s links',
    );
    // …and one Alice made in Outlook with the S/4HANA category (Exchange → S/4): it carries no stamp.
    const service = makeService(system.ews, { impersonate: ALICE });
    const own = new ewsLib.Appointment(service);
    own.Subject = 'Lunch with Litware';
    own.Start = ewsLib.DateTime.Parse(inDays(4, 12));
    own.End = ewsLib.DateTime.Parse(inDays(4, 13));
    own.Categories.Add('S/4HANA');
    await own.Save(ewsLib.WellKnownFolderName.Calendar, ewsLib.SendInvitationsMode.SendToNone);
    const ownKey = await waitFor(
      async () =>
        (
          await q<{ s4_key: string | null; state: string }>(
            `SELECT s4_key, state FROM links WHERE exchange_item_id = $1`,
            [own.Id.UniqueId],
          )
        )[0]?.s4_key ?? undefined,
      'the Outlook item’s S/4 activity',
    );
    const ewsIds = new Set(ewsCalendar(ALICE).map((item) => item.id));
    const s4BeforeSwitch = (
      await system.s4.listAppointmentsOfEmployee('EMP001', { from: inDays(-30, 0), to: inDays(60, 0) })
    )
      .map((a) => a.uuid)
      .sort();

    // 2. The migration: Alice's mailbox content, stamps included, arrives in Exchange Online (here: read
    //    through Tandem's EWS connector and imported into the Graph emulator as portable JSON).
    const box = new SecretBox(system.config.secretKeys);
    const ewsEnv = await withTenant('demo', (tx) => environmentConnectorConfig(tx, box, system.environmentId), pool());
    const ews = createEwsConnector(ewsEnv as never, { redis: system.web.redis, keyPrefix: uniqueRedisPrefix('copy') });
    const window = { start: inDays(-30, 0), end: inDays(60, 0) };
    const exported: Record<ItemKind, unknown[]> = { appointment: [], task: [], contact: [] };
    for (const kind of ['appointment', 'task', 'contact'] as const) {
      exported[kind] = (await ews.listItems({ smtpAddress: ALICE }, kind, window))
        .filter(
          (item) => kind !== 'appointment' || ['single', 'seriesMaster'].includes((item as { type: string }).type),
        )
        .map(
          ({
            id: _id,
            changeKey: _ck,
            type: _t,
            seriesMasterId: _sm,
            originalStart: _os,
            organizer: _o,
            hasAttachments: _h,
            lastModified: _lm,
            ...draft
          }: any) => draft,
        );
    }
    await ews.close();
    const portable = JSON.parse(
      JSON.stringify({ appointments: exported.appointment, tasks: exported.task, contacts: exported.contact }),
    ) as Omit<PortableMailbox, 'smtpAddress'>;
    expect(portable.appointments.filter((a) => a.stamp?.s4Key === lostKey)).toHaveLength(1);
    portable.appointments = portable.appointments.filter((a) => a.stamp?.s4Key !== lostKey);
    expect(portable.appointments.filter((a) => a.stamp && keys.includes(a.stamp.s4Key))).toHaveLength(3);
    expect(portable.appointments.find((a) => a.subject === 'Lunch with Litware')?.stamp).toBeUndefined();
    system.graph!.importMailbox(ALICE, portable);

    // 3. The operator: a Graph environment (the emulator's client id is no GUID), then the user moves to it.
    const created = await api('POST', '/environments', {
      kind: 'graph',
      name: 'Exchange Online (Graph)',
      testMailbox: ALICE,
      ...graphEnvironment(system.graph!),
    });
    expect(created.status).toBe(201);
    const moved = await api('PATCH', `/users/${aliceId}`, { environmentId: created.body.id });
    expect(moved).toMatchObject({ status: 200, body: { environmentId: created.body.id } });
    // The move re-keyed Alice's links (ids of the old backend mean nothing to the new one) and retired her EWS subscriptions.
    expect(
      (
        await q<{ n: number }>(
          `SELECT count(*)::int AS n FROM links WHERE mailbox_id = $1 AND exchange_item_id IS NOT NULL`,
          [aliceId],
        )
      )[0]!.n,
    ).toBe(0);
    expect(await activeSubscriptions(aliceId, 'ews')).toBe(0);
    // Calendar and contacts; To Do is polled (Graph refuses app-only To Do subscriptions).
    await waitFor(
      async () => (await activeSubscriptions(aliceId, 'graph')) === 2 || undefined,
      'Alice’s Graph subscriptions (validation handshake)',
      60_000,
    );

    // 4. S/4 changes after the move reach the items in Exchange Online — the same items, found by stamp.
    for (const [i, key] of keys.entries()) {
      const current = (await system.s4.getAppointment(key))!;
      await system.s4.updateAppointment(key, current.etag, { subject: `${subjects[i]} (moved)` });
    }
    const lost = (await system.s4.getAppointment(lostKey))!;
    await system.s4.updateAppointment(lostKey, lost.etag, { subject: 'Lost in migration (moved)' });
    const graphCalendar = () => system.graph!.exportMailbox(ALICE).appointments;
    await waitFor(
      async () => subjects.every((s) => graphCalendar().some((a) => a.subject === `${s} (moved)`)) || undefined,
      'the changes in Alice’s Graph calendar',
    );
    await waitFor(
      async () =>
        ewsCalendar('bob@demo.example').some((item) => item.subject === 'Site inspection (moved)') || undefined,
      'the change in Bob’s EWS calendar',
    );
    expect(graphCalendar().filter((a) => a.stamp && keys.includes(a.stamp.s4Key))).toHaveLength(3);
    expect(graphCalendar()).toHaveLength(portable.appointments.length);
    // The item the migration lost is neither re-created nor taken for an Outlook delete: journalled, S/4 untouched.
    await waitFor(
      async () =>
        (await q(`SELECT 1 FROM journal WHERE s4_key = $1 AND reason = 'environmentMove.itemNotFound'`, [lostKey]))[0],
      'the journal entry for the lost item',
    );
    expect(await system.s4.getAppointment(lostKey)).toMatchObject({ subject: 'Lost in migration (moved)' });
    expect(graphCalendar().some((a) => a.subject?.startsWith('Lost in migration'))).toBe(false);
    // The old EWS copies got no more writes: Tandem writes to the environment the user is in.
    expect(ewsCalendar(ALICE).filter((item) => item.subject?.endsWith('(moved)'))).toEqual([]);

    const outlook = await graphClient(system.graph!);
    const events = (await outlook('GET', `/users/${ALICE}/events?$top=100`)).json.value as Array<{
      id: string;
      subject: string;
    }>;
    const graphIdOf = (subject: string) => events.find((e) => e.subject === subject)!.id;
    const links = await q<{ s4_key: string; exchange_item_id: string | null }>(
      `SELECT s4_key, exchange_item_id FROM links WHERE mailbox_id = $1 AND s4_key = ANY($2)`,
      [aliceId, keys],
    );
    expect(links).toHaveLength(3);
    for (const [i, key] of keys.entries()) {
      expect(links.find((l) => l.s4_key === key)?.exchange_item_id).toBe(graphIdOf(`${subjects[i]} (moved)`));
      expect(ewsIds.has(links.find((l) => l.s4_key === key)!.exchange_item_id!)).toBe(false);
    }

    // 5. A full resync (the initial load again) adopts everything it finds and creates nothing.
    const journalMark = (await q<{ id: number }>('SELECT coalesce(max(id), 0)::int AS id FROM journal'))[0]!.id;
    expect(await fullLoad(aliceId)).toMatchObject({ state: 'done' });
    expect(graphCalendar()).toHaveLength(portable.appointments.length);
    expect(
      (await system.s4.listAppointmentsOfEmployee('EMP001', { from: window.start, to: window.end }))
        .map((a) => a.uuid)
        .sort(),
    ).toEqual(s4BeforeSwitch);
    // The Outlook-made item, unstamped, was re-linked to its activity (same subject and time), not turned into a second one.
    expect(
      await q(`SELECT exchange_item_id, state FROM links WHERE mailbox_id = $1 AND s4_key = $2`, [aliceId, ownKey]),
    ).toEqual([{ exchange_item_id: graphIdOf('Lunch with Litware'), state: 'linked' }]);
    const created2 = await q<{ reason: string }>(
      `SELECT reason FROM journal WHERE id > $1 AND reason LIKE 'created%'`,
      [journalMark],
    );
    expect(created2).toEqual([]);
    expect(
      (
        await q<{ n: number }>(`SELECT count(*)::int AS n FROM links WHERE mailbox_id = $1 AND s4_key = ANY($2)`, [
          aliceId,
          keys,
        ])
      )[0]!.n,
    ).toBe(3);

    // 6. A real delete in Outlook (on Graph now) is still honoured: no stamped item is left to re-find.
    const deleted = await outlook('DELETE', `/users/${ALICE}/events/${graphIdOf('Budget call (moved)')}`);
    expect(deleted.status).toBe(204);
    const reason = await waitFor(
      async () =>
        (
          await q<{ reason: string }>(
            `SELECT reason FROM journal WHERE s4_key = $1 AND reason LIKE 'deleted.exchange%'`,
            [keys[2]],
          )
        )[0]?.reason,
      'the Outlook delete to reach S/4',
      60_000,
    );
    expect(reason).toMatch(/^deleted\.exchange/);
    expect(graphCalendar().some((a) => a.subject === 'Budget call (moved)')).toBe(false);
  });
});
