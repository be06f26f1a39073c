import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDevToken, type Scope } from '../../../src/security/dev-token.js';
import { migrate } from '../../../src/store/migrate.js';
import { withSystemScope, withTenant } from '../../../src/store/transaction.js';
import { createTestDatabase, uniqueRedisPrefix, type TestDatabase } from '../../support/database.js';
import { testConfig, waitFor } from '../../support/service.js';
import { freePort } from '../../../src/runtime/free-port.js';
import { startS4Emulator, type S4Emulator } from '../../../src/emulators/s4/index.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const SECRETS = ['Sup3r-Secret-EWS-Passw0rd', 'client-secret-value-123456'];
let db: TestDatabase;
let web: ChildProcess;
let baseUrl: string;
let devSecret: string;
let logs = '';
// Users are checked against S/4: the emulator's demo data has employees EMP001 (user ALICE) and EMP002 (user BOB).
let s4: S4Emulator;

beforeAll(async () => {
  s4 = await startS4Emulator({ port: 0 });
  db = await createTestDatabase();
  await migrate(db.url);
  devSecret = testConfig(db, 'x').devTokenSecret;
  await withSystemScope((tx) => tx.query(`INSERT INTO tenants (id) VALUES ('tenant-a'), ('tenant-b')`), db.pool);
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  // A real `tandem web` process at debug level, so the test can grep everything it logs.
  web = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'web'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      DATABASE_URL: db.url,
      QUEUE_PREFIX: uniqueRedisPrefix('admin'),
      PORT: String(port),
      LOG_LEVEL: 'debug',
      AUTH_MODE: 'dev',
    },
  });
  web.stdout!.on('data', (chunk: Buffer) => {
    logs += chunk.toString();
  });
  web.stderr!.on('data', (chunk: Buffer) => {
    logs += chunk.toString();
  });
  await waitFor(
    async () =>
      (await fetch(`${baseUrl}/health`).then(
        (r) => r.ok,
        () => false,
      )) || undefined,
    'web to start',
  );
});
afterAll(async () => {
  web.kill('SIGTERM');
  await new Promise((resolve) => web.once('exit', resolve));
  await db.drop();
  await s4.close();
});

