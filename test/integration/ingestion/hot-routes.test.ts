import { randomUUID } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import express, { Router } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/http/app.js';
import { hotPost } from '../../../src/http/hot-routes.js';
import { startWeb, type RunningWeb } from '../../../src/runtime/web.js';
import { withTenant } from '../../../src/store/transaction.js';
import { activateSubscription, createPendingSubscription } from '../../../src/subscriptions/subscription-repository.js';
import { basicAuth, createTenant, startTestService, type TestService } from '../../support/service.js';

/**
 * The ingestion POSTs' fast dispatch (src/http/hot-routes.ts) must answer exactly as Express does:
 * the same requests go to a web with it (the default) and to one without, over the same database,
 * and every answer must agree in status, headers (except Date) and body.
 */
let service: TestService;
let plain: RunningWeb;
let credential: { username: string; password: string };
let token: string;

beforeAll(async () => {
  service = await startTestService();
  plain = await startWeb(service.config, { port: 0, host: '127.0.0.1', hotPosts: false });
  credential = await createTenant(service.web.pool, 'hot');
  token = await withTenant(
    'hot',
    async (tx) => {
      const env = await tx.query<{ id: string }>(
        `INSERT INTO exchange_environments (tenant_id, name, kind) VALUES ('hot', 'EWS', 'ews-onprem') RETURNING id`,
      );
      const mailbox = await tx.query<{ id: string }>(
        `INSERT INTO mailboxes (tenant_id, environment_id, smtp_address) VALUES ('hot', $1, 'hot@hot.example') RETURNING id`,
        [env.rows[0]!.id],
      );
      const pending = await createPendingSubscription(tx, {
        tenantId: 'hot',
        mailboxId: mailbox.rows[0]!.id,
        folder: 'calendar',
        backend: 'ews',
      });
      await activateSubscription(tx, pending.id, { remoteId: 'SUB-HOT', watermark: 'WM-0' }, 5);
      return pending.token;
    },
    service.web.pool,
  );
});
afterAll(async () => {
  await plain?.stop();
  await service?.stop();
});

