import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { loadConfig, type Config } from '../../src/config/config.js';
import { createS4Client, type S4Client } from '../../src/connectors/s4/index.js';
import { DEMO, seedDemoTenant } from '../../src/demo/seed.js';
import { startEwsEmulator, type EwsEmulator } from '../../src/emulators/ews/index.js';
import { startS4Emulator, type S4Emulator } from '../../src/emulators/s4/index.js';
import { startWeb, type RunningWeb } from '../../src/runtime/web.js';
import { startWorkerProcess } from '../../src/runtime/worker.js';
import { createTestDatabase, uniqueRedisPrefix, type TestDatabase } from './database.js';
import { deleteRedisPrefix } from './service.js';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface RunningSystem {
  config: Config;
  db: TestDatabase;
  web: RunningWeb;
  ews: EwsEmulator;
  s4Emulator: S4Emulator;
  /** The S/4 connector pointed at the emulator, to act as an S/4 user would. */
  s4: S4Client;
  stop(): Promise<void>;
}

/**
 * The whole product as `npm run demo` runs it — web, worker, EWS and S/4 emulators, the demo
 * tenant — on ephemeral ports over a fresh database and Redis prefix, with fast maintenance.
 */
export async function startSystem(): Promise<RunningSystem> {
  const db = await createTestDatabase();
  const prefix = uniqueRedisPrefix('system');
  const port = await freePort();
  const config = loadConfig({ ...process.env, DATABASE_URL: db.url, QUEUE_PREFIX: prefix, PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`,
    AUTH_MODE: 'dev', LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' });
  const ews = await startEwsEmulator({ port: 0, timeScale: 0.05 });
  const s4Emulator = await startS4Emulator({ port: 0, eventsUrl: `http://127.0.0.1:${port}/s4/events`, eventsAuth: DEMO.callback,
    eventRetry: { initialDelayMs: 100, maxDelayMs: 1_000 } });
  const web = await startWeb(config, { port, host: '127.0.0.1' });
  await seedDemoTenant(web.pool, config, { ewsUrl: ews.ewsUrl, s4Url: s4Emulator.url });
  const worker = await startWorkerProcess(config, { maintenanceEveryMs: 500, sweepIntervalMs: 1_000 });
  const s4 = createS4Client({ kind: 'url', url: s4Emulator.url, username: 'TANDEM_COMM', password: 'demo-password', sapClient: '100' });
  return {
    config, db, web, ews, s4Emulator, s4,
    async stop() {
      await worker.stopAll();
      await web.stop();
      await Promise.all([ews.close(), s4Emulator.close()]);
      const redis = new Redis(config.redis.url);
      await deleteRedisPrefix(redis, prefix);
      await redis.quit();
      await db.drop();
    },
  };
}
