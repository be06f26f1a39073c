import { Redis } from 'ioredis';
import { startLocalSystem, type LocalSystem } from '../../src/demo/local-system.js';
import { createTestDatabase, uniqueRedisPrefix, type TestDatabase } from './database.js';
import { deleteRedisPrefix } from './service.js';
import { freePort } from '../../src/runtime/free-port.js';

export { graphEnvironment } from '../../src/demo/local-system.js';

/** Exchange's clock runs 20× faster in the EWS emulator: with the default StatusFrequency (1 min) heartbeats every 3 s, silence noticed after 4.5 s. */
const EWS_TIME_SCALE = 0.05;

export interface RunningSystem extends LocalSystem {
  db: TestDatabase;
  /**
   * Stops web, worker and emulators and starts them again on the same database, Redis prefix and
   * port, as a restarted `npm run demo` does: the emulators start empty, the database keeps what it held.
   */
  restart(): Promise<RunningSystem>;
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
  /** Graph users whose user principal name is not their SMTP address (SMTP → UPN). */
  graphUserPrincipalNames?: Record<string, string>;
  /** Mailboxes the EWS emulator hosts besides its seeded ones (e.g. a user added during the test). */
  ewsMailboxes?: string[];
  /** Exchange's clock in the EWS emulator (default 0.05, 20× faster); 1 runs it in real time. */
  ewsTimeScale?: number;
  /** Further configuration of web and worker (e.g. DRIFT_CHECK_SECONDS, TODO_POLL_SECONDS). */
  env?: Record<string, string>;
}

/** The product as `npm run demo` runs it, on ephemeral ports over a fresh database and Redis prefix. */
export async function startSystem(options: SystemOptions = {}): Promise<RunningSystem> {
  const db = await createTestDatabase();
  return startOn(db, uniqueRedisPrefix('system'), await freePort(), options);
}

async function startOn(db: TestDatabase, prefix: string, port: number, options: SystemOptions): Promise<RunningSystem> {
  const system = await startLocalSystem({
    env: {
      DATABASE_URL: db.url,
      QUEUE_PREFIX: prefix,
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      AUTH_MODE: 'dev',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
      ...options.env,
    },
    ewsTimeScale: options.ewsTimeScale ?? EWS_TIME_SCALE,
    maintenanceEveryMs: 500,
    sweepIntervalMs: 1_000,
    // A Redis flush (the convergence suite's `redisFlushed`) must not leave the system without maintenance for long.
    schedulerCheckEveryMs: 1_000,
    s4EventRetry: { initialDelayMs: 100, maxDelayMs: 1_000 },
    graph: options.withGraph ?? false,
    usersOnGraph: options.backend === 'graph',
    ...(options.graphUserPrincipalNames ? { graphUserPrincipalNames: options.graphUserPrincipalNames } : {}),
    ...(options.ewsMailboxes ? { ewsMailboxes: options.ewsMailboxes } : {}),
  });
  return {
    ...system,
    db,
    async restart() {
      await system.stop();
      return startOn(db, prefix, port, options);
    },
    async stop() {
      await system.stop();
      const redis = new Redis(system.config.redis.url);
      await deleteRedisPrefix(redis, prefix);
      await redis.quit();
      await db.drop();
    },
  };
}
