import { randomUUID } from 'node:crypto';
import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TandemError } from '../../../src/errors/tandem-error.js';
import { InboxWriter } from '../../../src/inbox/inbox-writer.js';
import { RedisSemaphore, type Lease } from '../../../src/limits/redis-semaphore.js';
import { createQueues, type Queues } from '../../../src/queue/queues.js';
import { inboxJobId, type InboxJobData } from '../../../src/queue/inbox-job.js';
import { withTenant } from '../../../src/store/transaction.js';
import { InboxHandlerRegistry } from '../../../src/worker/run-worker.js';
import { createInboxProcessor } from '../../../src/worker/inbox-processor.js';
import { createTenant, startTestService, type TestService } from '../../support/service.js';

// A finished job hands its subject lease to onFinished, which the worker uses to free the lease
// and the job's tenant slot in one Redis round trip (run-worker.ts). A failed, continued or
// stepped-aside job must not: its slot is freed elsewhere (BullMQ's 'failed' event) or kept.
let service: TestService;
let queues: Queues;
let writer: InboxWriter;
let locks: RedisSemaphore;

beforeAll(async () => {
  service = await startTestService();
  await createTenant(service.web.pool, 'acme');
  // No worker consumes this prefix: the test runs the processor on jobs it builds itself.
  queues = createQueues(service.redis, service.prefix);
  writer = new InboxWriter(service.web.pool, queues.lanes);
  locks = new RedisSemaphore(service.redis, `${service.prefix}:locks`);
});
afterAll(async () => {
  await queues.close();
  await service.stop();
});

async function jobFor(type: string): Promise<{ job: Job<InboxJobData>; subject: string; delayed: number[] }> {
  const eventId = randomUUID();
  const subject = `s4:appointment:${randomUUID()}`;
  await writer.write([{ tenantId: 'acme', source: 's4', eventId, type, subject, payload: {}, correlationId: eventId }]);
  const inboxId = await withTenant(
    'acme',
    async (tx) => (await tx.query<{ id: number }>(`SELECT id FROM inbox WHERE event_id = $1`, [eventId])).rows[0]!.id,
    service.web.pool,
  );
  const delayed: number[] = [];
  const job = {
    id: inboxJobId(inboxId),
    name: type,
    data: { version: 1, tenantId: 'acme', inboxId, subject, correlationId: eventId },
    opts: { attempts: 8 },
    attemptsMade: 0,
    moveToDelayed: async (at: number) => {
      delayed.push(at);
    },
  } as unknown as Job<InboxJobData>;
  return { job, subject, delayed };
}

function processorWith(handlers: InboxHandlerRegistry) {
  const finished: Array<{ job: Job<InboxJobData>; heldDuring: number }> = [];
  const processor = createInboxProcessor({
    pool: service.web.pool,
    locks,
    handlers,
    onFinished: async (job: Job<InboxJobData>, lease: Lease) => {
      finished.push({ job, heldDuring: await locks.holders(`subject:acme:${job.data.subject}`) });
      await lease.releaseWith(async (holder) => {
        if (holder) await service.redis.zrem(holder.key, holder.token);
      });
    },
  });
  return { processor, finished };
}

describe('releasing a finished job', { timeout: 30_000 }, () => {
  it('hands the subject lease of a done job to onFinished, still held, and it is free afterwards', async () => {
    const { processor, finished } = processorWith(
      new InboxHandlerRegistry().register('test.ok', async () => undefined),
    );
    const { job, subject } = await jobFor('test.ok');
    expect(await processor(job, 'token')).toBe('done:1');
    expect(finished.map((entry) => [entry.job, entry.heldDuring])).toEqual([[job, 1]]);
    expect(await locks.holders(`subject:acme:${subject}`)).toBe(0);
  });

  it('hands over a coalesced job too (nothing left to claim)', async () => {
    const { processor, finished } = processorWith(
      new InboxHandlerRegistry().register('test.ok', async () => undefined),
    );
    const { job } = await jobFor('test.ok');
    await processor(job, 'token');
    expect(await processor(job, 'token')).toBe('coalesced');
    expect(finished).toHaveLength(2);
  });

  it('releases the lease alone for a failed or continued job, which keep or free their slot elsewhere', async () => {
    const { processor, finished } = processorWith(
      new InboxHandlerRegistry()
        .register('test.fail', async () => {
          throw new TandemError('EXCHANGE_UNAVAILABLE', 'down for a moment');
        })
        .register('test.chunk', async () => ({ continue: true as const })),
    );
    const failing = await jobFor('test.fail');
    await expect(processor(failing.job, 'token')).rejects.toThrow('down for a moment');
    const chunked = await jobFor('test.chunk');
    await expect(processor(chunked.job, 'token')).rejects.toThrow();
    expect(chunked.delayed).toHaveLength(1);
    expect(finished).toEqual([]);
    expect(await locks.holders(`subject:acme:${failing.subject}`)).toBe(0);
    expect(await locks.holders(`subject:acme:${chunked.subject}`)).toBe(0);
  });
});
