import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { outboundPolicyOf, type Config } from '../config/config.js';
import { setOutboundPolicy } from '../security/outbound.js';
import { InboxWriter } from '../inbox/inbox-writer.js';
import { logger } from '../logging/logger.js';
import { runRetention } from '../maintenance/retention.js';
import { createQueues } from '../queue/queues.js';
import { PRODUCER_OPTIONS, createRedis, duplicateRedis, redisReady } from '../queue/redis.js';
import { DEFAULT_SCHEDULER_CHECK_EVERY_MS, keepSchedulers } from '../queue/schedulers.js';
import { DEFAULT_DRIFT_OPTIONS, DRIFT_CHECK_JOB, runDriftCheck, scheduleDriftCheck } from '../reconcile/drift-check.js';
import { registerSyncHandlers } from '../reconcile/handlers.js';
import { settlePendingDeletions } from '../reconcile/pending-deletions.js';
import { queueSeriesWindows } from '../reconcile/series-window.js';
import { TenantContexts } from '../reconcile/tenant-context.js';
import { SecretBox } from '../security/secret-box.js';
import { createPool } from '../store/pool.js';
import {
  SUBSCRIPTION_MAINTENANCE_SCHEDULER,
  SubscriptionManager,
  scheduleSubscriptionMaintenance,
} from '../subscriptions/subscription-manager.js';
import { queueTodoPolls } from '../subscriptions/todo-poll.js';
import { probeDeniedMailboxes } from '../mailboxes/access-probe.js';
import { InboxHandlerRegistry, startWorker, withinMs, type RunningWorker } from '../worker/run-worker.js';
import { startProvisioningWorker } from '../tenants/provisioning-queue.js';
import { registryStatusReporter, type StatusReporter } from '../tenants/registry-status.js';

export const MAINTENANCE_QUEUE = 'maintenance';
const RETENTION_JOB = 'retention';
const RETENTION_EVERY_MS = 60 * 60_000;
/** Subscription maintenance interval: adds at most this to noticing a lost subscription (docs/operations.md "Blind windows"). */
export const DEFAULT_MAINTENANCE_EVERY_MS = 15_000;

export interface WorkerProcessOptions {
  /** How often subscriptions are checked (default 15 s: adds at most that to noticing a lost subscription). */
  maintenanceEveryMs?: number;
  sweepIntervalMs?: number;
  concurrency?: number;
  /** EWS heartbeat interval and the clock scale of the Exchange it talks to (see SubscriptionManagerDeps). */
  subscriptions?: { statusFrequencyMinutes?: number; timeScale?: number };
  /** How often the worker re-creates job schedulers a Redis data loss removed (default 30 s). */
  schedulerCheckEveryMs?: number;
  /** Where subscription outcomes go (default: the SaaS registry of the saas-registry binding). */
  reportSubscriptionStatus?: StatusReporter;
}

