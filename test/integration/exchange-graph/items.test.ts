import { graphClient } from '../../support/graph-outlook.js';
import { describe, expect, it } from 'vitest';
import { isTandemError } from '../../../src/errors/tandem-error.js';
import { occurrencesMissingFromInstances } from '../../../src/sync/index.js';
import type { AppointmentDraft, ContactDraft, TaskDraft } from '../../../src/connectors/exchange/types.js';

import { connectorFor, useGraphConnector } from './harness.js';

const alice = { smtpAddress: 'alice@demo.example' };

const appointment = (subject: string, start = '2026-06-01T07:00:00.000Z'): AppointmentDraft => ({
  subject,
  body: { type: 'text', content: 'Agenda' },
  start,
  end: new Date(Date.parse(start) + 3_600_000).toISOString(),
  timeZone: 'Europe/Berlin',
  isAllDay: false,
  location: 'Room 1',
  categories: ['S4'],
  sensitivity: 'private',
  importance: 'high',
  attendees: [{ email: 'bob@demo.example', type: 'required' }],
});
const contact = (name: string): ContactDraft => ({
  displayName: name,
  givenName: name.split(' ')[0],
  surname: name.split(' ')[1],
  companyName: 'ACME',
  emailAddresses: [`${name.replace(' ', '.').toLowerCase()}@acme.example`],
  businessPhones: ['+49 1'],
  categories: [],
  businessAddress: { city: 'Walldorf', countryOrRegion: 'DE' },
});
const task = (subject: string): TaskDraft => ({
  subject,
  body: { type: 'text', content: 'Do it' },
  dueDate: '2026-07-01',
  status: 'inProgress',
  percentComplete: 40,
  importance: 'low',
  categories: ['S4'],
  sensitivity: 'confidential',
});

