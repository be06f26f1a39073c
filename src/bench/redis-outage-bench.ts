import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { loadConfig, outboundPolicyOf } from '../config/config.js';
import { createS4Client, type S4Client } from '../connectors/s4/index.js';
import { DEMO, seedDemoTenant } from '../demo/seed.js';
import { freePort } from '../runtime/free-port.js';
import { signDevToken } from '../security/dev-token.js';
import { setOutboundPolicy } from '../security/outbound.js';
import { migrate } from '../store/migrate.js';
import { createPool, type Pool } from '../store/pool.js';
import { withTenant } from '../store/transaction.js';
import { appointmentInput, recreateDatabase, runInitialLoads, spawnTandem, waitForUrl } from './sync-bench.js';

/**
 * Issue #19, "memory of web and worker flat through a 10-minute Redis outage under load": web,
 * worker and the EWS and S/4 emulators run as processes of their own (as deployed) against a
 * redis-server of the bench's own, which the bench kills (or freezes) for the outage and brings
 * back, while S/4 events arrive at a steady rate. Each process's resident set (/proc) and heap
 * after garbage collection (src/bench/memory-probe.ts) are sampled throughout; every event
 * accepted must reach its mailbox once Redis is back. docs/operations.md "Outages of Redis or
 * PostgreSQL".
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PROBE = pathToFileURL(fileURLToPath(new URL('./memory-probe.ts', import.meta.url))).href;
const MIB = 2 ** 20;

export type Phase = 'before' | 'outage' | 'after' | 'drain';

/**
 * How the outage looks to the clients: `kill` ends redis-server and starts an empty one on the same
 * port (connections refused, then all data gone, as a crashed cache without persistence comes
 * back); `hang` freezes it with SIGSTOP and thaws it with SIGCONT (connections stay open and
 * commands get no answer, as a stuck or partitioned Redis).
 */
export type OutageMode = 'kill' | 'hang';

export interface RedisOutageOptions {
  /** S/4 events per second, each about a new appointment, offered through every phase but the drain. */
  rate: number;
  beforeSeconds: number;
  outageSeconds: number;
  afterSeconds: number;
  mode: OutageMode;
  sampleEveryMs: number;
  /** After the load stops: how long to wait for the last accepted event to reach its mailbox. */
  drainTimeoutSeconds: number;
  /** A migrated database to use as it is (a test's); without it the bench recreates its own. */
  databaseUrl?: string;
  /** Progress lines (a sample a minute, phase changes); silent without it. */
  log?: (line: string) => void;
}

export interface MemorySample {
  atMs: number;
  phase: Phase;
  rssBytes: number | undefined;
  heapBytes: number | undefined;
}

export interface ProcessMemory {
  name: string;
  /** MiB at the last sample before the outage, the last sample of the outage, the last sample of the run, and the largest. */
  rssMiB: { beforeOutage: number; endOfOutage: number; end: number; max: number };
  heapMiB: { beforeOutage: number; endOfOutage: number; end: number; max: number };
  /** Least-squares slope over the outage's samples, MiB per minute. */
  outageRssSlopeMiBPerMinute: number;
  outageHeapSlopeMiBPerMinute: number;
  samples: MemorySample[];
}

export interface AdminAnswer {
  status: number;
  code: string | undefined;
  ms: number;
}

export interface RedisOutageFigures {
  options: Omit<RedisOutageOptions, 'log' | 'databaseUrl'>;
  events: {
    offered: number;
    accepted: number;
    acceptedDuringOutage: number;
    /** Answers other than 202 (or no answer) from web. */
    refused: number;
    /** Ticks whose appointment the S/4 emulator did not create (overloaded machine): no event sent. */
    notSent: number;
    /** Ticks the load generator skipped because 100 offers were still unanswered (the machine fell behind). */
    skipped: number;
    delivered: number;
    deliveredOfOutage: number;
    /** Accepted events whose item was not in its mailbox when the drain ended. */
    lost: number;
    /** Accepted events whose inbox entry was not done when the drain ended (pending, processing or dead). */
    notDone: number;
    /** Items of this run found in the EWS emulator's mailboxes at the end. */
    itemsInMailboxes: number;
    /** From Redis back to the last event accepted during the outage synced. */
    outageBacklogDrainSeconds: number | undefined;
  };
  adminDuringOutage: AdminAnswer[];
  /** The dead letter the admin calls tried to retry is still dead afterwards (nothing changed). */
  deadLetterUnchanged: boolean;
  processes: ProcessMemory[];
  /** Lines web and worker wrote to stderr (the service logs to stdout: these went past the logger). */
  stderrLines: { web: number; worker: number };
  firstStderrLines: string[];
}

