import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../../../src/store/transaction.js';
import { waitFor } from '../../support/service.js';
import { startSystem, type RunningSystem } from '../../support/system.js';
import { outlookAppointment } from './support.js';

let system: RunningSystem;
beforeAll(async () => {
  system = await startSystem();
  // The maintenance run subscribes Alice's and Bob's folders within a second.
  await waitFor(async () => {
    const n = await withTenant(
      'demo',
      async (tx) =>
        (await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM subscriptions WHERE state = 'active'`)).rows[0]!
          .n,
      system.db.pool,
    );
    return n >= 6 || undefined;
  }, 'subscriptions of both users');
}, 120_000);
afterAll(async () => system.stop());

const itemsOf = (mailbox: string) => system.ews.listItems(mailbox).filter((item) => item.folder === 'calendar');
const findBySubject = (mailbox: string, subject: string) => itemsOf(mailbox).find((item) => item.subject === subject);

const inOneWeek = (hour: number) => {
  const date = new Date(Date.now() + 7 * 86_400_000);
  date.setUTCHours(hour, 0, 0, 0);
  return date.toISOString();
};

describe('appointments end to end (web + worker + EWS and S/4 emulators)', { timeout: 90_000 }, () => {
  it('an S/4 appointment appears in the owner’s and the attendee’s calendars, follows changes, and disappears when deleted', async () => {
    const created = await system.s4.createAppointment({
      processType: 'ZVIS',
      subject: 'Customer visit ACME',
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
      async () => findBySubject('alice@demo.example', 'Customer visit ACME'),
      'the item in Alice’s calendar',
    );
    await waitFor(async () => findBySubject('bob@demo.example', 'Customer visit ACME'), 'the item in Bob’s calendar');
    // Written without sending invitations: the only mode the emulator recorded is SendToNone.
    expect(alice.meetingMessages.every((message) => message.endsWith('SendToNone'))).toBe(true);

    const current = (await system.s4.getAppointment(created.uuid))!;
    await system.s4.updateAppointment(created.uuid, current.etag, { subject: 'Customer visit ACME (moved)' });
    await waitFor(
      async () => findBySubject('alice@demo.example', 'Customer visit ACME (moved)'),
      'the changed subject in Alice’s calendar',
    );
    expect(
      itemsOf('alice@demo.example').filter((item) => item.subject?.startsWith('Customer visit ACME')),
    ).toHaveLength(1);

    const latest = (await system.s4.getAppointment(created.uuid))!;
    await system.s4.deleteAppointment(created.uuid, latest.etag);
    await waitFor(
      async () =>
        !findBySubject('alice@demo.example', 'Customer visit ACME (moved)') &&
        !findBySubject('bob@demo.example', 'Customer visit ACME (moved)'),
      'the item to leave both calendars',
    );

    const journal = await withTenant(
      'demo',
      async (tx) =>
        (
          await tx.query<{ reason: string }>(`SELECT reason FROM journal WHERE s4_key = $1 ORDER BY id`, [created.uuid])
        ).rows.map((r) => r.reason),
      system.db.pool,
    );
    expect(journal).toContain('created.exchange');
    expect(journal).toContain('deleted.s4');
  });

  it('an Outlook appointment with the S/4HANA category becomes an S/4 activity, once, and our own writes come back as echoes', async () => {
    const itemId = await outlookAppointment(system, 'alice@demo.example', {
      subject: 'Lunch with Contoso',
      start: inOneWeek(11),
      end: inOneWeek(12),
      categories: ['S/4HANA'],
    });

    const activity = await waitFor(async () => {
      const links = await withTenant(
        'demo',
        async (tx) =>
          (
            await tx.query<{ s4_key: string | null; state: string }>(
              `SELECT s4_key, state FROM links WHERE exchange_item_id = $1`,
              [itemId],
            )
          ).rows,
        system.db.pool,
      );
      return links[0]?.state === 'linked' ? (links[0].s4_key ?? undefined) : undefined;
    }, 'the S/4 activity to be created and linked');
    const s4 = (await system.s4.getAppointment(activity))!;
    expect(s4).toMatchObject({ subject: 'Lunch with Contoso', processType: 'ZVIS', externalReference: itemId });
    expect(s4.partners).toContainEqual(
      expect.objectContaining({ partnerFunction: '00000014', businessPartner: 'EMP001' }),
    );

    // The S/4 create fires an S/4 event and our link commit; neither may create a second item or activity.
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    expect(itemsOf('alice@demo.example').filter((item) => item.subject === 'Lunch with Contoso')).toHaveLength(1);
    const activities = await system.s4.findAppointmentsByExternalReference(itemId);
    expect(activities).toHaveLength(1);
  });

  it('an Outlook item without the category stays out of S/4', async () => {
    const itemId = await outlookAppointment(system, 'alice@demo.example', {
      subject: 'Dentist',
      start: inOneWeek(14),
      end: inOneWeek(15),
    });
    const entry = await waitFor(
      async () =>
        (
          await withTenant(
            'demo',
            (tx) =>
              tx.query<{ outcome: string; reason: string }>(
                `SELECT outcome, reason FROM journal WHERE exchange_item_id = $1`,
                [itemId],
              ),
            system.db.pool,
          )
        ).rows[0],
      'the journal entry for the item',
    );
    expect(entry).toEqual({ outcome: 'skipped', reason: 'filtered.category' });
    expect(await system.s4.findAppointmentsByExternalReference(itemId)).toEqual([]);
  });
});
