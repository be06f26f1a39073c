import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ewsNotificationResponse,
  parseEwsNotification,
} from '../../../src/connectors/exchange/ews/notification-parser.js';
import type { FolderChangeNotification } from '../../../src/connectors/exchange/types.js';
import { ALICE, stamp, startHarness, type Harness } from './support.js';

/**
 * Push notifications end to end: the emulator POSTs SendNotification to a callback the way
 * Exchange does; the callback parses it with parseEwsNotification and answers with
 * ewsNotificationResponse — the pieces the web endpoint is built from.
 */
let h: Harness;
let callback: Server;
let callbackUrl: string;
const received: FolderChangeNotification[] = [];
let answer: 'OK' | 'Unsubscribe' = 'OK';

beforeAll(async () => {
  h = await startHarness('ews-push');
  callback = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push(parseEwsNotification(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(200, { 'Content-Type': 'text/xml; charset=utf-8' });
      res.end(ewsNotificationResponse(answer));
    });
  });
  await new Promise<void>((resolve) => callback.listen(0, '127.0.0.1', () => resolve()));
  callbackUrl = `http://127.0.0.1:${(callback.address() as AddressInfo).port}/ews/notifications/token-123`;
});
afterAll(async () => {
  await h.close();
  callback.closeAllConnections();
  await new Promise<void>((resolve) => callback.close(() => resolve()));
});

async function until<T>(probe: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('push delivery', () => {
  it('delivers created items to the callback and ends the subscription on an Unsubscribe answer', async () => {
    const connector = h.connector();
    const subscription = await connector.subscribe({ mailbox: ALICE, kinds: ['task'], callbackUrl });
    const task = {
      subject: 'pushed',
      body: { type: 'text' as const, content: '' },
      status: 'notStarted' as const,
      percentComplete: 0,
      importance: 'normal' as const,
      categories: [],
      sensitivity: 'normal' as const,
    };
    const created = await connector.createItem(ALICE, 'task', task, stamp('P-1'));

    const notification = await until(() => received.find((n) => n.itemIds.includes(created.id)));
    expect(notification).toMatchObject({ remoteSubscriptionId: subscription.remoteId, heartbeat: false });
    expect(notification.lastWatermark).toBeTruthy();

    answer = 'Unsubscribe';
    await connector.createItem(ALICE, 'task', { ...task, subject: 'second' }, stamp('P-2'));
    await until(() => (h.emulator.subscriptions().length === 0 ? true : undefined));
  });
});
