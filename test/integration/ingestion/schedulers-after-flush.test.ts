import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRIFT_CHECK_JOB } from '../../../src/reconcile/drift-check.js';
import { MAINTENANCE_QUEUE, startWorkerProcess } from '../../../src/runtime/worker.js';
import { createTestDatabase, uniqueRedisPrefix, type TestDatabase } from '../../support/database.js';
import { deleteRedisPrefix, testConfig, waitFor } from '../../support/service.js';

/**
 * Job schedulers live only in Redis. A Redis that loses its data (a restart without persistence,
 * as BTP's hyperscaler Redis may do; here: every key of the prefix deleted) must not end
 * subscription maintenance, the drift check or retention until the worker is restarted.
 */
let db: TestDatabase;
let redis: Redis;
let worker: Awaited<ReturnType<typeof startWorkerProcess>>;
let events: QueueEvents;
let maintenanceQueue: Queue;
let driftQueue: Queue;
const prefix = uniqueRedisPrefix('sched');
/** Completed maintenance runs, by the scheduler's job ids ("repeat:<scheduler>:<millis>"). */
const completed: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
  worker = await startWorkerProcess(testConfig(db, prefix), {
    maintenanceEveryMs: 300,
    schedulerCheckEveryMs: 500,
    sweepIntervalMs: 1_000,
  });
  events = new QueueEvents(MAINTENANCE_QUEUE, { connection: redis.duplicate(), prefix });
  events.on('completed', ({ jobId }) => completed.push(jobId));
  await events.waitUntilReady();
  maintenanceQueue = new Queue(MAINTENANCE_QUEUE, { connection: redis.duplicate(), prefix });
  driftQueue = new Queue(DRIFT_CHECK_JOB, { connection: redis.duplicate(), prefix });
});
afterAll(async () => {
  await worker?.stopAll();
  await events?.close();
  await maintenanceQueue?.close();
  await driftQueue?.close();
  await deleteRedisPrefix(redis, prefix);
  await redis.quit();
  await db?.drop();
});

const maintenanceRuns = () => completed.filter((id) => id.includes('subscription-maintenance')).length;

describe('job schedulers after Redis lost its data', () => {
  it('subscription maintenance runs again without a restart, and drift check and retention are scheduled again', async () => {
    await waitFor(async () => maintenanceRuns() >= 2, 'maintenance to run before the flush', 15_000);

    const deleted = await deleteRedisPrefix(redis, prefix);
    expect(deleted).toBeGreaterThan(0);
    expect(await maintenanceQueue.getJobScheduler('subscription-maintenance')).toBeUndefined();
    const before = maintenanceRuns();

    // Re-created by the worker's check (every 500 ms here), then running on its 300 ms interval.
    await waitFor(async () => maintenanceRuns() >= before + 2, 'maintenance to run again after the flush', 15_000);
    expect(await maintenanceQueue.getJobScheduler('subscription-maintenance')).toMatchObject({ every: 300 });
    expect(await maintenanceQueue.getJobScheduler('retention')).toMatchObject({ every: 60 * 60_000 });
    expect(await driftQueue.getJobScheduler(DRIFT_CHECK_JOB)).toBeDefined();
  }, 40_000);
});
