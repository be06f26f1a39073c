import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeService, ews } from '../../integration/ews-emulator/support.js';
import { waitFor } from '../../support/service.js';
import type { RunningSystem } from '../../support/system.js';
import {
  changeSettings,
  inDays,
  journalWhere,
  linksWhere,
  outlookAppointment,
  settle,
  startSubscribedSystem,
} from './support.js';

/** Appointment settings changed as an admin does, observed on both systems (EWS backend). */
let system: RunningSystem;
beforeAll(async () => {
  system = await startSubscribedSystem();
}, 120_000);
afterAll(async () => system.stop());

const ALICE = 'alice@demo.example';
const activityOf = (itemId: string) =>
  waitFor(
    async () =>
      (await linksWhere(system, `exchange_item_id = $1 AND state = 'linked'`, [itemId]))[0]?.s4_key ?? undefined,
    'the activity of the Outlook item',
  );

describe('appointment settings end to end', { timeout: 120_000 }, () => {
  it('setting:appointments.onOutlookDelete setStatus with setting:appointments.deletedStatus: deleting in Outlook sets the S/4 status instead of deleting', async () => {
    await changeSettings(system, (s) => {
      s.appointments!.onOutlookDelete = 'setStatus';
      s.appointments!.deletedStatus = 'E0003';
    });
    const itemId = await outlookAppointment(system, ALICE, {
      subject: 'Cancelled visit',
      start: inDays(12, 9),
      end: inDays(12, 10),
      categories: ['S/4HANA'],
    });
    const uuid = await activityOf(itemId);
    const item = await ews.Appointment.Bind(makeService(system.ews, { impersonate: ALICE }), new ews.ItemId(itemId));
    await item.Delete(ews.DeleteMode.MoveToDeletedItems, ews.SendCancellationsMode.SendToNone);
    await waitFor(
      async () => (await system.s4.getAppointment(uuid))?.status === 'E0003' || undefined,
      'the S/4 status to be set',
    );
    await settle(2_000);
    expect(await system.s4.getAppointment(uuid)).toBeDefined();
  });

  it('setting:appointments.syncPrivate: a private S/4 appointment stays out of Outlook until private sync is on, then arrives private', async () => {
    const create = (subject: string, day: number) =>
      system.s4.createAppointment({
        processType: 'ZVIS',
        subject,
        start: inDays(day, 9),
        end: inDays(day, 10),
        timeZone: 'Europe/Berlin',
        isPrivate: true,
        partners: [{ partnerFunction: '00000014', businessPartner: 'EMP001' }],
      });
    const hidden = await create('Private doctor visit', 14);
    // The journal answers why it is not in Outlook.
    const skipped = await waitFor(
      async () => (await journalWhere(system, 's4_key = $1', [hidden.uuid]))[0],
      'the journal entry of the private appointment',
    );
    expect(skipped).toMatchObject({ outcome: 'skipped', reason: 'filtered.private' });
    await settle(2_000);
    expect(system.ews.listItems(ALICE).some((i) => i.subject === 'Private doctor visit')).toBe(false);

    await changeSettings(system, (s) => {
      s.appointments!.syncPrivate = true;
    });
    await create('Private lunch', 15);
    const item = await waitFor(
      async () => system.ews.listItems(ALICE).find((i) => i.subject === 'Private lunch'),
      'the private appointment in Outlook',
    );
    expect(item.props.Sensitivity).toBe('Private');
  });

  it('setting:appointments.exchangeToS4 tag with setting:appointments.syncTag: the word in the subject decides, not the category', async () => {
    await changeSettings(system, (s) => {
      s.appointments!.exchangeToS4 = 'tag';
      s.appointments!.syncTag = '#CRM';
    });
    const tagged = await outlookAppointment(system, ALICE, {
      subject: 'Call Contoso #crm',
      start: inDays(13, 9),
      end: inDays(13, 10),
    });
    const categorised = await outlookAppointment(system, ALICE, {
      subject: 'Category only',
      start: inDays(13, 11),
      end: inDays(13, 12),
      categories: ['S/4HANA'],
    });
    const uuid = await activityOf(tagged);
    expect((await system.s4.getAppointment(uuid))!.subject).toContain('Call Contoso');
    const skipped = await waitFor(
      async () => (await journalWhere(system, 'exchange_item_id = $1', [categorised]))[0],
      'the journal entry of the untagged item',
    );
    expect(skipped).toMatchObject({ outcome: 'skipped', reason: 'filtered.tag' });
    expect(await system.s4.findAppointmentsByExternalReference(categorised)).toEqual([]);
  });
});
