import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MailboxConnector } from '../../../src/connectors/exchange/mailbox-connector.js';
import type { AppointmentDraft, ContactDraft, TaskDraft } from '../../../src/connectors/exchange/types.js';
import { isTandemError } from '../../../src/errors/tandem-error.js';
import { ALICE, stamp, startHarness, type Harness } from './support.js';

let h: Harness;
let connector: MailboxConnector;
beforeAll(async () => {
  h = await startHarness('ews-items');
  connector = h.connector();
});
afterAll(async () => h.close());
beforeEach(() => h.emulator.reset());

const appointment: AppointmentDraft = {
  subject: 'Visit R&D <ACME> "Q1"',
  body: { type: 'html', content: '<p>Agenda &amp; notes</p>' },
  start: '2026-03-10T08:00:00.000Z',
  end: '2026-03-10T09:00:00.000Z',
  timeZone: 'Europe/Berlin',
  isAllDay: false,
  location: 'Walldorf',
  categories: ['S/4HANA'],
  sensitivity: 'private',
  importance: 'high',
  showAs: 'busy',
  reminderMinutesBeforeStart: 15,
  attendees: [{ email: 'bob@demo.example', name: 'Bob', type: 'required' }],
};

describe('appointments', () => {
  it('creates, reads, updates with the change key, finds by stamp and deletes', async () => {
    const created = await connector.createItem(ALICE, 'appointment', appointment, stamp('ACT-1'));
    expect(created.id).toBeTruthy();
    const read = await connector.getItem(ALICE, 'appointment', created.id);
    expect(read).toMatchObject({
      id: created.id,
      type: 'single',
      subject: 'Visit R&D <ACME> "Q1"',
      start: appointment.start,
      end: appointment.end,
      timeZone: 'Europe/Berlin',
      location: 'Walldorf',
      categories: ['S/4HANA'],
      sensitivity: 'private',
      importance: 'high',
      showAs: 'busy',
      reminderMinutesBeforeStart: 15,
      stamp: { s4Key: 'ACT-1', hash: 'h1' },
    });
    expect(read!.body.type).toBe('html');
    expect(read!.body.content).toContain('Agenda');
    expect(read!.attendees).toEqual([expect.objectContaining({ email: 'bob@demo.example', type: 'required' })]);
    // No invitation went out: the emulator records the SendMeetingInvitations mode of each write.
    const modes = () => h.emulator.listItems('alice@demo.example').flatMap((i) => i.meetingMessages);
    expect(modes()).toEqual(['invite:SendToNone']);

    const updated = await connector.updateItem(
      ALICE,
      'appointment',
      { id: created.id, changeKey: read!.changeKey },
      { subject: 'Visit ACME (moved)', start: '2026-03-10T10:00:00.000Z', end: '2026-03-10T11:00:00.000Z' },
      stamp('ACT-1', 'h2'),
    );
    expect(updated.changeKey).not.toBe(read!.changeKey);
    expect(modes().every((mode) => mode.endsWith(':SendToNone'))).toBe(true);
    const reread = await connector.getItem(ALICE, 'appointment', created.id);
    // The emulator answers StartTimeZone with Id/Name only (schema-valid); see library-patches.ts.
    expect(reread).toMatchObject({
      subject: 'Visit ACME (moved)',
      start: '2026-03-10T10:00:00.000Z',
      location: 'Walldorf',
      timeZone: 'Europe/Berlin',
      stamp: { s4Key: 'ACT-1', hash: 'h2' },
    });

    const found = await connector.findByStamp(ALICE, 'appointment', 'ACT-1');
    expect(found.map((a) => a.id)).toEqual([created.id]);
    expect(await connector.findByStamp(ALICE, 'appointment', 'ACT-404')).toEqual([]);

    await connector.deleteItem(ALICE, 'appointment', created.id);
    expect(await connector.getItem(ALICE, 'appointment', created.id)).toBeUndefined();
    await connector.deleteItem(ALICE, 'appointment', created.id); // idempotent
    // Deleted in Outlook after Tandem read it: the update is a concurrent change for the engine to
    // read again (it then sees the delete), not EXCHANGE_ITEM_NOT_FOUND, which would dead-letter.
    const late = await connector
      .updateItem(ALICE, 'appointment', updated, { subject: 'late' }, stamp('ACT-1', 'h3'))
      .catch((e: unknown) => e);
    expect(isTandemError(late, 'EXCHANGE_CONFLICT')).toBe(true);
  });

  it('refuses a write with a stale change key as EXCHANGE_CONFLICT', async () => {
    const created = await connector.createItem(ALICE, 'appointment', appointment, stamp('ACT-2'));
    await connector.updateItem(ALICE, 'appointment', created, { subject: 'user edit' }, stamp('ACT-2'));
    const error = await connector
      .updateItem(ALICE, 'appointment', created, { subject: 'stale' }, stamp('ACT-2'))
      .catch((e: unknown) => e);
    expect(isTandemError(error, 'EXCHANGE_CONFLICT')).toBe(true);
    expect((await connector.getItem(ALICE, 'appointment', created.id))!.subject).toBe('user edit');
  });
});

