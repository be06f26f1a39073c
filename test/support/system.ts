import { Redis } from 'ioredis';
import { startLocalSystem, type LocalSystem } from '../../src/demo/local-system.js';
import { createTestDatabase, uniqueRedisPrefix, type TestDatabase } from './database.js';
import { deleteRedisPrefix } from './service.js';
import { freePort } from '../../src/runtime/free-port.js';

export { graphEnvironment } from '../../src/demo/local-system.js';

/** Exchange's clock runs 20× faster in the EWS emulator: heartbeats every 3 s, silence noticed after 6 s. */
const EWS_TIME_SCALE = 0.05;


export interface RunningSystem extends LocalSystem {
  db: TestDatabase;
}

export interface SystemOptions {
  /**
   * 'ews' (default): the demo users live in the EWS emulator. 'graph': the Graph emulator runs
   * too and the demo environment is a Graph one pointed at it (the EWS emulator still runs, so a
   * test can move users between both).
   */
  backend?: 'ews' | 'graph';
  /** Start the Graph emulator even when the users start on EWS (backend switch). */
  withGraph?: boolean;
  /** Mailboxes the EWS emulator hosts besides its seeded ones (e.g. a user added during the test). */
  ewsMailboxes?: string[];
}

/** The product as `npm run demo` runs it, on ephemeral ports over a fresh database and Redis prefix. */
export async function startSystem(options: SystemOptions = {}): Promise<RunningSystem> {
  const db = await createTestDatabase();
  const prefix = uniqueRedisPrefix('system');
  const port = await freePort();
  const system = await startLocalSystem({
    env: { DATABASE_URL: db.url, QUEUE_PREFIX: prefix, PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, AUTH_MODE: 'dev',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' },
    ewsTimeScale: EWS_TIME_SCALE, statusFrequencyMinutes: 1, maintenanceEveryMs: 500, sweepIntervalMs: 1_000,
    s4EventRetry: { initialDelayMs: 100, maxDelayMs: 1_000 },
    graph: options.withGraph ?? false, usersOnGraph: options.backend === 'graph',
    ...(options.ewsMailboxes ? { ewsMailboxes: options.ewsMailboxes } : {}),
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
