import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEwsEmulator, type EwsEmulator } from '../../../src/emulators/ews/index.js';
import { child, childText, parseXml, path, type XNode } from '../../../src/emulators/ews/xml.js';
import { errorName, ews, makeService, rejection, utc, waitFor } from './support.js';

/** A push listener like Tandem's /ews/notifications endpoint, answering as told. */
interface Received {
  at: number;
  subscriptionId: string;
  previousWatermark: string;
  moreEvents: boolean;
  events: {
    type: string;
    watermark: string;
    itemId?: string;
    oldItemId?: string;
    parentFolderId?: string;
    timeStamp?: string;
  }[];
}

class Listener {
  received: Received[] = [];
  mode: 'ok' | 'fail' | 'unsubscribe' | 'garbage' = 'ok';
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const doc = parseXml(Buffer.concat(chunks).toString('utf8'));
        const n = path(
          doc,
          'Body',
          'SendNotification',
          'ResponseMessages',
          'SendNotificationResponseMessage',
          'Notification',
        ) as XNode;
        this.received.push({
          at: Date.now(),
          subscriptionId: childText(n, 'SubscriptionId') ?? '',
          previousWatermark: childText(n, 'PreviousWatermark') ?? '',
          moreEvents: childText(n, 'MoreEvents') === 'true',
          events: n.children
            .filter((c) => c.name.endsWith('Event'))
            .map((e) => ({
              type: e.name,
              watermark: childText(e, 'Watermark') ?? '',
              ...(child(e, 'ItemId') ? { itemId: child(e, 'ItemId')!.attrs.Id! } : {}),
              ...(child(e, 'OldItemId') ? { oldItemId: child(e, 'OldItemId')!.attrs.Id! } : {}),
              ...(child(e, 'ParentFolderId') ? { parentFolderId: child(e, 'ParentFolderId')!.attrs.Id! } : {}),
              ...(childText(e, 'TimeStamp') ? { timeStamp: childText(e, 'TimeStamp')! } : {}),
            })),
        });
        if (this.mode === 'fail') {
          res.writeHead(500).end();
          return;
        }
        const status = this.mode === 'unsubscribe' ? 'Unsubscribe' : 'OK';
        const body =
          this.mode === 'garbage'
            ? 'not xml at all'
            : `<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><SendNotificationResult xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"><SubscriptionStatus>${status}</SubscriptionStatus></SendNotificationResult></soap:Body></soap:Envelope>`;
        res.writeHead(200, { 'content-type': 'text/xml' }).end(body);
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/ews/notifications/token-123`;
  }

  events(): Received['events'] {
    return this.received.flatMap((r) => r.events.filter((e) => e.type !== 'StatusEvent'));
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

const TIME_SCALE = 0.01; // 30 s → 300 ms, 1 min → 600 ms
let emu: EwsEmulator;
let listener: Listener;
let svc: ews.ExchangeService;

beforeAll(async () => {
  emu = await startEwsEmulator({ log: false, timeScale: TIME_SCALE });
  svc = makeService(emu, { impersonate: 'alice@demo.example' });
});
afterAll(async () => {
  await emu.close();
});
afterEach(async () => {
  emu.reset();
  await listener?.stop();
});

async function newListener(): Promise<Listener> {
  listener = new Listener();
  await listener.start();
  return listener;
}

const subscribe = (url: string, watermark: string | null = null) =>
  svc.SubscribeToPushNotifications(
    [new ews.FolderId(ews.WellKnownFolderName.Calendar)],
    new ews.Uri(url),
    1,
    watermark as string,
    ews.EventType.Created,
    ews.EventType.Modified,
    ews.EventType.Deleted,
  );

async function appointment(subject: string): Promise<ews.Appointment> {
  const a = new ews.Appointment(svc);
  a.Subject = subject;
  a.Start = utc(2026, 10, 1, 9);
  a.End = utc(2026, 10, 1, 10);
  await a.Save(ews.WellKnownFolderName.Calendar, ews.SendInvitationsMode.SendToNone);
  return a;
}

describe('push notifications', () => {
  it('delivers created, modified and deleted events in order with chained watermarks, plus status heartbeats', async () => {
    const l = await newListener();
    const sub = await subscribe(l.url);
    expect(sub.Id).toBeTruthy();
    expect(sub.Watermark).toBeTruthy();
    // The first notification is sent right away: a StatusEvent carrying the subscription's watermark.
    await waitFor(() => l.received.length >= 1);
    expect(l.received[0]!.events.map((e) => e.type)).toEqual(['StatusEvent']);
    expect(l.received[0]!.subscriptionId).toBe(sub.Id);

    const a = await appointment('pushed');
    a.Subject = 'pushed (changed)';
    await a.Update(ews.ConflictResolutionMode.AlwaysOverwrite, ews.SendInvitationsOrCancellationsMode.SendToNone);
    await a.Delete(ews.DeleteMode.HardDelete, ews.SendCancellationsMode.SendToNone);
    await waitFor(() => l.events().length >= 3);
    expect(l.events().map((e) => e.type)).toEqual(['CreatedEvent', 'ModifiedEvent', 'DeletedEvent']);
    expect(l.events().every((e) => e.itemId === a.Id.UniqueId)).toBe(true);
    expect(new Set(l.events().map((e) => e.watermark)).size).toBe(3);
    // Each notification's PreviousWatermark is the last watermark the client acknowledged.
    for (let i = 1; i < l.received.length; i++) {
      const prev = l.received[i - 1]!.events.at(-1)!.watermark;
      expect(l.received[i]!.previousWatermark).toBe(prev);
    }
    // With nothing happening, StatusEvent heartbeats arrive every StatusFrequency (1 min × 0.01).
    const before = l.received.length;
    await waitFor(
      () =>
        l.received.length >= before + 2 && l.received.slice(before).every((r) => r.events[0]?.type === 'StatusEvent'),
      15_000,
    );
  });

  it('retries a failing listener after 30 s, doubling, drops the subscription past StatusFrequency, and replays from the last watermark', async () => {
    const l = await newListener();
    const sub = await subscribe(l.url);
    await waitFor(() => l.received.length >= 1);
    const acknowledged = l.received[0]!.events[0]!.watermark;
    l.mode = 'fail';
    const missed = await appointment('missed while down');
    await waitFor(() => emu.push.dropped.some((d) => d.id === sub.Id), 20_000);
    const attempts = l.received.filter((r) => r.events.some((e) => e.type === 'CreatedEvent'));
    // Initial attempt + retries after 30 s and 60 s (scaled); 120 s would exceed StatusFrequency = 1 min.
    expect(attempts).toHaveLength(3);
    const gap1 = attempts[1]!.at - attempts[0]!.at;
    const gap2 = attempts[2]!.at - attempts[1]!.at;
    expect(gap1).toBeGreaterThanOrEqual(30_000 * TIME_SCALE * 0.9);
    // Timers never fire early, so lower bounds are safe; upper bounds would be flaky on a busy machine.
    expect(gap2).toBeGreaterThanOrEqual(60_000 * TIME_SCALE * 0.9);
    expect(emu.subscriptions().some((s) => s.id === sub.Id)).toBe(false);
    const droppedAt = l.received.length;
    await new Promise((r) => setTimeout(r, 900));
    expect(l.received.length).toBe(droppedAt);

    // Resubscribing from the last acknowledged watermark replays what was missed.
    l.mode = 'ok';
    const again = await subscribe(l.url, acknowledged);
    await waitFor(() =>
      l.received
        .slice(droppedAt)
        .some((r) => r.subscriptionId === again.Id && r.events.some((e) => e.type === 'CreatedEvent')),
    );
    const replay = l.received.slice(droppedAt).find((r) => r.events.some((e) => e.type === 'CreatedEvent'))!;
    expect(replay.previousWatermark).toBe(acknowledged);
    expect(replay.events.find((e) => e.type === 'CreatedEvent')?.itemId).toBe(missed.Id.UniqueId);
  });

  it('treats an unparsable answer as a failure and ends the subscription when the client answers Unsubscribe', async () => {
    const l = await newListener();
    l.mode = 'garbage';
    const sub = await subscribe(l.url);
    await waitFor(() => emu.subscriptions().find((s) => s.id === sub.Id)?.failures === 1);
    l.mode = 'unsubscribe';
    await waitFor(() => emu.push.dropped.some((d) => d.id === sub.Id && /Unsubscribe/.test(d.reason)), 10_000);
  });

  it('pauses and drops deliveries on request', async () => {
    const l = await newListener();
    await subscribe(l.url);
    await waitFor(() => l.received.length >= 1);
    emu.push.paused = true;
    await appointment('while paused');
    await new Promise((r) => setTimeout(r, 300));
    expect(l.events()).toHaveLength(0);
    emu.push.resume();
    await waitFor(() => l.events().length === 1);
    emu.push.dropNext = 1;
    await appointment('dropped once');
    // The lost delivery is retried 30 s (scaled) later like any other failure.
    await waitFor(() => l.events().length === 2, 10_000);
  });

  it('splits large backlogs with MoreEvents and reports moves to Deleted Items as MovedEvent', async () => {
    const l = await newListener();
    const sub = await svc.SubscribeToPushNotifications(
      [new ews.FolderId(ews.WellKnownFolderName.Calendar)],
      new ews.Uri(l.url),
      1,
      null as unknown as string,
      ews.EventType.Created,
      ews.EventType.Moved,
    );
    await waitFor(() => l.received.length >= 1);
    emu.push.paused = true;
    const created: ews.Appointment[] = [];
    for (let i = 0; i < 55; i++) created.push(await appointment(`bulk ${i}`));
    await created[0]!.Delete(ews.DeleteMode.MoveToDeletedItems, ews.SendCancellationsMode.SendToNone);
    emu.push.resume();
    await waitFor(() => l.events().length >= 56, 15_000);
    const batches = l.received.filter(
      (r) => r.subscriptionId === sub.Id && r.events.some((e) => e.type !== 'StatusEvent'),
    );
    expect(batches[0]!.events).toHaveLength(50);
    expect(batches[0]!.moreEvents).toBe(true);
    expect(batches[1]!.moreEvents).toBe(false);
    expect(batches[1]!.previousWatermark).toBe(batches[0]!.events.at(-1)!.watermark);
    const moved = l.events().at(-1)!;
    expect(moved.type).toBe('MovedEvent');
    expect(moved.itemId).not.toBe(created[0]!.Id.UniqueId);
    expect(moved.oldItemId).toBe(created[0]!.Id.UniqueId);
  });

  it('rejects unknown and expired watermarks with ErrorInvalidWatermark, and pull subscriptions politely', async () => {
    const l = await newListener();
    const unknown = await rejection(subscribe(l.url, Buffer.from('WM|nope|1').toString('base64')));
    expect(errorName(unknown)).toBe('ErrorInvalidWatermark');
    const short = await startEwsEmulator({ log: false, retentionMs: 200 });
    try {
      const s2 = makeService(short, { impersonate: 'alice@demo.example' });
      const first = await s2.SubscribeToPushNotifications(
        [new ews.FolderId(ews.WellKnownFolderName.Calendar)],
        new ews.Uri(l.url),
        1,
        null as unknown as string,
        ews.EventType.Created,
      );
      const a = new ews.Appointment(s2);
      a.Subject = 'old';
      a.Start = utc(2026, 10, 2, 9);
      a.End = utc(2026, 10, 2, 10);
      await a.Save(ews.WellKnownFolderName.Calendar, ews.SendInvitationsMode.SendToNone);
      await waitFor(() => l.events().length >= 1);
      const wm = l.events()[0]!.watermark;
      short.push.unsubscribe(first.Id);
      await new Promise((r) => setTimeout(r, 400));
      const expired = await rejection(
        s2.SubscribeToPushNotifications(
          [new ews.FolderId(ews.WellKnownFolderName.Calendar)],
          new ews.Uri(l.url),
          1,
          wm,
          ews.EventType.Created,
        ),
      );
      expect(errorName(expired)).toBe('ErrorInvalidWatermark');
    } finally {
      await short.close();
    }
    const pull = await rejection(
      svc.SubscribeToPullNotifications(
        [new ews.FolderId(ews.WellKnownFolderName.Calendar)],
        10,
        null as unknown as string,
        ews.EventType.Created,
      ),
    );
    expect(errorName(pull)).toBe('ErrorInvalidSubscriptionRequest');
  });
});
