import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEwsEmulator, type EwsEmulator } from '../../../src/emulators/ews/index.js';
import { errorName, ews, makeService, rejection, utc } from './support.js';

let emu: EwsEmulator;
let svc: ews.ExchangeService;

beforeAll(async () => {
  emu = await startEwsEmulator({ log: false });
  svc = makeService(emu);
});
afterAll(async () => {
  await emu.close();
});

const stamp = new ews.ExtendedPropertyDefinition(
  ews.DefaultExtendedPropertySet.PublicStrings,
  'TandemObjectId',
  ews.MapiPropertyType.String,
);

describe('calendar items through ews-javascript-api', () => {
  it('creates, reads, updates, finds and deletes a single appointment', async () => {
    const appt = new ews.Appointment(svc);
    appt.Subject = 'Visit ACME';
    appt.Location = 'Walldorf';
    // ews-javascript-api 0.15 writes string values without XML-escaping: callers must escape.
    appt.Body = new ews.MessageBody(ews.BodyType.HTML, '&lt;p&gt;Agenda &amp;amp; notes&lt;/p&gt;');
    appt.Start = utc(2026, 3, 2, 9);
    appt.End = utc(2026, 3, 2, 10);
    appt.Categories.Add('S/4HANA');
    appt.Importance = ews.Importance.High;
    appt.Sensitivity = ews.Sensitivity.Private;
    appt.LegacyFreeBusyStatus = ews.LegacyFreeBusyStatus.OOF;
    appt.IsReminderSet = true;
    appt.ReminderMinutesBeforeStart = 30;
    appt.RequiredAttendees.Add('bob@demo.example');
    appt.OptionalAttendees.Add('carol@partner.example');
    appt.SetExtendedProperty(stamp, 'act-0001');
    await appt.Save(ews.WellKnownFolderName.Calendar, ews.SendInvitationsMode.SendToAllAndSaveCopy);
    const firstKey = appt.Id.ChangeKey;

    const props = new ews.PropertySet(ews.BasePropertySet.FirstClassProperties, [stamp]);
    const got = await ews.Appointment.Bind(svc, appt.Id, props);
    expect(got.Subject).toBe('Visit ACME');
    expect(got.Location).toBe('Walldorf');
    expect(got.Body.BodyType).toBe(ews.BodyType.HTML);
    expect(got.Body.Text).toBe('<p>Agenda &amp; notes</p>');
    expect(got.Start.ToISOString()).toBe('2026-03-02T09:00:00.000Z');
    expect(got.End.ToISOString()).toBe('2026-03-02T10:00:00.000Z');
    expect(got.Categories.GetEnumerator()).toEqual(['S/4HANA']);
    expect(got.Importance).toBe(ews.Importance.High);
    expect(got.Sensitivity).toBe(ews.Sensitivity.Private);
    expect(got.LegacyFreeBusyStatus).toBe(ews.LegacyFreeBusyStatus.OOF);
    expect(got.ReminderMinutesBeforeStart).toBe(30);
    expect(got.RequiredAttendees.Count).toBe(1);
    expect(got.RequiredAttendees._getItem(0).Address).toBe('bob@demo.example');
    expect(got.OptionalAttendees._getItem(0).Address).toBe('carol@partner.example');
    expect(got.IsMeeting).toBe(true);
    expect(got.IsAllDayEvent).toBe(false);
    expect(got.AppointmentType).toBe(ews.AppointmentType.Single);
    expect(got.Organizer.Address).toBe('alice@demo.example');
    expect(got.ExtendedProperties.Count).toBe(1);
    expect(got.ExtendedProperties._getItem(0).Value).toBe('act-0001');

    got.Subject = 'Visit ACME (moved)';
    got.Start = utc(2026, 3, 3, 14);
    got.End = utc(2026, 3, 3, 15);
    await got.Update(ews.ConflictResolutionMode.AutoResolve, ews.SendInvitationsOrCancellationsMode.SendToNone);
    expect(got.Id.ChangeKey).not.toBe(firstKey);

    // The same named property addressed by the PublicStrings GUID instead of its distinguished name.
    const byGuid = new ews.ExtendedPropertyDefinition(
      new ews.Guid('00020329-0000-0000-C000-000000000046'),
      'TandemObjectId',
      ews.MapiPropertyType.String,
    );
    const viaGuid = await ews.Appointment.Bind(svc, appt.Id, new ews.PropertySet(ews.BasePropertySet.IdOnly, [byGuid]));
    expect(viaGuid.ExtendedProperties._getItem(0).Value).toBe('act-0001');

    const found = await svc.FindItems(
      ews.WellKnownFolderName.Calendar,
      new ews.SearchFilter.IsEqualTo(stamp, 'act-0001'),
      new ews.ItemView(10),
    );
    expect(found.TotalCount).toBe(1);
    expect(found.Items[0]?.Id.UniqueId).toBe(appt.Id.UniqueId);
    const none = await svc.FindItems(
      ews.WellKnownFolderName.Calendar,
      new ews.SearchFilter.IsEqualTo(stamp, 'act-9999'),
      new ews.ItemView(10),
    );
    expect(none.TotalCount).toBe(0);

    const dump = emu.listItems('alice@demo.example').find((i) => i.id === appt.Id.UniqueId);
    expect(dump?.meetingMessages).toEqual(['invite:SendToAllAndSaveCopy', 'update:SendToNone']);

    await got.Delete(ews.DeleteMode.HardDelete, ews.SendCancellationsMode.SendToNone);
    const gone = await rejection(ews.Appointment.Bind(svc, appt.Id));
    expect(errorName(gone)).toBe('ErrorItemNotFound');
  });

  it('stores an all-day event and finds it by a date restriction', async () => {
    const appt = new ews.Appointment(svc);
    appt.Subject = 'Trade fair';
    appt.IsAllDayEvent = true;
    appt.Start = utc(2026, 6, 10);
    appt.End = utc(2026, 6, 12);
    await appt.Save(ews.WellKnownFolderName.Calendar, ews.SendInvitationsMode.SendToNone);
    const got = await ews.Appointment.Bind(svc, appt.Id);
    expect(got.IsAllDayEvent).toBe(true);
    expect(got.End.ToISOString()).toBe('2026-06-12T00:00:00.000Z');
    const filter = new ews.SearchFilter.SearchFilterCollection(ews.LogicalOperator.And, [
      new ews.SearchFilter.IsGreaterThanOrEqualTo(ews.AppointmentSchema.Start, utc(2026, 6, 1)),
      new ews.SearchFilter.ContainsSubstring(
        ews.ItemSchema.Subject,
        'trade',
        ews.ContainmentMode.Prefixed,
        ews.ComparisonMode.IgnoreCase,
      ),
    ]);
    const found = await svc.FindItems(ews.WellKnownFolderName.Calendar, filter, new ews.ItemView(10));
    expect(found.Items.map((i) => i.Id.UniqueId)).toEqual([appt.Id.UniqueId]);
  });

  it('answers unescaped markup in a string property with an ErrorSchemaValidation fault, as Exchange does', async () => {
    const appt = new ews.Appointment(svc);
    appt.Subject = 'Raw HTML';
    appt.Start = utc(2026, 3, 5, 9);
    appt.End = utc(2026, 3, 5, 10);
    appt.Body = new ews.MessageBody(ews.BodyType.HTML, '<p>unescaped</p>');
    const err = await rejection(appt.Save(ews.WellKnownFolderName.Calendar, ews.SendInvitationsMode.SendToNone));
    expect(errorName(err)).toBe('ErrorSchemaValidation');
    expect(err.HttpStatusCode).toBe(500);
  });

  it('refuses a stale ChangeKey with NeverOverwrite (ErrorIrresolvableConflict) and allows AlwaysOverwrite', async () => {
    const appt = new ews.Appointment(svc);
    appt.Subject = 'Conflict';
    appt.Start = utc(2026, 4, 1, 9);
    appt.End = utc(2026, 4, 1, 10);
    await appt.Save(ews.WellKnownFolderName.Calendar, ews.SendInvitationsMode.SendToNone);
    const a = await ews.Appointment.Bind(svc, appt.Id);
    const b = await ews.Appointment.Bind(svc, appt.Id);
    a.Subject = 'first writer';
    await a.Update(ews.ConflictResolutionMode.NeverOverwrite, ews.SendInvitationsOrCancellationsMode.SendToNone);
    b.Subject = 'second writer';
    const err = await rejection(
      b.Update(ews.ConflictResolutionMode.NeverOverwrite, ews.SendInvitationsOrCancellationsMode.SendToNone),
    );
    expect(errorName(err)).toBe('ErrorIrresolvableConflict');
    const autoErr = await rejection(
      b.Update(ews.ConflictResolutionMode.AutoResolve, ews.SendInvitationsOrCancellationsMode.SendToNone),
    );
    expect(errorName(autoErr)).toBe('ErrorIrresolvableConflict');
    await b.Update(ews.ConflictResolutionMode.AlwaysOverwrite, ews.SendInvitationsOrCancellationsMode.SendToNone);
    const now = await ews.Appointment.Bind(svc, appt.Id);
    expect(now.Subject).toBe('second writer');
  });

  it('round-trips a file attachment', async () => {
    const appt = new ews.Appointment(svc);
    appt.Subject = 'With attachment';
    appt.Start = utc(2026, 4, 2, 9);
    appt.End = utc(2026, 4, 2, 10);
    await appt.Save(ews.WellKnownFolderName.Calendar, ews.SendInvitationsMode.SendToNone);
    const content = Buffer.from('hello attachment \u00e4\u00f6\u00fc').toString('base64');
    appt.Attachments.AddFileAttachment('notes.txt', content);
    await appt.Update(ews.ConflictResolutionMode.AlwaysOverwrite, ews.SendInvitationsOrCancellationsMode.SendToNone);
    const withAtt = await ews.Appointment.Bind(
      svc,
      appt.Id,
      new ews.PropertySet(ews.BasePropertySet.FirstClassProperties, [ews.ItemSchema.Attachments]),
    );
    expect(withAtt.HasAttachments).toBe(true);
    expect(withAtt.Attachments.Count).toBe(1);
    const att = withAtt.Attachments._getItem(0) as ews.FileAttachment;
    expect(att.Name).toBe('notes.txt');
    await att.Load();
    expect(Buffer.from(att.Base64Content, 'base64').toString()).toBe('hello attachment \u00e4\u00f6\u00fc');
    withAtt.Attachments.Remove(att);
    await withAtt.Update(ews.ConflictResolutionMode.AlwaysOverwrite, ews.SendInvitationsOrCancellationsMode.SendToNone);
    const after = await ews.Appointment.Bind(svc, appt.Id);
    expect(after.HasAttachments).toBe(false);
  });

  it('pages FindItem with IndexedPageItemView', async () => {
    const bob = makeService(emu, { impersonate: 'bob@demo.example' });
    for (let i = 0; i < 5; i++) {
      const t = new ews.Task(bob);
      t.Subject = `paged ${i}`;
      await t.Save(ews.WellKnownFolderName.Tasks);
    }
    const first = await bob.FindItems(ews.WellKnownFolderName.Tasks, new ews.ItemView(2, 0));
    expect(first.TotalCount).toBe(5);
    expect(first.Items.length).toBe(2);
    expect(first.MoreAvailable).toBe(true);
    expect(first.NextPageOffset).toBe(2);
    const last = await bob.FindItems(ews.WellKnownFolderName.Tasks, new ews.ItemView(10, 4));
    expect(last.Items.length).toBe(1);
    expect(last.MoreAvailable).toBe(false);
  });
});

