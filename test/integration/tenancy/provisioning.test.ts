import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDevToken, type Scope } from '../../../src/security/dev-token.js';
import { withSystemScope, withTenant } from '../../../src/store/transaction.js';
import { createTestDatabase, uniqueRedisPrefix, type TestDatabase } from '../../support/database.js';
import { testConfig, waitFor } from '../../support/service.js';
import { startWeb, type RunningWeb } from '../../../src/runtime/web.js';

let db: TestDatabase;
let web: RunningWeb;
let registry: http.Server;
const statusReports: Array<{ path: string; body: Record<string, unknown> }> = [];
let secret: string;

beforeAll(async () => {
  registry = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => { statusReports.push({ path: req.url ?? '', body: JSON.parse(body) }); res.end(); });
  }).listen(0, '127.0.0.1');
  await new Promise((resolve) => registry.once('listening', resolve));
  const registryUrl = `http://127.0.0.1:${(registry.address() as AddressInfo).port}`;
  db = await createTestDatabase();
  const config = testConfig(db, uniqueRedisPrefix('prov'));
  config.services.saasRegistry = { saas_registry_url: registryUrl };
  config.services.destination = { clientid: 'd', uri: 'https://destination.example', url: 'https://auth.example', xsappname: 'dest-xsapp!b1' };
  config.services.connectivity = { clientid: 'c', onpremise_proxy_host: 'proxy', xsappname: 'conn-xsapp!b2' };
  secret = config.devTokenSecret;
  web = await startWeb(config, { port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await web.stop();
  registry.close();
  await db.drop();
});

const token = (scopes: Scope[], tenantId = 'provider') => signDevToken(secret, { tenantId, scopes });
async function call(method: string, path: string, scopes: Scope[], headers: Record<string, string> = {}, body?: unknown) {
  const response = await fetch(`${web.url}${path}`, { method, headers: { authorization: `Bearer ${await token(scopes)}`, 'content-type': 'application/json', ...headers },
    ...(body ? { body: JSON.stringify(body) } : {}) });
  return { status: response.status, text: await response.text() };
}
const tenantExists = async (id: string) => withSystemScope(async (tx) => (await tx.query('SELECT state FROM tenants WHERE id = $1', [id])).rows[0]?.state, db.pool);

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
    const first = await call('PUT', '/callback/v1.0/tenants/zone-a', ['Callback'], {}, { subscribedTenantId: 'zone-a', subscribedSubdomain: 'customer-a' });
    expect(first.status).toBe(200);
    expect(first.text).toContain('/cockpit/');
    const again = await call('PUT', '/callback/v1.0/tenants/zone-a', ['Callback'], {}, { subscribedTenantId: 'zone-a', subscribedSubdomain: 'customer-a' });
    expect(again.status).toBe(200);
    expect(await tenantExists('zone-a')).toBe('active');
  });

  it('onboards asynchronously: 202 at once, then the outcome to the status callback', async () => {
    const response = await call('PUT', '/callback/v1.0/tenants/zone-b', ['Callback'], { STATUS_CALLBACK: '/api/v2.0/subscription/123/status' },
      { subscribedTenantId: 'zone-b', subscribedSubdomain: 'customer-b' });
    expect(response.status).toBe(202);
    const report = await waitFor(async () => statusReports.find((r) => r.path === '/api/v2.0/subscription/123/status'), 'status report');
    expect(report.body).toMatchObject({ status: 'SUCCEEDED' });
    expect(await tenantExists('zone-b')).toBe('active');
  });

  it('rejects a body naming another tenant than the path', async () => {
    expect((await call('PUT', '/callback/v1.0/tenants/zone-c', ['Callback'], {}, { subscribedTenantId: 'zone-d' })).status).toBe(400);
    expect((await call('PUT', '/callback/v1.0/tenants/bad%20id', ['Callback'], {}, {})).status).toBe(400);
  });

  it("offboards: deletes the tenant's data, leaves other tenants alone, and tolerates a repeat or a half-onboarded tenant", async () => {
    await withTenant('zone-a', (tx) => tx.query(`INSERT INTO journal (tenant_id, outcome, reason) VALUES ('zone-a', 'synced', 'x')`), db.pool);
    expect((await call('DELETE', '/callback/v1.0/tenants/zone-a', ['Callback'])).status).toBe(200);
    expect(await tenantExists('zone-a')).toBeUndefined();
    const leftovers = await withSystemScope(async (tx) => (await tx.query(`SELECT count(*)::int AS n FROM journal WHERE tenant_id = 'zone-a'`)).rows[0].n, db.pool);
    expect(leftovers).toBe(0);
    expect(await tenantExists('zone-b')).toBe('active');
    expect((await call('DELETE', '/callback/v1.0/tenants/zone-a', ['Callback'])).status).toBe(200);
    expect((await call('DELETE', '/callback/v1.0/tenants/never-onboarded', ['Callback'])).status).toBe(200);
  });
});
