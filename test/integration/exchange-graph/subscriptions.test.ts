import { graphClient } from '../../support/graph-outlook.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { isTandemError } from '../../../src/errors/tandem-error.js';
import { lifecycleRecovery, parseGraphNotifications } from '../../../src/connectors/exchange/graph/index.js';
import type { MailboxConnector } from '../../../src/connectors/exchange/mailbox-connector.js';
import { startGraphEmulator, type GraphEmulator } from '../../../src/emulators/graph/index.js';
import { connectorFor, newRedis, startReceiver, waitFor } from './harness.js';

const alice = { smtpAddress: 'alice@demo.example' };

describe('Graph connector against the emulator: subscriptions', () => {
  let emu: GraphEmulator;
  let redis: Redis;
  let connector: MailboxConnector;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    emu = await startGraphEmulator({ port: 0 });
    redis = newRedis();
    connector = connectorFor(emu, redis, { subscriptionMinutes: 60 });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await connector.close();
    await emu.close();
    await receiver.close();
    redis.disconnect();
  });

  const request = () => ({
    mailbox: alice,
    kinds: ['appointment' as const, 'contact' as const],
    callbackUrl: `${receiver.url}/graph/notifications/tok123`,
    lifecycleUrl: `${receiver.url}/graph/lifecycle/tok123`,
    clientState: 'secret-state-1',
  });

  it('subscribes per kind after the validation handshake and receives parsed change notifications', async () => {
    const sub = await connector.subscribe(request());
    const ids = sub.remoteId.split(',');
    expect(ids).toHaveLength(2);
    // Two subscriptions, each validating the notification URL and the lifecycle URL.
    expect(receiver.validations).toBe(4);
    expect(
      emu
        .subscriptions()
        .map((s) => s.id)
        .sort(),
    ).toEqual([...ids].sort());
    expect(Date.parse(sub.expiresAt!)).toBeGreaterThan(Date.now() + 50 * 60_000);

    const v = await connector.createItem(
      alice,
      'appointment',
      {
        subject: 'Notify me',
        body: { type: 'text', content: '' },
        start: '2026-05-01T10:00:00.000Z',
        end: '2026-05-01T11:00:00.000Z',
        timeZone: 'UTC',
        isAllDay: false,
        location: '',
        categories: [],
        sensitivity: 'normal',
        importance: 'normal',
        attendees: [],
      },
      { s4Key: 'N-1', hash: 'h' },
    );
    const hit = await waitFor(() => receiver.received.find((r) => r.path.endsWith('/notifications/tok123')));
    const parsed = parseGraphNotifications(hit.body);
    expect(parsed).toEqual([
      {
        subscriptionId: ids[0],
        clientState: 'secret-state-1',
        changeType: 'created',
        resource: expect.stringContaining(v.id) as unknown,
        resourceId: v.id,
      },
    ]);
    await connector.unsubscribe(alice, sub);
    expect(emu.subscriptions()).toEqual([]);
  });

  it('renews before expiry, recreates a subscription Graph removed, and maps each lifecycle event to a recovery', async () => {
    const sub = await connector.subscribe(request());
    const [eventsId, contactsId] = sub.remoteId.split(',');
    const longer = connectorFor(emu, redis, { subscriptionMinutes: 4_200 });
    const renewed = await longer.renewSubscription(request(), sub);
    expect(renewed.remoteId).toBe(sub.remoteId);
    expect(Date.parse(renewed.expiresAt!)).toBeGreaterThan(Date.parse(sub.expiresAt!) + 60 * 60_000);

    for (const event of ['reauthorizationRequired', 'missed', 'subscriptionRemoved'] as const) {
      emu.lifecycle(eventsId!, event);
      const hit = await waitFor(() =>
        receiver.received.find((r) => r.path.endsWith('/lifecycle/tok123') && JSON.stringify(r.body).includes(event)),
      );
      const [n] = parseGraphNotifications(hit.body);
      expect(n).toMatchObject({ subscriptionId: eventsId, lifecycleEvent: event, clientState: 'secret-state-1' });
      expect(lifecycleRecovery(n!.lifecycleEvent!)).toBe(
        { reauthorizationRequired: 'renew', missed: 'resync', subscriptionRemoved: 'recreate-and-resync' }[event],
      );
    }
    // subscriptionRemoved deleted it at Graph: renewal gets 404 and creates a new one for that kind only.
    const recreated = await longer.renewSubscription(request(), renewed);
    const [newEvents, sameContacts] = recreated.remoteId.split(',');
    expect(newEvents).not.toBe(eventsId);
    expect(sameContacts).toBe(contactsId);
    expect(
      emu
        .subscriptions()
        .map((s) => s.id)
        .sort(),
    ).toEqual([newEvents, contactsId].sort());
    await longer.unsubscribe(alice, recreated);
    await longer.close();
  });

  // "Create subscription" (learn.microsoft.com/graph/api/subscription-post-subscriptions), permissions table:
  // todoTask — Application: Not supported. Tandem polls To Do with delta instead.
  it('refuses app-only change notifications for To Do tasks with 403, as Graph does', async () => {
    // The Tandem list exists once a task was written.
    await connector.createItem(
      alice,
      'task',
      {
        subject: 'x',
        body: { type: 'text', content: '' },
        status: 'notStarted',
        percentComplete: 0,
        importance: 'normal',
        categories: [],
        sensitivity: 'normal',
      },
      { s4Key: 'SUB-T', hash: 'h' },
    );
    await expect(connector.subscribe({ ...request(), kinds: ['task'] })).rejects.toSatisfy((e: unknown) =>
      isTandemError(e, 'EXCHANGE_FORBIDDEN'),
    );
    const outlook = await graphClient(emu);
    const lists = await outlook('GET', '/users/alice@demo.example/todo/lists');
    const res = await outlook('POST', '/subscriptions', {
      changeType: 'created,updated,deleted',
      notificationUrl: `${receiver.url}/n`,
      resource: `/users/alice@demo.example/todo/lists/${(lists.json.value as Array<{ id: string }>)[0]!.id}/tasks`,
      expirationDateTime: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(res.status).toBe(403);
    expect(res.json.error).toMatchObject({
      code: 'ExtensionError',
      message: expect.stringContaining('Forbidden') as unknown,
    });
    expect(emu.subscriptions()).toEqual([]);
  });

  it('refuses lifetimes beyond 4,230 minutes and unreachable notification URLs', async () => {
    const tooLong = connectorFor(emu, redis, { subscriptionMinutes: 5_000 });
    await expect(tooLong.subscribe({ ...request(), kinds: ['appointment'] })).rejects.toSatisfy((e: unknown) =>
      isTandemError(e, 'EXCHANGE_BAD_REQUEST'),
    );
    await tooLong.close();
    await expect(
      connector.subscribe({ ...request(), kinds: ['appointment'], callbackUrl: 'http://127.0.0.1:9/nothing' }),
    ).rejects.toSatisfy((e: unknown) => isTandemError(e, 'EXCHANGE_BAD_REQUEST'));
    expect(emu.subscriptions()).toEqual([]);
  });

  it('retries failed deliveries with exponential backoff until the endpoint answers 2xx', async () => {
    const flaky = await startReceiver({ failFirst: 2 });
    const sub = await connector.subscribe({
      mailbox: alice,
      kinds: ['contact'],
      callbackUrl: `${flaky.url}/n`,
      clientState: 's',
    });
    const v = await connector.createItem(
      alice,
      'contact',
      { displayName: 'X', emailAddresses: [], businessPhones: [], categories: [] },
      { s4Key: 'X', hash: 'h' },
    );
    // Backoff 1 s, then 2 s (timeScale 1).
    const hit = await waitFor(() => flaky.received.find((r) => JSON.stringify(r.body).includes(v.id)), 30_000);
    expect(parseGraphNotifications(hit.body)[0]).toMatchObject({
      subscriptionId: sub.remoteId,
      changeType: 'created',
      resourceId: v.id,
      clientState: 's',
    });
    expect(emu.deliveries().find((d) => d.itemId === v.id)).toMatchObject({ attempts: 3, delivered: true });
    await connector.unsubscribe(alice, sub);
    await flaky.close();
  });

  it('removes subscriptions when they expire on the (time-scaled) clock; renewal then recreates them', async () => {
    const fast = await startGraphEmulator({ port: 0, timeScale: 1 / 3_600 });
    const c = connectorFor(fast, redis, { subscriptionMinutes: 45 });
    const sub = await c.subscribe({
      mailbox: alice,
      kinds: ['contact'],
      callbackUrl: `${receiver.url}/n`,
      clientState: 's',
    });
    // 45 emulated minutes at timeScale 1/3600 are 0.75 s.
    await waitFor(() => fast.subscriptions().length === 0, 20_000);
    const renewed = await c.renewSubscription(
      { mailbox: alice, kinds: ['contact'], callbackUrl: `${receiver.url}/n`, clientState: 's' },
      sub,
    );
    expect(renewed.remoteId).not.toBe(sub.remoteId);
    await c.close();
    await fast.close();
  });
});