describe('Graph connector against the emulator: items', () => {
  const graph = useGraphConnector();

  it('gets an app-only token through msal-node and passes the connection test', async () => {
    const steps = await graph.connector.testConnection(alice);
    expect(steps.map((s) => [s.step, s.ok])).toEqual([
      ['authenticate', true],
      ['read-calendar', true],
      ['read-todo', true],
      ['read-contacts', true],
    ]);
  });

  it('reports a wrong client secret and an unknown app in admin words', async () => {
    const wrong = connectorFor(graph.emu, graph.redis, {}, { clientSecret: 'nope' });
    const steps = await wrong.testConnection(alice);
    expect(steps).toHaveLength(1);
    expect(steps[0]).toMatchObject({ step: 'authenticate', ok: false });
    expect(steps[0]?.message).toMatch(/Invalid client secret/);
    await wrong.close();
    const unknown = connectorFor(graph.emu, graph.redis, {}, { clientId: 'someone-else' });
    expect((await unknown.testConnection(alice))[0]?.message).toMatch(/Unknown application/);
    await unknown.close();
  });

  it('says when the test mailbox does not exist', async () => {
    const steps = await graph.connector.testConnection({ smtpAddress: 'nobody@demo.example' });
    expect(steps[0]?.ok).toBe(true);
    expect(steps.find((s) => s.step === 'read-calendar')).toMatchObject({ ok: false });
    expect(steps.find((s) => s.step === 'read-calendar')?.message).toMatch(/does not exist/);
  });

  it('explains missing consent and an access policy', async () => {
    graph.emu.setRoles(['Calendars.ReadWrite', 'Contacts.ReadWrite']);
    const c1 = connectorFor(graph.emu, graph.redis);
    const steps = await c1.testConnection(alice);
    expect(steps.find((s) => s.step === 'read-todo')).toMatchObject({ ok: false });
    expect(steps.find((s) => s.step === 'read-todo')?.message).toMatch(/Consent missing for Tasks.ReadWrite.All/);
    expect(steps.find((s) => s.step === 'read-calendar')?.ok).toBe(true);
    graph.emu.setRoles(['Calendars.ReadWrite', 'Contacts.ReadWrite', 'Tasks.ReadWrite.All']);
    await c1.close();
    graph.emu.denyMailbox('alice@demo.example', 'policy');
    const c2 = connectorFor(graph.emu, graph.redis);
    const denied = await c2.testConnection(alice);
    expect(denied.find((s) => s.step === 'read-calendar')?.message).toMatch(/application access policy/);
    graph.emu.denyMailbox('alice@demo.example', undefined);
    await c2.close();
  });

  it('creates, reads, updates, finds by stamp and deletes an appointment', async () => {
    const v1 = await graph.connector.createItem(alice, 'appointment', appointment('Kick-off'), {
      s4Key: 'ACT-1',
      hash: 'h1',
    });
    const read = await graph.connector.getItem(alice, 'appointment', v1.id);
    expect(read).toMatchObject({
      subject: 'Kick-off',
      start: '2026-06-01T07:00:00.000Z',
      end: '2026-06-01T08:00:00.000Z',
      timeZone: 'Europe/Berlin',
      sensitivity: 'private',
      importance: 'high',
      categories: ['S4'],
      location: 'Room 1',
      type: 'single',
      stamp: { s4Key: 'ACT-1', hash: 'h1' },
    });
    expect(read?.attendees[0]?.email).toBe('bob@demo.example');
    const v2 = await graph.connector.updateItem(
      alice,
      'appointment',
      v1,
      { subject: 'Kick-off (moved)', start: '2026-06-02T07:00:00.000Z', end: '2026-06-02T08:00:00.000Z' },
      { s4Key: 'ACT-1', hash: 'h2' },
    );
    expect(v2.changeKey).not.toBe(v1.changeKey);
    const found = await graph.connector.findByStamp(alice, 'appointment', 'ACT-1');
    expect(found.map((a) => [a.id, a.subject, a.start, a.stamp?.hash])).toEqual([
      [v1.id, 'Kick-off (moved)', '2026-06-02T07:00:00.000Z', 'h2'],
    ]);
    expect(await graph.connector.findByStamp(alice, 'appointment', 'ACT-404')).toEqual([]);
    // A write with the old changeKey is a conflict for the engine to merge.
    await expect(
      graph.connector.updateItem(alice, 'appointment', v1, { subject: 'stale' }, { s4Key: 'ACT-1', hash: 'h3' }),
    ).rejects.toSatisfy((e: unknown) => isTandemError(e, 'EXCHANGE_CONFLICT'));
    await graph.connector.deleteItem(alice, 'appointment', v1.id);
    await graph.connector.deleteItem(alice, 'appointment', v1.id);
    expect(await graph.connector.getItem(alice, 'appointment', v1.id)).toBeUndefined();
    // An update of the deleted item is a concurrent change too (the engine reads again and sees the delete).
    await expect(
      graph.connector.updateItem(alice, 'appointment', v1, { subject: 'late' }, { s4Key: 'ACT-1', hash: 'h4' }),
    ).rejects.toSatisfy((e: unknown) => isTandemError(e, 'EXCHANGE_CONFLICT'));
  });

  it('expands a weekly series across a DST change with original starts, and records deleted occurrences', async () => {
    const draft = {
      ...appointment('Weekly', '2026-03-16T08:00:00.000Z'),
      recurrence: {
        pattern: {
          type: 'weekly' as const,
          interval: 1,
          daysOfWeek: ['monday' as const],
          firstDayOfWeek: 'monday' as const,
        },
        range: { type: 'numbered' as const, startDate: '2026-03-16', numberOfOccurrences: 4 },
      },
    };
    const master = await graph.connector.createItem(alice, 'appointment', draft, { s4Key: 'SER-1', hash: 'h' });
    const window = { start: '2026-03-01T00:00:00.000Z', end: '2026-05-01T00:00:00.000Z' };
    const instances = await graph.connector.expandSeries(alice, master.id, window);
    // 09:00 Berlin stays 09:00: 08:00Z before 29 March, 07:00Z after.
    expect(instances.map((i) => [i.type, i.start, i.originalStart, i.seriesMasterId])).toEqual([
      ['occurrence', '2026-03-16T08:00:00.000Z', '2026-03-16T08:00:00.000Z', master.id],
      ['occurrence', '2026-03-23T08:00:00.000Z', '2026-03-23T08:00:00.000Z', master.id],
      ['occurrence', '2026-03-30T07:00:00.000Z', '2026-03-30T07:00:00.000Z', master.id],
      ['occurrence', '2026-04-06T07:00:00.000Z', '2026-04-06T07:00:00.000Z', master.id],
    ]);
    const second = instances[1]!;
    await graph.connector.updateItem(
      alice,
      'appointment',
      { id: second.id, changeKey: second.changeKey },
      { subject: 'Weekly (exception)' },
      { s4Key: `SER-1@${second.originalStart}`, hash: 'x' },
    );
    await graph.connector.deleteItem(alice, 'appointment', instances[2]!.id);
    const after = await graph.connector.expandSeries(alice, master.id, window);
    expect(after.map((i) => [i.type, i.subject])).toEqual([
      ['occurrence', 'Weekly'],
      ['exception', 'Weekly (exception)'],
      ['occurrence', 'Weekly'],
    ]);
    const m = await graph.connector.getItem(alice, 'appointment', master.id);
    expect(m?.type).toBe('seriesMaster');
    // Graph v1.0 names no cancelled occurrences on the master, and occurrence ids are opaque:
    // the deleted one is known by its absence from the instances, as the engine derives it.
    expect(m?.deletedOccurrences).toBeUndefined();
    expect(instances.every((i) => !i.id.includes(master.id))).toBe(true);
    expect(occurrencesMissingFromInstances(m!, after, window)).toEqual(['2026-03-30T07:00:00.000Z']);
    const listed = await graph.connector.listItems(alice, 'appointment', window);
    expect(
      listed
        .filter((a) => a.seriesMasterId === master.id || a.id === master.id)
        .map((a) => a.type)
        .sort(),
    ).toEqual(['exception', 'seriesMaster']);
    await graph.connector.deleteItem(alice, 'appointment', master.id);
  });

  it('keeps contacts in the Tandem folder with stamps', async () => {
    const v = await graph.connector.createItem(alice, 'contact', contact('Ada Lovelace'), {
      s4Key: 'BP-100',
      hash: 'c1',
    });
    const read = await graph.connector.getItem(alice, 'contact', v.id);
    expect(read).toMatchObject({
      displayName: 'Ada Lovelace',
      givenName: 'Ada',
      surname: 'Lovelace',
      companyName: 'ACME',
      emailAddresses: ['ada.lovelace@acme.example'],
      businessAddress: { city: 'Walldorf', countryOrRegion: 'DE' },
      stamp: { s4Key: 'BP-100', hash: 'c1' },
    });
    await graph.connector.updateItem(alice, 'contact', v, { jobTitle: 'Engineer' }, { s4Key: 'BP-100', hash: 'c2' });
    const found = await graph.connector.findByStamp(alice, 'contact', 'BP-100');
    expect(found.map((c) => [c.jobTitle, c.stamp?.hash])).toEqual([['Engineer', 'c2']]);
    const dump = graph.emu.exportMailbox('alice@demo.example');
    expect(dump.contacts.filter((c) => c.stamp?.s4Key === 'BP-100')).toHaveLength(1);
    await graph.connector.deleteItem(alice, 'contact', v.id);
    expect(await graph.connector.getItem(alice, 'contact', v.id)).toBeUndefined();
  });

  it('keeps tasks in the Tandem To Do list with the stamp in an open extension', async () => {
    const v = await graph.connector.createItem(alice, 'task', task('Call back'), { s4Key: 'TSK-1', hash: 't1' });
    expect(await graph.connector.getItem(alice, 'task', v.id)).toMatchObject({
      subject: 'Call back',
      dueDate: '2026-07-01',
      status: 'inProgress',
      percentComplete: 40,
      importance: 'low',
      sensitivity: 'confidential',
      stamp: { s4Key: 'TSK-1', hash: 't1' },
    });
    await graph.connector.updateItem(
      alice,
      'task',
      v,
      { status: 'completed', percentComplete: 100 },
      { s4Key: 'TSK-1', hash: 't2' },
    );
    const found = await graph.connector.findByStamp(alice, 'task', 'TSK-1');
    expect(found.map((t) => [t.status, t.percentComplete, t.sensitivity, t.stamp?.hash])).toEqual([
      ['completed', 100, 'confidential', 't2'],
    ]);
    await graph.connector.deleteItem(alice, 'task', v.id);
    expect(await graph.connector.findByStamp(alice, 'task', 'TSK-1')).toEqual([]);
  });

  it('adds small attachments inline and large ones through an upload session', async () => {
    const v = await graph.connector.createItem(alice, 'appointment', appointment('With files'), {
      s4Key: 'ACT-ATT',
      hash: 'h',
    });
    const small = Buffer.from('hello');
    const large = Buffer.alloc(4 * 1024 * 1024 + 123, 7);
    const a1 = await graph.connector.addAttachment(alice, 'appointment', v.id, {
      name: 'a.txt',
      contentType: 'text/plain',
      content: small,
    });
    const a2 = await graph.connector.addAttachment(alice, 'appointment', v.id, {
      name: 'big.bin',
      contentType: 'application/octet-stream',
      content: large,
    });
    const listed = await graph.connector.listAttachments(alice, 'appointment', v.id);
    expect(listed.map((a) => [a.id, a.name, a.size]).sort()).toEqual(
      [
        [a1.id, 'a.txt', 5],
        [a2.id, 'big.bin', large.length],
      ].sort(),
    );
    const got = await graph.connector.getAttachment(alice, 'appointment', v.id, a2.id);
    expect(got.content.equals(large)).toBe(true);
    expect((await graph.connector.getItem(alice, 'appointment', v.id))?.hasAttachments).toBe(true);
    const t = await graph.connector.createItem(alice, 'task', task('With file'), { s4Key: 'TSK-ATT', hash: 'h' });
    const ta = await graph.connector.addAttachment(alice, 'task', t.id, {
      name: 't.txt',
      contentType: 'text/plain',
      content: small,
    });
    expect((await graph.connector.getAttachment(alice, 'task', t.id, ta.id)).content.toString()).toBe('hello');
    // "taskFileAttachment: createUploadSession" (learn.microsoft.com/graph/api/taskfileattachment-createuploadsession): the body is attachmentInfo.
    const tb = await graph.connector.addAttachment(alice, 'task', t.id, {
      name: 'big-task.bin',
      contentType: 'application/octet-stream',
      content: large,
    });
    expect((await graph.connector.getAttachment(alice, 'task', t.id, tb.id)).content.equals(large)).toBe(true);
  });

  it('refuses an Outlook-style AttachmentItem upload session on a To Do task, as To Do does', async () => {
    const t = await graph.connector.createItem(alice, 'task', task('Wrong body'), { s4Key: 'TSK-ATT2', hash: 'h' });
    const outlook = await graphClient(graph.emu);
    const lists = await outlook(
      'GET',
      `/users/alice@demo.example/todo/lists?$filter=${encodeURIComponent("displayName eq 'Tandem'")}`,
    );
    const listId = (lists.json.value as Array<{ id: string }>)[0]!.id;
    const res = await outlook(
      'POST',
      `/users/alice@demo.example/todo/lists/${listId}/tasks/${t.id}/attachments/createUploadSession`,
      { AttachmentItem: { attachmentType: 'file', name: 'x.bin', size: 4_000_000 } },
    );
    expect(res.status).toBe(400);
    const ok = await outlook(
      'POST',
      `/users/alice@demo.example/todo/lists/${listId}/tasks/${t.id}/attachments/createUploadSession`,
      { attachmentInfo: { attachmentType: 'file', name: 'x.bin', size: 4_000_000 } },
    );
    expect(ok.status).toBe(201);
  });
});
