import http from 'node:http';
import pg from 'pg';
import { Redis } from 'ioredis';
import { loadConfig, outboundPolicyOf } from '../config/config.js';
import { setOutboundPolicy } from '../security/outbound.js';
import { createS4Client } from '../connectors/s4/index.js';
import { DEMO } from '../demo/seed.js';
import { envelope } from '../connectors/exchange/ews/soap-xml.js';
import { connectionOptions } from '../store/pool.js';
import { freePort } from '../runtime/free-port.js';
import {
  appointmentInput,
  benchDatabaseUrl,
  dropWhenClosed,
  recreateDatabase,
  spawnTandem,
  waitForUrl,
} from './sync-bench.js';

/**
 * The floor of a sync operation: the client CPU of exactly the remote work one new appointment
 * needs — read it from S/4 (JSON), create it in EWS (a prebuilt SOAP string), one Postgres write
 * transaction — with node:http keep-alive and nothing else: no queue, no reconciliation, no
 * mapping. The worker's target (issue #20) is twice this figure, measured in the same run.
 *
 * Beside it, the client CPU of one round trip of each kind the worker makes, so that the worker's
 * cost per operation can be read as counts × unit costs (docs/benchmarks.md has the counts).
 */
export interface FloorFigures {
  operations: number;
  /** Client CPU ms per floor operation (S/4 read + EWS CreateItem + Postgres transaction). */
  floorMs: number;
  /** Client CPU µs per round trip, by kind. */
  roundTripUs: {
    postgresStatement: number;
    redisScript: number;
    s4ReadPlain: number;
    s4ReadConnector: number;
    ewsCreatePlain: number;
  };
}

const CONCURRENCY = 8;

/** Client CPU µs per call of `call`, run `count` times with CONCURRENCY in flight (after a warm-up). */
async function cpuPerCall(count: number, call: (i: number, lane: number) => Promise<unknown>): Promise<number> {
  const run = async (n: number) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async (_, lane) => {
        while (next < n) await call(next++, lane);
      }),
    );
  };
  await run(Math.min(200, count));
  const before = process.cpuUsage();
  await run(count);
  const used = process.cpuUsage(before);
  return Math.round((used.user + used.system) / count);
}

