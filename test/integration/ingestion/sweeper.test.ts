import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepInbox, type SweepOptions } from '../../../src/inbox/sweeper.js';
import { createQueues, INBOX_QUEUE, type Queues } from '../../../src/queue/queues.js';
import { inboxJob, inboxJobId } from '../../../src/queue/inbox-job.js';
import { deleteKeysWithPrefix } from '../../../src/queue/redis.js';
import { withSystemScope } from '../../../src/store/transaction.js';
import { createTestDatabase, uniqueRedisPrefix, type TestDatabase } from '../../support/database.js';

// The sweeper against a real Postgres and Redis: a pending row whose job cannot run any more is
// queued again, whatever Redis kept of that job; a row whose job is alive keeps it.
let db: TestDatabase;
let redis: Redis;
let prefix: string;
let queues: Queues;
const SWEEP: SweepOptions = { graceMs: 1_000, processingLeaseMs: 600_000, batchSize: 100 };

beforeAll(async () => {
  db = await createTestDatabase();
  await withSystemScope((tx) => tx.query(`INSERT INTO tenants (id) VALUES ('acme')`), db.pool);
  redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
  prefix = uniqueRedisPrefix('sweeper');
  queues = createQueues(redis, prefix);
});
afterAll(async () => {
  await queues.close();
  await deleteKeysWithPrefix(redis, prefix);
  await redis.quit();
  await db.drop();
});

/** A pending row due `ageMs` ago, and its job as the inbox writer queues it. */
async function pendingRowWithJob(eventId: string, ageMs: number) {
  const id = await withSystemScope(async (tx) => {
    const { rows } = await tx.query<{ id: number }>(
      `INSERT INTO inbox (tenant_id, source, event_id, type, subject, payload, correlation_id, status, next_attempt_at)
       VALUES ('acme', 's4', $1, 't', $1, '{}', $1, 'pending', now() - make_interval(secs => $2 / 1000.0)) RETURNING id`,
      [eventId, ageMs],
    );
    return rows[0]!.id;
  }, db.pool);
  await queues.lanes.addBulk([inboxJob({ id, tenantId: 'acme', type: 't', subject: eventId, correlationId: eventId })]);
  return { id, jobId: inboxJobId(id) };
}

describe('the inbox sweeper', () => {
  it('queues again a row whose job Redis kept only in part (its hash without its place in a list), and leaves a live job alone', async () => {
    const orphaned = await pendingRowWithJob('e-orphaned', 5_000);
    const live = await pendingRowWithJob('e-live', 5_000);
    const liveTimestamp = (await queues.inbox.getJob(live.jobId))!.timestamp;
    // What a partial loss of keys leaves (the convergence suite's Redis flush deletes key by key
    // while the service keeps writing): the job's hash is there, the wait list no longer names it.
    await redis.lrem(`${prefix}:${INBOX_QUEUE}:wait`, 0, orphaned.jobId);
    expect(await queues.inbox.getJobState(orphaned.jobId)).toBe('unknown');

    expect(await sweepInbox(db.pool, queues, SWEEP)).toBe(2);

    // Without its removal BullMQ would ignore the add (it holds the id) and the row would wait forever.
    expect(await queues.inbox.getJobState(orphaned.jobId)).toBe('waiting');
    const kept = (await queues.inbox.getJob(live.jobId))!;
    expect(await kept.getState()).toBe('waiting');
    expect(kept.timestamp).toBe(liveTimestamp);
  });

  it('leaves a row alone while it is within its grace after its due time', async () => {
    const recent = await pendingRowWithJob('e-recent', 0);
    await redis.lrem(`${prefix}:${INBOX_QUEUE}:wait`, 0, recent.jobId);
    expect(await sweepInbox(db.pool, queues, { ...SWEEP, graceMs: 60_000 })).toBe(0);
    expect(await queues.inbox.getJobState(recent.jobId)).toBe('unknown');
  });
});
