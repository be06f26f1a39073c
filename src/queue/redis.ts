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
  return withErrorLog(redis);
}

function withErrorLog(redis: Redis): Redis {
  redis.on('error', (error) => logger.warn({ err: error }, 'redis connection error'));
  return redis;
}

/**
 * `redis.duplicate(options)` with the error listener createRedis gives: ioredis copies the options
 * to a duplicate but not its listeners, and a connection without one prints every failed
 * reconnect of an outage to stderr as an unstructured "[ioredis] Unhandled error event".
 */
export function duplicateRedis(redis: Redis, options: RedisOptions = {}): Redis {
  return withErrorLog(redis.duplicate(options));
}

/** How long a producer's Redis command may take before it fails (a hung Redis must not hang a request). */
export const PRODUCER_COMMAND_TIMEOUT_MS = 2_000;

/**
 * A Redis connection for producers that must never wait for Redis: web's queue and admin calls.
 * Commands issued while the connection is down fail at once instead of collecting in ioredis's
 * offline queue (which grows without bound through an outage), and a command that gets no answer
 * fails after PRODUCER_COMMAND_TIMEOUT_MS. Nothing is lost by failing: the inbox row is already
 * committed and the sweeper enqueues it once Redis is back. Not for BullMQ workers (they block).
 */
export function createProducerRedis(connection: RedisConnectionConfig, options: RedisOptions = {}): Redis {
  return createRedis(connection, { ...PRODUCER_OPTIONS, ...options });
}

export const PRODUCER_OPTIONS: RedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  commandTimeout: PRODUCER_COMMAND_TIMEOUT_MS,
};

/** Whether commands can be sent now (connected and past the ready check). */
export function redisReady(redis: Redis): boolean {
  return redis.status === 'ready';
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
