import { randomUUID } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { loadConfig, outboundPolicyOf } from '../config/config.js';
import { createS4Client, type S4Client } from '../connectors/s4/index.js';
import { DEMO, seedDemoTenant, type SeedTenant } from '../demo/seed.js';
import { deleteKeysWithPrefix } from '../queue/redis.js';
import { freePort } from '../runtime/free-port.js';
import { setOutboundPolicy } from '../security/outbound.js';
import { migrate } from '../store/migrate.js';
import { createPool, type Pool } from '../store/pool.js';
import { withSystemScope, withTenant } from '../store/transaction.js';
import {
  appointmentInput,
  benchDatabaseUrl,
  dropWhenClosed,
  percentile,
  recreateDatabase,
  spawnTandem,
  waitForUrl,
} from './sync-bench.js';

/** Tenant B: its own users (own mailboxes in the EWS emulator) and callback credential, the same S/4 emulator. */
const TENANT_B: SeedTenant = {
  tenantId: 'bench-b',
  callback: { username: 'BENCH_B_S4', password: 'bench-b-callback-password' },
  users: [
    { smtpAddress: 'carol@demo.example', s4User: 'CAROL', employeeBp: 'EMP001' },
    { smtpAddress: 'dave@demo.example', s4User: 'DAVE', employeeBp: 'EMP002' },
  ],
};

export interface FairnessFigures {
  /** Tenant B's events per second, steady, in each phase. */
  rate: number;
  alone: { events: number; completed: number; p50Ms: number; p99Ms: number };
  during: { events: number; completed: number; p50Ms: number; p99Ms: number };
  /** Tenant A's burst: events posted, and how many of them were synced when B's last event was. */
  burst: { events: number; doneWhenBFinished: number };
  ratio: number;
}

/** Per event of `tenantId`: accepted (inbox received_at) → item written (journal entry of the create). */
async function latencies(pool: Pool, tenantId: string, eventIds: string[]): Promise<number[]> {
  return withTenant(
    tenantId,
    async (tx) =>
      (
        await tx.query<{ ms: number }>(
          `SELECT extract(epoch FROM (j.at - i.received_at)) * 1000 AS ms FROM inbox i
             JOIN journal j ON j.correlation_id = i.correlation_id AND j.reason IN ('created.exchange', 'created.exchange.retry')
            WHERE i.event_id = ANY($1)`,
          [eventIds],
        )
      ).rows
        .map((row) => Number(row.ms))
        .sort((a, b) => a - b),
    pool,
  );
}

/** Creates `count` appointments in S/4 for `users`, `parallel` at a time (as many S/4 users would). */
async function createAppointments(
  s4: S4Client,
  count: number,
  firstSlot: number,
  users: SeedTenant['users'],
): Promise<string[]> {
  const base = Date.now() + 2 * 86_400_000;
  const uuids: string[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < count) {
        const i = next++;
        const start = new Date(base + (firstSlot + i) * 900_000);
        uuids[i] = (await s4.createAppointment(appointmentInput(start, i, users))).uuid;
      }
    }),
  );
  return uuids;
}

type Poster = (uuids: string[]) => Promise<string[]>;

/** Posts S/4 events about `uuids` to web as the tenant's S/4 would (one CloudEvents batch). */
function poster(webUrl: string, tenant: SeedTenant): Poster {
  const auth = `Basic ${Buffer.from(`${tenant.callback.username}:${tenant.callback.password}`).toString('base64')}`;
  return async (uuids) => {
    const events = uuids.map((uuid) => ({
      specversion: '1.0',
      id: randomUUID(),
      source: '/default/sap.s4.beh/BENCH/100',
      type: 'sap.s4.beh.appointment.v1.Appointment.Created.v1',
      data: { ActivityUUID: uuid },
    }));
    const response = await fetch(`${webUrl}/s4/events`, {
      method: 'POST',
      body: JSON.stringify(events),
      headers: { authorization: auth, 'content-type': 'application/cloudevents-batch+json' },
    });
    if (response.status !== 202) throw new Error(`events refused: ${response.status} ${await response.text()}`);
    return events.map((event) => event.id);
  };
}

/** One event per 1/rate seconds, each about the next of `uuids`; returns the event ids. */
async function steady(post: Poster, uuids: string[], rate: number): Promise<string[]> {
  const ids: string[] = [];
  const started = Date.now();
  for (let i = 0; i < uuids.length; i++) {
    const due = started + (i * 1000) / rate;
    if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
    ids.push(...(await post([uuids[i]!])));
  }
  return ids;
}