/** Starts `worker`: inbox workers with the sync engine, the sweeper, and scheduled subscription maintenance. */
export async function startWorkerProcess(
  config: Config,
  options: WorkerProcessOptions = {},
): Promise<RunningWorker & { stopAll(): Promise<void>; subscriptions: SubscriptionManager }> {
  logger.level = config.logLevel;
  setOutboundPolicy(outboundPolicyOf(config));
  const pool = createPool(config.databaseUrl);
  const redis = createRedis(config.redis);
  const secretBox = new SecretBox(config.secretKeys);
  const contexts = new TenantContexts({ pool, redis, secretBox, keyPrefix: config.queuePrefix });
  const handlers = registerSyncHandlers(new InboxHandlerRegistry(), {
    pool,
    contexts,
    initialLoadChunk: config.initialLoadChunk,
  });
  const running = startWorker({
    pool,
    redis,
    queuePrefix: config.queuePrefix,
    laneCaps: config.laneCaps,
    handlers,
    concurrency: options.concurrency ?? 16,
    ...(options.sweepIntervalMs ? { sweepIntervalMs: options.sweepIntervalMs } : {}),
    ...(config.jobLeaseSeconds
      ? { lockDurationMs: config.jobLeaseSeconds * 1_000, jobTimeoutMs: config.jobLeaseSeconds * 1_000 }
      : {}),
  });

  const producer = duplicateRedis(redis, PRODUCER_OPTIONS);
  const queues = createQueues(producer, config.queuePrefix, config.laneCaps);
  const inbox = new InboxWriter(pool, queues.lanes, { queueReady: () => redisReady(producer) });
  const subscriptions = new SubscriptionManager({
    pool,
    contexts,
    inbox,
    publicUrl: config.publicUrl,
    ...options.subscriptions,
  });
  const maintenanceConnection = duplicateRedis(redis);
  // BullMQ never closes a connection it was handed (it counts it as shared), so the workers'
  // connections are kept here and closed by stopAll; left open they hold the process after a stop.
  const workerConnections: Redis[] = [];
  const workerConnection = () => {
    const connection = duplicateRedis(redis);
    workerConnections.push(connection);
    return connection;
  };
  const maintenanceQueue = new Queue(MAINTENANCE_QUEUE, {
    connection: maintenanceConnection,
    prefix: config.queuePrefix,
  });
  // The drift check has a queue of its own: a slow S/4 must not hold up subscription maintenance (and so lengthen Exchange's blind window).
  const drift = {
    ...DEFAULT_DRIFT_OPTIONS,
    intervalMs: config.driftCheckSeconds * 1_000,
    sweepPageSize: config.driftSweepPage,
  };
  const driftQueue = new Queue(DRIFT_CHECK_JOB, { connection: maintenanceConnection, prefix: config.queuePrefix });
  // The connection's listener logs an outage once per failed reconnect; without these BullMQ would
  // also print each failure to stderr (console.error), unstructured.
  for (const queue of [maintenanceQueue, driftQueue]) queue.on('error', () => undefined);
  // Schedulers live only in Redis: kept alive through a Redis that comes back empty (src/queue/schedulers.ts).
  const schedulers = await keepSchedulers(
    [
      {
        queue: maintenanceQueue,
        id: SUBSCRIPTION_MAINTENANCE_SCHEDULER,
        upsert: () =>
          scheduleSubscriptionMaintenance(maintenanceQueue, options.maintenanceEveryMs ?? DEFAULT_MAINTENANCE_EVERY_MS),
      },
      { queue: driftQueue, id: DRIFT_CHECK_JOB, upsert: () => scheduleDriftCheck(driftQueue, drift.intervalMs) },
      // Retention once an hour, on whichever worker picks the job up.
      {
        queue: maintenanceQueue,
        id: RETENTION_JOB,
        upsert: async () => {
          await maintenanceQueue.upsertJobScheduler(
            RETENTION_JOB,
            { every: RETENTION_EVERY_MS },
            { name: RETENTION_JOB, opts: { removeOnComplete: true, removeOnFail: 100 } },
          );
        },
      },
    ],
    {
      everyMs: options.schedulerCheckEveryMs ?? DEFAULT_SCHEDULER_CHECK_EVERY_MS,
      connection: maintenanceConnection,
    },
  );
  const driftWorker = new Worker(
    DRIFT_CHECK_JOB,
    async () => {
      const found = await runDriftCheck({ pool, contexts, inbox }, drift);
      if (found.queued || found.failed) logger.info(found, 'drift check');
    },
    { connection: workerConnection(), prefix: config.queuePrefix, concurrency: 1 },
  );
  driftWorker.on('error', (error) => logger.warn({ err: error }, 'drift worker error'));
  driftWorker.on('failed', (_job, error) => logger.error({ err: error }, 'drift check failed'));
  const maintenanceWorker = new Worker(
    MAINTENANCE_QUEUE,
    async (job) => {
      if (job.name === RETENTION_JOB) {
        await runRetention(pool, {
          inboxDoneDays: config.inboxDoneRetentionDays,
          journalDefaultDays: config.journalRetentionDays,
        });
        return;
      }
      const result = await subscriptions.maintain();
      const settled = await settlePendingDeletions(pool, contexts);
      const seriesWindows = await queueSeriesWindows(pool, inbox);
      const todoPolls = await queueTodoPolls(pool, inbox, config.todoPollSeconds);
      const access = await probeDeniedMailboxes(
        { pool, contexts, inbox, queue: queues.lanes },
        config.accessProbeSeconds,
      );
      if (
        result.subscribed ||
        result.renewed ||
        result.unsubscribed ||
        result.failed ||
        settled ||
        seriesWindows ||
        access.restored
      ) {
        logger.info({ ...result, settled, seriesWindows, todoPolls, access }, 'maintenance run');
      }
    },
    { connection: workerConnection(), prefix: config.queuePrefix, concurrency: 1 },
  );
  maintenanceWorker.on('error', (error) => logger.warn({ err: error }, 'maintenance worker error'));
  maintenanceWorker.on('failed', (_job, error) => logger.error({ err: error }, 'maintenance run failed'));
  // Asynchronous (un)subscriptions the SaaS registry asked web for, reported back to the registry.
  const provisioningWorker = startProvisioningWorker({
    pool,
    connection: workerConnection(),
    prefix: config.queuePrefix,
    report: options.reportSubscriptionStatus ?? registryStatusReporter(config.services.saasRegistry),
  });
  logger.info('worker started');
  return {
    ...running,
    subscriptions,
    async stopAll() {
      // Inside Cloud Foundry's 10 s: the maintenance workers and the inbox worker stop side by
      // side, each with a bound (an unfinished maintenance or drift run is simply repeated by the
      // next one; unfinished inbox jobs are handed back). Every later step is bounded too, so a
      // dead Redis or database cannot hold the process past the platform's kill.
      schedulers.stop();
      const closeBounded = (worker: { close(force?: boolean): Promise<void> }) =>
        withinMs(worker.close(), 5_000, undefined).then(() => withinMs(worker.close(true), 500, undefined));
      await Promise.all([
        closeBounded(maintenanceWorker),
        closeBounded(driftWorker),
        closeBounded(provisioningWorker),
        running.stop(),
      ]);
      await Promise.all(
        [maintenanceQueue.close(), driftQueue.close(), queues.close()].map((closing) =>
          withinMs(closing, 500, undefined),
        ),
      );
      await withinMs(contexts.connectors.closeAll(), 1_000, undefined);
      for (const connection of [maintenanceConnection, ...workerConnections, producer, redis]) {
        await withinMs(
          connection.quit().catch(() => undefined),
          300,
          undefined,
        );
        connection.disconnect();
      }
      await withinMs(pool.end(), 1_000, undefined);
    },
  };
}
