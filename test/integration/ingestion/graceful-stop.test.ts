import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InboxWriter } from '../../../src/inbox/inbox-writer.js';
import { createQueues, type Queues } from '../../../src/queue/queues.js';
import { withTenant } from '../../../src/store/transaction.js';
import { createTenant, startTestService, waitFor, type TestService } from '../../support/service.js';
import { createEffectTables, spawnWorkerChild } from '../../support/worker-children.js';

let service: TestService;
let queues: Queues;
const workers: ChildProcess[] = [];

beforeAll(async () => {
  service = await startTestService();
  await createTenant(service.web.pool, 'acme');
  await createEffectTables(service.db.pool);
  queues = createQueues(service.redis, service.prefix);
});
afterEach(() => {
  for (const worker of workers.splice(0)) worker.kill('SIGKILL');
});
afterAll(async () => {
  await queues.close();
  await service.stop();
});

async function row(eventId: string) {
  return withTenant(
    'acme',
    async (tx) =>
      (
        await tx.query<{ status: string; worker_deaths: number; attempts: number }>(
          `SELECT status, worker_deaths, attempts FROM inbox WHERE event_id = $1`,
          [eventId],
        )
      ).rows[0]!,
    service.web.pool,
  );
}

describe('a worker stopped by the platform (SIGTERM) during a long job', { timeout: 120_000 }, () => {
  it("exits within Cloud Foundry's 10 s and hands the job back, so another worker finishes it at once", async () => {
    const first = await spawnWorkerChild(service, workers, 60_000).ready;
    const eventId = randomUUID();
    await new InboxWriter(service.web.pool, queues.lanes).write([
      {
        tenantId: 'acme',
        source: 's4',
        eventId,
        type: 'sap.s4.beh.appointment.v1.Appointment.Changed.v1',
        subject: `s4:appointment:${randomUUID()}`,
        payload: {},
        correlationId: eventId,
      },
    ]);
    await waitFor(async () => (await row(eventId)).status === 'processing' || undefined, 'the long job to start');

    const exited = new Promise<{ code: number | null; at: number }>((resolve) =>
      first.once('exit', (code) => resolve({ code, at: Date.now() })),
    );
    const signalledAt = Date.now();
    first.kill('SIGTERM');
    const { code, at } = await exited;
    expect(code).toBe(0);
    expect(at - signalledAt).toBeLessThan(10_000);

    // Handed back, not abandoned: pending again, no worker death counted, the claim's attempt returned.
    expect(await row(eventId)).toMatchObject({ status: 'pending', worker_deaths: 0, attempts: 0 });

    const second = await spawnWorkerChild(service, workers, 20).ready;
    await waitFor(
      async () => (await row(eventId)).status === 'done' || undefined,
      'another worker to finish the job',
      30_000,
    );
    const { rows } = await service.db.pool.query<{ worker_pid: number }>(
      `SELECT worker_pid FROM test_effects WHERE event_id = $1`,
      [eventId],
    );
    expect(rows).toEqual([{ worker_pid: second.pid }]);
  });
});
