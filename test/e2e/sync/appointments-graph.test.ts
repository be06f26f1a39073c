import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../../../src/store/transaction.js';
import { hashCallbackToken } from '../../../src/subscriptions/subscription-repository.js';
import { graphClient } from '../../support/graph-outlook.js';
import { waitFor } from '../../support/service.js';
import type { RunningSystem } from '../../support/system.js';
import { startGraphSystem } from './support.js';

/** appointments.test.ts on Exchange Online: the demo users live in the Graph emulator. */
let system: RunningSystem;
beforeAll(async () => {
  // Alice signs in as a.wilber@…: her UPN is not her SMTP address, as in many tenants.
  system = await startGraphSystem({
    graphUserPrincipalNames: { 'alice@demo.example': 'a.wilber@demotenant.onmicrosoft.example' },
  });
}, 120_000);
afterAll(async () => system?.stop());

const graph = () => system.graph!;
/** How another Graph client addresses Alice: her user principal name. */
const aliceUpn = () => 'a.wilber@demotenant.onmicrosoft.example';
const appointmentsOf = (mailbox: string) => graph().exportMailbox(mailbox).appointments;
const findBySubject = (mailbox: string, subject: string) =>
  appointmentsOf(mailbox).find((item) => item.subject === subject);

const inOneWeek = (hour: number) => {
  const date = new Date(Date.now() + 7 * 86_400_000);
  date.setUTCHours(hour, 0, 0, 0);
  return date.toISOString();
};
const graphTime = (iso: string) => ({ dateTime: iso.slice(0, 19), timeZone: 'UTC' });

