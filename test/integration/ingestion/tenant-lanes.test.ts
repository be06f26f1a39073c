import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueues, type Queues } from '../../../src/queue/queues.js';
import { inboxJob } from '../../../src/queue/inbox-job.js';
import { deleteKeysWithPrefix } from '../../../src/queue/redis.js';
import { uniqueRedisPrefix } from '../../support/database.js';
import { INBOX_EVENT_TYPES } from '../../../src/inbox/subjects.js';
import { RedisSemaphore } from '../../../src/limits/redis-semaphore.js';

// TenantLanes against a real Redis (docs/operations.md "Fairness between tenants"): admission,
// parking, release, and the reconcile that recovers slots whose release was lost.
let redis: Redis;
let prefix: string;
let queues: Queues;
let nextId = 1;

const event = (tenantId: string, delayMs = 0) =>
  inboxJob(
    {
      id: nextId++,
      tenantId,
      type: 'sap.s4.beh.appointment.v1.Appointment.Changed.v1',
      subject: 's4:appointment:1',
      correlationId: `c${nextId}`,
    },
    delayMs,
  );
const load = (tenantId: string) =>
  inboxJob({
    id: nextId++,
    tenantId,
    type: INBOX_EVENT_TYPES.initialLoad,
    subject: 'mailbox:m:initial-load',
    correlationId: `c${nextId}`,
  });

beforeAll(() => {
  redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
  prefix = uniqueRedisPrefix('lanes');
  queues = createQueues(redis, prefix, { events: 2, bulk: 1 });
});
afterAll(async () => {
  await queues.close();
  await deleteKeysWithPrefix(redis, prefix);
  await redis.quit();
});

describe('tenant lanes', () => {
  it('admits up to the cap per tenant and lane, parks the rest in order, and admits the next on release', async () => {
    const jobs = [event('t1'), event('t1'), event('t1'), event('t1')];
    await queues.lanes.addBulk(jobs);
    await queues.lanes.addBulk([load('t1'), load('t1'), event('t2')]);
    expect(await queues.lanes.depth('t1', 'events')).toEqual({ admitted: 2, parked: 2 });
    expect(await queues.lanes.depth('t1', 'bulk')).toEqual({ admitted: 1, parked: 1 });
    expect(await queues.lanes.depth('t2', 'events')).toEqual({ admitted: 1, parked: 0 });
    expect((await queues.inbox.getJobCounts('wait', 'prioritized')).wait).toBe(3);

    // Offering the same rows again (the sweeper does) changes nothing.
    await queues.lanes.addBulk(jobs);
    expect(await queues.lanes.depth('t1', 'events')).toEqual({ admitted: 2, parked: 2 });

    await queues.lanes.release({ id: jobs[0]!.opts.jobId, data: jobs[0]!.data, opts: jobs[0]!.opts });
    expect(await queues.lanes.depth('t1', 'events')).toEqual({ admitted: 2, parked: 1 });
    // First parked, first admitted.
    expect(await queues.inbox.getJob(jobs[2]!.opts.jobId!)).toBeDefined();
    expect(await queues.inbox.getJob(jobs[3]!.opts.jobId!)).toBeUndefined();
  });

  it('keeps what is left of a parked job’s delay', async () => {
    const first = event('t3');
    const delayed = event('t3', 60_000);
    await queues.lanes.addBulk([first, event('t3'), delayed]);
    await queues.lanes.release({ id: first.opts.jobId, data: first.data, opts: first.opts });
    const job = await queues.inbox.getJob(delayed.opts.jobId!);
    expect(job).toBeDefined();
    expect(await job!.getState()).toBe('delayed');
    expect(job!.opts.delay).toBeGreaterThan(50_000);
  });

  it('reconcile frees the slot of a job that is gone without a release (a worker killed after finishing it)', async () => {
    const jobs = [event('t4'), event('t4'), event('t4')];
    await queues.lanes.addBulk(jobs);
    expect(await queues.lanes.depth('t4', 'events')).toEqual({ admitted: 2, parked: 1 });
    await (await queues.inbox.getJob(jobs[0]!.opts.jobId!))!.remove();

    // Entries younger than the threshold are left alone; older ones are checked against BullMQ.
    expect(await queues.lanes.reconcile(60_000)).toBe(0);
    expect(await queues.lanes.reconcile(0)).toBe(1);
    expect(await queues.lanes.depth('t4', 'events')).toEqual({ admitted: 2, parked: 0 });
    expect(await queues.inbox.getJob(jobs[2]!.opts.jobId!)).toBeDefined();
    // The job still waiting keeps its slot.
    expect(await queues.lanes.reconcile(0)).toBe(0);
  });

  it("frees a finished job's subject lease in the same round trip as its slot", async () => {
    const jobs = [event('t5'), event('t5'), event('t5')];
    await queues.lanes.addBulk(jobs);
    // The worker's locks live on a connection of their own; the release must not use it.
    const locksConnection = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    const locks = new RedisSemaphore(locksConnection, `${prefix}:locks`);
    try {
      const lease = (await locks.tryLease('subject:t5:s4:appointment:1', { limit: 1, leaseMs: 60_000 }))!;
      const sent: string[] = [];
      const send = locksConnection.sendCommand.bind(locksConnection);
      locksConnection.sendCommand = (command, stream) => {
        sent.push(command.name);
        return send(command, stream);
      };
      const lanesSent: string[] = [];
      const lanesSend = redis.sendCommand.bind(redis);
      redis.sendCommand = (command, stream) => {
        lanesSent.push(command.name);
        return lanesSend(command, stream);
      };
      try {
        await lease.releaseWith((holder) =>
          queues.lanes.release({ id: jobs[0]!.opts.jobId, data: jobs[0]!.data, opts: jobs[0]!.opts }, holder),
        );
      } finally {
        redis.sendCommand = lanesSend;
        locksConnection.sendCommand = send;
      }
      expect(sent).toEqual([]);
      expect(await locks.holders('subject:t5:s4:appointment:1')).toBe(0);
      // One script frees both; the other call adds the admitted job to BullMQ.
      expect(lanesSent.filter((name) => name === 'evalsha' || name === 'eval')).toHaveLength(2);
      expect(await queues.lanes.depth('t5', 'events')).toEqual({ admitted: 2, parked: 0 });
      expect(await queues.inbox.getJob(jobs[2]!.opts.jobId!)).toBeDefined();
      // Released already: a second release sends nothing, and the next holder can take the subject.
      locksConnection.sendCommand = (command, stream) => {
        sent.push(command.name);
        return send(command, stream);
      };
      await lease.release();
      locksConnection.sendCommand = send;
      expect(sent).toEqual([]);
      expect(await locks.tryLease('subject:t5:s4:appointment:1', { limit: 1 })).toBeDefined();
    } finally {
      await locksConnection.quit();
    }
  });
});