/** GET or POST on a keep-alive agent; resolves with the body, rejects on a status other than 2xx. */
function request(agent: http.Agent, url: URL, method: string, headers: http.OutgoingHttpHeaders, body?: string) {
  return new Promise<string>((resolve, reject) => {
    const req = http.request(url, { agent, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if ((res.statusCode ?? 0) >= 300)
          reject(new Error(`${method} ${url.pathname}: ${res.statusCode} ${text.slice(0, 200)}`));
        else resolve(text);
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const createItemSoap = (mailbox: string, i: number) =>
  envelope(
    { version: 'Exchange2016', impersonate: mailbox },
    '<m:CreateItem SendMeetingInvitations="SendToNone"><m:SavedItemFolderId><t:DistinguishedFolderId Id="calendar"/></m:SavedItemFolderId>' +
      `<m:Items><t:CalendarItem><t:Subject>Floor ${i}</t:Subject><t:Body BodyType="Text">floor</t:Body>` +
      `<t:Start>2027-01-0${1 + (i % 9)}T09:00:00Z</t:Start><t:End>2027-01-0${1 + (i % 9)}T10:00:00Z</t:End>` +
      '</t:CalendarItem></m:Items></m:CreateItem>',
  );

/** An empty database: the floor's one table needs no migrations. */
async function createDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = target.pathname.slice(1);
  target.pathname = '/postgres';
  const admin = new pg.Client(connectionOptions(target.toString()));
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  } finally {
    await admin.end();
  }
}

export async function benchFloor(operations = 1000): Promise<FloorFigures> {
  const { url: databaseUrl, own } = benchDatabaseUrl('BENCH_FLOOR_DATABASE_URL', 'tandem_bench_floor');
  await recreateDatabase(databaseUrl);
  await createDatabase(databaseUrl);
  const [ewsPort, s4Port] = [await freePort(), await freePort()];
  const config = loadConfig({ ...process.env, AUTH_MODE: 'dev' });
  // The bench's own S/4 client reaches the emulator on 127.0.0.1, as the dev configuration allows.
  setOutboundPolicy(outboundPolicyOf(config));
  const children = [
    spawnTandem(['emulate', 'ews', '--port', String(ewsPort)], { LOG_LEVEL: 'warn' }),
    spawnTandem(['emulate', 's4', '--port', String(s4Port)], { LOG_LEVEL: 'warn' }),
  ];
  const clients: pg.Client[] = [];
  const redis = new Redis(config.redis.url, { lazyConnect: true });
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  try {
    await Promise.all([
      waitForUrl(`http://127.0.0.1:${ewsPort}/_emulator/mailboxes/alice@demo.example/items`),
      waitForUrl(`http://127.0.0.1:${s4Port}/`),
    ]);
    for (let i = 0; i < CONCURRENCY; i++) {
      const client = new pg.Client(connectionOptions(databaseUrl));
      await client.connect();
      clients.push(client);
    }
    await clients[0]!.query(
      'CREATE TABLE floor_items (id bigserial PRIMARY KEY, tenant_id text NOT NULL, payload jsonb NOT NULL)',
    );
    await redis.connect();

    const s4 = createS4Client({
      kind: 'url',
      url: `http://127.0.0.1:${s4Port}`,
      username: 'TANDEM_COMM',
      password: 'demo-password',
      sapClient: '100',
    });
    const { uuid } = await s4.createAppointment(appointmentInput(new Date(Date.UTC(2027, 0, 4, 9)), 0));
    const s4Url = new URL(
      `/sap/opu/odata/sap/OP_API_ACTIVITY_APPOINTMENT_SRV_0001/A_AppointmentActivity(guid'${uuid}')?$expand=to_Partner,to_Text&$format=json&sap-client=100`,
      `http://127.0.0.1:${s4Port}`,
    );
    const s4Headers = {
      authorization: `Basic ${Buffer.from('TANDEM_COMM:demo-password').toString('base64')}`,
      accept: 'application/json',
    };
    const ewsUrl = new URL('/EWS/Exchange.asmx', `http://127.0.0.1:${ewsPort}`);
    const ewsHeaders = {
      authorization: `Basic ${Buffer.from(`${DEMO.ews.username}:${DEMO.ews.password}`).toString('base64')}`,
      'content-type': 'text/xml; charset=utf-8',
    };
    const readS4 = async () => JSON.parse(await request(agent, s4Url, 'GET', s4Headers)) as unknown;
    const createInEws = async (i: number) => {
      const answer = await request(agent, ewsUrl, 'POST', ewsHeaders, createItemSoap('alice@demo.example', i));
      if (!/ResponseClass="Success"/.test(answer) || !/<t:ItemId Id="/.test(answer))
        throw new Error(`EWS CreateItem failed: ${answer.slice(0, 300)}`);
    };
    const write = async (i: number, lane: number) => {
      const client = clients[lane]!;
      await client.query('BEGIN');
      await client.query({
        name: 'floor-insert',
        text: 'INSERT INTO floor_items (tenant_id, payload) VALUES ($1, $2)',
        values: [DEMO.tenantId, { i }],
      });
      await client.query('COMMIT');
    };
    redis.defineCommand('floorLease', {
      numberOfKeys: 1,
      lua: "return redis.call('SET', KEYS[1], ARGV[1], 'PX', 60000)",
    });
    const lease = redis as Redis & { floorLease(key: string, value: string): Promise<string> };
    const floorUs = await cpuPerCall(operations, async (i, lane) => {
      await readS4();
      await createInEws(i);
      await write(i, lane);
    });
    return {
      operations,
      floorMs: Number((floorUs / 1000).toFixed(2)),
      roundTripUs: {
        postgresStatement: await cpuPerCall(2 * operations, (i, lane) =>
          clients[lane]!.query({ name: 'floor-select', text: 'SELECT $1::int AS i', values: [i] }),
        ),
        redisScript: await cpuPerCall(2 * operations, (i) =>
          lease.floorLease(`tandem-bench-floor:${process.pid}:${i % 64}`, 'x'),
        ),
        s4ReadPlain: await cpuPerCall(operations, readS4),
        s4ReadConnector: await cpuPerCall(operations, () => s4.getAppointment(uuid)),
        ewsCreatePlain: await cpuPerCall(operations, createInEws),
      },
    };
  } finally {
    for (const child of children) child.kill('SIGTERM');
    agent.destroy();
    await Promise.all(clients.map((client) => client.end()));
    if (redis.status === 'ready') {
      const keys = await redis.keys(`tandem-bench-floor:${process.pid}:*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
    } else redis.disconnect();
    if (own) await dropWhenClosed(databaseUrl, children);
  }
}
