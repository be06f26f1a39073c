import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { startLocalSystem, type LocalSystem } from '../../src/demo/local-system.js';
import { createTestDatabase, uniqueRedisPrefix, type TestDatabase } from './database.js';
import { deleteRedisPrefix } from './service.js';

/** Exchange's clock runs 20× faster in the emulator: heartbeats every 3 s, silence noticed after 6 s. */
const EWS_TIME_SCALE = 0.05;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface RunningSystem extends LocalSystem {
  db: TestDatabase;
}

/** The product as `npm run demo` runs it, on ephemeral ports over a fresh database and Redis prefix. */
export async function startSystem(): Promise<RunningSystem> {
  const db = await createTestDatabase();
  const prefix = uniqueRedisPrefix('system');
  const port = await freePort();
  const system = await startLocalSystem({
    env: { DATABASE_URL: db.url, QUEUE_PREFIX: prefix, PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, AUTH_MODE: 'dev',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' },
    ewsTimeScale: EWS_TIME_SCALE, statusFrequencyMinutes: 1, maintenanceEveryMs: 500, sweepIntervalMs: 1_000,
    s4EventRetry: { initialDelayMs: 100, maxDelayMs: 1_000 },
  });
  return {
    ...system, db,
    async stop() {
      await system.stop();
      const redis = new Redis(system.config.redis.url);
      await deleteRedisPrefix(redis, prefix);
      await redis.quit();
      await db.drop();
    },
  };
}
