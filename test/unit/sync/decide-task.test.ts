import { describe, expect, it } from 'vitest';
import type { Task } from '../../../src/connectors/exchange/types.js';
import type { S4Task } from '../../../src/connectors/s4/types.js';
import type { SyncLink } from '../../../src/sync/actions.js';
import type { CanonicalTask } from '../../../src/sync/tasks/canonical-task.js';
import { decideTask, type TaskAction, type TaskDecisionInput } from '../../../src/sync/tasks/decide-task.js';
import { s4TaskToCanonical } from '../../../src/sync/tasks/task-mapping.js';
import { lookup, NOW, settings } from './fixtures.js';

const s4Task = (over: Partial<S4Task> = {}): S4Task => ({
  uuid: 'T-1',
  id: '900',
  processType: 'ZTSK',
  subject: 'Send offer',
  start: '2026-03-02T00:00:00Z',
  due: '2026-03-09T22:30:00Z',
  status: 'E0001',
  priority: '5',
  percentComplete: 0,
  isPrivate: false,
  texts: [{ textType: 'A001', text: 'Offer for ACME' }],
  timeZone: 'Europe/Berlin',
  partners: [{ partnerFunction: '00000014', businessPartner: 'EMP001' }],
  etag: 't1',
  changedAt: NOW,
  ...over,
});
const run = (over: Partial<TaskDecisionInput>) =>
  decideTask({
    settings: settings(),
    lookup,
    now: NOW,
    mailbox: 'alice@demo.example',
    mailboxPartnerId: 'EMP001',
    zone: 'Europe/Berlin',
    ...over,
  });
const types = (a: TaskAction[]) => a.map((x) => x.type);
const find = <T extends TaskAction['type']>(a: TaskAction[], t: T) =>
  a.find((x) => x.type === t) as Extract<TaskAction, { type: T }>;

function materialise(actions: TaskAction[]): { item: Task; link: SyncLink<CanonicalTask> } {
  const c = find(actions, 'createExchangeItem');
  const snap = find(actions, 'commitSnapshot');
  const item: Task = {
    ...c.draft,
    id: 'EXT-1',
    changeKey: 'ck1',
    body: { type: 'html', content: `<p>${c.draft.body.content}</p>` },
    stamp: c.stamp,
    lastModified: NOW,
  };
  return {
    item,
    link: {
      kind: 'task',
      mailbox: 'alice@demo.example',
      s4Key: 'T-1',
      state: 'linked',
      origin: 's4',
      role: 'owner',
      marker: 'T-1',
      exchangeId: 'EXT-1',
      changeKey: 'ck1',
      s4Etag: 't1',
      snapshot: snap.snapshot,
    },
  };
}

describe('tasks', () => {
  it("S/4 instants become days in the user's zone", () => {
    expect(s4TaskToCanonical(s4Task(), settings().tasks, 'Europe/Berlin')).toMatchObject({
      start: '2026-03-02',
      due: '2026-03-09',
      status: 'notStarted',
      importance: 'normal',
      body: 'Offer for ACME',
    });
    expect(s4TaskToCanonical(s4Task({ due: '2026-03-09T23:30:00Z' }), settings().tasks, 'Europe/Berlin').due).toBe(
      '2026-03-10',
    );
  });

  it("creates the task in the responsible's mailbox only", () => {
    const a = run({ s4: s4Task() });
    expect(find(a, 'createExchangeItem').draft).toMatchObject({
      subject: 'Send offer',
      dueDate: '2026-03-09',
      status: 'notStarted',
      sensitivity: 'normal',
      categories: ['S/4HANA'],
    });
    expect(find(run({ s4: s4Task(), mailbox: 'bob@demo.example', mailboxPartnerId: 'EMP002' }), 'noop').reason).toBe(
      'filtered.notPartner',
    );
  });

  it('process type and private filters', () => {
    expect(find(run({ s4: s4Task({ processType: 'ZOTH' }) }), 'noop').reason).toBe('filtered.processType');
    expect(find(run({ s4: s4Task({ isPrivate: true }) }), 'noop').reason).toBe('filtered.private');
  });

  it('echo of our own write is nothing; completion in Outlook goes to S/4 status and percent', () => {
    const { item, link } = materialise(run({ s4: s4Task() }));
    expect(types(run({ s4: s4Task(), exchange: { ...item, changeKey: 'ck2' }, link }))).toEqual([
      'noop',
      'commitSnapshot',
    ]);
    const done = run({
      s4: s4Task(),
      exchange: { ...item, changeKey: 'ck2', status: 'completed', percentComplete: 100 },
      link,
    });
    expect(find(done, 'updateS4').changes).toEqual({ status: 'E0003', percentComplete: 100 });
  });

  it('due date conflict: Exchange owns the due date by default, S/4 the status', () => {
    const { item, link } = materialise(run({ s4: s4Task() }));
    const a = run({
      s4: s4Task({ etag: 't2', due: '2026-03-11T10:00:00Z', status: 'E0002' }),
      exchange: { ...item, changeKey: 'ck2', dueDate: '2026-03-12', status: 'completed' },
      link,
    });
    expect(find(a, 'updateS4').changes).toEqual({ due: '2026-03-11T23:00:00.000Z' });
    expect(find(a, 'updateExchangeItem').changes).toEqual({ status: 'inProgress' });
    expect(find(a, 'commitSnapshot').journal.overwritten).toEqual([
      { field: 'due', side: 's4', value: '2026-03-11' },
      { field: 'status', side: 'exchange', value: 'completed' },
    ]);
  });

  it('Outlook task deleted → the configured S/4 action', () => {
    const { link } = materialise(run({ s4: s4Task() }));
    expect(types(run({ s4: s4Task(), link }))).toEqual(['deleteS4', 'unlink']);
  });

  it('a new Outlook task with the category becomes an S/4 task of the default type', () => {
    const t: Task = {
      id: 'NEW',
      changeKey: 'c',
      subject: 'Call back',
      body: { type: 'text', content: '' },
      dueDate: '2026-03-05',
      status: 'notStarted',
      percentComplete: 0,
      importance: 'high',
      categories: ['s/4hana'],
      sensitivity: 'normal',
      lastModified: NOW,
    };
    const c = find(run({ exchange: t }), 'createS4');
    expect(c.write).toMatchObject({
      processType: 'ZTSK',
      subject: 'Call back',
      due: '2026-03-04T23:00:00.000Z',
      priority: '2',
      status: 'E0001',
      externalReference: 'NEW',
      partners: { add: [{ partnerFunction: '00000014', businessPartner: 'EMP001', isMain: true }] },
    });
    expect(c.write.text).toBeUndefined();
  });
});
