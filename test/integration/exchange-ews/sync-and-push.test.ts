import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MailboxConnector } from '../../../src/connectors/exchange/mailbox-connector.js';
import type { ItemKind } from '../../../src/connectors/exchange/types.js';
import { isTandemError } from '../../../src/errors/tandem-error.js';
import { ALICE, stamp, startHarness, type Harness } from './support.js';

let h: Harness;
let connector: MailboxConnector;
beforeAll(async () => {
  h = await startHarness('ews-sync');
  connector = h.connector({ maxConcurrency: 10 });
});
afterAll(async () => h.close());
beforeEach(() => h.emulator.reset());

const task = (subject: string) => ({
  subject,
  body: { type: 'text' as const, content: '' },
  status: 'notStarted' as const,
  percentComplete: 0,
  importance: 'normal' as const,
  categories: [],
  sensitivity: 'normal' as const,
});

async function createTasks(count: number, prefix: string): Promise<Map<string, string>> {
  const byKey = new Map<string, string>();
  for (let i = 0; i < count; i += 10) {
    const batch = Array.from({ length: Math.min(10, count - i) }, (_, j) => `${prefix}-${i + j}`);
    const created = await Promise.all(batch.map((key) => connector.createItem(ALICE, 'task', task(key), stamp(key))));
    batch.forEach((key, j) => byKey.set(key, created[j]!.id));
  }
  return byKey;
}

async function drain(kind: ItemKind, state: string | undefined) {
  const created: string[] = [];
  const updated: string[] = [];
  const deleted: string[] = [];
  let pages = 0;
  for (;;) {
    const page = await connector.changesSince(ALICE, kind, state);
    pages++;
    expect(page.created.length + page.updated.length + page.deleted.length).toBeLessThanOrEqual(512);
    created.push(...page.created);
    updated.push(...page.updated);
    deleted.push(...page.deleted);
    state = page.syncState;
    if (!page.moreAvailable) return { created, updated, deleted, state, pages };
  }
}

describe('change tracking (SyncFolderItems)', () => {
  it('pages past 512 changes and then reports updates and deletions incrementally', async () => {
    const byKey = await createTasks(530, 'S');
    const first = await drain('task', undefined);
    expect(first.pages).toBeGreaterThanOrEqual(2);
    expect(new Set(first.created)).toEqual(new Set(byKey.values()));

    // getItems reads in batches of 50 ids per GetItem.
    h.emulator.calls.clear();
    const some = [...byKey.values()].slice(0, 120);
    expect((await connector.getItems(ALICE, 'task', some)).size).toBe(120);
    expect(h.emulator.calls.get('GetItem')).toBe(3);

    const id0 = byKey.get('S-0')!;
    const item = (await connector.getItem(ALICE, 'task', id0))!;
    const written = await connector.updateItem(ALICE, 'task', item, { subject: 'changed' }, stamp('S-0', 'h2'));
    await connector.deleteItem(ALICE, 'task', byKey.get('S-1')!);
    // The change list carries each item's ChangeKey, so a caller can tell its own write without reading the item.
    const page = await connector.changesSince(ALICE, 'task', first.state);
    expect(page.changeKeys).toEqual({ [id0]: written.changeKey });
    const next = await drain('task', first.state);
    expect(next.updated).toEqual([id0]);
    expect(next.deleted).toEqual([byKey.get('S-1')]);
    expect(next.created).toEqual([]);
  }, 120_000);

  it('recovers from a lost sync state by restarting and matching stamps, without duplicates', async () => {
    const byKey = await createTasks(25, 'R');
    const error = await connector.changesSince(ALICE, 'task', 'bm90IGEgc3luYyBzdGF0ZQ==').catch((e: unknown) => e);
    expect(isTandemError(error, 'EXCHANGE_INVALID_SYNC_STATE')).toBe(true);

    // What the engine does: restart without a state, and for every item it sees match it by stamp;
    // S/4 keys without a match are the only ones written.
    const restarted = await drain('task', undefined);
    const seen = await connector.getItems(ALICE, 'task', restarted.created);
    const matched = new Set([...seen.values()].map((t) => t.stamp?.s4Key));
    const s4Keys = [...byKey.keys(), 'R-new'];
    for (const key of s4Keys) {
      if (matched.has(key)) continue;
      expect(await connector.findByStamp(ALICE, 'task', key)).toEqual([]);
      await connector.createItem(ALICE, 'task', task(key), stamp(key));
    }
    const all = await connector.listItems(ALICE, 'task');
    expect(all).toHaveLength(26);
    expect(new Set(all.map((t) => t.stamp?.s4Key)).size).toBe(26);
    for (const key of s4Keys) expect(await connector.findByStamp(ALICE, 'task', key)).toHaveLength(1);
  }, 60_000);

  it('tracks contacts in the Tandem folder and appointments in the calendar separately', async () => {
    const contact = await connector.createItem(
      ALICE,
      'contact',
      { displayName: 'C', emailAddresses: [], businessPhones: [], categories: [] },
      stamp('BP-1'),
    );
    const contacts = await drain('contact', undefined);
    expect(contacts.created).toEqual([contact.id]);
    const appointments = await drain('appointment', undefined);
    expect(appointments.created).toEqual([]);
    const appointment = await connector.createItem(
      ALICE,
      'appointment',
      {
        subject: 'a',
        body: { type: 'text', content: '' },
        start: '2026-05-04T08:00:00.000Z',
        end: '2026-05-04T09:00:00.000Z',
        timeZone: 'UTC',
        isAllDay: false,
        location: '',
        categories: [],
        sensitivity: 'normal',
        importance: 'normal',
        attendees: [],
      },
      stamp('A-1'),
    );
    expect((await drain('appointment', appointments.state)).created).toEqual([appointment.id]);
    expect((await drain('contact', contacts.state)).created).toEqual([]);
  });
});

