import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../../../src/store/transaction.js';
import {
  basicAuth,
  createTenant,
  deleteRedisPrefix,
  startTestService,
  waitFor,
  type TestService,
} from '../../support/service.js';
import { createEffectTables, spawnWorkerChild } from '../../support/worker-children.js';

let service: TestService;
let credential: { username: string; password: string };
const workers: ChildProcess[] = [];

beforeAll(async () => {
  service = await startTestService();
  credential = await createTenant(service.web.pool, 'acme');
  await createEffectTables(service.db.pool);
});
afterEach(() => {
  for (const worker of workers.splice(0)) worker.kill('SIGKILL');
});
afterAll(async () => service.stop());

/** Posts `count` events (each about its own appointment, plus repeats of one id) and returns the distinct ids. */
async function postEvents(count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, () => randomUUID());
  const batches = [];
  for (let i = 0; i < ids.length; i += 50) {
    const batch = ids.slice(i, i + 50).map((id) => ({
      specversion: '1.0',
      id,
      source: '/S4D/100',
      type: 'sap.s4.beh.appointment.v1.Appointment.Changed.v1',
      data: { ActivityUUID: randomUUID() },
    }));
    batches.push(batch);
  }
  for (const batch of batches) {
    const response = await fetch(`${service.web.url}/s4/events`, {
      method: 'POST',
      body: JSON.stringify(batch),
      headers: { authorization: basicAuth(credential), 'content-type': 'application/cloudevents-batch+json' },
    });
    expect(response.status).toBe(202);
    // Re-delivery of the same batch: accepted as duplicates, stored once.
    const again = await fetch(`${service.web.url}/s4/events`, {
      method: 'POST',
      body: JSON.stringify(batch),
      headers: { authorization: basicAuth(credential), 'content-type': 'application/cloudevents-batch+json' },
    });
    expect(await again.json()).toMatchObject({ accepted: 0, duplicates: batch.length });
  }
  return ids;
}

async function effects(ids: string[]): Promise<number> {
  const { rows } = await service.db.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM test_effects WHERE event_id = ANY($1)`,
    [ids],
  );
  return rows[0]!.n;
}

async function openInboxRows(ids: string[]): Promise<number> {
  return withTenant(
    'acme',
    async (tx) =>
      (
        await tx.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM inbox WHERE event_id = ANY($1) AND status <> 'done'`,
          [ids],
        )
      ).rows[0]!.n,
    service.web.pool,
  );
}

async function expectAllProcessed(ids: string[]): Promise<void> {
  await waitFor(
    async () => (await effects(ids)) === ids.length && (await openInboxRows(ids)) === 0,
    'every event processed',
    60_000,
  );
  expect(await effects(ids)).toBe(ids.length);
  expect(await openInboxRows(ids)).toBe(0);
}

describe('exactly once in effect, whatever fails', { timeout: 90_000 }, () => {
  it('processes every accepted event after a worker is killed with SIGKILL mid-job', async () => {
    const ids = await postEvents(300);
    const first = await spawnWorkerChild(service, workers, 50).ready;
    await waitFor(async () => (await effects(ids)) >= 40 || undefined, 'the first worker to make progress');
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    const done = await effects(ids);
    expect(done).toBeLessThan(ids.length);
    await spawnWorkerChild(service, workers).ready;
    await expectAllProcessed(ids);
  });

  it('recovers every event after the queue in Redis is wiped (FLUSHALL of our prefix) with events in flight', async () => {
    const ids = await postEvents(150);
    const deleted = await deleteRedisPrefix(service.redis, service.prefix);
    expect(deleted).toBeGreaterThan(0);
    await spawnWorkerChild(service, workers).ready;
    await expectAllProcessed(ids);
  });

  it('keeps going when every Postgres connection is cut (as in a database restart)', async () => {
    const ids = await postEvents(200);
    await spawnWorkerChild(service, workers, 30).ready;
    await waitFor(async () => (await effects(ids)) >= 20 || undefined, 'progress before the cut');
    await service.db.pool.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    );
    await expectAllProcessed(ids);
  });
});