/** Resident set size in bytes from /proc/<pid>/status (VmRSS), or undefined when the process is gone. */
export function residentBytes(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Least-squares slope of `value` over `atMs`, per minute; 0 for fewer than two points. */
export function slopePerMinute(points: ReadonlyArray<{ atMs: number; value: number }>): number {
  if (points.length < 2) return 0;
  const meanT = points.reduce((sum, p) => sum + p.atMs, 0) / points.length;
  const meanV = points.reduce((sum, p) => sum + p.value, 0) / points.length;
  let covariance = 0;
  let variance = 0;
  for (const p of points) {
    covariance += (p.atMs - meanT) * (p.value - meanV);
    variance += (p.atMs - meanT) ** 2;
  }
  return variance === 0 ? 0 : (covariance / variance) * 60_000;
}

const mib = (bytes: number) => Number((bytes / MIB).toFixed(1));

/** The summary of one process's samples (RSS and heap in MiB). */
export function summarise(name: string, samples: MemorySample[]): ProcessMemory {
  const of = (pick: (s: MemorySample) => number | undefined) => {
    const known = samples.filter((s) => pick(s) !== undefined);
    const last = (phases: Phase[]) => {
      const inPhases = known.filter((s) => phases.includes(s.phase));
      const sample = inPhases[inPhases.length - 1];
      return sample ? mib(pick(sample)!) : Number.NaN;
    };
    const outage = known.filter((s) => s.phase === 'outage').map((s) => ({ atMs: s.atMs, value: pick(s)! / MIB }));
    return {
      figures: {
        beforeOutage: last(['before']),
        endOfOutage: last(['outage']),
        end: last(['before', 'outage', 'after', 'drain']),
        max: known.length ? mib(Math.max(...known.map((s) => pick(s)!))) : Number.NaN,
      },
      slope: Number(slopePerMinute(outage).toFixed(2)),
    };
  };
  const rss = of((s) => s.rssBytes);
  const heap = of((s) => s.heapBytes);
  return {
    name,
    rssMiB: rss.figures,
    heapMiB: heap.figures,
    outageRssSlopeMiBPerMinute: rss.slope,
    outageHeapSlopeMiBPerMinute: heap.slope,
    samples,
  };
}

/** A redis-server of the bench's own on a free port, without persistence, that the bench may kill or freeze. */
class OwnRedis {
  private process: ChildProcess | undefined;

  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const binary = process.env.REDIS_SERVER ?? 'redis-server';
    const child = spawn(
      binary,
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    child.on('error', () => undefined);
    this.process = child;
    const probe = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined);
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`${binary} exited at once (installed? port ${this.port} free?)`);
      try {
        await probe.connect();
        await probe.ping();
        break;
      } catch {
        probe.disconnect();
        if (Date.now() > deadline) throw new Error(`${binary} on port ${this.port} did not answer within 10 s`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    probe.disconnect();
  }

  /** SIGKILL, as a crash: no goodbye to the clients. */
  async kill(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }

  freeze(): void {
    this.process?.kill('SIGSTOP');
  }

  thaw(): void {
    this.process?.kill('SIGCONT');
  }
}

/**
 * Starts `tandem <args>` with the memory probe on an IPC channel, so the bench can ask for its
 * heap. Its stderr is passed on and its lines kept: the service logs to stdout, so anything there
 * is printed by a library behind the logger's back (an unhandled connection error, a warning).
 */
function spawnMeasured(args: string[], env: Record<string, string>, stderrLines: string[]): ChildProcess {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', '--import', PROBE, 'src/cli.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', process.env.BENCH_STDOUT ? 'inherit' : 'ignore', 'pipe', 'ipc'],
  });
  let partial = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    process.stderr.write(chunk);
    const lines = (partial + chunk).split('\n');
    partial = lines.pop()!;
    // Bounded: a flood would be the finding, not something to keep in full.
    for (const line of lines) if (line.trim() && stderrLines.length < 1_000) stderrLines.push(line);
  });
  return child;
}

