import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { logger } from '../logging/logger.js';

/** One BullMQ job scheduler the worker needs, and how to create it (upsertJobScheduler). */
export interface KeptScheduler {
  queue: Queue;
  /** The scheduler's id, as given to upsertJobScheduler. */
  id: string;
  upsert(): Promise<void>;
}

/** How often the worker checks that its schedulers still exist (adds at most this to a flushed Redis's gap). */
export const DEFAULT_SCHEDULER_CHECK_EVERY_MS = 30_000;

export interface SchedulerKeeper {
  /** Checks every scheduler once and re-creates the missing ones; resolves to how many were re-created. */
  check(): Promise<number>;
  stop(): void;
}

/**
 * Keeps job schedulers alive. A scheduler lives only in Redis: a Redis that loses its data (a
 * restart without persistence, a failover to an empty replica, FLUSHALL) silently ends
 * subscription maintenance, the drift check and retention until a worker restarts. So the worker
 * creates them at start and then, every `everyMs` and whenever its connection becomes ready
 * again, re-creates those that are gone. Only missing ones: re-upserting an existing `every`
 * scheduler moves its next run, and an hourly job re-upserted every 30 s would run every 30 s.
 * Two workers re-creating the same scheduler at once is harmless (same id, one scheduler).
 */
export async function keepSchedulers(
  schedulers: readonly KeptScheduler[],
  options: { everyMs: number; connection: Redis },
): Promise<SchedulerKeeper> {
  for (const scheduler of schedulers) await scheduler.upsert();
  let running: Promise<number> | undefined;
  const checkAll = async (): Promise<number> => {
    let recreated = 0;
    for (const scheduler of schedulers) {
      if (await scheduler.queue.getJobScheduler(scheduler.id)) continue;
      await scheduler.upsert();
      recreated += 1;
      logger.warn(
        { scheduler: scheduler.id, queue: scheduler.queue.name },
        'job scheduler was gone from Redis; re-created',
      );
    }
    return recreated;
  };
  // One check at a time: a slow Redis must not pile up checks.
  const check = (): Promise<number> => {
    running ??= checkAll().finally(() => (running = undefined));
    return running;
  };
  const checkQuietly = () => {
    check().catch((error: unknown) => logger.warn({ err: error }, 'job scheduler check failed; next one retries'));
  };
  const timer = setInterval(checkQuietly, options.everyMs);
  timer.unref();
  // After a reconnect Redis may be a different (empty) instance: check at once instead of at the next tick.
  options.connection.on('ready', checkQuietly);
  return {
    check,
    stop() {
      clearInterval(timer);
      options.connection.off('ready', checkQuietly);
    },
  };
}
