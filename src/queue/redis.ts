import { Redis, type RedisOptions } from 'ioredis';
import type { RedisConnectionConfig } from '../config/config.js';
import { logger } from '../logging/logger.js';

/**
 * A Redis connection for BullMQ and our limits. BullMQ requires `maxRetriesPerRequest: null` on
 * connections used by workers (blocking commands must wait through reconnects instead of failing).
 * rediss:// (BTP redis-cache) turns TLS on.
 */
export function createRedis(connection: RedisConnectionConfig, options: RedisOptions = {}): Redis {
  const redis = new Redis(connection.url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    // Reconnect forever with a capped backoff: a Redis outage delays work, it must not end the process.
    retryStrategy: (attempt) => Math.min(100 * 2 ** attempt, 5_000),
    ...(connection.tls ? { tls: {} } : {}),
    ...options,
  });
  redis.on('error', (error) => logger.warn({ err: error }, 'redis connection error'));
  return redis;
}

/** Removes every key under a prefix — a run's queues and limits — and leaves every other prefix alone. */
export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) deleted += await redis.del(...keys);
  } while (cursor !== '0');
  return deleted;
}
