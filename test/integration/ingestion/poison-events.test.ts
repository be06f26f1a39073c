import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InboxWriter } from '../../../src/inbox/inbox-writer.js';
import { listDeadLetters } from '../../../src/inbox/inbox-repository.js';
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

const event = (type: string) => {
  const eventId = randomUUID();
  return {
    tenantId: 'acme',
    source: 's4' as const,
    eventId,
    type,
    subject: `s4:appointment:${randomUUID()}`,
    payload: {},
    correlationId: eventId,
  };
};

async function row(eventId: string) {
  return withTenant(
    'acme',
    async (tx) =>
      (
        await tx.query<{
          status: string;
          worker_deaths: number;
          last_error: { code?: string; message?: string } | null;
        }>(`SELECT status, worker_deaths, last_error FROM inbox WHERE event_id = $1`, [eventId])
      ).rows[0]!,
    service.web.pool,
  );
}

describe('an event whose processing kills the worker', { timeout: 180_000 }, () => {
  it('becomes a dead letter with the cause after three worker deaths, and other events still get processed', async () => {
    const writer = new InboxWriter(service.web.pool, queues.lanes);
    const poison = event('test.poison');
    await writer.write([poison]);

    let deaths = 0;
    while ((await row(poison.eventId)).status !== 'dead') {
      expect(deaths).toBeLessThan(6);
      const { exited } = spawnWorkerChild(service, workers);
      // Either the worker is killed by the event, or it finds the row dead and stays up.
      const outcome = await Promise.race([
        exited.then(() => 'died' as const),
        waitFor(async () => (await row(poison.eventId)).status === 'dead' || undefined, 'the dead letter', 60_000).then(
          () => 'dead' as const,
        ),
      ]);
      if (outcome === 'died') deaths++;
    }
    expect(deaths).toBe(3);
    const dead = await row(poison.eventId);
    expect(dead.worker_deaths).toBe(3);
    expect(dead.last_error).toMatchObject({ code: 'WORKER_DIED', message: 'worker died 3 times while processing' });

    // What the cockpit's dead-letter list shows, and the journal entry support finds by correlation id.
    const page = await withTenant('acme', (tx) => listDeadLetters(tx, { limit: 10, offset: 0 }), service.web.pool);
    expect(page.items.find((item) => item.eventId === poison.eventId)?.lastError).toMatchObject({
      code: 'WORKER_DIED',
    });
    const journal = await withTenant(
      'acme',
      async (tx) =>
        (
          await tx.query<{ outcome: string; reason: string }>(
            `SELECT outcome, reason FROM journal WHERE correlation_id = $1`,
            [poison.correlationId],
          )
        ).rows,
      service.web.pool,
    );
    expect(journal).toEqual([expect.objectContaining({ outcome: 'failed', reason: 'WORKER_DIED' })]);

    // The worker stays up now and processes what comes next.
    const { child } = workers.length ? { child: workers.at(-1)! } : spawnWorkerChild(service, workers);
    const normal = event('sap.s4.beh.appointment.v1.Appointment.Changed.v1');
    await writer.write([normal]);
    await waitFor(
      async () => (await row(normal.eventId)).status === 'done' || undefined,
      'a normal event to be processed',
      60_000,
    );
    expect(child.exitCode).toBeNull();
  });
});