async function waitForSync(pool: Pool, tenantId: string, ids: string[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let done = await latencies(pool, tenantId, ids);
  while (done.length < ids.length && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    done = await latencies(pool, tenantId, ids);
  }
  return done;
}

async function activeSubscriptions(pool: Pool): Promise<number> {
  return withSystemScope(
    async (tx) =>
      (await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM subscriptions WHERE state = 'active'`)).rows[0]!.n,
    pool,
  );
}

const summary = (events: number, sorted: number[]) => ({
  events,
  completed: sorted.length,
  p50Ms: Math.round(percentile(sorted, 50)),
  p99Ms: Math.round(percentile(sorted, 99)),
});

/**
 * Fairness between tenants (issue #19): tenant B's S/4 event → item-in-mailbox latency at a steady
 * rate, first alone, then while tenant A's burst of `burstEvents` events is being worked off. Web,
 * worker and the emulators run in their own processes as in benchSync; every child is killed on
 * the way out, also when the bench fails.
 */
export async function benchFairness(options: {
  burstEvents: number;
  rate: number;
  seconds: number;
}): Promise<FairnessFigures> {
  const { url: databaseUrl, own } = benchDatabaseUrl('BENCH_FAIRNESS_DATABASE_URL', 'tandem_bench_fairness');
  await recreateDatabase(databaseUrl);
  await migrate(databaseUrl);
  const [webPort, ewsPort, s4Port] = [await freePort(), await freePort(), await freePort()];
  const prefix = `tandem-bench-fairness:${Date.now()}`;
  const env = {
    DATABASE_URL: databaseUrl,
    QUEUE_PREFIX: prefix,
    PORT: String(webPort),
    PUBLIC_URL: `http://127.0.0.1:${webPort}`,
    LOG_LEVEL: 'warn',
    AUTH_MODE: 'dev',
    TENANT_EVENTS_PER_SECOND: '1000000',
    // The drift check would compare each tenant's S/4 changes (one S/4 for both here) with its links.
    DRIFT_CHECK_SECONDS: '3600',
  };
  const config = loadConfig({ ...process.env, ...env });
  setOutboundPolicy(outboundPolicyOf(config));
  const children: ChildProcess[] = [];
  const redis = new Redis(config.redis.url);
  const pool = createPool(databaseUrl, { max: 4 });
  try {
    const mailboxes = TENANT_B.users.map((user) => user.smtpAddress).join(',');
    children.push(
      spawnTandem(['emulate', 'ews', '--port', String(ewsPort), '--mailboxes', mailboxes], { LOG_LEVEL: 'warn' }),
      spawnTandem(['emulate', 's4', '--port', String(s4Port)], { LOG_LEVEL: 'warn' }),
    );
    await Promise.all([
      waitForUrl(`http://127.0.0.1:${ewsPort}/_emulator/mailboxes/alice@demo.example/items`),
      waitForUrl(`http://127.0.0.1:${s4Port}/`),
    ]);
    const urls = { ewsUrl: `http://127.0.0.1:${ewsPort}/EWS/Exchange.asmx`, s4Url: `http://127.0.0.1:${s4Port}` };
    await seedDemoTenant(pool, config, urls);
    await seedDemoTenant(pool, config, urls, TENANT_B);
    children.push(spawnTandem(['web'], env), spawnTandem(['worker'], env));
    await waitForUrl(`http://127.0.0.1:${webPort}/health`);
    // Both tenants' users have their three folders subscribed: the tenants are in normal operation.
    const deadline = Date.now() + 60_000;
    while ((await activeSubscriptions(pool)) < 12) {
      if (Date.now() > deadline) throw new Error('the users of both tenants were not subscribed within 60 s');
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const s4 = createS4Client({
      kind: 'url',
      url: urls.s4Url,
      username: 'TANDEM_COMM',
      password: 'demo-password',
      sapClient: '100',
    });
    const perPhase = options.rate * options.seconds;
    process.stderr.write(`fairness: creating ${options.burstEvents + 2 * perPhase} appointments in S/4\n`);
    const bAlone = await createAppointments(s4, perPhase, 0, TENANT_B.users);
    const bDuring = await createAppointments(s4, perPhase, perPhase, TENANT_B.users);
    const aBurst = await createAppointments(s4, options.burstEvents, 2 * perPhase, DEMO.users);
    const [postA, postB] = [
      poster(`http://127.0.0.1:${webPort}`, DEMO),
      poster(`http://127.0.0.1:${webPort}`, TENANT_B),
    ];

    process.stderr.write(`fairness: tenant B alone, ${options.rate} events/s for ${options.seconds} s\n`);
    const aloneIds = await steady(postB, bAlone, options.rate);
    const alone = await waitForSync(pool, TENANT_B.tenantId, aloneIds, 60_000);

    process.stderr.write(`fairness: tenant A posts ${options.burstEvents} events; tenant B as before\n`);
    const burstIds: string[] = [];
    for (let i = 0; i < aBurst.length; i += 100) burstIds.push(...(await postA(aBurst.slice(i, i + 100))));
    const duringIds = await steady(postB, bDuring, options.rate);
    const during = await waitForSync(pool, TENANT_B.tenantId, duringIds, 180_000);
    const doneWhenBFinished = (await latencies(pool, DEMO.tenantId, burstIds)).length;
    return {
      rate: options.rate,
      alone: summary(aloneIds.length, alone),
      during: summary(duringIds.length, during),
      burst: { events: burstIds.length, doneWhenBFinished },
      ratio: Number((percentile(during, 99) / Math.max(1, percentile(alone, 99))).toFixed(2)),
    };
  } finally {
    for (const child of children) child.kill('SIGKILL');
    await pool.end();
    await deleteKeysWithPrefix(redis, prefix);
    await redis.quit();
    if (own) await dropWhenClosed(databaseUrl, children);
  }
}
