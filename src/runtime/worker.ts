import type { Config } from '../config/config.js';
import { logger } from '../logging/logger.js';
import { createRedis } from '../queue/redis.js';
import { createPool } from '../store/pool.js';
import { InboxHandlerRegistry, startWorker, type RunningWorker } from '../worker/run-worker.js';

/** Starts `worker`: queue workers, sweeper and scheduled jobs. Stateless; scale out. */
export async function startWorkerProcess(config: Config, handlers = new InboxHandlerRegistry()): Promise<RunningWorker & { stopAll(): Promise<void> }> {
  logger.level = config.logLevel;
  const pool = createPool(config.databaseUrl);
  const redis = createRedis(config.redis);
  const running = startWorker({ pool, redis, queuePrefix: config.queuePrefix, handlers });
  logger.info('worker started');
  return {
    ...running,
    async stopAll() {
      await running.stop();
      await redis.quit().catch(() => undefined);
      await pool.end();
    },
  };
}
