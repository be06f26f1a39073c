import { loadConfig, type Config } from '../config/config.js';
import { createS4Client, type S4Client } from '../connectors/s4/index.js';
import { startEwsEmulator, type EwsEmulator } from '../emulators/ews/index.js';
import {
  DEMO_CLIENT_ID,
  DEMO_CLIENT_SECRET,
  startGraphEmulator,
  type GraphEmulator,
} from '../emulators/graph/index.js';
import { startS4Emulator, type S4Emulator } from '../emulators/s4/index.js';
import { startWeb, type RunningWeb } from '../runtime/web.js';
import { startWorkerProcess } from '../runtime/worker.js';
import { DEFAULT_STATUS_FREQUENCY_MINUTES } from '../connectors/exchange/ews/change-tracking.js';
import { logger } from '../logging/logger.js';
import { migrate } from '../store/migrate.js';
import { withTenant } from '../store/transaction.js';
import { forgetExchangeState } from '../subscriptions/subscription-repository.js';
import { DEMO, seedDemoTenant } from './seed.js';

export interface LocalSystemOptions {
  /** Environment overrides on top of process.env (DATABASE_URL, QUEUE_PREFIX, PORT, PUBLIC_URL, LOG_LEVEL…). */
  env?: Record<string, string>;
  ports?: { ews?: number; s4?: number; graph?: number };
  /** Mailboxes the EWS emulator hosts besides the seeded alice@ and bob@. */
  ewsMailboxes?: string[];
  /** Exchange's clock in the emulator (1 = real time); Tandem's silence threshold follows it. */
  ewsTimeScale?: number;
  statusFrequencyMinutes?: number;
  maintenanceEveryMs?: number;
  sweepIntervalMs?: number;
  /** How often the worker re-creates job schedulers a Redis flush removed (default 30 s). */
  schedulerCheckEveryMs?: number;
  /** Start the Graph emulator too (the demo does; most tests do not need it). */
  graph?: boolean;
  /** Put the demo users into a Graph environment pointed at the Graph emulator instead of EWS. */
  usersOnGraph?: boolean;
  /** Graph emulator users whose user principal name differs from their SMTP address (SMTP → UPN). */
  graphUserPrincipalNames?: Record<string, string>;
  /** S/4 event delivery retry while Tandem is down. */
  s4EventRetry?: { initialDelayMs: number; maxDelayMs: number };
  /** The S/4 emulator posts a heartbeat at start and then every this many ms, as the ABAP sender job does (default none). */
  s4HeartbeatMs?: number;
  /** Where `web` finds the built cockpit (the browser tests build it into a temporary folder). */
  cockpitDirs?: string[];
}

export interface LocalSystem {
  config: Config;
  web: RunningWeb;
  ews: EwsEmulator;
  s4Emulator: S4Emulator;
  graph: GraphEmulator | undefined;
  /** The demo environment the users are in (EWS, or Graph with `usersOnGraph`). */
  environmentId: string;
  /** The S/4 connector pointed at the emulator, to act as an S/4 user would. */
  s4: S4Client;
  /** Stops the worker (unfinished jobs go back to the queue, as on SIGTERM) and starts a new one. */
  restartWorker(): Promise<void>;
  stop(): Promise<void>;
}

/** Settings of a Graph environment pointed at the emulator (its token endpoint is HTTPS with its own CA). */
export function graphEnvironment(graph: GraphEmulator) {
  return {
    baseUrl: `${graph.httpsUrl}/v1.0`,
    authorityHost: graph.httpsUrl,
    caCertificate: graph.caCertificatePem,
    clientId: DEMO_CLIENT_ID,
    clientSecret: DEMO_CLIENT_SECRET,
    directoryId: 'demo.example',
  };
}

/**
 * The whole product on one machine — migrated database, EWS/S4(/Graph) emulators, web, worker and
 * the seeded demo tenant. `npm run demo`, the end-to-end tests and the benchmarks all start it
 * this way, so what the tests prove is what the demo shows.
 */
export async function startLocalSystem(options: LocalSystemOptions = {}): Promise<LocalSystem> {
  const config = loadConfig({ ...process.env, ...options.env });
  await migrate(config.databaseUrl);
  const webUrl = `http://127.0.0.1:${config.port}`;
  const ews = await startEwsEmulator({
    port: options.ports?.ews ?? 0,
    ...(options.ewsTimeScale ? { timeScale: options.ewsTimeScale } : {}),
    ...(options.ewsMailboxes ? { mailboxes: options.ewsMailboxes } : {}),
  });
  // Real time in the Graph emulator: its shortest subscription (45 minutes) must outlive a test run.
  const graph =
    options.graph || options.usersOnGraph
      ? await startGraphEmulator({
          port: options.ports?.graph ?? 0,
          ...(options.graphUserPrincipalNames ? { userPrincipalNames: options.graphUserPrincipalNames } : {}),
        })
      : undefined;
  const s4Emulator = await startS4Emulator({
    port: options.ports?.s4 ?? 0,
    eventsUrl: `${webUrl}/s4/events`,
    eventsAuth: DEMO.callback,
    ...(options.s4EventRetry ? { eventRetry: options.s4EventRetry } : {}),
    ...(options.s4HeartbeatMs ? { heartbeatMs: options.s4HeartbeatMs } : {}),
  });
  const web = await startWeb(config, {
    port: config.port,
    host: '127.0.0.1',
    ...(options.cockpitDirs ? { cockpitDirs: options.cockpitDirs } : {}),
  });
  const { environmentId } = await seedDemoTenant(web.pool, config, {
    ewsUrl: ews.ewsUrl,
    s4Url: s4Emulator.url,
    ...(options.usersOnGraph && graph ? { graph: graphEnvironment(graph) } : {}),
  });
  // The emulators keep everything in memory and start empty: subscriptions and sync states a
  // previous run left in the database point at nothing. Without this a restarted demo would be blind
  // for Outlook → S/4 until the missing heartbeats are noticed.
  const retired = await withTenant(DEMO.tenantId, (tx) => forgetExchangeState(tx, environmentId), web.pool);
  if (retired > 0) logger.info({ retired }, 'demo: the emulators started empty; subscribing again');
  const startWorker = () =>
    startWorkerProcess(config, {
      maintenanceEveryMs: options.maintenanceEveryMs ?? 5_000,
      ...(options.sweepIntervalMs ? { sweepIntervalMs: options.sweepIntervalMs } : {}),
      ...(options.schedulerCheckEveryMs ? { schedulerCheckEveryMs: options.schedulerCheckEveryMs } : {}),
      subscriptions: {
        statusFrequencyMinutes: options.statusFrequencyMinutes ?? DEFAULT_STATUS_FREQUENCY_MINUTES,
        timeScale: options.ewsTimeScale ?? 1,
      },
    });
  let worker = await startWorker();
  const s4 = createS4Client({
    kind: 'url',
    url: s4Emulator.url,
    username: 'TANDEM_COMM',
    password: 'demo-password',
    sapClient: '100',
  });
  return {
    config,
    web,
    ews,
    s4Emulator,
    graph,
    s4,
    environmentId,
    async restartWorker() {
      await worker.stopAll();
      worker = await startWorker();
    },
    async stop() {
      await worker.stopAll();
      await web.stop();
      await Promise.all([ews.close(), s4Emulator.close(), graph?.close()]);
    },
  };
}
