import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { deleteKeysWithPrefix } from '../queue/redis.js';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/config.js';
import { issueCallbackCredential } from '../security/callback-credentials.js';
import { createPool } from '../store/pool.js';
import { migrate } from '../store/migrate.js';
import { withSystemScope, withTenant } from '../store/transaction.js';
import { activateSubscription, createPendingSubscription } from '../subscriptions/subscription-repository.js';
import { runLoad, type LoadResult } from './load.js';
import { benchSync } from './sync-bench.js';
import { freePort } from '../runtime/free-port.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RESULTS_FILE = `${ROOT}docs/benchmarks.md`;


/** Starts a TypeScript entry in its own Node process (one core for it, one for the load generator). */
async function startChild(args: string[], env: Record<string, string>, readyUrl: string): Promise<ChildProcess> {
  // BENCH_PROFILE_DIR=/tmp/prof writes a CPU profile per process, to see where the time goes.
  const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROFILE_DIR] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      await fetch(readyUrl, { method: 'GET' });
      return child;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  child.kill('SIGKILL');
  throw new Error(`${args.join(' ')} did not start`);
}

function cloudEvent(): string {
  return JSON.stringify({
    specversion: '1.0', id: randomUUID(), source: '/default/sap.s4.beh/BENCH/100', type: 'sap.s4.beh.appointment.v1.Appointment.Changed.v1',
    time: new Date().toISOString(), datacontenttype: 'application/json', data: { ActivityUUID: randomUUID(), ProcessType: 'ZVIS' },
  });
}

interface IngestionFigures { bare: LoadResult; durable: LoadResult; ratio: number; ewsBare: LoadResult; ewsDurable: LoadResult; ewsRatio: number }

/** A SendNotification as Exchange posts it; each call carries a new watermark (a new event). */
function ewsNotification(subscriptionId: string, sequence: number): string {
  return `<?xml version="1.0" encoding="utf-8"?><soap11:Envelope xmlns:soap11="http://schemas.xmlsoap.org/soap/envelope/"
 xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><soap11:Body>
<m:SendNotification><m:ResponseMessages><m:SendNotificationResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>
<m:Notification><t:SubscriptionId>${subscriptionId}</t:SubscriptionId><t:PreviousWatermark>W${sequence}</t:PreviousWatermark><t:MoreEvents>false</t:MoreEvents>
<t:ModifiedEvent><t:Watermark>W${sequence + 1}-${randomUUID()}</t:Watermark><t:TimeStamp>${new Date().toISOString()}</t:TimeStamp><t:ItemId Id="ITEM-${sequence}" ChangeKey="CK"/>
<t:ParentFolderId Id="CALENDAR"/></t:ModifiedEvent></m:Notification></m:SendNotificationResponseMessage></m:ResponseMessages></m:SendNotification></soap11:Body></soap11:Envelope>`;
}

async function benchIngestion(durationMs: number, connections: number): Promise<IngestionFigures> {
  const databaseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://127.0.0.1:5432/tandem_bench';
  const prefix = `tandem-bench:${Date.now()}`;
  await migrate(databaseUrl);
  const pool = createPool(databaseUrl, { max: 2 });
  await withSystemScope((tx) => tx.query(`INSERT INTO tenants (id) VALUES ('bench') ON CONFLICT DO NOTHING`), pool);
  await withTenant('bench', (tx) => tx.query('DELETE FROM callback_credentials'), pool);
  const credential = await withTenant('bench', (tx) => issueCallbackCredential(tx, 'bench', 'bench'), pool);
  const auth = `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}`;
  const headers = { 'content-type': 'application/cloudevents+json', authorization: auth };
  const load = (port: number) => runLoad({ url: `http://127.0.0.1:${port}/s4/events`, connections, durationMs, warmupMs: 2_000, headers, body: cloudEvent });
  // One EWS push subscription per connection: Exchange sends a subscription's pushes one after the
  // other (the next after our answer), so concurrency comes from many mailboxes, as in production.
  const subscriptions = await withTenant('bench', async (tx) => {
    await tx.query('DELETE FROM subscriptions');
    await tx.query('DELETE FROM mailboxes');
    await tx.query('DELETE FROM exchange_environments');
    const env = (await tx.query<{ id: string }>(`INSERT INTO exchange_environments (tenant_id, name, kind) VALUES ('bench', 'bench', 'ews-onprem') RETURNING id`)).rows[0]!;
    const created = [];
    for (let i = 0; i < connections; i++) {
      const mailbox = (await tx.query<{ id: string }>(`INSERT INTO mailboxes (tenant_id, environment_id, smtp_address) VALUES ('bench', $1, $2) RETURNING id`,
        [env.id, `bench${i}@bench.example`])).rows[0]!;
      const pending = await createPendingSubscription(tx, { tenantId: 'bench', mailboxId: mailbox.id, folder: 'calendar', backend: 'ews' });
      await activateSubscription(tx, pending.id, { remoteId: `BENCH-SUB-${i}` }, 5);
      created.push(pending);
    }
    return created;
  }, pool);
  const loadEws = (port: number) => runLoad({ url: (connection) => `http://127.0.0.1:${port}/ews/notifications/${subscriptions[connection]!.token}`,
    connections, durationMs, warmupMs: 2_000, headers: { 'content-type': 'text/xml; charset=utf-8' },
    body: (sequence, connection) => ewsNotification(`BENCH-SUB-${connection}`, sequence) });

  const barePort = await freePort();
  const bare = await startChild(['src/bench/bare-server.ts'], { PORT: String(barePort) }, `http://127.0.0.1:${barePort}/`);
  const bareResult = await load(barePort);
  const ewsBareResult = await loadEws(barePort).finally(() => bare.kill('SIGTERM'));

  const webPort = await freePort();
  const web = await startChild(['src/cli.ts', 'web'], { PORT: String(webPort), DATABASE_URL: databaseUrl, QUEUE_PREFIX: prefix, LOG_LEVEL: 'warn', AUTH_MODE: 'dev',
    TENANT_EVENTS_PER_SECOND: '1000000' },
    `http://127.0.0.1:${webPort}/health`);
  const durableResult = await load(webPort);
  const ewsDurableResult = await loadEws(webPort).finally(() => web.kill('SIGTERM'));

  // Leave nothing behind: the bench's queue keys and inbox rows.
  const redis = new Redis(loadConfig().redis.url);
  await deleteKeysWithPrefix(redis, prefix);
  await redis.quit();
  await withTenant('bench', (tx) => tx.query('DELETE FROM inbox'), pool);
  await pool.end();
  const ratio = (a: LoadResult, b: LoadResult) => Number((a.perSecond / Math.max(1, b.perSecond)).toFixed(2));
  return { bare: bareResult, durable: durableResult, ratio: ratio(durableResult, bareResult),
    ewsBare: ewsBareResult, ewsDurable: ewsDurableResult, ewsRatio: ratio(ewsDurableResult, ewsBareResult) };
}

