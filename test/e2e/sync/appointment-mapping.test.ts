import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { S4AppointmentInput } from '../../../src/connectors/s4/index.js';
import { DEMO } from '../../../src/emulators/s4/index.js';
import { CONTACT_BLOCK_MARKER } from '../../../src/sync/appointments/appointment-mapping.js';
import { withTenant } from '../../../src/store/transaction.js';
import { ews, makeService } from '../../integration/ews-emulator/support.js';
import { waitFor } from '../../support/service.js';
import type { RunningSystem } from '../../support/system.js';
import { changeSettings, inDays, journalWhere, linksWhere, startSubscribedSystem } from './support.js';

/**
 * How appointments are mapped between S/4 and Outlook (partner functions, process type, category,
 * status and priority codes, contact persons), changed as an admin does through the admin API and
 * observed in S/4 (emulator) and in Outlook (EWS emulator). One system boot; the mapping settings
 * are changed together once (each change costs the workers' five-second settings cache), and
 * every value differs from its default so each observation would fail under the default.
 */
let system: RunningSystem;
beforeAll(async () => {
  system = await startSubscribedSystem();
  await changeSettings(system, (s) => {
    s.appointments!.category = 'CRM';
    s.appointments!.processTypes = [
      { processType: 'ZVIS', textType: 'A002' },
      { processType: 'ZMTG', textType: 'A003' },
    ];
    s.appointments!.defaultProcessType = 'ZMTG';
    s.appointments!.statusMap = { ZOPN: 'open', E0002: 'inProcess', E0003: 'completed' };
    // Consistent both ways with importanceToPriority (8 → low, 4 → normal, 1 → high); 5 differs from the default (normal).
    s.appointments!.priorityMap = { '1': 'high', '4': 'normal', '5': 'low', '8': 'low' };
    s.appointments!.importanceToPriority = { low: '8', normal: '4', high: '1' };
    s.appointments!.partnerFunctions = { responsible: '00000040', contactPerson: '00000099', attendee: '00000055' };
  });
}, 120_000);
afterAll(async () => system.stop());

const ALICE = 'alice@demo.example';
const BOB = 'bob@demo.example';
const MAX = 'max.mustermann@contoso.example';
const ERIKA = 'erika.musterfrau@contoso.example';
const calendarOf = (mailbox: string) => system.ews.listItems(mailbox).filter((item) => item.folder === 'calendar');
const inCalendar = (mailbox: string, subject: string) =>
  waitFor(async () => calendarOf(mailbox).find((i) => i.subject === subject), `“${subject}” in ${mailbox}`);

let day = 20;
/** An S/4 appointment (process type ZVIS) on its own day, with the given partners. */
function s4Appointment(
  subject: string,
  partners: S4AppointmentInput['partners'],
  extra: Partial<S4AppointmentInput> = {},
) {
  day += 1;
  return system.s4.createAppointment({
    processType: 'ZVIS',
    subject,
    start: inDays(day, 9),
    end: inDays(day, 10),
    timeZone: 'Europe/Berlin',
    partners,
    ...extra,
  });
}

/** An appointment Alice makes in Outlook (impersonated, no invitations sent); returns its item id. */
async function aliceMakes(options: {
  subject: string;
  categories?: string[];
  importance?: ews.Importance;
  attendees?: string[];
  body?: string;
}): Promise<string> {
  day += 1;
  const item = new ews.Appointment(makeService(system.ews, { impersonate: ALICE }));
  item.Subject = options.subject;
  item.Start = ews.DateTime.Parse(inDays(day, 9));
  item.End = ews.DateTime.Parse(inDays(day, 10));
  if (options.importance !== undefined) item.Importance = options.importance;
  if (options.body) item.Body = new ews.MessageBody(ews.BodyType.Text, options.body);
  for (const address of options.attendees ?? []) item.RequiredAttendees.Add(address);
  for (const category of options.categories ?? ['CRM']) item.Categories.Add(category);
  await item.Save(ews.WellKnownFolderName.Calendar, ews.SendInvitationsMode.SendToNone);
  return item.Id.UniqueId;
}

/** The S/4 appointment made from an Outlook item (through its link). */
async function activityOf(itemId: string) {
  const uuid = await waitFor(
    async () =>
      (await linksWhere(system, `exchange_item_id = $1 AND state = 'linked'`, [itemId]))[0]?.s4_key ?? undefined,
    'the activity of the Outlook item',
  );
  return (await system.s4.getAppointment(uuid))!;
}

