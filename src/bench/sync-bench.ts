import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { Redis } from 'ioredis';
import { deleteKeysWithPrefix } from '../queue/redis.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadConfig, outboundPolicyOf } from '../config/config.js';
import { setOutboundPolicy } from '../security/outbound.js';
import { createS4Client } from '../connectors/s4/index.js';
import { DEMO, seedDemoTenant } from '../demo/seed.js';
import { migrate } from '../store/migrate.js';
import { connectionOptions, createPool, type Pool } from '../store/pool.js';
import { withTenant } from '../store/transaction.js';
import { freePort } from '../runtime/free-port.js';
import { signDevToken } from '../security/dev-token.js';
import { pidSource, postgresCpuMs, redisCpuMs, startCpuWindow, type CpuPerOperation, type CpuSource } from './cpu.js';

export interface SyncFigures {
  steady: { rate: number; events: number; completed: number; p50Ms: number; p99Ms: number; cpu: CpuPerOperation[] };
  burst: { events: number; completed: number; seconds: number; opsPerSecond: number; cpu: CpuPerOperation[] };
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : 0;

/**
 * The database a bench phase runs in: the one the variable names, else one of this bench process's
 * own. A fixed default name let two benches at once (engineers sharing a machine) drop the
 * database under each other's running processes.
 */
export function benchDatabaseUrl(variable: string, name: string): { url: string; own: boolean } {
  const named = process.env[variable];
  return named ? { url: named, own: false } : { url: `postgres://127.0.0.1:5432/${name}_${process.pid}`, own: true };
}

export async function recreateDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = target.pathname.slice(1);
  target.pathname = '/postgres';
  const admin = new pg.Client(connectionOptions(target.toString()));
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
  await admin.end();
}

/** The i-th bench appointment; the demo users take turns as employee responsible, as a team's calendars would. */
export function appointmentInput(start: Date, i: number, users: ReadonlyArray<{ employeeBp: string }> = DEMO.users) {
  return {
    processType: 'ZVIS',
    subject: `Bench visit ${randomUUID().slice(0, 8)}`,
    start: start.toISOString(),
    end: new Date(start.getTime() + 3_600_000).toISOString(),
    timeZone: 'Europe/Berlin',
    partners: [{ partnerFunction: '00000014', businessPartner: users[i % users.length]!.employeeBp }],
  };
}

/**
 * Enables the demo users as an admin does (the cockpit starts each user's initial load) and waits
 * until the loads are done and the worker's cached user list has seen it: the measured state is a
 * tenant in normal operation, not one still onboarding.
 */
export async function runInitialLoads(webUrl: string, devTokenSecret: string): Promise<void> {
  const token = await signDevToken(devTokenSecret, { tenantId: DEMO.tenantId, scopes: ['Admin'], user: 'bench' });
  const api = async <T>(method: string, path: string): Promise<T> => {
    const response = await fetch(`${webUrl}/api/v1${path}`, { method, headers: { authorization: `Bearer ${token}` } });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  const users = (await api<{ items: Array<{ id: string }> }>('GET', '/users')).items;
  for (const user of users) await api('POST', `/users/${user.id}/initial-load`);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const states = await Promise.all(
      users.map(
        async (user) =>
          (await api<{ initialLoad: { state: string } | null }>('GET', `/users/${user.id}`)).initialLoad?.state,
      ),
    );
    if (states.every((state) => state === 'done')) break;
    if (Date.now() > deadline) throw new Error(`initial loads did not finish: ${states.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  // Workers reuse the user list for up to five seconds (TenantContexts).
  await new Promise((resolve) => setTimeout(resolve, 5_500));
}

/**
 * Per event: accepted (inbox received_at) → item written (journal entry of the create), from the
 * database; `at` is when that entry was written (epoch ms). Run once per phase, when the cheap
 * progress count says the phase is through: matching a thousand event ids costs Postgres tens of
 * milliseconds, and polling it once a second had added about 1 ms of Postgres CPU to every sync
 * operation of the burst window it measures.
 */
async function latencies(system: { web: { pool: Pool } }, eventIds: string[]): Promise<{ ms: number; at: number }[]> {
  return withTenant(
    DEMO.tenantId,
    async (tx) =>
      (
        await tx.query<{ ms: number; at: number }>(
          `SELECT extract(epoch FROM (j.at - i.received_at)) * 1000 AS ms, extract(epoch FROM j.at) * 1000 AS at
             FROM inbox i
             JOIN journal j ON j.correlation_id = i.correlation_id AND j.reason IN ('created.exchange', 'created.exchange.retry')
            WHERE i.source = 's4' AND i.event_id = ANY($1)`,
          [eventIds],
        )
      ).rows
        .map((r) => ({ ms: Number(r.ms), at: Number(r.at) }))
        .sort((a, b) => a.ms - b.ms),
    system.web.pool,
  );
}

/** S/4 events handled since `since` (epoch ms): one range of the inbox_done_at index, however many events are awaited. */
async function handledSince(system: { web: { pool: Pool } }, since: number): Promise<number> {
  return withTenant(
    DEMO.tenantId,
    async (tx) =>
      (
        await tx.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM inbox WHERE status = 'done' AND done_at >= to_timestamp($1 / 1000.0) AND source = 's4'`,
          [since],
        )
      ).rows[0]!.n,
    system.web.pool,
  );
}