describe(
  'appointments end to end on Microsoft Graph (web + worker + Graph and S/4 emulators)',
  { timeout: 90_000 },
  () => {
    it('subscribed through the real validation handshake, with clientState, and accepts lifecycle notifications', async () => {
      // The emulator only creates a subscription after both URLs echoed its validationToken.
      const subscriptions = graph().subscriptions();
      expect(subscriptions).toHaveLength(4);
      expect(subscriptions.filter((s) => s.resource.includes('/todo/'))).toEqual([]);
      expect(subscriptions.filter((s) => s.resource.endsWith('/events'))).toHaveLength(2);
      const hashes = await withTenant(
        'demo',
        async (tx) =>
          (
            await tx.query<{ token_hash: string }>(`SELECT token_hash FROM subscriptions WHERE state = 'active'`)
          ).rows.map((r) => r.token_hash),
        system.db.pool,
      );
      // clientState is each subscription's own token (only its hash is stored): what /graph/notifications checks.
      expect(subscriptions.map((s) => hashCallbackToken(s.clientState ?? '')).sort()).toEqual(hashes.sort());
      const missed = graph().lifecycle(subscriptions[0]!.id, 'missed');
      await waitFor(
        async () => missed.delivered || undefined,
        'the lifecycle notification to be accepted by /graph/lifecycle',
      );
    });

    // "Get user" (learn.microsoft.com/graph/api/user-get): /users/{id | userPrincipalName}; an SMTP address that is not the UPN finds nobody.
    it('a mailbox whose UPN differs from its SMTP address is addressed by its stored Entra object id', async () => {
      const outlook = await graphClient(graph());
      expect((await outlook('GET', '/users/alice@demo.example/events')).status).toBe(404);
      const stored = await waitFor(
        async () =>
          (
            await withTenant(
              'demo',
              (tx) =>
                tx.query<{ exchange_object_id: string | null }>(
                  `SELECT exchange_object_id FROM mailboxes WHERE smtp_address = 'alice@demo.example'`,
                ),
              system.db.pool,
            )
          ).rows[0]?.exchange_object_id ?? undefined,
        'Alice’s object id',
      );
      expect(stored).toBe(graph().objectIdOf('alice@demo.example'));
      expect(
        graph()
          .subscriptions()
          .filter((s) => s.resource.includes(stored)),
      ).toHaveLength(2);
    });

    it('an S/4 appointment appears in the owner’s and the attendee’s calendars, follows changes, and disappears when deleted', async () => {
      const created = await system.s4.createAppointment({
        processType: 'ZVIS',
        subject: 'Customer visit Fabrikam',
        start: inOneWeek(8),
        end: inOneWeek(9),
        timeZone: 'Europe/Berlin',
        location: 'Munich',
        texts: [{ textType: 'A002', text: 'Bring the offer' }],
        partners: [
          { partnerFunction: '00000014', businessPartner: 'EMP001' },
          { partnerFunction: '00000032', businessPartner: 'EMP002' },
        ],
      });
      const alice = await waitFor(
        async () => findBySubject('alice@demo.example', 'Customer visit Fabrikam'),
        'the event in Alice’s calendar',
      );
      await waitFor(
        async () => findBySubject('bob@demo.example', 'Customer visit Fabrikam'),
        'the event in Bob’s calendar',
      );
      expect(alice).toMatchObject({
        location: 'Munich',
        timeZone: 'Europe/Berlin',
        start: inOneWeek(8),
        stamp: { s4Key: created.uuid },
      });

      const current = (await system.s4.getAppointment(created.uuid))!;
      await system.s4.updateAppointment(created.uuid, current.etag, { subject: 'Customer visit Fabrikam (moved)' });
      await waitFor(
        async () => findBySubject('alice@demo.example', 'Customer visit Fabrikam (moved)'),
        'the changed subject in Alice’s calendar',
      );
      await waitFor(
        async () => findBySubject('bob@demo.example', 'Customer visit Fabrikam (moved)'),
        'the changed subject in Bob’s calendar',
      );
      expect(
        appointmentsOf('alice@demo.example').filter((item) => item.subject?.startsWith('Customer visit Fabrikam')),
      ).toHaveLength(1);

      const latest = (await system.s4.getAppointment(created.uuid))!;
      await system.s4.deleteAppointment(created.uuid, latest.etag);
      await waitFor(
        async () =>
          !findBySubject('alice@demo.example', 'Customer visit Fabrikam (moved)') &&
          !findBySubject('bob@demo.example', 'Customer visit Fabrikam (moved)'),
        'the event to leave both calendars',
      );

      const journal = await withTenant(
        'demo',
        async (tx) =>
          (
            await tx.query<{ reason: string }>(`SELECT reason FROM journal WHERE s4_key = $1 ORDER BY id`, [
              created.uuid,
            ])
          ).rows.map((r) => r.reason),
        system.db.pool,
      );
      expect(journal).toContain('created.exchange');
      expect(journal).toContain('deleted.s4');
    });

    it('an Outlook event with the S/4HANA category becomes an S/4 activity, once, through a Graph change notification', async () => {
      const notificationsBefore = graph()
        .deliveries()
        .filter((d) => d.delivered).length;
      const outlook = await graphClient(graph());
      const posted = await outlook('POST', `/users/${aliceUpn()}/events`, {
        subject: 'Lunch with Northwind',
        start: graphTime(inOneWeek(11)),
        end: graphTime(inOneWeek(12)),
        categories: ['S/4HANA'],
      });
      expect(posted.status).toBe(201);
      const eventId = posted.json.id as string;

      const activity = await waitFor(async () => {
        const links = await withTenant(
          'demo',
          async (tx) =>
            (
              await tx.query<{ s4_key: string | null; state: string }>(
                `SELECT s4_key, state FROM links WHERE exchange_item_id = $1`,
                [eventId],
              )
            ).rows,
          system.db.pool,
        );
        return links[0]?.state === 'linked' ? (links[0].s4_key ?? undefined) : undefined;
      }, 'the S/4 activity to be created and linked');
      const s4 = (await system.s4.getAppointment(activity))!;
      expect(s4).toMatchObject({ subject: 'Lunch with Northwind', processType: 'ZVIS', externalReference: eventId });
      expect(s4.partners).toContainEqual(
        expect.objectContaining({ partnerFunction: '00000014', businessPartner: 'EMP001' }),
      );
      // It arrived as a webhook notification (the emulator records deliveries to /graph/notifications).
      expect(
        graph()
          .deliveries()
          .filter((d) => d.delivered).length,
      ).toBeGreaterThan(notificationsBefore);

      // The S/4 create fires an S/4 event and our stamp write a Graph notification; neither may duplicate.
      await new Promise((resolve) => setTimeout(resolve, 4_000));
      expect(
        appointmentsOf('alice@demo.example').filter((item) => item.subject === 'Lunch with Northwind'),
      ).toHaveLength(1);
      expect(await system.s4.findAppointmentsByExternalReference(eventId)).toHaveLength(1);
    });

    it('an Outlook event without the category stays out of S/4', async () => {
      const outlook = await graphClient(graph());
      const posted = await outlook('POST', `/users/${aliceUpn()}/events`, {
        subject: 'Dentist',
        start: graphTime(inOneWeek(14)),
        end: graphTime(inOneWeek(15)),
      });
      expect(posted.status).toBe(201);
      const eventId = posted.json.id as string;
      const entry = await waitFor(
        async () =>
          (
            await withTenant(
              'demo',
              (tx) =>
                tx.query<{ outcome: string; reason: string }>(
                  `SELECT outcome, reason FROM journal WHERE exchange_item_id = $1`,
                  [eventId],
                ),
              system.db.pool,
            )
          ).rows[0],
        'the journal entry for the event',
      );
      expect(entry).toEqual({ outcome: 'skipped', reason: 'filtered.category' });
      expect(await system.s4.findAppointmentsByExternalReference(eventId)).toEqual([]);
    });

    // "event: delta" (learn.microsoft.com/graph/api/event-delta): @removed also names events that left the calendarView window.
    it('an Outlook appointment moved beyond the sync window keeps its S/4 activity (updated, never deleted)', async () => {
      const created = await system.s4.createAppointment({
        processType: 'ZVIS',
        subject: 'Quarterly review Contoso',
        start: inOneWeek(13),
        end: inOneWeek(14),
        timeZone: 'UTC',
        partners: [{ partnerFunction: '00000014', businessPartner: 'EMP001' }],
      });
      await waitFor(
        async () => findBySubject('alice@demo.example', 'Quarterly review Contoso'),
        'the event in Alice’s calendar',
      );
      const eventId = await waitFor(
        async () =>
          (
            await withTenant(
              'demo',
              (tx) =>
                tx.query<{ exchange_item_id: string }>(
                  `SELECT exchange_item_id FROM links WHERE s4_key = $1 AND state = 'linked' AND exchange_item_id IS NOT NULL`,
                  [created.uuid],
                ),
              system.db.pool,
            )
          ).rows[0]?.exchange_item_id,
        'the link',
      );

      // Change tracking has seen the event (our own write came back as an echo): the delta round covers it.
      await waitFor(
        async () =>
          (
            await withTenant(
              'demo',
              (tx) => tx.query(`SELECT 1 FROM journal WHERE exchange_item_id = $1 AND outcome = 'echo'`, [eventId]),
              system.db.pool,
            )
          ).rowCount || undefined,
        'change tracking to see the event',
      );
      // Far beyond the 365-day window the calendarView delta round was started with.
      const farAway = new Date(Date.parse(inOneWeek(13)) + 500 * 86_400_000).toISOString();
      const outlook = await graphClient(graph());
      const patched = await outlook('PATCH', `/users/${aliceUpn()}/events/${eventId}`, {
        start: graphTime(farAway),
        end: graphTime(new Date(Date.parse(farAway) + 3_600_000).toISOString()),
      });
      expect(patched.status).toBe(200);

      const s4 = await waitFor(
        async () => {
          const current = await system.s4.getAppointment(created.uuid);
          return current && Date.parse(current.start) === Date.parse(farAway) ? current : undefined;
        },
        'the S/4 activity to follow the move',
        60_000,
      );
      expect(s4.subject).toBe('Quarterly review Contoso');
      const reasons = await withTenant(
        'demo',
        async (tx) =>
          (
            await tx.query<{ reason: string }>(`SELECT reason FROM journal WHERE s4_key = $1 ORDER BY id`, [
              created.uuid,
            ])
          ).rows.map((r) => r.reason),
        system.db.pool,
      );
      expect(reasons.filter((r) => r.startsWith('deleted'))).toEqual([]);
      expect(await system.s4.getAppointment(created.uuid)).toBeDefined();
    });

    // "List calendarView" (learn.microsoft.com/graph/api/user-list-calendarview): instances carry seriesMasterId.
    it('a changed occurrence of an Outlook series is reconciled under its series master', async () => {
      const outlook = await graphClient(graph());
      const start = inOneWeek(7);
      const master = await outlook('POST', `/users/${aliceUpn()}/events`, {
        subject: 'Weekly pipeline review',
        start: graphTime(start),
        end: graphTime(new Date(Date.parse(start) + 1_800_000).toISOString()),
        categories: ['S/4HANA'],
        recurrence: {
          pattern: {
            type: 'weekly',
            interval: 1,
            daysOfWeek: [
              new Date(start).toLocaleDateString('en-US', { weekday: 'long', timeZone: 'UTC' }).toLowerCase(),
            ],
          },
          range: { type: 'numbered', startDate: start.slice(0, 10), numberOfOccurrences: 4 },
        },
      });
      expect(master.status).toBe(201);
      const masterId = master.json.id as string;
      const entriesOfMaster = async () =>
        (
          await withTenant(
            'demo',
            (tx) =>
              tx.query<{ reason: string }>(`SELECT reason FROM journal WHERE exchange_item_id = $1 ORDER BY id`, [
                masterId,
              ]),
            system.db.pool,
          )
        ).rows;
      const before = await waitFor(async () => {
        const rows = await entriesOfMaster();
        return rows.length > 0 ? rows : undefined;
      }, 'the series to be reconciled');

      const end = new Date(Date.parse(start) + 60 * 86_400_000).toISOString();
      const instances = await outlook(
        'GET',
        `/users/${aliceUpn()}/events/${masterId}/instances?startDateTime=${start}&endDateTime=${end}`,
      );
      const second = (instances.json.value as Array<{ id: string; seriesMasterId: string }>)[1]!;
      expect(second.seriesMasterId).toBe(masterId);
      expect(
        (
          await outlook('PATCH', `/users/${aliceUpn()}/events/${second.id}`, {
            subject: 'Weekly pipeline review (moved room)',
          })
        ).status,
      ).toBe(200);

      const after = await waitFor(async () => {
        const rows = await entriesOfMaster();
        return rows.length > before.length ? rows : undefined;
      }, 'the occurrence change under its series');
      // Without per-occurrence series sync the series is journalled as such; the occurrence's own id never appears.
      expect(after.at(-1)!.reason).toMatch(/recurring|series/);
      const ofOccurrence = await withTenant(
        'demo',
        async (tx) => (await tx.query(`SELECT 1 FROM journal WHERE exchange_item_id = $1`, [second.id])).rowCount,
        system.db.pool,
      );
      expect(ofOccurrence).toBe(0);
    });
  },
);
