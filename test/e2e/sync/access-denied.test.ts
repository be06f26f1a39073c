import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../../../src/store/transaction.js';
import { ews, makeService } from '../../integration/ews-emulator/support.js';
import { waitFor } from '../../support/service.js';
import { startSystem, type RunningSystem } from '../../support/system.js';
import { adminApi, inDays, journalWhere, mailboxIdOf, waitForSubscriptions } from './support.js';

/**
 * A mailbox Exchange refuses to Tandem while the environment works (issue #17): on Graph the mailbox
 * is outside the application access policy ("Limiting application permissions to specific Exchange
 * Online mailboxes", learn.microsoft.com/en-us/graph/auth-limit-mailbox-access: 403 ErrorAccessDenied),
 * on EWS outside the management scope of the ApplicationImpersonation role assignment ("Configure
 * impersonation": ErrorImpersonateUserDenied). The refused user shows `accessDenied` with the code and
 * what to grant; the other user keeps syncing; once access is granted the access probe resumes the
 * user and what happened meanwhile on both sides arrives.
 */
const ALICE = 'alice@demo.example';
const BOB = 'bob@demo.example';
const PROBE_SECONDS = 2;

interface UserBody {
  id: string;
  smtpAddress: string;
  status: string;
  lastError: { code?: string; remoteCode?: string; hint?: string } | null;
}