/** The process's heap after GC, asked over IPC; undefined when it does not answer within 5 s. */
function heapOf(child: ChildProcess): Promise<number | undefined> {
  if (!child.connected) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      resolve(undefined);
    }, 5_000);
    const onMessage = (message: unknown) => {
      const heapUsed = (message as { heapUsed?: unknown }).heapUsed;
      if (typeof heapUsed !== 'number') return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(heapUsed);
    };
    child.on('message', onMessage);
    child.send('memory', (error) => {
      if (error) {
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(undefined);
      }
    });
  });
}

interface Offer {
  eventId: string;
  /** S/4 (the emulator) did not create the appointment, so no event was sent. */
  notSent: boolean;
  /** The appointment's ActivityUUID, once S/4 created it. */
  uuid: string | undefined;
  phase: Phase;
  accepted: boolean;
}

/**
 * S/4 at a fixed rate: each tick creates an appointment in the S/4 emulator and posts its Created
 * event to web, as S/4's event sender would. Ticks are not skipped for a slow answer (offers
 * overlap) unless 100 are unanswered.
 */
class SteadyS4 {
  readonly offers: Offer[] = [];
  skipped = 0;
  private inFlight = new Set<Promise<void>>();
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly s4: S4Client,
    private readonly webUrl: string,
    private readonly runId: string,
    private readonly phase: () => Phase,
  ) {}

  start(rate: number): void {
    const auth = `Basic ${Buffer.from(`${DEMO.callback.username}:${DEMO.callback.password}`).toString('base64')}`;
    const base = Date.now() + 2 * 86_400_000;
    const started = Date.now();
    this.loop = (async () => {
      for (let i = 0; !this.stopped; i++) {
        const due = started + (i * 1000) / rate;
        if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
        if (this.stopped) break;
        if (this.inFlight.size >= 100) {
          this.skipped += 1;
          continue;
        }
        const offer = this.offer(i, new Date(base + i * 900_000), auth);
        this.inFlight.add(offer);
        void offer.finally(() => this.inFlight.delete(offer));
      }
    })();
  }

  private async offer(i: number, start: Date, auth: string): Promise<void> {
    const phase = this.phase();
    const eventId = randomUUID();
    let accepted = false;
    let uuid: string | undefined;
    try {
      const appointment = await this.s4
        .createAppointment({ ...appointmentInput(start, i), subject: `Outage ${this.runId} #${i}` })
        .catch(() => undefined);
      if (!appointment) {
        this.offers.push({ eventId, notSent: true, uuid, phase, accepted });
        return;
      }
      uuid = appointment.uuid;
      const response = await fetch(`${this.webUrl}/s4/events`, {
        method: 'POST',
        body: JSON.stringify({
          specversion: '1.0',
          id: eventId,
          source: '/default/sap.s4.beh/BENCH/100',
          type: 'sap.s4.beh.appointment.v1.Appointment.Created.v1',
          datacontenttype: 'application/json',
          data: { ActivityUUID: appointment.uuid },
        }),
        headers: { authorization: auth, 'content-type': 'application/cloudevents+json' },
        signal: AbortSignal.timeout(30_000),
      });
      await response.arrayBuffer();
      accepted = response.status === 202;
    } catch {
      accepted = false;
    }
    this.offers.push({ eventId, notSent: false, uuid, phase, accepted });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    await Promise.all(this.inFlight);
  }
}

/**
 * Appointments among `uuids` written to Exchange (the create's journal entry), whichever run wrote
 * them: the event's own job, or the drift check's repair when it came first (it finds activities
 * whose event is still waiting for the sweeper).
 */
