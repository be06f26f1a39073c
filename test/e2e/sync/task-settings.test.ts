import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { S4TaskInput } from '../../../src/connectors/s4/index.js';
import { ews, makeService } from '../../integration/ews-emulator/support.js';
import { waitFor } from '../../support/service.js';
import type { RunningSystem } from '../../support/system.js';
import { withTenant } from '../../../src/store/transaction.js';
import { changeSettings, inDays, journalWhere, linksWhere, settle, startSubscribedSystem } from './support.js';

/**
 * Task settings changed as an admin does in the cockpit (admin API), each observed on both systems
 * (EWS backend). The tests run in order on one system and each leaves the settings it needs.
 */
let system: RunningSystem;
beforeAll(async () => {
  system = await startSubscribedSystem();
}, 120_000);
afterAll(async () => system.stop());

const ALICE = 'alice@demo.example';
const tasksOf = (mailbox: string) => system.ews.listItems(mailbox).filter((item) => item.folder === 'tasks');
const outlookTaskNamed = (subject: string) =>
  waitFor(async () => tasksOf(ALICE).find((t) => t.subject === subject), `“${subject}” in Alice’s Tasks`);

/** An S/4 task with Alice (EMP001) in the given partner function (employee responsible by default). */
function s4Task(subject: string, extra: Partial<S4TaskInput> = {}, partnerFunction = '00000014') {
  return system.s4.createTask({
    processType: 'ZTSK',
    subject,
    start: inDays(3, 8),
    due: inDays(5, 15),
    timeZone: 'Europe/Berlin',
    status: 'E0001',
    priority: '5',
    percentComplete: 0,
    partners: [{ partnerFunction, businessPartner: 'EMP001' }],
    ...extra,
  });
}

/** A task Alice makes in Outlook (EWS, impersonated); returns its item id. */
async function outlookTask(options: {
  subject: string;
  categories?: string[];
  importance?: ews.Importance;
  status?: ews.TaskStatus;
  private?: boolean;
  body?: string;
}): Promise<string> {
  const task = new ews.Task(makeService(system.ews, { impersonate: ALICE }));
  task.Subject = options.subject;
  task.DueDate = ews.DateTime.Parse(inDays(6, 12));
  if (options.body) task.Body = new ews.MessageBody(ews.BodyType.Text, options.body);
  if (options.importance !== undefined) task.Importance = options.importance;
  if (options.status !== undefined) task.Status = options.status;
  if (options.private) task.Sensitivity = ews.Sensitivity.Private;
  for (const category of options.categories ?? []) task.Categories.Add(category);
  await task.Save(ews.WellKnownFolderName.Tasks);
  return task.Id.UniqueId;
}

/** The S/4 task created from an Outlook task (its link to the item). */
async function s4TaskOf(itemId: string) {
  const uuid = await waitFor(
    async () =>
      (await linksWhere(system, `exchange_item_id = $1 AND state = 'linked'`, [itemId]))[0]?.s4_key ?? undefined,
    'the S/4 task of the Outlook task',
  );
  return (await system.s4.getTask(uuid))!;
}

/** The first journal entry about an Outlook item or S/4 task (skips are journalled once). */
const firstEntry = (column: 'exchange_item_id' | 's4_key', key: string) =>
  waitFor(async () => (await journalWhere(system, `${column} = $1`, [key]))[0], `the journal entry of ${key}`);

/** Waits until the worker has processed every S/4 event about the task (its inbox rows are done). */
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
              [`s4:task:${uuid.toLowerCase()}`],
            )
          ).rows[0]!,
        system.db.pool,
      ).then((n) => (n.open === 0 && n.done > 0) || undefined),
    `the S/4 event of ${uuid} to be processed`,
  );

