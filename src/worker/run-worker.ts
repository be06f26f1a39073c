import { Worker } from 'bullmq';
import { PRODUCER_OPTIONS, redisReady } from '../queue/redis.js';
import type { Redis } from 'ioredis';
import { logger } from '../logging/logger.js';
import { RedisSemaphore } from '../limits/redis-semaphore.js';
import { INBOX_QUEUE, createQueues, type InboxJobData, type Queues } from '../queue/queues.js';
import { DEFAULT_SWEEP_OPTIONS, sweepInbox, type SweepOptions } from '../inbox/sweeper.js';
import type { Pool } from '../store/pool.js';
import { InboxHandlerRegistry } from './inbox-handlers.js';
import { createInboxProcessor, inboxBackoffStrategy } from './inbox-processor.js';

export interface WorkerOptions {
  pool: Pool;
  /** Connection for BullMQ's blocking worker commands. */
  redis: Redis;
  queuePrefix: string;
  handlers: InboxHandlerRegistry;
  concurrency?: number;
  /** See InboxProcessorDeps.jobTimeoutMs. */
  jobTimeoutMs?: number;
  /** How long BullMQ waits for a silent worker before handing its job to another (stalled-job check). */
  lockDurationMs?: number;
  sweepIntervalMs?: number;
  sweep?: SweepOptions;
  /** How long stop() waits for running jobs before handing them back (default 10 s). */
  stopGraceMs?: number;
}

export interface RunningWorker {
  queues: Queues;
  worker: Worker<InboxJobData>;
  /** Stop taking jobs, let running ones finish (or give them back), stop timers, close connections. */
  stop(): Promise<void>;
}

/** Starts the inbox worker and the sweeper; see ARCHITECTURE.md "Runtime processes". */
export function startWorker(options: WorkerOptions): RunningWorker {
  // The queue connection only produces (sweeper): it fails fast while Redis is away instead of
  // collecting commands in memory; the locks' and BullMQ worker's connections wait for Redis.
  const connections = [options.redis.duplicate(PRODUCER_OPTIONS), options.redis.duplicate(), options.redis.duplicate()] as const;
  const queues = createQueues(connections[0], options.queuePrefix);
  const locks = new RedisSemaphore(connections[1], `${options.queuePrefix}:locks`);
  const processor = createInboxProcessor({ pool: options.pool, locks, handlers: options.handlers, ...(options.jobTimeoutMs ? { jobTimeoutMs: options.jobTimeoutMs } : {}) });
  const worker = new Worker<InboxJobData>(INBOX_QUEUE, processor, {
    connection: connections[2],
    prefix: options.queuePrefix,
    concurrency: options.concurrency ?? 16,
    settings: { backoffStrategy: inboxBackoffStrategy },
    // A job whose worker died is handed to another worker after this long without a lock renewal.
    lockDuration: options.lockDurationMs ?? 60_000,
    stalledInterval: Math.min(30_000, options.lockDurationMs ?? 30_000),
  });
  worker.on('error', (error) => logger.warn({ err: error }, 'worker error'));

  const sweepOptions = options.sweep ?? DEFAULT_SWEEP_OPTIONS;
  let sweeping = false;
  const sweepTimer = setInterval(() => {
    // While Redis is away there is nothing to enqueue into; claiming rows now would only reset them.
    if (sweeping || !redisReady(connections[0])) return;
    sweeping = true;
    sweepInbox(options.pool, queues.inbox, sweepOptions)
      .catch((error: unknown) => logger.warn({ err: error }, 'inbox sweep failed'))
      .finally(() => { sweeping = false; });
  }, options.sweepIntervalMs ?? 15_000);
  sweepTimer.unref();

  return {
    queues,
    worker,
    async stop() {
      clearInterval(sweepTimer);
      // Let running jobs finish for a while; then give them back (their rows are reclaimed by the
      // sweeper and BullMQ's stalled-job check), so a stop never hangs on a slow remote system.
      const graceful = worker.close();
      const finished = await Promise.race([graceful.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), options.stopGraceMs ?? 10_000).unref())]);
      if (!finished) await worker.close(true);
      await queues.close();
      await Promise.all(connections.map((connection) => connection.quit().catch(() => undefined)));
    },
  };
}

export { InboxHandlerRegistry };