async function api(
  tenant: string,
  scopes: Scope[],
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
) {
  const token = await signDevToken(devSecret, { tenantId: tenant, scopes, user: `${tenant}-user` });
  const response = await fetch(`${baseUrl}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as any, text };
}

const ewsEnvironment = (name: string) => ({
  kind: 'ews-onprem',
  name,
  url: 'https://mail.example.com/EWS/Exchange.asmx',
  username: 'svc@example.com',
  password: SECRETS[0],
  testMailbox: 'alice@example.com',
});

describe('admin API', () => {
  let envA: string;
  let envB: string;
  let userA: string;

  it('creates environments with write-only secrets that never come back', async () => {
    const created = await api('tenant-a', ['Admin'], 'POST', '/environments', ewsEnvironment('Germany'));
    expect(created.status).toBe(201);
    expect(created.body.secretsSet).toEqual(['password']);
    expect(created.text).not.toContain(SECRETS[0]);
    envA = created.body.id;
    const graph = await api('tenant-b', ['Admin'], 'POST', '/environments', {
      kind: 'graph',
      name: 'Online',
      directoryId: 'contoso.onmicrosoft.com',
      clientId: '3f2b1c4d-5e6f-4a1b-8c9d-0e1f2a3b4c5d',
      clientSecret: SECRETS[1],
    });
    expect(graph.status).toBe(201);
    envB = graph.body.id;
    const listed = await api('tenant-b', ['Support'], 'GET', '/environments');
    expect(JSON.stringify(listed.body)).not.toContain(SECRETS[1]);
    const stored = await withTenant(
      'tenant-b',
      async (tx) => JSON.stringify((await tx.query('SELECT * FROM exchange_environments')).rows),
      db.pool,
    );
    expect(stored).not.toContain(SECRETS[1]);
  });

  it('marks only ews-online environments with the retirement of EWS in Exchange Online', async () => {
    const online = await api('tenant-a', ['Admin'], 'POST', '/environments', {
      kind: 'ews-online',
      name: 'EWS Online',
      directoryId: 'contoso.onmicrosoft.com',
      clientId: '3f2b1c4d-5e6f-4a1b-8c9d-0e1f2a3b4c5d',
      clientSecret: SECRETS[1],
    });
    expect(online.status).toBe(201);
    const retirement = {
      blockedByDefaultFrom: '2026-10-01',
      switchedOffOn: '2027-04-01',
      moveTo: 'graph',
      message: expect.stringContaining('2027-04-01'),
    };
    expect(online.body.retirement).toEqual(retirement);
    expect((await api('tenant-a', ['Support'], 'GET', `/environments/${online.body.id}`)).body.retirement).toEqual(
      retirement,
    );
    const listed = (await api('tenant-a', ['Support'], 'GET', '/environments')).body.items as {
      kind: string;
      retirement?: unknown;
    }[];
    expect(listed.find((e) => e.kind === 'ews-online')?.retirement).toEqual(retirement);
    expect(listed.find((e) => e.kind === 'ews-onprem')).toBeDefined();
    expect(listed.find((e) => e.kind === 'ews-onprem')).not.toHaveProperty('retirement');
    expect((await api('tenant-b', ['Support'], 'GET', `/environments/${envB}`)).body).not.toHaveProperty('retirement');
    // Read-only: a client cannot set or clear it, and removing the environment leaves the others as they were.
    const updated = await api('tenant-a', ['Admin'], 'PUT', `/environments/${online.body.id}`, {
      kind: 'ews-online',
      name: 'EWS Online',
      directoryId: 'contoso.onmicrosoft.com',
      clientId: '3f2b1c4d-5e6f-4a1b-8c9d-0e1f2a3b4c5d',
      retirement: { switchedOffOn: '2099-01-01' },
    });
    expect(updated.body.retirement).toEqual(retirement);
    expect((await api('tenant-a', ['Admin'], 'DELETE', `/environments/${online.body.id}`)).status).toBe(204);
  });

  it('keeps a secret that an update leaves out, and names the field of a bad value', async () => {
    const { password: _p, ...withoutPassword } = ewsEnvironment('Germany');
    const updated = await api('tenant-a', ['Admin'], 'PUT', `/environments/${envA}`, {
      ...withoutPassword,
      maxConcurrency: 4,
    });
    expect(updated.body).toMatchObject({ maxConcurrency: 4, secretsSet: ['password'] });
    const bad = await api('tenant-a', ['Admin'], 'POST', '/environments', {
      ...ewsEnvironment('X'),
      url: 'not a url',
      maxConcurrency: 0,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['body.maxConcurrency', 'body.url']);
  });

  it('adds, finds and pages users, and imports a CSV with a per-row report', async () => {
    for (const tenant of ['tenant-a', 'tenant-b']) {
      expect(
        (
          await api(tenant, ['Admin'], 'PUT', '/s4-connection', {
            kind: 'url',
            url: s4.url,
            username: 'TANDEM_COMM',
            password: 'demo-password',
          })
        ).status,
      ).toBe(200);
    }
    const created = await api('tenant-a', ['Admin'], 'POST', '/users', {
      smtpAddress: 'alice@example.com',
      environmentId: envA,
      employeeBp: 'EMP001',
    });
    expect(created.status).toBe(201);
    userA = created.body.id;
    const duplicate = await api('tenant-a', ['Admin'], 'POST', '/users', {
      smtpAddress: 'ALICE@example.com',
      environmentId: envA,
      employeeBp: 'EMP001',
    });
    expect(duplicate.status).toBe(409);
    const csv = [
      'smtpAddress,environment,s4User,employeeBp,appointments,tasks,contacts',
      'bob@example.com,Germany,BOB,EMP002,yes,no,yes',
      'carol@example.com,Nowhere,CAROL,EMP003,,,',
      'not-an-address,Germany,X,EMP004,,,',
      'alice@example.com,Germany,ALICE,EMP001,no,,',
      'dan@example.com,Germany,,EMP404,,,',
      'erin@example.com,Germany,NOBODY,,,,',
    ].join('\n');
    const report = await api('tenant-a', ['Admin'], 'POST', '/users/import', csv, 'text/csv');
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({ created: 1, updated: 1, failed: 4 });
    expect(report.body.rows[4]).toMatchObject({
      row: 6,
      outcome: 'error',
      message: 'employeeBp: business partner EMP404 does not exist in S/4HANA',
    });
    expect(report.body.rows[5]).toMatchObject({
      row: 7,
      outcome: 'error',
      message: expect.stringContaining('no employee business partner in S/4HANA has the user NOBODY'),
    });
    expect(report.body.rows[1]).toMatchObject({
      row: 3,
      outcome: 'error',
      message: expect.stringContaining('unknown environment "Nowhere"'),
    });
    expect(report.body.rows[2]).toMatchObject({
      row: 4,
      outcome: 'error',
      message: expect.stringContaining('smtpAddress'),
    });
    const search = await api('tenant-a', ['Support'], 'GET', '/users?search=bob&limit=10');
    expect(search.body.total).toBe(1);
    expect(search.body.items[0]).toMatchObject({ smtpAddress: 'bob@example.com', syncTasks: false });
    // One by one: an S/4 user alone is resolved to its employee BP; an unknown or non-employee BP is refused with the field named.
    const byUser = await api('tenant-a', ['Admin'], 'POST', '/users', {
      smtpAddress: 'bob.two@example.com',
      environmentId: envA,
      s4User: 'bob',
    });
    expect(byUser).toMatchObject({ status: 201, body: { employeeBp: 'EMP002', s4User: 'BOB' } });
    expect((await api('tenant-a', ['Admin'], 'DELETE', `/users/${byUser.body.id}`)).status).toBe(204);
    const unknown = await api('tenant-a', ['Admin'], 'POST', '/users', {
      smtpAddress: 'x@example.com',
      environmentId: envA,
      employeeBp: 'EMP404',
    });
    expect(unknown).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    expect(JSON.stringify(unknown.body)).toContain('business partner EMP404 does not exist in S/4HANA');
    const notEmployee = await api('tenant-a', ['Admin'], 'POST', '/users', {
      smtpAddress: 'x@example.com',
      environmentId: envA,
      employeeBp: '10100001',
    });
    expect(notEmployee.status).toBe(400);
    expect(JSON.stringify(notEmployee.body)).toContain('is not an employee');
    const mismatch = await api('tenant-a', ['Admin'], 'POST', '/users', {
      smtpAddress: 'x@example.com',
      environmentId: envA,
      employeeBp: 'EMP001',
      s4User: 'BOB',
    });
    expect(JSON.stringify(mismatch.body)).toContain('S/4 user BOB does not belong to business partner EMP001');
    expect((await api('tenant-a', ['Admin'], 'PATCH', `/users/${userA}`, { employeeBp: 'EMP404' })).status).toBe(400);

    const paged = await api('tenant-a', ['Support'], 'GET', '/users?limit=1&offset=1');
    expect(paged.body).toMatchObject({
      total: 2,
      items: [expect.objectContaining({ smtpAddress: 'bob@example.com' })],
    });

    // Added and imported users start their initial load at once: one inbox event each, committed with the user.
    expect(created.body.initialLoad).toMatchObject({ state: 'queued', done: 0 });
    expect(search.body.items[0].initialLoad).toMatchObject({ state: 'queued' });
    const loads = await withTenant(
      'tenant-a',
      async (tx) =>
        (
          await tx.query<{ subject: string }>(
            `SELECT subject FROM inbox WHERE type = 'tandem.mailbox.initial-load' ORDER BY id`,
          )
        ).rows.map((r) => r.subject),
      db.pool,
    );
    expect(loads).toEqual(
      expect.arrayContaining([`mailbox:${userA}:initial-load`, `mailbox:${search.body.items[0].id}:initial-load`]),
    );
    expect(loads).toHaveLength(3); // and bob.two's, added by S/4 user and removed
  });

  it("never shows or changes another tenant's objects, whatever ids are sent", async () => {
    expect((await api('tenant-b', ['Admin'], 'GET', `/users/${userA}`)).status).toBe(404);
    expect((await api('tenant-b', ['Admin'], 'PATCH', `/users/${userA}`, { enabled: false })).status).toBe(404);
    expect((await api('tenant-b', ['Admin'], 'DELETE', `/users/${userA}`)).status).toBe(404);
    expect((await api('tenant-b', ['Admin'], 'GET', `/environments/${envA}`)).status).toBe(404);
    // Moving another tenant's users, or into another tenant's environment: neither environment is visible.
    expect((await api('tenant-b', ['Admin'], 'POST', `/environments/${envA}/move-users`, { to: envB })).status).toBe(
      404,
    );
    expect((await api('tenant-a', ['Admin'], 'POST', `/environments/${envA}/move-users`, { to: envB })).status).toBe(
      400,
    );
    expect((await api('tenant-a', ['Admin'], 'GET', `/users/${userA}`)).body).toMatchObject({ environmentId: envA });
    const planted = await api('tenant-b', ['Admin'], 'POST', '/users', {
      smtpAddress: 'mallory@example.com',
      environmentId: envA,
      employeeBp: 'EMP9',
    });
    expect(planted.status).toBe(400);
    expect((await api('tenant-b', ['Support'], 'GET', '/users')).body.total).toBe(0);
    expect((await api('tenant-a', ['Admin'], 'GET', `/users/${userA}`)).body.enabled).toBe(true);
    expect((await api('tenant-a', ['Admin'], 'GET', `/environments/${envB}`)).status).toBe(404);
  });

  it('lets Support read but not change anything', async () => {
    expect((await api('tenant-a', ['Support'], 'GET', '/users')).status).toBe(200);
    expect((await api('tenant-a', ['Support'], 'GET', '/status')).status).toBe(200);
    expect((await api('tenant-a', ['Support'], 'PATCH', `/users/${userA}`, { enabled: false })).status).toBe(403);
    expect((await api('tenant-a', ['Support'], 'POST', '/environments', ewsEnvironment('Y'))).status).toBe(403);
    expect((await api('tenant-a', ['Support'], 'POST', '/callback-credentials')).status).toBe(403);
    expect((await api('tenant-a', ['Callback'], 'GET', '/users')).status).toBe(403);
  });

  it('issues callback credentials shown once, two at a time, revocable', async () => {
    const first = await api('tenant-a', ['Admin'], 'POST', '/callback-credentials');
    const second = await api('tenant-a', ['Admin'], 'POST', '/callback-credentials');
    expect(first.status).toBe(201);
    expect(first.body.password.length).toBeGreaterThan(20);
    expect((await api('tenant-a', ['Admin'], 'POST', '/callback-credentials')).status).toBe(409);
    const listed = await api('tenant-a', ['Admin'], 'GET', '/callback-credentials');
    expect(listed.text).not.toContain(first.body.password);
    expect((await api('tenant-a', ['Admin'], 'DELETE', `/callback-credentials/${first.body.id}`)).status).toBe(204);
    expect((await api('tenant-a', ['Admin'], 'POST', '/callback-credentials')).status).toBe(201);
    expect((await api('tenant-b', ['Admin'], 'DELETE', `/callback-credentials/${second.body.id}`)).status).toBe(404);
    SECRETS.push(first.body.password, second.body.password);
  });

  it('queries the journal with filters and keyset pages', async () => {
    await withTenant(
      'tenant-a',
      (tx) =>
        tx.query(`INSERT INTO journal (tenant_id, s4_key, outcome, reason, correlation_id)
      SELECT 'tenant-a', 'OBJ-' || (g % 3), CASE WHEN g % 2 = 0 THEN 'synced' ELSE 'skipped' END, 'test', 'corr-' || g FROM generate_series(1, 30) g`),
      db.pool,
    );
    const first = await api('tenant-a', ['Support'], 'GET', '/journal?s4Key=OBJ-1&limit=5');
    expect(first.body.items).toHaveLength(5);
    expect(first.body.items.every((e: { s4Key: string }) => e.s4Key === 'OBJ-1')).toBe(true);
    const second = await api(
      'tenant-a',
      ['Support'],
      'GET',
      `/journal?s4Key=OBJ-1&limit=5&before=${first.body.nextBefore}`,
    );
    expect(second.body.items).toHaveLength(5);
    expect(second.body.nextBefore).toBeUndefined();
    expect((await api('tenant-a', ['Support'], 'GET', '/journal?outcome=exploded')).status).toBe(400);
    expect((await api('tenant-b', ['Support'], 'GET', '/journal?s4Key=OBJ-1')).body.items).toEqual([]);
  });

  it('publishes an OpenAPI 3.1 document that validates and lists exactly the mounted routes', async () => {
    const response = await fetch(`${baseUrl}/api/v1/openapi.json`);
    const document = (await response.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    const result = await new Validator().validate(document as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(document.openapi).toBe('3.1.0');
    const environmentSchema = (document as { components?: { schemas?: Record<string, any> } }).components?.schemas
      ?.ExchangeEnvironment;
    expect(Object.keys(environmentSchema?.properties?.retirement?.properties ?? {}).sort()).toEqual([
      'blockedByDefaultFrom',
      'message',
      'moveTo',
      'switchedOffOn',
    ]);
    const { adminRouteDefinitions } = await import('../../../src/http/admin/routes.js');
    const { toOpenApiPath } = await import('../../../src/http/admin/api-route.js');
    const routes = adminRouteDefinitions({} as never)
      .map((route) => `${route.method} ${toOpenApiPath(route.path)}`)
      .sort();
    const documented = Object.entries(document.paths)
      .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method} ${path}`))
      .sort();
    expect(documented).toEqual(routes);
    // Every documented operation answers (not 404) on the running service.
    for (const entry of documented) {
      const [method, path] = entry.split(' ') as [string, string];
      const concrete = path.replace('/api/v1', '').replace('{id}', '00000000-0000-4000-8000-000000000000');
      const answer = await api('tenant-a', ['Support'], method.toUpperCase(), concrete);
      expect(answer.body?.code === 'NOT_FOUND' && answer.body?.detail?.startsWith('No route'), entry).toBe(false);
    }
  });

  it('never writes a secret into the logs', async () => {
    // The EWS notification URL carries the subscription's secret token: the access log names the route, not the path.
    const notificationToken = 'n0tif1cat10n-t0ken-that-must-stay-secret';
    expect(
      (
        await fetch(`${baseUrl}/ews/notifications/${notificationToken}`, {
          method: 'POST',
          body: '<x/>',
          headers: { 'content-type': 'text/xml' },
        })
      ).status,
    ).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(logs.length).toBeGreaterThan(0);
    expect(logs).toContain('/ews/notifications/:token');
    expect(logs).not.toContain(notificationToken);
    for (const secret of SECRETS) expect(logs).not.toContain(secret);
  });
});
