import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { loadConfig, type Config } from '../../src/config/config.js';
import { createS4Client, type S4Client } from '../../src/connectors/s4/index.js';
import { DEMO, seedDemoTenant } from '../../src/demo/seed.js';
import { startEwsEmulator, type EwsEmulator } from '../../src/emulators/ews/index.js';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, startGraphEmulator, type GraphEmulator } from '../../src/emulators/graph/index.js';
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
  /** Running only with `backend: 'graph'`. */
  graph: GraphEmulator | undefined;
  /** The demo environment the users are in (EWS, or Graph with `backend: 'graph'`). */
  environmentId: string;
  s4Emulator: S4Emulator;
  /** The S/4 connector pointed at the emulator, to act as an S/4 user would. */
  s4: S4Client;
  stop(): Promise<void>;
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
}

/**
 * The whole product as `npm run demo` runs it — web, worker, EWS and S/4 emulators, the demo
 * tenant — on ephemeral ports over a fresh database and Redis prefix, with fast maintenance.
 */
export async function startSystem(options: SystemOptions = {}): Promise<RunningSystem> {
  const db = await createTestDatabase();
  const prefix = uniqueRedisPrefix('system');
  const port = await freePort();
  const config = loadConfig({ ...process.env, DATABASE_URL: db.url, QUEUE_PREFIX: prefix, PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`,
    AUTH_MODE: 'dev', LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' });
  const ews = await startEwsEmulator({ port: 0, timeScale: 0.05 });
  // Real time scale: the shortest Graph subscription (45 minutes) must outlive the test.
  const graph = options.backend === 'graph' || options.withGraph ? await startGraphEmulator({ port: 0 }) : undefined;
  const s4Emulator = await startS4Emulator({ port: 0, eventsUrl: `http://127.0.0.1:${port}/s4/events`, eventsAuth: DEMO.callback,
    eventRetry: { initialDelayMs: 100, maxDelayMs: 1_000 } });
  const web = await startWeb(config, { port, host: '127.0.0.1' });
  const { environmentId } = await seedDemoTenant(web.pool, config, { ewsUrl: ews.ewsUrl, s4Url: s4Emulator.url,
    ...(options.backend === 'graph' && graph ? { graph: graphEnvironment(graph) } : {}) });
  const worker = await startWorkerProcess(config, { maintenanceEveryMs: 500, sweepIntervalMs: 1_000 });
  const s4 = createS4Client({ kind: 'url', url: s4Emulator.url, username: 'TANDEM_COMM', password: 'demo-password', sapClient: '100' });
  return {
    config, db, web, ews, graph, environmentId, s4Emulator, s4,
    async stop() {
      await worker.stopAll();
      await web.stop();
      await Promise.all([ews.close(), s4Emulator.close(), graph?.close()]);
      const redis = new Redis(config.redis.url);
      await deleteRedisPrefix(redis, prefix);
      await redis.quit();
      await db.drop();
    },
  };
}

/** The Graph environment settings for the emulator (its token endpoint is HTTPS with its own CA). */
export function graphEnvironment(graph: GraphEmulator) {
  return { baseUrl: `${graph.httpsUrl}/v1.0`, authorityHost: graph.httpsUrl, caCertificate: graph.caCertificatePem,
    clientId: DEMO_CLIENT_ID, clientSecret: DEMO_CLIENT_SECRET, directoryId: 'demo.example' };
}
