import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWeb, type RunningWeb } from '../../../src/runtime/web.js';
import { freePort } from '../../../src/runtime/free-port.js';
import { signDevToken } from '../../../src/security/dev-token.js';
import { withTenant } from '../../../src/store/transaction.js';
import { InboxHandlerRegistry, startWorker, type RunningWorker } from '../../../src/worker/run-worker.js';
import { createTestDatabase, uniqueRedisPrefix, type TestDatabase } from '../../support/database.js';
import { basicAuth, createTenant, deleteRedisPrefix, testConfig, waitFor } from '../../support/service.js';
import { TcpProxy } from '../../support/tcp-proxy.js';

// Web reaches Redis through a proxy the test switches off: the shared Redis itself stays up.
let db: TestDatabase;
let web: RunningWeb;
let proxy: TcpProxy;
let redis: Redis;
let worker: RunningWorker | undefined;
let credential: { username: string; password: string };
let adminToken: string;
const prefix = uniqueRedisPrefix('outage');
const handled = new Set<string>();

beforeAll(async () => {
  db = await createTestDatabase();
  proxy = new TcpProxy(await freePort(), { host: '127.0.0.1', port: 6379 });
  await proxy.start();
  const config = testConfig(db, prefix, { REDIS_URL: `redis://127.0.0.1:${proxy.port}` });
  web = await startWeb(config, { port: 0, host: '127.0.0.1' });
  credential = await createTenant(db.pool, 'acme');
  adminToken = await signDevToken(config.devTokenSecret, { tenantId: 'acme', scopes: ['Admin'] });
  redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
});
afterAll(async () => {
  await worker?.stop();
  await web.stop();
  await proxy.stop();
  await deleteRedisPrefix(redis, prefix);
  await redis.quit();
  await db.drop();
});

function offlineQueueLength(connection: Redis): number {
  return (connection as unknown as { offlineQueue: { length: number } }).offlineQueue.length;
}

async function postBatch(ids: string[]): Promise<number> {
  const body = ids.map((id) => ({
    specversion: '1.0',
    id,
    source: '/S4D/100',
    type: 'sap.s4.beh.appointment.v1.Appointment.Changed.v1',
    data: { ActivityUUID: randomUUID() },
  }));
  const response = await fetch(`${web.url}/s4/events`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { authorization: basicAuth(credential), 'content-type': 'application/cloudevents-batch+json' },
  });
  return response.status;
}

describe('a Redis outage under load', { timeout: 150_000 }, () => {
  it('keeps accepting S/4 events with nothing queued in memory, answers admin calls needing Redis with 503, and delivers everything once Redis is back', async () => {
    await waitFor(async () => web.redis.status === 'ready' || undefined, 'web connected to Redis');
    await proxy.stop();
    await waitFor(async () => web.redis.status !== 'ready' || undefined, 'web to notice the outage');

    const ids = Array.from({ length: 1_000 }, () => randomUUID());
    let maxPending = 0;
    for (let i = 0; i < ids.length; i += 50) {
      expect(await postBatch(ids.slice(i, i + 50))).toBe(202);
      maxPending = Math.max(maxPending, offlineQueueLength(web.redis));
    }
    // Nothing waits in ioredis's offline queue: the events are in Postgres only.
    expect(maxPending).toBe(0);
    expect(offlineQueueLength(web.redis)).toBe(0);
    const stored = await withTenant(
      'acme',
      async (tx) =>
        (await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM inbox WHERE event_id = ANY($1)`, [ids])).rows[0]!
          .n,
      db.pool,
    );
    expect(stored).toBe(ids.length);

    // An admin call that needs Redis fails within the command timeout with a typed 503, and changes nothing.
    const dead = await withTenant(
      'acme',
      async (tx) =>
        (
          await tx.query<{ id: number }>(
            `INSERT INTO inbox (tenant_id, source, event_id, type, subject, payload, correlation_id, status)
       VALUES ('acme', 's4', $1, 'test.dead', 's4:appointment:x', '{}', $1, 'dead') RETURNING id`,
            [randomUUID()],
          )
        ).rows[0]!.id,
      db.pool,
    );
    const started = Date.now();
    const retry = await fetch(`${web.url}/api/v1/dead-letters/${dead}/retry`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(retry.status).toBe(503);
    expect((await retry.json()) as { code: string }).toMatchObject({ code: 'QUEUE_UNAVAILABLE' });
    const status = await withTenant(
      'acme',
      async (tx) =>
        (await tx.query<{ status: string }>(`SELECT status FROM inbox WHERE id = $1`, [dead])).rows[0]!.status,
      db.pool,
    );
    expect(status).toBe('dead');

    // Redis is back: web enqueues again, and the sweeper delivers what arrived during the outage.
    await proxy.start();
    await waitFor(async () => web.redis.status === 'ready' || undefined, 'web to reconnect', 30_000);
    const after = Array.from({ length: 50 }, () => randomUUID());
    expect(await postBatch(after)).toBe(202);
    const handlers = new InboxHandlerRegistry().register('sap.s4.beh.', async (work) => {
      for (const row of work.rows) handled.add(row.eventId);
    });
    worker = startWorker({
      pool: db.pool,
      redis,
      queuePrefix: prefix,
      handlers,
      concurrency: 8,
      sweepIntervalMs: 300,
      sweep: { graceMs: 500, processingLeaseMs: 60_000, batchSize: 1_000 },
    });
    const all = [...ids, ...after];
    await waitFor(async () => all.every((id) => handled.has(id)) || undefined, 'every event delivered', 90_000);
  });
});