describe('task settings end to end', { timeout: 180_000 }, () => {
  it('setting:tasks.statusMap and setting:tasks.priorityMap: S/4 codes map to the Outlook status and importance, and back', async () => {
    await changeSettings(system, (s) => {
      s.tasks!.statusMap = { E0001: 'notStarted', E0002: 'inProgress', E0003: 'completed', E0004: 'waitingOnOthers' };
      s.tasks!.priorityMap = { '1': 'high', '5': 'low', '9': 'low' };
    });
    const created = await s4Task('Wait for the Contoso order', { status: 'E0004', priority: '5' });
    const item = await outlookTaskNamed('Wait for the Contoso order');
    // Under the defaults E0004 is unknown (notStarted) and priority 5 is normal.
    expect(item.props.Status).toBe('WaitingOnOthers');
    expect(item.props.Importance).toBe('Low');

    // Alice puts it back to in progress in Outlook: S/4 gets the code the map lists for it.
    const service = makeService(system.ews, { impersonate: ALICE });
    const mine = await ews.Task.Bind(service, new ews.ItemId(item.id));
    mine.Status = ews.TaskStatus.InProgress;
    await mine.Update(ews.ConflictResolutionMode.AlwaysOverwrite);
    await waitFor(
      async () => (await system.s4.getTask(created.uuid))?.status === 'E0002' || undefined,
      'status E0002 in S/4',
    );
  });

  it('setting:tasks.importanceToPriority.low, setting:tasks.importanceToPriority.normal and setting:tasks.importanceToPriority.high: each Outlook importance writes its S/4 priority', async () => {
    await changeSettings(system, (s) => {
      s.tasks!.importanceToPriority = { low: '8', normal: '4', high: '1' };
      s.tasks!.priorityMap = { '1': 'high', '4': 'normal', '8': 'low' };
    });
    const ids = await Promise.all(
      (
        [
          ['Low', ews.Importance.Low],
          ['Normal', ews.Importance.Normal],
          ['High', ews.Importance.High],
        ] as const
      ).map(([name, importance]) =>
        outlookTask({ subject: `${name} importance chore`, categories: ['S/4HANA'], importance }),
      ),
    );
    const priorities = await Promise.all(ids.map(async (id) => (await s4TaskOf(id)).priority));
    // The defaults would have written 9, 5 and 2.
    expect(priorities).toEqual(['8', '4', '1']);
  });

  it('setting:tasks.processTypes: a task of an unlisted process type stays out of Outlook; once listed it arrives with its own body text type', async () => {
    const before = await s4Task('Follow up the trade fair', {
      processType: 'ZFUP',
      texts: [{ textType: 'A003', text: 'Send the brochure' }],
    });
    const skipped = await firstEntry('s4_key', before.uuid);
    expect(skipped).toMatchObject({ outcome: 'skipped', reason: 'filtered.processType' });
    expect(tasksOf(ALICE).some((t) => t.subject === 'Follow up the trade fair')).toBe(false);

    await changeSettings(system, (s) => {
      s.tasks!.processTypes = [
        { processType: 'ZTSK', textType: 'A002' },
        { processType: 'ZFUP', textType: 'A003' },
      ];
    });
    await s4Task('Follow up the Hanover fair', {
      processType: 'ZFUP',
      texts: [
        { textType: 'A002', text: 'Not this text' },
        { textType: 'A003', text: 'Send the price list' },
      ],
    });
    const item = await outlookTaskNamed('Follow up the Hanover fair');
    expect(item.props.Body).toContain('Send the price list');
    expect(item.props.Body).not.toContain('Not this text');
  });

  it('setting:tasks.defaultProcessType: an Outlook task becomes an S/4 task of that process type, its body in the type’s text', async () => {
    await changeSettings(system, (s) => {
      s.tasks!.defaultProcessType = 'ZFUP';
    });
    const id = await outlookTask({
      subject: 'Thank the fair visitors',
      categories: ['S/4HANA'],
      body: 'All 40 of them',
    });
    const s4 = await s4TaskOf(id);
    expect(s4.processType).toBe('ZFUP');
    expect(s4.texts).toContainEqual(expect.objectContaining({ textType: 'A003', text: 'All 40 of them' }));
  });

  it('setting:tasks.category: only Outlook tasks with the configured category reach S/4, and Tandem stamps it on the tasks it writes', async () => {
    await changeSettings(system, (s) => {
      s.tasks!.category = 'CRM';
    });
    const marked = await outlookTask({ subject: 'Marked for CRM', categories: ['CRM'] });
    const old = await outlookTask({ subject: 'Marked the old way', categories: ['S/4HANA'] });
    expect((await s4TaskOf(marked)).subject).toBe('Marked for CRM');
    expect(await firstEntry('exchange_item_id', old)).toMatchObject({
      outcome: 'skipped',
      reason: 'filtered.category',
    });
    expect(await system.s4.findTasksByExternalReference(old)).toEqual([]);

    await s4Task('Written with the new category');
    const item = await outlookTaskNamed('Written with the new category');
    expect(item.props.Categories).toContain('CRM');
    expect(item.props.Categories).not.toContain('S/4HANA');
  });

  it('setting:tasks.exchangeToS4 (tag, all, off) with setting:tasks.syncTag: which Outlook tasks reach S/4', async () => {
    await changeSettings(system, (s) => {
      s.tasks!.exchangeToS4 = 'tag';
      s.tasks!.syncTag = '#CRM';
    });
    const tagged = await outlookTask({ subject: 'Quote for Fabrikam #crm' });
    const categorised = await outlookTask({ subject: 'Categorised, untagged', categories: ['CRM'] });
    expect((await s4TaskOf(tagged)).subject).toContain('Quote for Fabrikam');
    expect(await firstEntry('exchange_item_id', categorised)).toMatchObject({
      outcome: 'skipped',
      reason: 'filtered.tag',
    });

    await changeSettings(system, (s) => {
      s.tasks!.exchangeToS4 = 'all';
    });
    const plain = await outlookTask({ subject: 'Plain task, no mark' });
    expect((await s4TaskOf(plain)).subject).toBe('Plain task, no mark');

    await changeSettings(system, (s) => {
      s.tasks!.exchangeToS4 = 'off';
    });
    const ignored = await outlookTask({ subject: 'After the switch-off #crm', categories: ['CRM'] });
    expect(await firstEntry('exchange_item_id', ignored)).toMatchObject({
      outcome: 'skipped',
      reason: 'exchangeToS4.off',
    });
    expect(await system.s4.findTasksByExternalReference(ignored)).toEqual([]);
    // S/4 → Outlook still runs.
    await s4Task('S/4 still writes with Outlook → S/4 off');
    await outlookTaskNamed('S/4 still writes with Outlook → S/4 off');
  });

  it('setting:tasks.syncPrivate: private tasks stay out on both sides until it is on, then stay private on both', async () => {
    await changeSettings(system, (s) => {
      s.tasks!.exchangeToS4 = 'category';
    });
    const privateS4 = await s4Task('Private S/4 task', { isPrivate: true });
    const privateOutlook = await outlookTask({ subject: 'Private Outlook task', categories: ['CRM'], private: true });
    expect(await firstEntry('s4_key', privateS4.uuid)).toMatchObject({
      outcome: 'skipped',
      reason: 'filtered.private',
    });
    expect(await firstEntry('exchange_item_id', privateOutlook)).toMatchObject({
      outcome: 'skipped',
      reason: 'filtered.private',
    });
    expect(tasksOf(ALICE).some((t) => t.subject === 'Private S/4 task')).toBe(false);

    await changeSettings(system, (s) => {
      s.tasks!.syncPrivate = true;
    });
    await s4Task('Second private S/4 task', { isPrivate: true });
    const item = await outlookTaskNamed('Second private S/4 task');
    expect(item.props.Sensitivity).toBe('Private');
    const fromOutlook = await outlookTask({
      subject: 'Second private Outlook task',
      categories: ['CRM'],
      private: true,
    });
    expect(await s4TaskOf(fromOutlook)).toMatchObject({ subject: 'Second private Outlook task', isPrivate: true });
  });

  it('setting:tasks.partnerFunctions.responsible: the configured partner function decides whose task it is, both ways', async () => {
    // Alice in partner function 00000040 only: the task concerns no mailbox, nothing arrives.
    const before = await s4Task('Responsible under 00000040', {}, '00000040');
    await processed(before.uuid);
    expect(tasksOf(ALICE).some((t) => t.subject === 'Responsible under 00000040')).toBe(false);

    await changeSettings(system, (s) => {
      s.tasks!.partnerFunctions = { responsible: '00000040' };
    });
    await s4Task('Responsible under 00000040, listed', {}, '00000040');
    await outlookTaskNamed('Responsible under 00000040, listed');
    // Under 00000014 Alice is no longer responsible.
    const old = await s4Task('Responsible under 00000014');
    await processed(old.uuid);
    expect(tasksOf(ALICE).some((t) => t.subject === 'Responsible under 00000014')).toBe(false);

    const fromOutlook = await outlookTask({ subject: 'Alice’s own task', categories: ['CRM'] });
    expect((await s4TaskOf(fromOutlook)).partners).toContainEqual(
      expect.objectContaining({ partnerFunction: '00000040', businessPartner: 'EMP001' }),
    );
    await changeSettings(system, (s) => {
      s.tasks!.partnerFunctions = { responsible: '00000014' };
    });
  });

  it('setting:tasks.onOutlookDelete setStatus with setting:tasks.deletedStatus: deleting in Outlook sets the S/4 status instead of deleting', async () => {
    await changeSettings(system, (s) => {
      s.tasks!.onOutlookDelete = 'setStatus';
      s.tasks!.deletedStatus = 'E0005';
    });
    const id = await outlookTask({ subject: 'Deleted in Outlook', categories: ['CRM'] });
    const s4 = await s4TaskOf(id);
    const task = await ews.Task.Bind(makeService(system.ews, { impersonate: ALICE }), new ews.ItemId(id));
    await task.Delete(ews.DeleteMode.MoveToDeletedItems);
    await waitFor(
      async () => (await system.s4.getTask(s4.uuid))?.status === 'E0005' || undefined,
      'the deleted status in S/4',
    );
    // Under the default (delete) the S/4 task would be gone by now.
    await settle(2_000);
    expect(await system.s4.getTask(s4.uuid)).toBeDefined();
  });

  it('setting:tasks.enabled: off, neither S/4 tasks nor Outlook tasks sync', async () => {
    await changeSettings(system, (s) => {
      s.tasks!.enabled = false;
    });
    const fromS4 = await s4Task('Task while tasks are off');
    const fromOutlook = await outlookTask({ subject: 'Outlook task while tasks are off', categories: ['CRM'] });
    expect(await firstEntry('s4_key', fromS4.uuid)).toMatchObject({ outcome: 'skipped', reason: 'disabled' });
    expect(await firstEntry('exchange_item_id', fromOutlook)).toMatchObject({ outcome: 'skipped', reason: 'disabled' });
    expect(tasksOf(ALICE).some((t) => t.subject === 'Task while tasks are off')).toBe(false);
    expect(await system.s4.findTasksByExternalReference(fromOutlook)).toEqual([]);
  });
});
