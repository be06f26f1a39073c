import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../../../src/emulators/s4/index.js';
import { ews, makeService } from '../../integration/ews-emulator/support.js';
import { waitFor } from '../../support/service.js';
import type { RunningSystem } from '../../support/system.js';
import { inDays, journalWhere, linksWhere, startSubscribedSystem } from './support.js';

/** Outlook attendees who are no Tandem user: resolved to S/4 business partners by e-mail, or journalled. */
let system: RunningSystem;
beforeAll(async () => {
  system = await startSubscribedSystem();
}, 120_000);
afterAll(async () => system.stop());

describe('Outlook attendees → S/4 partners end to end', { timeout: 90_000 }, () => {
  it('an attendee with a business partner e-mail becomes that partner; an unknown address is journalled attendee.unresolved', async () => {
    const item = new ews.Appointment(makeService(system.ews, { impersonate: 'alice@demo.example' }));
    item.Subject = 'Review with Contoso';
    item.Start = ews.DateTime.Parse(inDays(9, 9));
    item.End = ews.DateTime.Parse(inDays(9, 10));
    item.Categories.Add('S/4HANA');
    item.RequiredAttendees.Add('max.mustermann@contoso.example');
    item.RequiredAttendees.Add('stranger@nowhere.example');
    await item.Save(ews.WellKnownFolderName.Calendar, ews.SendInvitationsMode.SendToNone);
    const itemId = item.Id.UniqueId;

    const uuid = await waitFor(
      async () =>
        (await linksWhere(system, `exchange_item_id = $1 AND state = 'linked'`, [itemId]))[0]?.s4_key ?? undefined,
      'the activity',
    );
    const activity = (await system.s4.getAppointment(uuid))!;
    // Max is a contact person in S/4 (BUR001 of Contoso): written with the contact-person partner function.
    expect(activity.partners).toContainEqual(
      expect.objectContaining({ partnerFunction: '00000015', businessPartner: DEMO.contacts.max }),
    );
    expect(activity.partners.map((p) => p.businessPartner).sort()).toEqual(
      [DEMO.contacts.max, DEMO.employees.alice].sort(),
    );
    const unresolved = await waitFor(
      async () => (await journalWhere(system, `reason = 'attendee.unresolved' AND exchange_item_id = $1`, [itemId]))[0],
      'the journal entry',
    );
    expect(unresolved).toMatchObject({
      outcome: 'skipped',
      direction: 'exchange-to-s4',
      details: { address: 'stranger@nowhere.example' },
    });
  });
});
