import http from 'node:http';
import type { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDevToken, type Scope } from '../../../src/security/dev-token.js';
import { withSystemScope, withTenant } from '../../../src/store/transaction.js';
import { createTestDatabase, uniqueRedisPrefix, type TestDatabase } from '../../support/database.js';
import { testConfig, waitFor } from '../../support/service.js';
import type { Config } from '../../../src/config/config.js';
import { startProvisioningWorker } from '../../../src/tenants/provisioning-queue.js';
import { registryStatusReporter } from '../../../src/tenants/registry-status.js';

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
import { startWeb, type RunningWeb } from '../../../src/runtime/web.js';

let db: TestDatabase;
let provisioning: Worker | undefined;
let provisioningConnection: Redis | undefined;
/** The worker's part: runs the provisioning jobs web stored, reporting with the registry binding (xssec for the token). */
function startProvisioning(): void {
  provisioningConnection = new Redis(config.redis.url, { maxRetriesPerRequest: null });
  provisioning = startProvisioningWorker({
    pool: db.pool,
    connection: provisioningConnection,
    prefix: config.queuePrefix,
    report: registryStatusReporter(config.services.saasRegistry),
  });
}
let web: RunningWeb;
let registry: http.Server;
const statusReports: Array<{ path: string; body: Record<string, unknown> }> = [];
let secret: string;
let config: Config;
let registryUrl: string;
/** What the fake registry answers to the next status PUTs (then 200). */
const registryFailures: number[] = [];
const tokenRequests: Array<Record<string, string>> = [];

beforeAll(async () => {
  // The SaaS registry and its binding's token endpoint: the status PUT must carry a token of the registry's client.
  registry = http
    .createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        if (req.url === '/oauth/token') {
          tokenRequests.push(Object.fromEntries(new URLSearchParams(body)));
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ access_token: 'registry-token', token_type: 'bearer', expires_in: 3600 }));
          return;
        }
        if (req.headers.authorization !== 'Bearer registry-token') {
          res.writeHead(401).end();
          return;
        }
        const failure = registryFailures.shift();
        if (failure) {
          res.writeHead(failure).end();
          return;
        }
        statusReports.push({ path: req.url ?? '', body: JSON.parse(body) });
        res.end();
      });
    })
    .listen(0, '127.0.0.1');
  await new Promise((resolve) => registry.once('listening', resolve));
  registryUrl = `http://127.0.0.1:${(registry.address() as AddressInfo).port}`;
  db = await createTestDatabase();
  config = testConfig(db, uniqueRedisPrefix('prov'));
  config.services.saasRegistry = {
    saas_registry_url: registryUrl,
    url: registryUrl,
    clientid: 'sb-registry!b1',
    clientsecret: 'registry-secret',
    uaadomain: '127.0.0.1',
    xsappname: 'registry!b1',
  };
  config.services.destination = {
    clientid: 'd',
    uri: 'https://destination.example',
    url: 'https://auth.example',
    xsappname: 'dest-xsapp!b1',
  };
  config.services.connectivity = { clientid: 'c', onpremise_proxy_host: 'proxy', xsappname: 'conn-xsapp!b2' };
  secret = config.devTokenSecret;
  web = await startWeb(config, { port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await provisioning?.close();
  await provisioningConnection?.quit();
  await web.stop();
  registry.close();
  await db.drop();
});

const token = (scopes: Scope[], tenantId = 'provider') => signDevToken(secret, { tenantId, scopes });
async function call(
  method: string,
  path: string,
  scopes: Scope[],
  headers: Record<string, string> = {},
  body?: unknown,
) {
  const response = await fetch(`${web.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${await token(scopes)}`, 'content-type': 'application/json', ...headers },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, text: await response.text() };
}
const tenantExists = async (id: string) =>
  withSystemScope(
    async (tx) => (await tx.query('SELECT state FROM tenants WHERE id = $1', [id])).rows[0]?.state,
    db.pool,
  );

