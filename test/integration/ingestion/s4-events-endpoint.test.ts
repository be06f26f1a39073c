import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../../../src/store/transaction.js';
import { signDevToken } from '../../../src/security/dev-token.js';
import { basicAuth, createTenant, startTestService, type TestService } from '../../support/service.js';

let service: TestService;
let credentialA: { username: string; password: string };
let credentialB: { username: string; password: string };

beforeAll(async () => {
  service = await startTestService();
  credentialA = await createTenant(service.web.pool, 'tenant-a');
  credentialB = await createTenant(service.web.pool, 'tenant-b');
});
afterAll(async () => service.stop());

function appointmentEvent(overrides: Record<string, unknown> = {}) {
  return {
    specversion: '1.0',
    id: randomUUID(),
    source: '/default/sap.s4.beh/S4D/100',
    type: 'sap.s4.beh.appointment.v1.Appointment.Changed.v1',
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    data: { ActivityUUID: randomUUID(), ProcessType: 'ZVIS' },
    ...overrides,
  };
}

async function post(body: unknown, headers: Record<string, string>) {
  const response = await fetch(`${service.web.url}/s4/events`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}

const inboxCount = (tenantId: string) =>
  withTenant(
    tenantId,
    async (tx) => (await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM inbox')).rows[0]!.n,
    service.web.pool,
  );

describe('POST /s4/events', () => {
  it('stores a CloudEvent durably before answering 202, under the credential’s tenant', async () => {
    const event = appointmentEvent();
    const response = await post(event, {
      authorization: basicAuth(credentialA),
      'content-type': 'application/cloudevents+json',
    });
    expect(response.status).toBe(202);
    expect(response.body).toEqual({ accepted: 1, duplicates: 0 });
    const rows = await withTenant(
      'tenant-a',
      (tx) => tx.query('SELECT subject, type, status, correlation_id FROM inbox WHERE event_id = $1', [event.id]),
      service.web.pool,
    );
    expect(rows.rows).toEqual([
      {
        subject: `s4:appointment:${(event.data as { ActivityUUID: string }).ActivityUUID}`,
        type: event.type,
        status: 'pending',
        correlation_id: event.id,
      },
    ]);
    expect(response.headers.get('x-request-id')).toBeTruthy();
  });

  it('treats a re-delivered event id as a harmless duplicate', async () => {
    const event = appointmentEvent();
    const headers = { authorization: basicAuth(credentialA), 'content-type': 'application/cloudevents+json' };
    await post(event, headers);
    const again = await post(event, headers);
    expect(again.status).toBe(202);
    expect(again.body).toEqual({ accepted: 0, duplicates: 1 });
    const n = await withTenant(
      'tenant-a',
      async (tx) => (await tx.query('SELECT 1 FROM inbox WHERE event_id = $1', [event.id])).rowCount,
      service.web.pool,
    );
    expect(n).toBe(1);
  });

  it('accepts a batch, and rejects a whole batch with one bad event, naming it', async () => {
    const headers = { authorization: basicAuth(credentialA), 'content-type': 'application/cloudevents-batch+json' };
    const ok = await post(
      [
        appointmentEvent(),
        appointmentEvent({
          type: 'sap.s4.beh.businesspartner.v1.BusinessPartner.Created.v1',
          data: { BusinessPartner: '1000042' },
        }),
      ],
      headers,
    );
    expect(ok.body).toEqual({ accepted: 2, duplicates: 0 });

    const before = await inboxCount('tenant-a');
    const bad = await post([appointmentEvent(), appointmentEvent({ data: { ActivityUUID: 'not-a-guid' } })], headers);
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    expect(bad.body.errors).toEqual([{ path: '1.data.ActivityUUID', message: 'must be a GUID' }]);
    expect(await inboxCount('tenant-a')).toBe(before);
  });

  it('records the event sender heartbeat per tenant instead of queueing it; a late older one does not replace it', async () => {
    const headers = { authorization: basicAuth(credentialB), 'content-type': 'application/cloudevents-batch+json' };
    const heartbeat = (time: string, pending: number) =>
      appointmentEvent({ type: 'sap.s4.tandem.heartbeat.v1', time, data: { PendingEvents: pending, FailedEvents: 0 } });
    const before = await inboxCount('tenant-b');
    const response = await post([heartbeat('2026-11-22T09:15:00Z', 3), appointmentEvent()], headers);
    expect(response.status).toBe(202);
    expect(response.body).toEqual({ accepted: 2, duplicates: 0 });
    expect(await inboxCount('tenant-b')).toBe(before + 1);
    await post([heartbeat('2026-11-22T09:10:00Z', 9)], headers);
    const read = (tenant: string) =>
      withTenant(
        tenant,
        async (tx) => (await tx.query('SELECT sent_at, pending_events FROM s4_heartbeats')).rows,
        service.web.pool,
      );
    expect(await read('tenant-b')).toEqual([{ sent_at: new Date('2026-11-22T09:15:00Z'), pending_events: 3 }]);
    expect(await read('tenant-a')).toEqual([]);
    const bad = await post([heartbeat('2026-11-22T09:20:00Z', -1)], headers);
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ path: '0.data.PendingEvents', message: expect.any(String) }]);
  });

  it('explains malformed input with RFC 9457 problem JSON', async () => {
    const headers = { authorization: basicAuth(credentialA), 'content-type': 'application/cloudevents+json' };
    const notJson = await post('{"specversion": ', headers);
    expect(notJson.status).toBe(400);
    expect(notJson.body).toMatchObject({
      status: 400,
      code: 'BAD_REQUEST',
      type: expect.stringContaining('/problems/bad-request'),
    });
    const missingId = await post({ ...appointmentEvent(), id: undefined }, headers);
    expect(missingId.status).toBe(400);
    expect(missingId.body.errors[0].path).toBe('id');
    const unknownType = await post(
      appointmentEvent({ type: 'sap.s4.beh.salesorder.v1.SalesOrder.Created.v1' }),
      headers,
    );
    expect(unknownType.body.errors[0]).toEqual({
      path: 'type',
      message: expect.stringContaining('unsupported event type'),
    });
  });

  it('answers 401 without or with wrong credentials, and 415 / 413 for bad bodies, storing nothing', async () => {
    const before = await inboxCount('tenant-a');
    expect((await post(appointmentEvent(), { 'content-type': 'application/cloudevents+json' })).status).toBe(401);
    expect(
      (
        await post(appointmentEvent(), {
          authorization: basicAuth({ ...credentialA, password: 'wrong' }),
          'content-type': 'application/cloudevents+json',
        })
      ).status,
    ).toBe(401);
    expect(
      (await post(appointmentEvent(), { authorization: basicAuth(credentialA), 'content-type': 'application/json' }))
        .status,
    ).toBe(415);
    const huge = appointmentEvent({ data: { ActivityUUID: randomUUID(), padding: 'x'.repeat(1_100_000) } });
    expect(
      (await post(huge, { authorization: basicAuth(credentialA), 'content-type': 'application/cloudevents+json' }))
        .status,
    ).toBe(413);
    expect(await inboxCount('tenant-a')).toBe(before);
  });

  it("files events under the credential's tenant only: tenant B's credential never writes into A", async () => {
    const beforeA = await inboxCount('tenant-a');
    const event = appointmentEvent({ tenantid: 'tenant-a' }); // a forged extension attribute changes nothing
    expect(
      (await post(event, { authorization: basicAuth(credentialB), 'content-type': 'application/cloudevents+json' }))
        .status,
    ).toBe(202);
    expect(await inboxCount('tenant-a')).toBe(beforeA);
    const inB = await withTenant(
      'tenant-b',
      async (tx) => (await tx.query('SELECT 1 FROM inbox WHERE event_id = $1', [event.id])).rowCount,
      service.web.pool,
    );
    expect(inB).toBe(1);
  });

  it('refuses every bearer token, whatever its scopes: events come with a per-tenant callback credential only', async () => {
    // A token of tenant A (even one naming the retired S4Events scope) cannot post A's or B's events.
    const tokenOfA = await signDevToken(service.config.devTokenSecret, {
      tenantId: 'tenant-a',
      scopes: ['Admin', 'Support', 'Callback'],
    });
    const before = { a: await inboxCount('tenant-a'), b: await inboxCount('tenant-b') };
    for (const event of [appointmentEvent(), appointmentEvent({ tenantid: 'tenant-b' })]) {
      const response = await post(event, {
        authorization: `Bearer ${tokenOfA}`,
        'content-type': 'application/cloudevents+json',
      });
      expect(response.status).toBe(401);
    }
    expect(
      (
        await post(appointmentEvent(), {
          authorization: 'Bearer forged.token.value',
          'content-type': 'application/cloudevents+json',
        })
      ).status,
    ).toBe(401);
    expect({ a: await inboxCount('tenant-a'), b: await inboxCount('tenant-b') }).toEqual(before);
  });
});