describe('push subscriptions', () => {
  it('subscribes the folders of the kinds, renews from the watermark and unsubscribes', async () => {
    const subscription = await connector.subscribe({
      mailbox: ALICE,
      kinds: ['appointment', 'task'],
      callbackUrl: 'http://127.0.0.1:9/ews/notifications/abc?x=1&y=2',
      statusFrequencyMinutes: 7,
    });
    expect(subscription.remoteId).toBeTruthy();
    expect(subscription.watermark).toBeTruthy();
    const listed = h.emulator.subscriptions();
    expect(listed).toEqual([
      expect.objectContaining({
        id: subscription.remoteId,
        mailbox: 'alice@demo.example',
        url: 'http://127.0.0.1:9/ews/notifications/abc?x=1&y=2',
        statusFrequencyMinutes: 7,
      }),
    ]);

    const renewed = await connector.renewSubscription(
      {
        mailbox: ALICE,
        kinds: ['appointment', 'task'],
        callbackUrl: 'http://127.0.0.1:9/ews/notifications/abc?x=1&y=2',
      },
      subscription,
    );
    expect(renewed.remoteId).not.toBe(subscription.remoteId);
    expect(h.emulator.subscriptions().map((s) => s.id)).toEqual([renewed.remoteId]);

    await connector.unsubscribe(ALICE, renewed);
    expect(h.emulator.subscriptions()).toEqual([]);
    await connector.unsubscribe(ALICE, renewed); // already gone: fine
  });

  it('refuses an unknown watermark as EXCHANGE_INVALID_WATERMARK', async () => {
    const error = await connector
      .subscribe({ mailbox: ALICE, kinds: ['task'], callbackUrl: 'http://127.0.0.1:9/x', watermark: 'AQAAAGZvbw==' })
      .catch((e: unknown) => e);
    expect(isTandemError(error, 'EXCHANGE_INVALID_WATERMARK')).toBe(true);
  });
});

describe('attachments', () => {
  const drafts = {
    task: task('with file'),
    contact: { displayName: 'With File', emailAddresses: [], businessPhones: [], categories: [] },
    appointment: {
      subject: 'with file',
      body: { type: 'text' as const, content: '' },
      start: '2026-05-04T08:00:00.000Z',
      end: '2026-05-04T09:00:00.000Z',
      timeZone: 'Europe/Berlin',
      isAllDay: false,
      location: '',
      categories: [],
      sensitivity: 'normal' as const,
      importance: 'normal' as const,
      attendees: [],
    },
  };
  it.each(['task', 'contact', 'appointment'] as const)(
    'adds, lists and reads a file attachment on a %s',
    async (kind) => {
      const created = await connector.createItem(ALICE, kind, drafts[kind] as never, stamp(`A-${kind}`));
      const content = Buffer.from('%PDF-1.4 tandem & <test>');
      const added = await connector.addAttachment(ALICE, kind, created.id, {
        name: 'offer.pdf',
        contentType: 'application/pdf',
        content,
      });
      expect(added).toMatchObject({ name: 'offer.pdf', contentType: 'application/pdf', size: content.length });
      const listed = await connector.listAttachments(ALICE, kind, created.id);
      expect(listed).toEqual([expect.objectContaining({ id: added.id, name: 'offer.pdf' })]);
      const read = await connector.getAttachment(ALICE, kind, created.id, added.id);
      expect(read.content.equals(content)).toBe(true);
      const item = await connector.getItem(ALICE, kind, created.id);
      if (kind === 'appointment') expect((item as { hasAttachments: boolean }).hasAttachments).toBe(true);
    },
  );
});