/** Waits until the worker has handled every S/4 event about the appointment (its inbox rows are done). */
const processed = (uuid: string) =>
  waitFor(
    async () =>
      withTenant(
        'demo',
        async (tx) =>
          (
            await tx.query<{ open: number; done: number }>(
              `SELECT count(*) FILTER (WHERE status <> 'done')::int AS open, count(*) FILTER (WHERE status = 'done')::int AS done
                 FROM inbox WHERE subject = $1`,
              [`s4:appointment:${uuid.toLowerCase()}`],
            )
          ).rows[0]!,
        system.db.pool,
      ).then((n) => (n.open === 0 && n.done > 0) || undefined),
    `the S/4 event of ${uuid} to be processed`,
  );

const partner = (partnerFunction: string, businessPartner: string) => ({ partnerFunction, businessPartner });

describe('appointment mapping settings end to end', { timeout: 120_000 }, () => {
  it('setting:appointments.partnerFunctions.responsible: the configured function decides whose appointment it is, both ways', async () => {
    const listed = await s4Appointment('Responsible under 00000040', [partner('00000040', DEMO.employees.alice)]);
    const unlisted = await s4Appointment('Responsible under 00000014', [partner('00000014', DEMO.employees.alice)]);
    await inCalendar(ALICE, 'Responsible under 00000040');
    await processed(unlisted.uuid);
    // Under the default (00000014) it would be the other way round.
    expect(calendarOf(ALICE).some((i) => i.subject === 'Responsible under 00000014')).toBe(false);
    expect(listed.uuid).toBeDefined();

    const own = await activityOf(await aliceMakes({ subject: 'Alice plans a visit' }));
    expect(own.partners).toContainEqual(expect.objectContaining(partner('00000040', DEMO.employees.alice)));
    expect(own.partners.some((p) => p.partnerFunction === '00000014')).toBe(false);
  });

  it('setting:appointments.partnerFunctions.attendee and setting:appointments.partnerFunctions.contactPerson: which partners are attendees in Outlook, and which functions Outlook attendees get in S/4', async () => {
    await s4Appointment('Joint visit at Contoso', [
      partner('00000040', DEMO.employees.alice),
      partner('00000055', DEMO.employees.bob),
      partner('00000099', DEMO.contacts.max),
      partner('00000015', DEMO.contacts.erika),
    ]);
    const other = await s4Appointment('Bob under the default attendee function', [
      partner('00000040', DEMO.employees.alice),
      partner('00000032', DEMO.employees.bob),
    ]);
    // Bob (an employee with a mailbox) under the attendee function gets his copy.
    await inCalendar(BOB, 'Joint visit at Contoso');
    const item = await inCalendar(ALICE, 'Joint visit at Contoso');
    const attendees = String(item.props.RequiredAttendees ?? '').toLowerCase();
    expect(attendees).toContain(BOB);
    // Max under the configured contact-person function is an attendee; Erika under the default one is not.
    expect(attendees).toContain(MAX);
    expect(attendees).not.toContain(ERIKA);
    await inCalendar(ALICE, 'Bob under the default attendee function');
    await processed(other.uuid);
    expect(calendarOf(BOB).some((i) => i.subject === 'Bob under the default attendee function')).toBe(false);

    // Outlook → S/4: an employee attendee gets the attendee function, a contact person the contact-person function.
    const activity = await activityOf(
      await aliceMakes({ subject: 'Alice invites Bob and Max', attendees: [BOB, MAX] }),
    );
    expect(activity.partners.map((p) => `${p.partnerFunction}:${p.businessPartner}`).sort()).toEqual(
      [`00000040:${DEMO.employees.alice}`, `00000055:${DEMO.employees.bob}`, `00000099:${DEMO.contacts.max}`].sort(),
    );
  });

  it('setting:appointments.category, setting:appointments.defaultProcessType and setting:appointments.statusMap: which Outlook items reach S/4, as what, and the category Tandem stamps', async () => {
    const marked = await aliceMakes({ subject: 'Marked CRM', body: 'Bring the samples' });
    const old = await aliceMakes({ subject: 'Marked the old way', categories: ['S/4HANA'] });
    const activity = await activityOf(marked);
    expect(activity.processType).toBe('ZMTG');
    // The body goes to the text type configured for the default process type (A003, not ZVIS's A002).
    expect(activity.texts).toContainEqual(expect.objectContaining({ textType: 'A003', text: 'Bring the samples' }));
    // Appointments have no status in Exchange: a new one is 'open', written as the first code the map lists for it.
    expect(activity.status).toBe('ZOPN');
    const skipped = await waitFor(
      async () => (await journalWhere(system, 'exchange_item_id = $1', [old]))[0],
      'the journal entry of the item with the old category',
    );
    expect(skipped).toMatchObject({ outcome: 'skipped', reason: 'filtered.category' });
    expect(await system.s4.findAppointmentsByExternalReference(old)).toEqual([]);

    await s4Appointment('Written with the new category', [partner('00000040', DEMO.employees.alice)]);
    const written = await inCalendar(ALICE, 'Written with the new category');
    expect(written.props.Categories).toContain('CRM');
    expect(written.props.Categories).not.toContain('S/4HANA');
  });

  it('setting:appointments.priorityMap, setting:appointments.importanceToPriority.low, setting:appointments.importanceToPriority.normal and setting:appointments.importanceToPriority.high: priorities to importance and back', async () => {
    await s4Appointment('Priority five', [partner('00000040', DEMO.employees.alice)], { priority: '5' });
    // The default map makes priority 5 normal.
    expect((await inCalendar(ALICE, 'Priority five')).props.Importance).toBe('Low');

    const ids = await Promise.all(
      (
        [
          ['Low', ews.Importance.Low],
          ['Normal', ews.Importance.Normal],
          ['High', ews.Importance.High],
        ] as const
      ).map(([name, importance]) => aliceMakes({ subject: `${name} importance visit`, importance })),
    );
    const priorities = await Promise.all(ids.map(async (id) => (await activityOf(id)).priority));
    // The defaults would have written 9, 5 and 2.
    expect(priorities).toEqual(['8', '4', '1']);
  });

  it('setting:appointments.contactPersonsAs body with setting:appointments.stampCategory off: contact persons become a block in the body, no category is stamped, and the item still syncs back', async () => {
    await changeSettings(system, (s) => {
      s.appointments!.contactPersonsAs = 'body';
      s.appointments!.stampCategory = false;
    });
    const created = await s4Appointment('Visit with the contact block', [
      partner('00000040', DEMO.employees.alice),
      partner('00000099', DEMO.contacts.max),
    ]);
    const item = await inCalendar(ALICE, 'Visit with the contact block');
    expect(item.props.Body).toContain(CONTACT_BLOCK_MARKER);
    expect(item.props.Body).toContain('Max Mustermann');
    expect(String(item.props.RequiredAttendees ?? '').toLowerCase()).not.toContain(MAX);
    expect(item.props.Categories ?? '').toBe('');

    // Without the category the item is still linked: Alice's edit reaches S/4, Max stays a partner there.
    const mine = await ews.Appointment.Bind(makeService(system.ews, { impersonate: ALICE }), new ews.ItemId(item.id));
    mine.Location = 'Contoso, Stuttgart';
    await mine.Update(ews.ConflictResolutionMode.AlwaysOverwrite, ews.SendInvitationsOrCancellationsMode.SendToNone);
    const updated = await waitFor(async () => {
      const a = await system.s4.getAppointment(created.uuid);
      return a?.location === 'Contoso, Stuttgart' ? a : undefined;
    }, 'the location in S/4');
    expect(updated.partners).toContainEqual(expect.objectContaining(partner('00000099', DEMO.contacts.max)));
  });

  it('setting:appointments.contactPersonsAs none: contact persons appear neither as attendees nor in the body', async () => {
    await changeSettings(system, (s) => {
      s.appointments!.contactPersonsAs = 'none';
    });
    await s4Appointment('Visit without contact persons', [
      partner('00000040', DEMO.employees.alice),
      partner('00000055', DEMO.employees.bob),
      partner('00000099', DEMO.contacts.max),
    ]);
    const item = await inCalendar(ALICE, 'Visit without contact persons');
    const attendees = String(item.props.RequiredAttendees ?? '').toLowerCase();
    // Employee attendees stay; the contact person is left out entirely.
    expect(attendees).toContain(BOB);
    expect(attendees).not.toContain(MAX);
    expect(item.props.Body ?? '').not.toContain(CONTACT_BLOCK_MARKER);
  });
});