describe('SaaS provisioning callbacks', () => {
  it('refuses callers without the Callback scope', async () => {
    expect((await call('PUT', '/callback/v1.0/tenants/zone-x', ['Admin'], {}, {})).status).toBe(403);
    expect((await fetch(`${web.url}/callback/v1.0/tenants/zone-x`, { method: 'PUT' })).status).toBe(401);
    expect(await tenantExists('zone-x')).toBeUndefined();
  });

  it('names destination and connectivity as dependencies', async () => {
    const response = await call('GET', '/callback/v1.0/dependencies', ['Callback']);
    expect(JSON.parse(response.text)).toEqual([{ xsappname: 'dest-xsapp!b1' }, { xsappname: 'conn-xsapp!b2' }]);
  });

  it('onboards synchronously and idempotently, answering the subscription URL', async () => {
    const first = await call(
      'PUT',
      '/callback/v1.0/tenants/zone-a',
      ['Callback'],
      {},
      { subscribedTenantId: 'zone-a', subscribedSubdomain: 'customer-a' },
    );
    expect(first.status).toBe(200);
    expect(first.text).toContain('/cockpit/');
    const again = await call(
      'PUT',
      '/callback/v1.0/tenants/zone-a',
      ['Callback'],
      {},
      { subscribedTenantId: 'zone-a', subscribedSubdomain: 'customer-a' },
    );
    expect(again.status).toBe(200);
    expect(await tenantExists('zone-a')).toBe('active');
  });

  it('onboards asynchronously from a durable job: 202 once stored, the outcome reported even though no worker ran at the time', async () => {
    // No worker is running: in-memory work would be lost with a restart; the job waits in Redis.
    const response = await call(
      'PUT',
      '/callback/v1.0/tenants/zone-b',
      ['Callback'],
      { STATUS_CALLBACK: '/api/v2.0/subscription/123/status' },
      { subscribedTenantId: 'zone-b', subscribedSubdomain: 'customer-b' },
    );
    expect(response.status).toBe(202);
    await settle(500);
    expect(await tenantExists('zone-b')).toBeUndefined();
    expect(statusReports.find((r) => r.path === '/api/v2.0/subscription/123/status')).toBeUndefined();

    // The registry is briefly unavailable: the report is retried with backoff.
    registryFailures.push(503, 502);
    startProvisioning();
    const report = await waitFor(
      async () => statusReports.find((r) => r.path === '/api/v2.0/subscription/123/status'),
      'status report',
      30_000,
    );
    expect(report.body).toMatchObject({ status: 'SUCCEEDED' });
    expect(registryFailures).toEqual([]);
    expect(await tenantExists('zone-b')).toBe('active');
    // The token came from the binding's own client (xssec client-credentials grant).
    expect(tokenRequests.at(-1)).toMatchObject({
      grant_type: 'client_credentials',
      client_id: 'sb-registry!b1',
      client_secret: 'registry-secret',
    });
  });

  it.each([
    'https://attacker.example/collect',
    '//attacker.example/collect',
    'http:/attacker.example',
    '/\\attacker.example/x',
    'api/v2.0/relative',
  ])(
    'accepts only a path as STATUS_CALLBACK, so the registry token goes nowhere else (%s → 400, nothing set up)',
    async (callback) => {
      const before = statusReports.length;
      const response = await call(
        'PUT',
        '/callback/v1.0/tenants/zone-evil',
        ['Callback'],
        { STATUS_CALLBACK: callback },
        { subscribedTenantId: 'zone-evil' },
      );
      expect(response.status).toBe(400);
      expect(await tenantExists('zone-evil')).toBeUndefined();
      const removal = await call('DELETE', '/callback/v1.0/tenants/zone-b', ['Callback'], {
        STATUS_CALLBACK: callback,
      });
      expect(removal.status).toBe(400);
      expect(await tenantExists('zone-b')).toBe('active');
      expect(statusReports.length).toBe(before);
    },
  );

  it('rejects a body naming another tenant than the path', async () => {
    expect(
      (await call('PUT', '/callback/v1.0/tenants/zone-c', ['Callback'], {}, { subscribedTenantId: 'zone-d' })).status,
    ).toBe(400);
    expect((await call('PUT', '/callback/v1.0/tenants/bad%20id', ['Callback'], {}, {})).status).toBe(400);
  });

  it("offboards: deletes the tenant's data, leaves other tenants alone, and tolerates a repeat or a half-onboarded tenant", async () => {
    await withTenant(
      'zone-a',
      (tx) => tx.query(`INSERT INTO journal (tenant_id, outcome, reason) VALUES ('zone-a', 'synced', 'x')`),
      db.pool,
    );
    expect((await call('DELETE', '/callback/v1.0/tenants/zone-a', ['Callback'])).status).toBe(200);
    expect(await tenantExists('zone-a')).toBeUndefined();
    const leftovers = await withSystemScope(
      async (tx) => (await tx.query(`SELECT count(*)::int AS n FROM journal WHERE tenant_id = 'zone-a'`)).rows[0].n,
      db.pool,
    );
    expect(leftovers).toBe(0);
    expect(await tenantExists('zone-b')).toBe('active');
    expect((await call('DELETE', '/callback/v1.0/tenants/zone-a', ['Callback'])).status).toBe(200);
    expect((await call('DELETE', '/callback/v1.0/tenants/never-onboarded', ['Callback'])).status).toBe(200);
  });
});
