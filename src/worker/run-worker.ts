import { hostname } from 'node:os';
import { Worker, type Job } from 'bullmq';
import { PRODUCER_OPTIONS, duplicateRedis, redisReady } from '../queue/redis.js';
import type { Redis } from 'ioredis';
import { logger } from '../logging/logger.js';
import { RedisSemaphore, type Lease } from '../limits/redis-semaphore.js';
import { INBOX_QUEUE, createQueues, type Queues } from '../queue/queues.js';
import type { InboxJobData } from '../queue/inbox-job.js';
import type { LaneCaps } from '../queue/tenant-lanes.js';
import { DEFAULT_SWEEP_OPTIONS, sweepInbox, type SweepOptions } from '../inbox/sweeper.js';
import type { Pool } from '../store/pool.js';
import { InboxHandlerRegistry } from '../inbox/inbox-handlers.js';
import { createInboxProcessor, inboxBackoffStrategy } from './inbox-processor.js';

export interface WorkerOptions {
  pool: Pool;
  /** Connection for BullMQ's blocking worker commands. */
  redis: Redis;
  queuePrefix: string;
  /** A tenant's slots per lane (TENANT_JOB_CONCURRENCY, TENANT_BULK_CONCURRENCY); producers must use the same. */
  laneCaps?: LaneCaps;
  handlers: InboxHandlerRegistry;
  concurrency?: number;
  /** See InboxProcessorDeps.jobTimeoutMs. */
  jobTimeoutMs?: number;
  /** How long BullMQ waits for a silent worker before handing its job to another (stalled-job check). */
  lockDurationMs?: number;
  sweepIntervalMs?: number;
  sweep?: SweepOptions;
  /**
   * How long stop() lets running jobs finish before handing them back (default 5 s): Cloud Foundry
   * kills an app 10 s after SIGTERM, and handing back and closing connections need the rest.
   */
  stopGraceMs?: number;
}

export interface RunningWorker {
  queues: Queues;
  worker: Worker<InboxJobData>;
  /** Stop taking jobs, let running ones finish (or give them back), stop timers, close connections. */
  stop(): Promise<void>;
}

/** Starts the inbox worker and the sweeper (docs/architecture.md, "The shape in one paragraph"). */
export function startWorker(options: WorkerOptions): RunningWorker {
  // The queue connection only produces (sweeper): it fails fast while Redis is away instead of
  // collecting commands in memory; the locks' and BullMQ worker's connections wait for Redis.
  const connections = [
    duplicateRedis(options.redis, PRODUCER_OPTIONS),
    duplicateRedis(options.redis),
    duplicateRedis(options.redis),
  ] as const;
  const queues = createQueues(connections[0], options.queuePrefix, options.laneCaps);
  const locks = new RedisSemaphore(connections[1], `${options.queuePrefix}:locks`);
  // A finished or failed attempt frees its tenant's slot for the tenant's next parked job, and so
  // does a job stepping aside for a busy subject (it comes back without one, as retries do). Jobs
  // doing the next chunk of a long piece of work or handed back at a stop keep theirs; a release
  // lost to a crash is found by the reconcile after each sweep.
  const release = (job: Job<InboxJobData> | undefined) => {
    if (job)
      queues.lanes.release(job).catch((error: unknown) => logger.warn({ err: error }, 'could not free a tenant slot'));
  };
  // A finished job frees its subject lease and its tenant slot in one script, before BullMQ moves it
  // to completed: one round trip instead of two, and BullMQ's completion (which fetches this
  // worker's next job) already finds the tenant's next job in the queue. Failures still free the
  // slot on BullMQ's 'failed' event, after the retry is scheduled.
  const finish = (job: Job<InboxJobData>, lease: Lease) =>
    lease
      .releaseWith((holder) => queues.lanes.release(job, holder))
      .catch((error: unknown) => logger.warn({ err: error }, 'could not free a tenant slot'));
  const processor = createInboxProcessor({
    onStepAside: release,
    onFinished: finish,
    pool: options.pool,
    locks,
    handlers: options.handlers,
    ...(options.jobTimeoutMs ? { jobTimeoutMs: options.jobTimeoutMs } : {}),
  });
  const worker = new Worker<InboxJobData>(INBOX_QUEUE, processor, {
    connection: connections[2],
    prefix: options.queuePrefix,
    concurrency: options.concurrency ?? 16,
    // Recorded on each job it takes (BullMQ's processedBy): which instance and process ran a job.
    name: `${hostname()}:${process.pid}`,
    settings: { backoffStrategy: inboxBackoffStrategy },
    // A job whose worker died is handed to another worker after this long without a lock renewal.
    lockDuration: options.lockDurationMs ?? 60_000,
    stalledInterval: Math.min(30_000, options.lockDurationMs ?? 30_000),
  });
  worker.on('error', (error) => logger.warn({ err: error }, 'worker error'));
  worker.on('failed', release);

  const sweepOptions = options.sweep ?? DEFAULT_SWEEP_OPTIONS;
  let sweeping = false;
  const sweepTimer = setInterval(() => {
    // While Redis is away there is nothing to enqueue into; claiming rows now would only reset them.
    if (sweeping || !redisReady(connections[0])) return;
    sweeping = true;
    sweepInbox(options.pool, queues, sweepOptions)
      .then(() => queues.lanes.reconcile())
      .catch((error: unknown) => logger.warn({ err: error }, 'inbox sweep failed'))
      .finally(() => {
        sweeping = false;
      });
  }, options.sweepIntervalMs ?? 15_000);
  sweepTimer.unref();

  return {
    queues,
    worker,
    async stop() {
      clearInterval(sweepTimer);
      // Take no new jobs and let running ones finish for a while; then hand the unfinished back
      // (rows pending again, jobs back in the queue at once, subject locks released) so another
      // worker continues them now — a stop never hangs on a slow remote system.
      const graceful = worker.close();
      const finished = await withinMs(
        graceful.then(() => true),
        options.stopGraceMs ?? 5_000,
        false,
      );
      if (!finished) {
        await withinMs(processor.handBack(), 2_000, 0);
        await withinMs(worker.close(true), 1_000, undefined);
      }
      await withinMs(queues.close(), 500, undefined);
      await Promise.all(
        connections.map((connection) =>
          withinMs(
            connection.quit().catch(() => undefined),
            500,
            undefined,
          ).then(() => connection.disconnect()),
        ),
      );
    },
  };
}

/** `promise`'s value, or `fallback` once `ms` have passed (shutdown steps must not wait for a dead Redis). */
export function withinMs<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  return new Promise<T>((resolve) => {
    const timer = setTimeout(() => resolve(fallback), ms);
    timer.unref();
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      () => {
        clearTimeout(timer);
        resolve(fallback);
      },
    );
  });
}

export { InboxHandlerRegistry };