describe('health endpoints', () => {
  it('/health answers without I/O, /ready checks Postgres, Redis and migrations, /metrics speaks Prometheus', async () => {
    expect(await (await fetch(`${service.web.url}/health`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${service.web.url}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ready',
      checks: { postgres: { ok: true }, redis: { ok: true }, migrations: { ok: true } },
    });
    const metrics = await (await fetch(`${service.web.url}/metrics`)).text();
    expect(metrics).toContain('tandem_inbox_accepted_total');
    expect(metrics).toContain('tandem_http_request_duration_seconds_bucket');
  });

  it('/ready reports 503 naming the dependency that is down', async () => {
    const { createApp } = await import('../../../src/http/app.js');
    const { createPool } = await import('../../../src/store/pool.js');
    const deadPool = createPool('postgres://127.0.0.1:1/none', { connectionTimeoutMillis: 500 });
    const app = createApp({ pool: deadPool, redis: service.redis });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const port = (server.address() as { port: number }).port;
    const response = await fetch(`http://127.0.0.1:${port}/ready`);
    const body = (await response.json()) as { checks: Record<string, { ok: boolean }> };
    server.close();
    await deadPool.end();
    expect(response.status).toBe(503);
    expect(body.checks.postgres!.ok).toBe(false);
    expect(body.checks.redis).toEqual({ ok: true });
  });

  it('answers unknown routes with a 404 problem', async () => {
    const response = await fetch(`${service.web.url}/nope`);
    expect(response.status).toBe(404);
    expect(((await response.json()) as { code: string }).code).toBe('NOT_FOUND');
  });
});