/**
 * Waits until every event of a phase has its item written (or the deadline passes) and returns
 * their latencies. Progress is polled cheaply every 250 ms; the exact match runs when the count
 * says the phase is through (and again each second should it still miss an event — an event of
 * the previous phase handled late counts in the cheap figure too).
 */
async function awaitSynced(
  system: { web: { pool: Pool } },
  eventIds: string[],
  since: number,
  deadline: number,
): Promise<{ ms: number; at: number }[]> {
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  while ((await handledSince(system, since)) < eventIds.length && Date.now() < deadline) await pause(250);
  let synced = await latencies(system, eventIds);
  while (synced.length < eventIds.length && Date.now() < deadline) {
    await pause(1_000);
    synced = await latencies(system, eventIds);
  }
  return synced;
}

/** Starts `tandem <args>` from the sources in its own process, as production runs web and worker apart. */
export function spawnTandem(args: string[], env: Record<string, string>): ChildProcess {
  // BENCH_PROFILE_DIR=/tmp/prof writes a CPU profile per process, to see where the time goes;
  // BENCH_STDOUT=1 shows the children's log lines (e.g. to count the requests an emulator served).
  const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROFILE_DIR] : [];
  return spawn(process.execPath, [...profile, '--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', process.env.BENCH_STDOUT ? 'inherit' : 'ignore', 'inherit'],
  });
}

export async function waitForUrl(url: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  throw new Error(`${url} did not come up`);
}

/**
 * End-to-end figures against the emulators on loopback: latency from an S/4 event accepted to the
 * item present in the mailbox at a steady rate, and the sustained sync operations per second of a
 * burst. Web, worker and each emulator run in their own processes (as deployed: web and worker
 * are separate apps), so the two cores are shared the way production shares them.
 */