async function deliveredUuids(pool: Pool, uuids: string[]): Promise<Set<string>> {
  const rows = await withTenant(
    DEMO.tenantId,
    async (tx) =>
      (
        await tx.query<{ s4_key: string }>(
          `SELECT DISTINCT s4_key FROM journal
            WHERE s4_key = ANY($1) AND reason IN ('created.exchange', 'created.exchange.retry')`,
          [uuids],
        )
      ).rows,
    pool,
  );
  return new Set(rows.map((row) => row.s4_key));
}

/** Accepted events whose inbox entry is not done (still pending or processing, or dead). */
async function eventsNotDone(pool: Pool, eventIds: string[]): Promise<number> {
  return withTenant(
    DEMO.tenantId,
    async (tx) =>
      (
        await tx.query<{ n: number }>(
          // A join, not `event_id = ANY($1)`: no index leads with event_id, and comparing every row
          // with an array of 15,000 ids took 9 s of a Postgres core per poll in the 10-minute run.
          `SELECT count(*)::int AS n FROM inbox i JOIN unnest($1::text[]) AS e(id) ON i.event_id = e.id
            WHERE i.status <> 'done'`,
          [eventIds],
        )
      ).rows[0]!.n,
    pool,
  );
}

/** Items of this run (by subject) in the demo users' mailboxes of the EWS emulator. */
async function itemsOfRun(ewsUrl: string, runId: string): Promise<number> {
  let count = 0;
  for (const user of DEMO.users) {
    const response = await fetch(`${ewsUrl}/_emulator/mailboxes/${user.smtpAddress}/items`);
    const items = (await response.json()) as Array<{ subject?: string }> | { items: Array<{ subject?: string }> };
    const list = Array.isArray(items) ? items : items.items;
    count += list.filter((item) => item.subject?.startsWith(`Outage ${runId} #`)).length;
  }
  return count;
}

/** A dead letter for the admin calls to retry: a retry needs Redis, so during the outage it must answer 503. */
async function seedDeadLetter(pool: Pool): Promise<number> {
  return withTenant(
    DEMO.tenantId,
    async (tx) =>
      (
        await tx.query<{ id: number }>(
          `INSERT INTO inbox (tenant_id, source, event_id, type, subject, payload, correlation_id, status)
           VALUES ($1, 's4', $2, 'bench.dead', 's4:appointment:bench-dead', '{}', $2, 'dead') RETURNING id`,
          [DEMO.tenantId, randomUUID()],
        )
      ).rows[0]!.id,
    pool,
  );
}

async function statusOf(pool: Pool, inboxId: number): Promise<string | undefined> {
  return withTenant(
    DEMO.tenantId,
    async (tx) =>
      (await tx.query<{ status: string }>(`SELECT status FROM inbox WHERE id = $1`, [inboxId])).rows[0]?.status,
    pool,
  );
}