interface Sent {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  /** Built per target, so that event ids differ (each web stores its own events). */
  body?: () => string;
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

async function send(base: string, request: Sent, requestId: string): Promise<Answer> {
  const response = await fetch(`${base}${request.path}`, {
    method: request.method ?? 'POST',
    headers: { 'x-request-id': requestId, ...request.headers },
    ...(request.body ? { body: request.body() } : {}),
  });
  const headers = Object.fromEntries([...response.headers].filter(([name]) => name !== 'date'));
  return { status: response.status, headers, body: await response.text() };
}

/** Sends each request to both webs (fast first, then plain) and returns the pairs. */
async function bothWays(requests: Sent[]): Promise<Array<{ hot: Answer; plain: Answer }>> {
  const answers = [];
  for (const [index, request] of requests.entries()) {
    const requestId = `hot-routes-${index}-${randomUUID()}`;
    answers.push({
      hot: await send(service.web.url, request, requestId),
      plain: await send(plain.url, request, requestId),
    });
  }
  return answers;
}

const cloudEvent = (overrides: Record<string, unknown> = {}) => ({
  specversion: '1.0',
  id: randomUUID(),
  source: '/default/sap.s4.beh/S4D/100',
  type: 'sap.s4.beh.appointment.v1.Appointment.Changed.v1',
  time: new Date().toISOString(),
  datacontenttype: 'application/json',
  data: { ActivityUUID: randomUUID(), ProcessType: 'ZVIS' },
  ...overrides,
});
const json = (value: () => unknown) => () => JSON.stringify(value());

function s4(headers: Record<string, string>, body: () => string, path = '/s4/events'): Sent {
  return { path, headers, body };
}

function ewsNotification(subscription: string, previous: string, next: string): () => string {
  return () => `<?xml version="1.0" encoding="utf-8"?>
<soap11:Envelope xmlns:soap11="http://schemas.xmlsoap.org/soap/envelope/" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages"
  xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">
  <soap11:Body><m:SendNotification><m:ResponseMessages><m:SendNotificationResponseMessage ResponseClass="Success">
    <m:ResponseCode>NoError</m:ResponseCode>
    <m:Notification><t:SubscriptionId>${subscription}</t:SubscriptionId><t:PreviousWatermark>${previous}</t:PreviousWatermark><t:MoreEvents>false</t:MoreEvents>
  <t:CreatedEvent><t:Watermark>${next}</t:Watermark><t:TimeStamp>2026-11-22T06:00:00Z</t:TimeStamp><t:ItemId Id="I-${next}" ChangeKey="CK"/><t:ParentFolderId Id="CAL"/></t:CreatedEvent>
    </m:Notification></m:SendNotificationResponseMessage></m:ResponseMessages></m:SendNotification></soap11:Body></soap11:Envelope>`;
}

describe('the ingestion POSTs with and without the fast dispatch', () => {
  it('answer POST /s4/events identically: accepted, invalid, unauthenticated, wrong type, oversize', async () => {
    const single = { authorization: basicAuth(credential), 'content-type': 'application/cloudevents+json' };
    const batch = { authorization: basicAuth(credential), 'content-type': 'application/cloudevents-batch+json' };
    const heartbeat = () =>
      cloudEvent({ type: 'sap.s4.tandem.heartbeat.v1', data: { PendingEvents: 1, FailedEvents: 0 } });
    const answers = await bothWays([
      s4(single, json(cloudEvent)),
      s4(
        batch,
        json(() => [cloudEvent(), cloudEvent(), heartbeat()]),
      ),
      s4(
        single,
        json(() => cloudEvent({ id: undefined })),
      ),
      s4(
        single,
        json(() => cloudEvent({ type: 'sap.s4.beh.unknown.v1' })),
      ),
      s4(
        batch,
        json(() => [cloudEvent(), cloudEvent({ data: {} })]),
      ),
      s4(single, () => '{"specversion": '),
      s4({ 'content-type': 'application/cloudevents+json' }, json(cloudEvent)),
      s4({ ...single, authorization: 'Bearer abc.def.ghi' }, json(cloudEvent)),
      s4({ ...single, authorization: basicAuth({ ...credential, password: 'wrong' }) }, json(cloudEvent)),
      s4({ ...single, authorization: basicAuth({ username: 'NOBODY', password: 'x' }) }, json(cloudEvent)),
      s4({ ...single, 'content-type': 'application/json' }, json(cloudEvent)),
      s4({ ...single, 'content-type': 'application/cloudevents+json; charset=utf-8' }, json(cloudEvent)),
      s4(
        single,
        json(() => cloudEvent({ data: { ActivityUUID: randomUUID(), padding: 'x'.repeat(1_100_000) } })),
      ),
      // Other spellings of the path go through Express on both.
      s4(single, json(cloudEvent), '/s4/events?source=x'),
      s4(single, json(cloudEvent), '/s4/events/'),
      s4(single, json(cloudEvent), '/S4/Events'),
      { method: 'GET', path: '/s4/events' },
    ]);
    for (const { hot, plain } of answers) expect(hot).toEqual(plain);
    expect(answers.map(({ hot }) => hot.status)).toEqual([
      202, 202, 400, 400, 400, 400, 401, 401, 401, 401, 415, 202, 413, 202, 202, 202, 404,
    ]);
    expect(answers[2]!.hot.headers['content-security-policy']).toContain("default-src 'none'");
    expect(JSON.parse(answers[2]!.hot.body)).toMatchObject({ code: 'VALIDATION_FAILED', instance: '/s4/events' });
  });

  it('answer POST /ews/notifications/{token} identically: change, unknown token, foreign subscription, bad XML, oversize', async () => {
    const xml = { 'content-type': 'text/xml; charset=utf-8' };
    const answers = await bothWays([
      { path: `/ews/notifications/${token}`, headers: xml, body: ewsNotification('SUB-HOT', 'WM-0', 'WM-1') },
      { path: `/ews/notifications/${token}`, headers: xml, body: ewsNotification('SUB-HOT', 'WM-1', 'WM-2') },
      { path: `/ews/notifications/${token}`, headers: xml, body: ewsNotification('SUB-OTHER', 'WM-2', 'WM-3') },
      { path: '/ews/notifications/not-a-known-token', headers: xml, body: ewsNotification('SUB-HOT', 'A', 'B') },
      { path: `/ews/notifications/${token}`, headers: xml, body: () => '<not-soap' },
      { path: `/ews/notifications/${token}`, headers: xml, body: () => '' },
      { path: `/ews/notifications/${token}`, headers: xml, body: () => `<a>${'x'.repeat(1_100_000)}</a>` },
      // Through Express on both: an escaped token, a trailing slash, a query, another method.
      {
        path: `/ews/notifications/${encodeURIComponent('%')}${token}`,
        headers: xml,
        body: ewsNotification('SUB-HOT', 'A', 'B'),
      },
      { path: `/ews/notifications/${token}/`, headers: xml, body: ewsNotification('SUB-HOT', 'WM-2', 'WM-3') },
      { path: `/ews/notifications/${token}?x=1`, headers: xml, body: ewsNotification('SUB-HOT', 'WM-3', 'WM-4') },
      { method: 'GET', path: `/ews/notifications/${token}` },
    ]);
    for (const { hot, plain } of answers) expect(hot).toEqual(plain);
    expect(answers.map(({ hot }) => hot.status)).toEqual([200, 200, 200, 200, 400, 400, 413, 200, 200, 200, 404]);
    expect(answers[0]!.hot.body).toContain('<SubscriptionStatus>OK</SubscriptionStatus>');
    expect(answers[3]!.hot.body).toContain('<SubscriptionStatus>Unsubscribe</SubscriptionStatus>');
  });
});

describe('the fast dispatch', () => {
  /** An app with one hot post and one ordinary route, counting what reaches Express's router. */
  async function withApp(test: (base: string, viaExpress: () => number) => Promise<void>): Promise<void> {
    const router = Router();
    hotPost(router, '/things/:id', express.text({ type: () => true }), (req, res) => {
      res.json({ id: req.params.id, route: (req.route as { path: string }).path });
    });
    hotPost(router, '/fail', async () => {
      throw new Error('boom');
    });
    hotPost(router, '/late-fail', (_req, res, next) => {
      res.write('partial');
      next(new Error('after the answer began'));
    });
    const app = createApp({ pool: {} as never, redis: {} as never, routers: [router] });
    app.set('env', 'test');
    let routed = 0;
    const expressRouter = (app as unknown as { router: { handle: (...args: unknown[]) => void } }).router;
    const handle = expressRouter.handle.bind(expressRouter);
    expressRouter.handle = (...args: unknown[]) => {
      routed++;
      handle(...args);
    };
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      await test(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, () => routed);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  }

  it('takes only the canonical spelling of a hot path past the router, and answers the same', async () => {
    await withApp(async (base, viaExpress) => {
      const hot = await fetch(`${base}/things/A-1_b`, { method: 'POST', body: 'x' });
      expect(await hot.json()).toEqual({ id: 'A-1_b', route: '/things/:id' });
      expect(hot.headers.get('x-request-id')).toBeTruthy();
      expect(hot.headers.get('x-frame-options')).toBe('DENY');
      expect(viaExpress()).toBe(0);
      const escaped = await fetch(`${base}/things/A%2D1`, { method: 'POST', body: 'x' });
      expect(await escaped.json()).toEqual({ id: 'A-1', route: '/things/:id' });
      expect(viaExpress()).toBe(1);
    });
  });

  it('hands a failure to the app’s problem handler, and cuts the connection when the answer had begun', async () => {
    await withApp(async (base, viaExpress) => {
      const failed = await fetch(`${base}/fail`, { method: 'POST', headers: { 'x-request-id': 'fixed-request-1' } });
      expect(failed.status).toBe(500);
      expect(await failed.json()).toMatchObject({ code: 'INTERNAL', instance: '/fail', requestId: 'fixed-request-1' });
      await expect(fetch(`${base}/late-fail`, { method: 'POST' }).then((r) => r.text())).rejects.toThrow();
      expect(viaExpress()).toBe(0);
    });
  });

  it('leaves every request to Express while someone traces Express’s router', async () => {
    const onStart = () => undefined;
    subscribe('tracing:express.router.request:start', onStart);
    try {
      await withApp(async (base, viaExpress) => {
        const response = await fetch(`${base}/things/A`, { method: 'POST', body: 'x' });
        expect(response.status).toBe(200);
        expect(viaExpress()).toBe(1);
      });
    } finally {
      unsubscribe('tracing:express.router.request:start', onStart);
    }
  });
});
