import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../../../src/store/transaction.js';
import { ews, makeService } from '../../integration/ews-emulator/support.js';
import { waitFor } from '../../support/service.js';
import type { RunningSystem } from '../../support/system.js';
import { adminApi, inDays, linksWhere, mailboxIdOf, startSubscribedSystem } from './support.js';

/**
 * Delegate access instead of impersonation (docs/exchange-onprem-setup.md): an EWS environment with
 * impersonation off and a service account that holds no ApplicationImpersonation right, only the
 * FullAccess permission on each user's mailbox. The EWS emulator refuses any impersonation header
 * from that account and opens a mailbox to it only after the mailbox granted FullAccess, so a sync
 * that works here sends no impersonation and addresses every folder through its mailbox.
 */
let system: RunningSystem;
beforeAll(async () => {
  system = await startSubscribedSystem();
}, 120_000);
afterAll(async () => system.stop());

const BOB = 'bob@demo.example';
const DELEGATE = 'delegate@demo.example';
const calendarOf = (mailbox: string) => system.ews.listItems(mailbox).filter((item) => item.folder === 'calendar');

const activeSubscriptions = (mailboxId: string) =>
  withTenant(
    'demo',
    async (tx) =>
      (
        await tx.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM subscriptions WHERE mailbox_id = $1 AND state = 'active'`,
          [mailboxId],
        )
      ).rows[0]!.n,
    system.db.pool,
  );

interface ConnectionTest {
  ok: boolean;
  steps: { step: string; ok: boolean; message: string }[];
}

describe('an EWS environment with delegate access (no impersonation)', { timeout: 180_000 }, () => {
  it('the Test button names the missing permission, then passes once the mailbox grants FullAccess; a user moved there syncs both ways', async () => {
    const api = adminApi(system);
    const created = await api<{ id: string }>('POST', '/environments', {
      kind: 'ews-onprem',
      name: 'Exchange (delegate access)',
      testMailbox: BOB,
      url: system.ews.ewsUrl,
      auth: 'basic',
      username: DELEGATE,
      password: 'demo-password',
      impersonation: false,
      serverVersion: 'Exchange2016',
    });
    expect(created.status).toBe(201);
    const environmentId = created.body.id;

    const denied = await api<ConnectionTest>('POST', `/environments/${environmentId}/test`);
    expect(denied.body.ok).toBe(false);
    expect(denied.body.steps.map((s) => [s.step, s.ok])).toEqual([
      ['authenticate', true],
      ['impersonate', true],
      ['read-folder', false],
    ]);
    expect(denied.body.steps[2]!.message).toMatch(/give the service account full access to the mailbox/);

    // The Exchange admin: Add-MailboxPermission -Identity bob -User delegate -AccessRights FullAccess.
    system.ews.grantFullAccess(BOB, DELEGATE);
    const passed = await api<ConnectionTest>('POST', `/environments/${environmentId}/test`);
    expect(passed.body).toMatchObject({ ok: true });

    const bobId = await mailboxIdOf(system, BOB);
    const moved = await api('PATCH', `/users/${bobId}`, { environmentId });
    expect(moved).toMatchObject({ status: 200, body: { environmentId } });
    // Calendar, tasks and contacts subscribed again, now by the delegate account.
    await waitFor(async () => (await activeSubscriptions(bobId)) === 3 || undefined, 'Bob’s three subscriptions');

    // S/4 → Outlook: an appointment with Bob responsible arrives in his calendar.
    const fromS4 = await system.s4.createAppointment({
      processType: 'ZVIS',
      subject: 'Visit Fabrikam (delegate)',
      start: inDays(8, 9),
      end: inDays(8, 10),
      timeZone: 'Europe/Berlin',
      partners: [{ partnerFunction: '00000014', businessPartner: 'EMP002' }],
    });
    const item = await waitFor(
      async () => calendarOf(BOB).find((i) => i.subject === 'Visit Fabrikam (delegate)'),
      'the S/4 appointment in Bob’s calendar',
    );
    await waitFor(
      async () =>
        (await linksWhere(system, `s4_key = $1 AND state = 'linked'`, [fromS4.uuid]))[0]?.exchange_item_id ===
          item.id || undefined,
      'the link of the appointment',
    );

    // Outlook → S/4: Bob moves it in Outlook; the push notification of the delegate's subscription brings it to S/4.
    const bob = makeService(system.ews, { impersonate: BOB });
    const appointment = await ews.Appointment.Bind(bob, new ews.ItemId(item.id));
    appointment.Location = 'Fabrikam, gate 2';
    await appointment.Update(
      ews.ConflictResolutionMode.AlwaysOverwrite,
      ews.SendInvitationsOrCancellationsMode.SendToNone,
    );
    await waitFor(
      async () => (await system.s4.getAppointment(fromS4.uuid))?.location === 'Fabrikam, gate 2' || undefined,
      'Bob’s location in S/4',
    );

    // And a new Outlook appointment with the category becomes an S/4 activity with Bob responsible.
    const own = new ews.Appointment(bob);
    own.Subject = 'Bob’s own planning';
    own.Start = ews.DateTime.Parse(inDays(9, 9));
    own.End = ews.DateTime.Parse(inDays(9, 10));
    own.Categories.Add('S/4HANA');
    await own.Save(ews.WellKnownFolderName.Calendar, ews.SendInvitationsMode.SendToNone);
    const uuid = await waitFor(
      async () =>
        (await linksWhere(system, `exchange_item_id = $1 AND state = 'linked'`, [own.Id.UniqueId]))[0]?.s4_key ??
        undefined,
      'the S/4 activity of Bob’s appointment',
    );
    expect((await system.s4.getAppointment(uuid))!.partners).toContainEqual(
      expect.objectContaining({ partnerFunction: '00000014', businessPartner: 'EMP002' }),
    );
  });
});