function scenario(backend: 'ews' | 'graph'): void {
  describe(`a refused mailbox on ${backend === 'ews' ? 'EWS' : 'Microsoft Graph'}`, { timeout: 150_000 }, () => {
    let system: RunningSystem;
    beforeAll(async () => {
      system = await startSystem({
        ...(backend === 'graph' ? { backend: 'graph' as const } : {}),
        env: { ACCESS_PROBE_SECONDS: String(PROBE_SECONDS) },
      });
      // EWS: calendar, tasks, contacts per user; Graph: calendar and contacts (To Do is polled).
      await waitForSubscriptions(system, backend === 'ews' ? 6 : 4);
    }, 120_000);
    afterAll(async () => system?.stop());

    const refuse = (refused: boolean) => {
      if (backend === 'ews') system.ews.setImpersonationScope(BOB, !refused);
      else system.graph!.denyMailbox(BOB, refused ? 'policy' : undefined);
    };
    const calendarSubjects = (smtp: string): string[] =>
      backend === 'ews'
        ? system.ews
            .listItems(smtp)
            .filter((item) => item.folder === 'calendar')
            .map((item) => item.subject ?? '')
        : system.graph!.exportMailbox(smtp).appointments.map((a) => a.subject);
    /** Bob plans in his own Outlook meanwhile: not through Tandem's app, so no refusal applies. */
    const bobMakesAppointment = async (subject: string, start: string, end: string) => {
      if (backend === 'graph') {
        system.graph!.importMailbox(BOB, {
          appointments: [{ subject, start, end, timeZone: 'UTC', categories: ['S/4HANA'] } as never],
          tasks: [],
          contacts: [],
        });
        return;
      }
      // His delegate (FullAccess, no impersonation) writes into his calendar as Outlook would.
      system.ews.grantFullAccess(BOB, 'delegate@demo.example');
      const service = makeService(system.ews, { user: 'delegate@demo.example', impersonate: '' });
      const item = new ews.Appointment(service);
      item.Subject = subject;
      item.Start = ews.DateTime.Parse(start);
      item.End = ews.DateTime.Parse(end);
      item.Categories.Add('S/4HANA');
      await item.Save(
        new ews.FolderId(ews.WellKnownFolderName.Calendar, new ews.Mailbox(BOB)),
        ews.SendInvitationsMode.SendToNone,
      );
    };

    it('shows the refusal on that user only, keeps the others syncing, and resumes with catch-up once granted', async () => {
      const api = adminApi(system);
      const bobId = await mailboxIdOf(system, BOB);
      const aliceId = await mailboxIdOf(system, ALICE);
      refuse(true);

      // 1. An S/4 appointment for Alice and Bob: Alice gets it, Bob's refusal lands on Bob.
      const during = await system.s4.createAppointment({
        processType: 'ZVIS',
        subject: `Refused ${backend} review`,
        start: inDays(6, 9),
        end: inDays(6, 10),
        timeZone: 'Europe/Berlin',
        partners: [
          { partnerFunction: '00000014', businessPartner: 'EMP001' },
          { partnerFunction: '00000032', businessPartner: 'EMP002' },
        ],
      });
      await waitFor(
        async () => calendarSubjects(ALICE).includes(`Refused ${backend} review`) || undefined,
        'the appointment in Alice’s calendar',
      );
      const bob = await waitFor(async () => {
        const user = (await api<UserBody>('GET', `/users/${bobId}`)).body;
        return user.status === 'accessDenied' ? user : undefined;
      }, 'Bob’s status accessDenied');
      expect(bob.lastError).toMatchObject({
        remoteCode: backend === 'ews' ? 'ErrorImpersonateUserDenied' : 'ErrorAccessDenied',
      });
      expect(bob.lastError?.hint).toMatch(
        backend === 'ews' ? /management scope of the ApplicationImpersonation/ : /application access policy/,
      );
      expect(calendarSubjects(BOB)).not.toContain(`Refused ${backend} review`);
      // Visible in the user list (what the cockpit's users screen reads), filterable by the status.
      const listed = await api<{ items: UserBody[] }>('GET', '/users?status=accessDenied');
      expect(listed.body.items.map((u) => u.smtpAddress)).toEqual([BOB]);
      expect((await api<UserBody>('GET', `/users/${aliceId}`)).body.status).toBe('in-sync');
      const denied = await journalWhere(system, `mailbox_id = $1 AND reason = 'mailbox.accessDenied'`, [bobId]);
      expect(denied).toHaveLength(1);
      expect(denied[0]).toMatchObject({ outcome: 'failed', details: { code: bob.lastError?.remoteCode } });
      // Bob's subscriptions were retired (they cannot be renewed) and are not re-created while refused.
      const liveOfBob = async () =>
        withTenant(
          'demo',
          async (tx) =>
            (
              await tx.query<{ n: number }>(
                `SELECT count(*)::int AS n FROM subscriptions WHERE mailbox_id = $1 AND state <> 'retired'`,
                [bobId],
              )
            ).rows[0]!.n,
          system.db.pool,
        );
      expect(await liveOfBob()).toBe(0);

      // 2. While refused: S/4 changes the appointment, Bob plans one in Outlook, Alice keeps syncing.
      const current = (await system.s4.getAppointment(during.uuid))!;
      await system.s4.updateAppointment(during.uuid, current.etag, { subject: `Refused ${backend} review (moved)` });
      await bobMakesAppointment(`Bob’s ${backend} offsite`, inDays(8, 11), inDays(8, 12));
      await waitFor(
        async () => calendarSubjects(ALICE).includes(`Refused ${backend} review (moved)`) || undefined,
        'the change in Alice’s calendar',
      );
      // Several probe intervals pass: still refused, still one journal entry, no subscription, nothing dead.
      await new Promise((resolve) => setTimeout(resolve, PROBE_SECONDS * 2_000));
      expect((await api<UserBody>('GET', `/users/${bobId}`)).body.status).toBe('accessDenied');
      expect(await liveOfBob()).toBe(0);
      expect(await journalWhere(system, `mailbox_id = $1 AND reason = 'mailbox.accessDenied'`, [bobId])).toHaveLength(
        1,
      );
      const dead = await withTenant(
        'demo',
        async (tx) => (await tx.query(`SELECT subject, last_error FROM inbox WHERE status = 'dead'`)).rows,
        system.db.pool,
      );
      expect(dead).toEqual([]);

      // 3. The admin grants access: the probe resumes Bob, subscribes him again and catches up both ways.
      refuse(false);
      await waitFor(
        async () => {
          const user = (await api<UserBody>('GET', `/users/${bobId}`)).body;
          return user.status === 'in-sync' && user.lastError === null ? user : undefined;
        },
        'Bob back in sync',
        60_000,
      );
      expect(await journalWhere(system, `mailbox_id = $1 AND reason = 'mailbox.accessRestored'`, [bobId])).toHaveLength(
        1,
      );
      await waitFor(
        async () => calendarSubjects(BOB).includes(`Refused ${backend} review (moved)`) || undefined,
        'the S/4 change made meanwhile in Bob’s calendar',
        60_000,
      );
      const window = { from: inDays(-1, 0), to: inDays(30, 0) };
      const offsite = await waitFor(
        async () =>
          (await system.s4.listAppointmentsOfEmployee('EMP002', window)).filter(
            (a) => a.subject === `Bob’s ${backend} offsite`,
          )[0],
        'Bob’s Outlook appointment made meanwhile in S/4',
        60_000,
      );
      expect(offsite).toBeDefined();
      expect(calendarSubjects(BOB).filter((s) => s.startsWith(`Refused ${backend} review`))).toEqual([
        `Refused ${backend} review (moved)`,
      ]);
      // Nothing twice: one S/4 activity for Bob's Outlook appointment.
      expect(
        (await system.s4.listAppointmentsOfEmployee('EMP002', window)).filter(
          (a) => a.subject === `Bob’s ${backend} offsite`,
        ),
      ).toHaveLength(1);
      // And Bob syncs live again: a new S/4 appointment arrives through his renewed subscription path.
      await system.s4.createAppointment({
        processType: 'ZVIS',
        subject: `After the grant ${backend}`,
        start: inDays(7, 14),
        end: inDays(7, 15),
        timeZone: 'Europe/Berlin',
        partners: [{ partnerFunction: '00000014', businessPartner: 'EMP002' }],
      });
      await waitFor(
        async () => calendarSubjects(BOB).includes(`After the grant ${backend}`) || undefined,
        'a new appointment in Bob’s calendar',
      );
    });
  });
}

scenario('ews');
scenario('graph');