describe('tasks', () => {
  const task: TaskDraft = {
    subject: 'Call back',
    body: { type: 'text', content: 'about the offer' },
    startDate: '2026-03-02',
    dueDate: '2026-03-05',
    status: 'inProgress',
    percentComplete: 50,
    importance: 'low',
    categories: ['S/4HANA'],
    sensitivity: 'normal',
  };
  it('creates, reads, updates, finds by stamp, lists and deletes', async () => {
    const created = await connector.createItem(ALICE, 'task', task, stamp('TSK-1'));
    const read = await connector.getItem(ALICE, 'task', created.id);
    expect(read).toMatchObject({
      subject: 'Call back',
      body: { type: 'text', content: 'about the offer' },
      startDate: '2026-03-02',
      dueDate: '2026-03-05',
      status: 'inProgress',
      percentComplete: 50,
      importance: 'low',
      categories: ['S/4HANA'],
      stamp: { s4Key: 'TSK-1', hash: 'h1' },
    });
    await connector.updateItem(
      ALICE,
      'task',
      read!,
      { status: 'completed', percentComplete: 100 },
      stamp('TSK-1', 'h2'),
    );
    expect(await connector.getItem(ALICE, 'task', created.id)).toMatchObject({
      status: 'completed',
      percentComplete: 100,
    });
    expect((await connector.findByStamp(ALICE, 'task', 'TSK-1')).map((t) => t.id)).toEqual([created.id]);
    expect((await connector.listItems(ALICE, 'task')).map((t) => t.id)).toContain(created.id);
    await connector.deleteItem(ALICE, 'task', created.id);
    expect(await connector.getItem(ALICE, 'task', created.id)).toBeUndefined();
  });
});

describe('contacts', () => {
  const contact: ContactDraft = {
    givenName: 'Ada',
    surname: 'Lovelace',
    displayName: 'Ada Lovelace',
    companyName: 'Analytical Engines',
    jobTitle: 'CTO',
    emailAddresses: ['ada@example.com', 'ada@private.example'],
    businessPhones: ['+49 6227 1'],
    mobilePhone: '+49 170 1',
    businessAddress: { street: 'Dietmar-Hopp-Allee 16', city: 'Walldorf', postalCode: '69190', countryOrRegion: 'DE' },
    categories: ['Customer'],
  };
  it('lives in the Tandem subfolder of Contacts and round-trips its fields', async () => {
    const created = await connector.createItem(ALICE, 'contact', contact, stamp('BP-100'));
    const dump = h.emulator.listItems('alice@demo.example').find((i) => i.id === created.id)!;
    expect(dump.folder).toBe('Tandem');
    const read = await connector.getItem(ALICE, 'contact', created.id);
    expect(read).toMatchObject({ ...contact, stamp: { s4Key: 'BP-100', hash: 'h1' } });
    await connector.updateItem(ALICE, 'contact', read!, { jobTitle: 'CEO' }, stamp('BP-100', 'h2'));
    expect(await connector.getItem(ALICE, 'contact', created.id)).toMatchObject({
      jobTitle: 'CEO',
      surname: 'Lovelace',
    });
    expect((await connector.findByStamp(ALICE, 'contact', 'BP-100')).map((c) => c.id)).toEqual([created.id]);
    expect((await connector.listItems(ALICE, 'contact')).map((c) => c.id)).toEqual([created.id]);
    await connector.deleteItem(ALICE, 'contact', created.id);
    expect(await connector.listItems(ALICE, 'contact')).toEqual([]);
  });

  it('recreates the Tandem folder when a user deleted it', async () => {
    await connector.createItem(ALICE, 'contact', contact, stamp('BP-200'));
    h.emulator.reset(); // the mailbox starts over: the cached folder id is now stale
    const created = await connector.createItem(ALICE, 'contact', contact, stamp('BP-201'));
    expect(h.emulator.listItems('alice@demo.example').find((i) => i.id === created.id)!.folder).toBe('Tandem');
    expect((await connector.findByStamp(ALICE, 'contact', 'BP-201')).map((c) => c.id)).toEqual([created.id]);
  });
});
