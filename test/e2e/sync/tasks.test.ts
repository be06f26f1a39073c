import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ews, makeService } from '../../integration/ews-emulator/support.js';
import { waitFor } from '../../support/service.js';
import type { RunningSystem } from '../../support/system.js';
import { inDays, journalWhere, linksWhere, settle, startSubscribedSystem } from './support.js';

let system: RunningSystem;
beforeAll(async () => {
  system = await startSubscribedSystem();
}, 120_000);
afterAll(async () => system.stop());

const tasksOf = (mailbox: string) => system.ews.listItems(mailbox).filter((item) => item.folder === 'tasks');
const taskBySubject = (mailbox: string, subject: string) => tasksOf(mailbox).find((item) => item.subject === subject);

describe('tasks end to end (web + worker + EWS and S/4 emulators)', { timeout: 60_000 }, () => {
  it('a ZTSK task for EMP001 appears in Alice’s Tasks, follows changes and leaves when deleted', async () => {
    const created = await system.s4.createTask({
      processType: 'ZTSK',
      subject: 'Call back Contoso purchasing',
      start: inDays(2, 8),
      due: inDays(4, 15),
      timeZone: 'Europe/Berlin',
      status: 'E0001',
      priority: '5',
      percentComplete: 0,
      texts: [{ textType: 'A002', text: 'Ask about the second plant' }],
      partners: [{ partnerFunction: '00000014', businessPartner: 'EMP001' }],
    });
    const item = await waitFor(
      async () => taskBySubject('alice@demo.example', 'Call back Contoso purchasing'),
      'the task in Alice’s Tasks',
    );
    expect(item.kind).toBe('Task');
    expect(item.props.Status).toBe('NotStarted');
    expect(item.props.Body).toContain('Ask about the second plant');
    // Bob is not responsible: his Tasks folder stays empty.
    expect(tasksOf('bob@demo.example')).toEqual([]);

    const current = (await system.s4.getTask(created.uuid))!;
    await system.s4.updateTask(current.uuid, current.etag, {
      subject: 'Call back Contoso purchasing (urgent)',
      status: 'E0002',
      percentComplete: 50,
    });
    const changed = await waitFor(async () => {
      const found = taskBySubject('alice@demo.example', 'Call back Contoso purchasing (urgent)');
      return found?.props.Status === 'InProgress' && found.props.PercentComplete === '50' ? found : undefined;
    }, 'the changed task in Alice’s Tasks');
    expect(changed.id).toBe(item.id);
    expect(tasksOf('alice@demo.example').filter((t) => t.subject?.startsWith('Call back Contoso'))).toHaveLength(1);

    const latest = (await system.s4.getTask(created.uuid))!;
    await system.s4.deleteTask(latest.uuid, latest.etag);
    await waitFor(
      async () => !tasksOf('alice@demo.example').some((t) => t.id === item.id),
      'the task to leave Alice’s Tasks',
    );
    // The journal is committed right after the remote delete: wait for it rather than read it at once.
    const journal = await waitFor(async () => {
      const entries = (await journalWhere(system, 's4_key = $1', [created.uuid])).map(
        (r) => `${r.outcome}:${r.reason}`,
      );
      return entries.includes('deleted:deleted.s4') ? entries : undefined;
    }, 'the deletion in the journal');
    expect(journal).toEqual(
      expect.arrayContaining(['synced:created.exchange', 'synced:changed', 'deleted:deleted.s4']),
    );
    expect(await linksWhere(system, 's4_key = $1', [created.uuid])).toEqual([]);
  });

  it('an Outlook task with the S/4HANA category becomes one S/4 task with Alice responsible', async () => {
    const service = makeService(system.ews, { impersonate: 'alice@demo.example' });
    const task = new ews.Task(service);
    task.Subject = 'Renew the Fabrikam NDA';
    task.DueDate = ews.DateTime.Parse(inDays(6, 12));
    task.Body = new ews.MessageBody(ews.BodyType.Text, 'Legal has the draft');
    task.Categories.Add('S/4HANA');
    await task.Save(ews.WellKnownFolderName.Tasks);

    const s4Key = await waitFor(async () => {
      const links = await linksWhere(system, 'exchange_item_id = $1', [task.Id.UniqueId]);
      return links[0]?.state === 'linked' ? (links[0].s4_key ?? undefined) : undefined;
    }, 'the S/4 task to be created and linked');
    const s4 = (await system.s4.getTask(s4Key))!;
    expect(s4).toMatchObject({
      subject: 'Renew the Fabrikam NDA',
      processType: 'ZTSK',
      externalReference: task.Id.UniqueId,
    });
    expect(s4.partners).toContainEqual(
      expect.objectContaining({ partnerFunction: '00000014', businessPartner: 'EMP001' }),
    );
    expect(s4.texts).toContainEqual(expect.objectContaining({ textType: 'A002', text: 'Legal has the draft' }));

    // The S/4 create raises an event and our own link commit comes back through change tracking: both are echoes.
    await settle(4_000);
    expect(await system.s4.findTasksByExternalReference(task.Id.UniqueId)).toHaveLength(1);
    expect(tasksOf('alice@demo.example').filter((t) => t.subject === 'Renew the Fabrikam NDA')).toHaveLength(1);

    // Alice ticks it off in Outlook: S/4 follows with the completed status and 100 %.
    const mine = await ews.Task.Bind(service, task.Id);
    mine.Status = ews.TaskStatus.Completed;
    mine.PercentComplete = 100;
    await mine.Update(ews.ConflictResolutionMode.AlwaysOverwrite);
    const done = await waitFor(async () => {
      const found = await system.s4.getTask(s4Key);
      return found?.status === 'E0003' && found.percentComplete === 100 ? found : undefined;
    }, 'the completed status in S/4');
    expect(done.subject).toBe('Renew the Fabrikam NDA');
  });

  it('an Outlook task without the category stays out of S/4', async () => {
    const service = makeService(system.ews, { impersonate: 'alice@demo.example' });
    const task = new ews.Task(service);
    task.Subject = 'Buy milk';
    await task.Save(ews.WellKnownFolderName.Tasks);
    const entry = await waitFor(
      async () => (await journalWhere(system, 'exchange_item_id = $1', [task.Id.UniqueId]))[0],
      'the journal entry for the task',
    );
    expect(entry).toMatchObject({ outcome: 'skipped', reason: 'filtered.category' });
    expect(await system.s4.findTasksByExternalReference(task.Id.UniqueId)).toEqual([]);
  });
});