async function retryAnswer(webUrl: string, token: string, inboxId: number): Promise<AdminAnswer> {
  const started = Date.now();
  try {
    const response = await fetch(`${webUrl}/api/v1/dead-letters/${inboxId}/retry`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(30_000),
    });
    const body = (await response.json().catch(() => ({}))) as { code?: string };
    return { status: response.status, code: body.code, ms: Date.now() - started };
  } catch {
    return { status: 0, code: 'NO_ANSWER', ms: Date.now() - started };
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function benchRedisOutage(options: RedisOutageOptions): Promise<RedisOutageFigures> {
  const log = options.log ?? (() => undefined);
  const ownDatabase = options.databaseUrl === undefined;
  const databaseUrl =
    options.databaseUrl ??
    process.env.BENCH_OUTAGE_DATABASE_URL ??
    // One per run: the bench drops its database at the start and the end, which must not hit a
    // second run going on at the same time (it did: a short run ended a 10-minute one's drain).
    `postgres://127.0.0.1:5432/tandem_bench_redis_outage_${process.pid}`;
  if (ownDatabase) await recreateDatabase(databaseUrl);
  await migrate(databaseUrl);
  const redis = new OwnRedis(await freePort());
  await redis.start();
  const [webPort, ewsPort, s4Port] = [await freePort(), await freePort(), await freePort()];
  const env = {
    DATABASE_URL: databaseUrl,
    REDIS_URL: redis.url,
    QUEUE_PREFIX: `tandem-outage:${Date.now()}`,
    PORT: String(webPort),
    PUBLIC_URL: `http://127.0.0.1:${webPort}`,
    LOG_LEVEL: process.env.BENCH_CHILD_LOG_LEVEL ?? process.env.LOG_LEVEL ?? 'error',
    AUTH_MODE: 'dev',
    TENANT_EVENTS_PER_SECOND: '1000000',
  };
  const config = loadConfig({ ...process.env, ...env });
  setOutboundPolicy(outboundPolicyOf(config));
  const children: ChildProcess[] = [
    spawnTandem(['emulate', 'ews', '--port', String(ewsPort)], { LOG_LEVEL: 'warn' }),
    spawnTandem(['emulate', 's4', '--port', String(s4Port)], { LOG_LEVEL: 'warn' }),
  ];
  let pool: Pool | undefined;
  let load: SteadyS4 | undefined;
  const stderr = { web: [] as string[], worker: [] as string[] };
  try {
    const ewsUrl = `http://127.0.0.1:${ewsPort}`;
    await Promise.all([
      waitForUrl(`${ewsUrl}/_emulator/mailboxes/alice@demo.example/items`),
      waitForUrl(`http://127.0.0.1:${s4Port}/`),
    ]);
    pool = createPool(databaseUrl, { max: 3 });
    await seedDemoTenant(pool, config, { ewsUrl: `${ewsUrl}/EWS/Exchange.asmx`, s4Url: `http://127.0.0.1:${s4Port}` });
    const web = spawnMeasured(['web'], env, stderr.web);
    const worker = spawnMeasured(['worker'], env, stderr.worker);
    children.push(web, worker);
    const webUrl = `http://127.0.0.1:${webPort}`;
    await waitForUrl(`${webUrl}/health`);
    await runInitialLoads(webUrl, config.devTokenSecret);
    const deadLetter = await seedDeadLetter(pool);
    const adminToken = await signDevToken(config.devTokenSecret, {
      tenantId: DEMO.tenantId,
      scopes: ['Admin'],
      user: 'bench',
    });
    const s4 = createS4Client({
      kind: 'url',
      url: `http://127.0.0.1:${s4Port}`,
      username: 'TANDEM_COMM',
      password: 'demo-password',
      sapClient: '100',
    });

    let phase: Phase = 'before';
    const t0 = Date.now();
    const measured = { web, worker };
    const samples: Record<keyof typeof measured, MemorySample[]> = { web: [], worker: [] };
    let sampling = true;
    const sampler = (async () => {
      let lastLog = 0;
      while (sampling) {
        const atMs = Date.now() - t0;
        for (const [name, child] of Object.entries(measured) as Array<[keyof typeof measured, ChildProcess]>) {
          const heapBytes = await heapOf(child);
          samples[name].push({ atMs, phase, rssBytes: residentBytes(child.pid!), heapBytes });
        }
        if (atMs - lastLog >= 60_000) {
          lastLog = atMs;
          const last = (name: keyof typeof measured) => {
            const s = samples[name][samples[name].length - 1]!;
            return `${name} RSS ${s.rssBytes === undefined ? '?' : mib(s.rssBytes)} MiB heap ${s.heapBytes === undefined ? '?' : mib(s.heapBytes)} MiB`;
          };
          log(`${Math.round(atMs / 1000)} s (${phase}): ${last('web')}, ${last('worker')}`);
        }
        await sleep(Math.max(0, options.sampleEveryMs - (Date.now() - t0 - atMs)));
      }
    })();

    const runId = randomUUID().slice(0, 8);
    load = new SteadyS4(s4, webUrl, runId, () => phase);
    load.start(options.rate);
    log(`load ${options.rate} events/s; ${options.beforeSeconds} s before the outage`);
    await sleep(options.beforeSeconds * 1000);

    phase = 'outage';
    log(`Redis outage (${options.mode}) for ${options.outageSeconds} s`);
    if (options.mode === 'kill') await redis.kill();
    else redis.freeze();
    const outageEnds = Date.now() + options.outageSeconds * 1000;
    const adminDuringOutage: AdminAnswer[] = [];
    // The first call once the clients can have noticed (a refused reconnect, or a command timed out), then every 10 s.
    await sleep(Math.min(3_000, options.outageSeconds * 250));
    while (Date.now() < outageEnds - 1_000) {
      adminDuringOutage.push(await retryAnswer(webUrl, adminToken, deadLetter));
      await sleep(Math.min(10_000, Math.max(0, outageEnds - 1_000 - Date.now())));
    }
    await sleep(Math.max(0, outageEnds - Date.now()));

    phase = 'after';
    if (options.mode === 'kill') await redis.start();
    else redis.thaw();
    const backAt = Date.now();
    log(`Redis back; load goes on for ${options.afterSeconds} s`);
    await sleep(options.afterSeconds * 1000);
    await load.stop();

    phase = 'drain';
    const accepted = load.offers.filter((offer) => offer.accepted);
    // An accepted event always has its appointment (web is asked only after S/4 created it).
    const ofOutage = accepted.filter((offer) => offer.phase === 'outage').map((offer) => offer.uuid!);
    const acceptedUuids = accepted.map((offer) => offer.uuid!);
    log(`load stopped: ${accepted.length} events accepted; waiting up to ${options.drainTimeoutSeconds} s for them`);
    const drainDeadline = Date.now() + options.drainTimeoutSeconds * 1000;
    let delivered = await deliveredUuids(pool, acceptedUuids);
    let notDone = await eventsNotDone(
      pool,
      accepted.map((offer) => offer.eventId),
    );
    let outageDrainedAt: number | undefined;
    for (;;) {
      if (outageDrainedAt === undefined && ofOutage.every((id) => delivered.has(id))) outageDrainedAt = Date.now();
      if ((delivered.size >= acceptedUuids.length && notDone === 0) || Date.now() > drainDeadline) break;
      await sleep(5_000);
      delivered = await deliveredUuids(pool, acceptedUuids);
      notDone = await eventsNotDone(
        pool,
        accepted.map((offer) => offer.eventId),
      );
    }
    // A few samples after the backlog is gone: memory after the storm.
    await sleep(Math.min(30_000, options.sampleEveryMs * 3));
    sampling = false;
    await sampler;
    const itemsInMailboxes = await itemsOfRun(ewsUrl, runId);
    const deadLetterUnchanged = (await statusOf(pool, deadLetter)) === 'dead';
    const { log: _log, databaseUrl: _url, ...shown } = options;
    return {
      options: shown,
      events: {
        offered: load.offers.length,
        accepted: accepted.length,
        acceptedDuringOutage: ofOutage.length,
        refused: load.offers.filter((offer) => !offer.notSent && !offer.accepted).length,
        notSent: load.offers.filter((offer) => offer.notSent).length,
        skipped: load.skipped,
        delivered: delivered.size,
        deliveredOfOutage: ofOutage.filter((id) => delivered.has(id)).length,
        lost: acceptedUuids.length - delivered.size,
        notDone,
        itemsInMailboxes,
        outageBacklogDrainSeconds:
          outageDrainedAt === undefined ? undefined : Math.round((outageDrainedAt - backAt) / 1000),
      },
      adminDuringOutage,
      deadLetterUnchanged,
      processes: [summarise('web', samples.web), summarise('worker', samples.worker)],
      stderrLines: { web: stderr.web.length, worker: stderr.worker.length },
      firstStderrLines: [...stderr.web.slice(0, 3), ...stderr.worker.slice(0, 3)],
    };
  } finally {
    await load?.stop();
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        const hard = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(hard);
      }),
    );
    redis.thaw();
    await redis.kill();
    await pool?.end();
    if (ownDatabase) await recreateDatabase(databaseUrl).catch(() => undefined);
  }
}