function row(label: string, result: LoadResult): string {
  return `| ${label} | ${result.perSecond} | ${result.p50Ms} | ${result.p99Ms} | ${result.errors} |`;
}

/** `tandem bench` / `npm run bench`: runs the benchmarks and appends their figures to docs/benchmarks.md. */
export async function runBench(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { seconds: { type: 'string', default: '10' }, connections: { type: 'string', default: '32' },
    'no-write': { type: 'boolean', default: false }, only: { type: 'string' }, 'burst-events': { type: 'string', default: '1000' } } });
  const durationMs = Number(values.seconds) * 1000;
  const connections = Number(values.connections);
  const runIngestion = values.only !== 'sync';
  const runSync = values.only !== 'ingestion';
  process.stderr.write(`ingestion: ${connections} connections, ${values.seconds}s per run after 2s warm-up\n`);
  const ingestion = runIngestion ? await benchIngestion(durationMs, connections) : undefined;
  process.stderr.write('sync: 50 events/s steady, then a burst\n');
  const sync = runSync ? await benchSync({ steadyRate: 50, steadySeconds: Number(values.seconds), burstEvents: Number(values['burst-events']) }) : undefined;
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  const section = [
    `## ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC — ${machine}, load average ${loadavg().map((l) => l.toFixed(1)).join(' / ')}`,
    '',
    ...(ingestion ? [
      `S/4 event ingestion, ${connections} keep-alive connections, ${values.seconds}s measured:`,
      '',
      '| handler | requests/s | p50 ms | p99 ms | errors |',
      '|---|---|---|---|---|',
      row('bare Express (parse, 202, no storage)', ingestion.bare),
      row('Tandem POST /s4/events (auth, validate, inbox commit)', ingestion.durable),
      row('bare Express, same SOAP body', ingestion.ewsBare),
      row('Tandem POST /ews/notifications/{token} (lookup, safe XML parse, watermark, inbox commit)', ingestion.ewsDurable),
      '',
      `Durable / bare ratio: S/4 events **${ingestion.ratio}**, EWS notifications **${ingestion.ewsRatio}** (target ≥ 0.7; p99 target < 20 ms).`,
      '',
    ] : []),
    ...(sync ? [
      'End to end (web + worker + EWS and S/4 emulators on loopback), S/4 event accepted → item in the mailbox:',
      '',
      `- steady ${sync.steady.rate} events/s for ${sync.steady.events} events: ${sync.steady.completed} synced, p50 **${sync.steady.p50Ms} ms**, p99 **${sync.steady.p99Ms} ms** (targets: p50 < 150 ms, p99 < 1 s)`,
      `- burst of ${sync.burst.events} events: ${sync.burst.completed} synced in ${sync.burst.seconds} s = **${sync.burst.opsPerSecond} sync operations/s** (target ≥ 300)`,
      '',
    ] : []),
  ].join('\n');
  process.stdout.write(`${section}\n`);
  if (!values['no-write']) {
    await mkdir(`${ROOT}docs`, { recursive: true });
    const existing = await readFile(RESULTS_FILE, 'utf8').catch(() => '');
    if (!existing) await writeFile(RESULTS_FILE, '# Benchmarks\n\nAppended by `npm run bench`; newest last. Loopback only, on the 2-core development machine.\n\n');
    await appendFile(RESULTS_FILE, `${section}\n`);
  }
}