describe('tasks and contacts', () => {
  it('creates, reads, updates and deletes a task', async () => {
    const task = new ews.Task(svc);
    task.Subject = 'Call back ACME';
    task.Body = new ews.MessageBody(ews.BodyType.Text, 'about the quote');
    task.StartDate = utc(2026, 5, 1, 8);
    task.DueDate = utc(2026, 5, 3, 8);
    task.Status = ews.TaskStatus.InProgress;
    task.PercentComplete = 40;
    await task.Save(ews.WellKnownFolderName.Tasks);
    const got = await ews.Task.Bind(svc, task.Id);
    expect(got.Subject).toBe('Call back ACME');
    expect(got.Status).toBe(ews.TaskStatus.InProgress);
    expect(got.PercentComplete).toBe(40);
    expect(got.DueDate.ToISOString()).toBe('2026-05-03T08:00:00.000Z');
    expect(got.IsComplete).toBe(false);
    // Exchange keeps Status and PercentComplete consistent: 100 % completes the task.
    got.PercentComplete = 100;
    await got.Update(ews.ConflictResolutionMode.AutoResolve);
    const done = await ews.Task.Bind(svc, task.Id);
    expect(done.Status).toBe(ews.TaskStatus.Completed);
    expect(done.IsComplete).toBe(true);
    expect(done.CompleteDate).toBeTruthy();
    await done.Delete(ews.DeleteMode.MoveToDeletedItems);
    const inTasks = await svc.FindItems(ews.WellKnownFolderName.Tasks, new ews.ItemView(50));
    expect(inTasks.Items.some((i) => i.Subject === 'Call back ACME')).toBe(false);
    const inDeleted = await svc.FindItems(ews.WellKnownFolderName.DeletedItems, new ews.ItemView(50));
    expect(inDeleted.Items.some((i) => i.Subject === 'Call back ACME')).toBe(true);
  });

  it('creates a contacts subfolder and a contact with indexed properties, then updates one entry', async () => {
    const folder = new ews.ContactsFolder(svc);
    folder.DisplayName = 'Tandem';
    await folder.Save(ews.WellKnownFolderName.Contacts);
    const dup = new ews.ContactsFolder(svc);
    dup.DisplayName = 'Tandem';
    expect(errorName(await rejection(dup.Save(ews.WellKnownFolderName.Contacts)))).toBe('ErrorFolderExists');
    const folders = await svc.FindFolders(
      ews.WellKnownFolderName.Contacts,
      new ews.SearchFilter.IsEqualTo(ews.FolderSchema.DisplayName, 'Tandem'),
      new ews.FolderView(10),
    );
    expect(folders.TotalCount).toBe(1);
    expect(folders.Folders[0]?.Id.UniqueId).toBe(folder.Id.UniqueId);

    const c = new ews.Contact(svc);
    c.GivenName = 'Erika';
    c.Surname = 'Mustermann';
    c.CompanyName = 'ACME AG';
    c.JobTitle = 'Buyer';
    c.EmailAddresses._setItem(ews.EmailAddressKey.EmailAddress1, new ews.EmailAddress('erika@acme.example'));
    c.PhoneNumbers._setItem(ews.PhoneNumberKey.BusinessPhone, '+49 6227 0');
    const addr = new ews.PhysicalAddressEntry();
    addr.Street = 'Dietmar-Hopp-Allee 16';
    addr.City = 'Walldorf';
    addr.PostalCode = '69190';
    addr.CountryOrRegion = 'Germany';
    c.PhysicalAddresses._setItem(ews.PhysicalAddressKey.Business, addr);
    await c.Save(folder.Id);

    const got = await ews.Contact.Bind(svc, c.Id);
    expect(got.DisplayName).toBe('Erika Mustermann');
    expect(got.CompanyName).toBe('ACME AG');
    expect(got.JobTitle).toBe('Buyer');
    expect(got.GivenName).toBe('Erika');
    expect(got.Surname).toBe('Mustermann');
    expect(got.EmailAddresses._getItem(ews.EmailAddressKey.EmailAddress1).Address).toBe('erika@acme.example');
    expect(got.PhoneNumbers._getItem(ews.PhoneNumberKey.BusinessPhone)).toBe('+49 6227 0');
    expect(got.PhysicalAddresses._getItem(ews.PhysicalAddressKey.Business).City).toBe('Walldorf');

    // ews-javascript-api 0.15 sends no change for edited PhysicalAddress entries; e-mail entries work.
    got.EmailAddresses._setItem(ews.EmailAddressKey.EmailAddress2, new ews.EmailAddress('erika.m@acme.example'));
    await got.Update(ews.ConflictResolutionMode.AutoResolve);
    const again = await ews.Contact.Bind(svc, c.Id);
    expect(again.EmailAddresses._getItem(ews.EmailAddressKey.EmailAddress1).Address).toBe('erika@acme.example');
    expect(again.EmailAddresses._getItem(ews.EmailAddressKey.EmailAddress2).Address).toBe('erika.m@acme.example');
    expect(again.PhysicalAddresses._getItem(ews.PhysicalAddressKey.Business).Street).toBe('Dietmar-Hopp-Allee 16');

    const inFolder = await svc.FindItems(folder.Id, new ews.ItemView(10));
    expect(inFolder.TotalCount).toBe(1);
    await again.Delete(ews.DeleteMode.HardDelete);
    expect((await svc.FindItems(folder.Id, new ews.ItemView(10))).TotalCount).toBe(0);
  });
});
