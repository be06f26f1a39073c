import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../../../src/emulators/s4/index.js';
import { ews, makeService } from '../../integration/ews-emulator/support.js';
import { waitFor } from '../../support/service.js';
import type { RunningSystem } from '../../support/system.js';
import {
  changeSettings,
  inDays,
  journalEventually,
  journalWhere,
  linksWhere,
  settle,
  startSubscribedSystem,
} from './support.js';

/**
 * Attachments both ways (setting `appointments.attachments`): S/4 through API_CV_ATTACHMENT_SRV
 * (BUS2000126), Outlook through EWS; the size limit; and the setting off.
 */
let system: RunningSystem;
beforeAll(async () => {
  system = await startSubscribedSystem();
}, 120_000);
afterAll(async () => system.stop());

const ALICE = 'alice@demo.example';
const calendarItem = (subject: string) =>
  system.ews.listItems(ALICE).find((i) => i.folder === 'calendar' && i.subject === subject);
const s4Files = (uuid: string) => system.s4.listAttachments('BUS2000126', uuid);

async function s4AppointmentWithFile(
  subject: string,
  day: number,
  file: { name: string; content: Buffer },
): Promise<string> {
  const created = await system.s4.createAppointment({
    processType: 'ZVIS',
    subject,
    start: inDays(day, 9),
    end: inDays(day, 10),
    timeZone: 'Europe/Berlin',
    partners: [{ partnerFunction: '00000014', businessPartner: DEMO.employees.alice }],
  });
  await system.s4.addAttachment('BUS2000126', created.uuid, {
    name: file.name,
    contentType: 'application/pdf',
    content: file.content,
  });
  // S/4 raises no business event for an attachment: it travels with the activity's next change.
  const current = (await system.s4.getAppointment(created.uuid))!;
  await system.s4.updateAppointment(created.uuid, current.etag, { subject: `${subject} (with file)` });
  return created.uuid;
}

async function outlookAppointmentWithFiles(
  subject: string,
  day: number,
  files: Array<{ name: string; content: Buffer }>,
): Promise<string> {
  const item = new ews.Appointment(makeService(system.ews, { impersonate: ALICE }));
  item.Subject = subject;
  item.Start = ews.DateTime.Parse(inDays(day, 13));
  item.End = ews.DateTime.Parse(inDays(day, 14));
  item.Categories.Add('S/4HANA');
  await item.Save(ews.WellKnownFolderName.Calendar, ews.SendInvitationsMode.SendToNone);
  // Files are added to the saved item (CreateAttachment), as Outlook does. (ews-javascript-api
  // 0.15 exhausts the RegExp compiler when a new, unsaved item carries attachments.)
  for (const file of files) item.Attachments.AddFileAttachment(file.name, file.content.toString('base64'));
  await item.Update(ews.ConflictResolutionMode.AlwaysOverwrite, ews.SendInvitationsOrCancellationsMode.SendToNone);
  return item.Id.UniqueId;
}

const linkedActivity = (itemId: string) =>
  waitFor(
    async () =>
      (await linksWhere(system, `exchange_item_id = $1 AND state = 'linked'`, [itemId]))[0]?.s4_key ?? undefined,
    'the activity of the Outlook item',
  );

describe('attachments end to end (appointments.attachments)', { timeout: 150_000 }, () => {
  it('setting:appointments.attachments.enabled off: files stay where they are, in both directions', async () => {
    await s4AppointmentWithFile('Files off S4', 20, { name: 'offer.pdf', content: Buffer.from('%PDF-1.4 offer') });
    const item = await waitFor(async () => calendarItem('Files off S4 (with file)'), 'the S/4 appointment in Outlook');
    const itemId = await outlookAppointmentWithFiles('Files off Outlook', 21, [
      { name: 'minutes.txt', content: Buffer.from('minutes') },
    ]);
    const activity = await linkedActivity(itemId);
    await settle(3_000);
    expect(calendarItem('Files off S4 (with file)')!.attachments).toEqual([]);
    expect(item.attachments).toEqual([]);
    expect(await s4Files(activity)).toEqual([]);
    expect(await journalWhere(system, `reason LIKE 'attachment%'`, [])).toEqual([]);
  });

  it('setting:appointments.attachments.enabled on, setting:appointments.attachments.maxSizeKb: S/4 files reach Outlook, Outlook files reach S/4, a file over the limit is skipped with a journal entry', async () => {
    await changeSettings(system, (s) => {
      s.appointments!.attachments = { enabled: true, maxSizeKb: 64 };
    });

    const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(2_000, 7)]);
    const uuid = await s4AppointmentWithFile('Files on S4', 22, { name: 'Angebot.pdf', content: pdf });
    const item = await waitFor(async () => {
      const i = calendarItem('Files on S4 (with file)');
      return i && i.attachments.length > 0 ? i : undefined;
    }, 'the S/4 file on the Outlook item');
    expect(item.attachments).toEqual([{ name: 'Angebot.pdf', size: pdf.length }]);
    const toOutlook = await journalEventually(
      system,
      `s4_key = $1 AND reason = 'attachment.synced'`,
      [uuid],
      (rows) => rows.length > 0,
      'the synced file in the journal',
    );
    expect(toOutlook).toEqual([
      expect.objectContaining({
        outcome: 'synced',
        direction: 's4-to-exchange',
        details: expect.objectContaining({ attachment: 'Angebot.pdf', size: pdf.length }),
      }),
    ]);

    const small = Buffer.from('Protokoll: alles gut');
    const big = Buffer.alloc(100 * 1024, 1);
    const itemId = await outlookAppointmentWithFiles('Files on Outlook', 23, [
      { name: 'Protokoll.txt', content: small },
      { name: 'Fotos.zip', content: big },
    ]);
    const activity = await linkedActivity(itemId);
    const files = await waitFor(async () => {
      const f = await s4Files(activity);
      return f.length > 0 ? f : undefined;
    }, 'the Outlook file in S/4');
    expect(files.map((f) => ({ name: f.name, size: f.size }))).toEqual([{ name: 'Protokoll.txt', size: small.length }]);
    expect(Buffer.compare(await system.s4.getAttachmentContent(files[0]!), small)).toBe(0);
    const skipped = await waitFor(
      async () => (await journalWhere(system, `s4_key = $1 AND reason = 'attachment.tooLarge'`, [activity]))[0],
      'the skip in the journal',
    );
    expect(skipped).toMatchObject({
      outcome: 'skipped',
      direction: 'exchange-to-s4',
      details: expect.objectContaining({ attachment: 'Fotos.zip', size: big.length, maxSizeKb: 64 }),
    });

    // Copies do not travel back and forth: after the echoes settle there is one file per name on each side.
    await settle(3_000);
    expect(await s4Files(activity)).toHaveLength(1);
    expect(
      calendarItem('Files on Outlook')!
        .attachments.map((a) => a.name)
        .sort(),
    ).toEqual(['Fotos.zip', 'Protokoll.txt']);
    expect(calendarItem('Files on S4 (with file)')!.attachments).toHaveLength(1);
    expect(await s4Files(uuid)).toHaveLength(1);
  });
});