export async function benchSync(options: {
  steadyRate: number;
  steadySeconds: number;
  burstEvents: number;
}): Promise<SyncFigures> {
  const { url: databaseUrl, own } = benchDatabaseUrl('BENCH_SYNC_DATABASE_URL', 'tandem_bench_sync');
  await recreateDatabase(databaseUrl);
  await migrate(databaseUrl);
  const [webPort, ewsPort, s4Port] = [await freePort(), await freePort(), await freePort()];
  const prefix = `tandem-bench-sync:${Date.now()}`;
  const env = {
    DATABASE_URL: databaseUrl,
    QUEUE_PREFIX: prefix,
    PORT: String(webPort),
    PUBLIC_URL: `http://127.0.0.1:${webPort}`,
    LOG_LEVEL: 'warn',
    AUTH_MODE: 'dev',
    TENANT_EVENTS_PER_SECOND: '1000000',
  };
  const config = loadConfig({ ...process.env, ...env });
  // The bench's own S/4 client reaches the emulator on 127.0.0.1, as the dev configuration allows.
  setOutboundPolicy(outboundPolicyOf(config));
  // The S/4 emulator sends no events itself: the bench posts them, batched as an SM59 queue would.
  const [ews, s4] = [
    // At warn, as web and worker: `tandem emulate` logs every request at info, which measures
    // log formatting (to /dev/null here) rather than the protocol work.
    spawnTandem(['emulate', 'ews', '--port', String(ewsPort)], { LOG_LEVEL: 'warn' }),
    spawnTandem(['emulate', 's4', '--port', String(s4Port)], { LOG_LEVEL: 'warn' }),
  ];
  const children = [ews, s4];
  let pool: Pool | undefined;
  let redis: Redis | undefined;
  // Everything after the first spawn runs inside try: an emulator, web or worker that fails to
  // come up must not leave the other children running after the bench has given up.
  try {
    await Promise.all([
      waitForUrl(`http://127.0.0.1:${ewsPort}/_emulator/mailboxes/alice@demo.example/items`),
      waitForUrl(`http://127.0.0.1:${s4Port}/`),
    ]);
    const livePool = createPool(databaseUrl, { max: 4 });
    pool = livePool;
    await seedDemoTenant(pool, config, {
      ewsUrl: `http://127.0.0.1:${ewsPort}/EWS/Exchange.asmx`,
      s4Url: `http://127.0.0.1:${s4Port}`,
    });
    const [web, worker] = [spawnTandem(['web'], env), spawnTandem(['worker'], env)];
    children.push(web, worker);
    const liveRedis = new Redis(config.redis.url);
    redis = liveRedis;
    const database = new URL(databaseUrl).pathname.slice(1);
    // Per process of the system under test; the bench's own polling adds a little to Postgres.
    const cpuSources: CpuSource[] = [
      pidSource('worker', worker.pid),
      pidSource('web', web.pid),
      pidSource('EWS emulator', ews.pid),
      pidSource('S/4 emulator', s4.pid),
      { name: 'Postgres', read: () => postgresCpuMs(livePool, database) },
      { name: 'Redis (whole server)', read: () => redisCpuMs(liveRedis) },
    ];
    await waitForUrl(`http://127.0.0.1:${webPort}/health`);
    await runInitialLoads(`http://127.0.0.1:${webPort}`, config.devTokenSecret);
    const system = {
      web: { url: `http://127.0.0.1:${webPort}`, pool: livePool },
      s4: createS4Client({
        kind: 'url',
        url: `http://127.0.0.1:${s4Port}`,
        username: 'TANDEM_COMM',
        password: 'demo-password',
        sapClient: '100',
      }),
    };
    const auth = `Basic ${Buffer.from(`${DEMO.callback.username}:${DEMO.callback.password}`).toString('base64')}`;
    const post = async (uuids: string[]) => {
      const events = uuids.map((uuid) => ({
        specversion: '1.0',
        id: randomUUID(),
        source: '/default/sap.s4.beh/BENCH/100',
        type: 'sap.s4.beh.appointment.v1.Appointment.Created.v1',
        data: { ActivityUUID: uuid },
      }));
      const response = await fetch(`${system.web.url}/s4/events`, {
        method: 'POST',
        body: JSON.stringify(events),
        headers: { authorization: auth, 'content-type': 'application/cloudevents-batch+json' },
      });
      if (response.status !== 202) throw new Error(`events refused: ${response.status}`);
      return events.map((e) => e.id);
    };
    const base = Date.now() + 3 * 86_400_000;
    // Steady: one event every 1/rate seconds, each about a fresh appointment.
    const steadyIds: string[] = [];
    const total = options.steadyRate * options.steadySeconds;
    const created = await Promise.all(
      Array.from({ length: total }, (_, i) =>
        system.s4.createAppointment(appointmentInput(new Date(base + i * 3_600_000), i)),
      ),
    );
    const steadyCpu = await startCpuWindow(cpuSources);
    const started = Date.now();
    for (let i = 0; i < total; i++) {
      const due = started + (i * 1000) / options.steadyRate;
      if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
      steadyIds.push(...(await post([created[i]!.uuid])));
    }
    const steady = (await awaitSynced(system, steadyIds, started, Date.now() + 60_000)).map((entry) => entry.ms);
    const steadyCpuFigures = await steadyCpu.finish(steady.length);

    // Burst: many objects at once; sustained rate = completed syncs / time to drain.
    const burstObjects = await Promise.all(
      Array.from({ length: options.burstEvents }, (_, i) =>
        system.s4.createAppointment(appointmentInput(new Date(base + (total + i) * 3_600_000), i)),
      ),
    );
    const burstCpu = await startCpuWindow(cpuSources);
    const burstStart = Date.now();
    const burstIds: string[] = [];
    for (let i = 0; i < burstObjects.length; i += 100)
      burstIds.push(...(await post(burstObjects.slice(i, i + 100).map((o) => o.uuid))));
    const synced = await awaitSynced(system, burstIds, burstStart, Date.now() + 120_000);
    const completed = synced.length;
    const burstCpuFigures = await burstCpu.finish(completed);
    // Drained when the last item was written (journal time, same clock), not when the poll saw it.
    const seconds = (Math.max(burstStart + 1, ...synced.map((entry) => entry.at)) - burstStart) / 1000;
    return {
      steady: {
        rate: options.steadyRate,
        events: total,
        completed: steady.length,
        p50Ms: Math.round(percentile(steady, 50)),
        p99Ms: Math.round(percentile(steady, 99)),
        cpu: steadyCpuFigures,
      },
      burst: {
        events: burstIds.length,
        completed,
        seconds: Number(seconds.toFixed(1)),
        opsPerSecond: Math.round(completed / seconds),
        cpu: burstCpuFigures,
      },
    };
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await pool?.end();
    if (redis) {
      await deleteKeysWithPrefix(redis, prefix);
      await redis.quit();
    }
    if (own) await dropWhenClosed(databaseUrl, children);
  }
}

/**
 * Drops a bench's own database once its processes have exited (up to 10 s; the drop forces off
 * what is left), so a stopping worker does not log its connections being cut.
 */
export async function dropWhenClosed(url: string, children: ChildProcess[]): Promise<void> {
  const exited = (child: ChildProcess) =>
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await Promise.race([Promise.all(children.map(exited)), new Promise((resolve) => setTimeout(resolve, 10_000))]);
  await recreateDatabase(url).catch(() => undefined);
}
