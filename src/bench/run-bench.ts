import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/config.js';
import { issueCallbackCredential } from '../security/callback-credentials.js';
import { createPool } from '../store/pool.js';
import { migrate } from '../store/migrate.js';
import { withSystemScope, withTenant } from '../store/transaction.js';
import { runLoad, type LoadResult } from './load.js';
import { benchSync } from './sync-bench.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RESULTS_FILE = `${ROOT}docs/benchmarks.md`;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** Starts a TypeScript entry in its own Node process (one core for it, one for the load generator). */
async function startChild(args: string[], env: Record<string, string>, readyUrl: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
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

interface IngestionFigures { bare: LoadResult; durable: LoadResult; ratio: number }

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

  const barePort = await freePort();
  const bare = await startChild(['src/bench/bare-server.ts'], { PORT: String(barePort) }, `http://127.0.0.1:${barePort}/`);
  const bareResult = await load(barePort).finally(() => bare.kill('SIGTERM'));

  const webPort = await freePort();
  const web = await startChild(['src/cli.ts', 'web'], { PORT: String(webPort), DATABASE_URL: databaseUrl, QUEUE_PREFIX: prefix, LOG_LEVEL: 'warn', AUTH_MODE: 'dev' },
    `http://127.0.0.1:${webPort}/health`);
  const durableResult = await load(webPort).finally(() => web.kill('SIGTERM'));

  // Leave nothing behind: the bench's queue keys and inbox rows.
  const redis = new Redis(loadConfig().redis.url);
  for (let cursor = '0'; ;) {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (keys.length) await redis.del(...keys);
    cursor = next;
    if (cursor === '0') break;
  }
  await redis.quit();
  await withTenant('bench', (tx) => tx.query('DELETE FROM inbox'), pool);
  await pool.end();
  return { bare: bareResult, durable: durableResult, ratio: Number((durableResult.perSecond / Math.max(1, bareResult.perSecond)).toFixed(2)) };
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
      '',
      `Durable / bare ratio: **${ingestion.ratio}** (target ≥ 0.7; p99 target < 20 ms).`,
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
