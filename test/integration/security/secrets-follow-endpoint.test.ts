import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDevToken } from '../../../src/security/dev-token.js';
import { withSystemScope, withTenant } from '../../../src/store/transaction.js';
import { startTestService, type TestService } from '../../support/service.js';

/**
 * A stored secret goes only where it was entered for: changing any endpoint or authority of an
 * environment (url, baseUrl, authorityHost, directoryId, extra CA) or the S/4 URL needs the
 * secrets again, or an Admin could point the environment at their own host and press Test.
 */
let service: TestService;
let token: string;

beforeAll(async () => {
  service = await startTestService();
  await withSystemScope((tx) => tx.query(`INSERT INTO tenants (id) VALUES ('tenant-s')`), service.db.pool);
  token = await signDevToken(service.config.devTokenSecret, { tenantId: 'tenant-s', scopes: ['Admin'], user: 'admin' });
});
afterAll(async () => {
  await service?.stop();
});

async function api(method: string, path: string, body?: unknown) {
  const response = await fetch(`${service.web.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as any };
}

async function storedCiphertext(id: string): Promise<string> {
  return withTenant(
    'tenant-s',
    async (tx) =>
      (await tx.query<{ c: string }>('SELECT secret_ciphertext AS c FROM exchange_environments WHERE id = $1', [id]))
        .rows[0]!.c,
    service.db.pool,
  );
}

const onPrem = {
  kind: 'ews-onprem',
  name: 'On-prem',
  url: 'https://mail.example.com/EWS/Exchange.asmx',
  username: 'svc@example.com',
  password: 'pw-1',
};
const graph = {
  kind: 'graph',
  name: 'Graph',
  directoryId: 'contoso.onmicrosoft.com',
  clientId: 'client-1',
  clientSecret: 'secret-1',
};
const online = {
  kind: 'ews-online',
  name: 'Online',
  directoryId: 'contoso.onmicrosoft.com',
  clientId: 'client-2',
  certificate: {
    privateKeyPem: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----',
    thumbprint: 'a'.repeat(40),
  },
};

describe('stored secrets follow their endpoint', () => {
  it('refuses a new EWS url without the password (400 naming body.password) and keeps everything as it was', async () => {
    const created = await api('POST', '/environments', onPrem);
    expect(created.status).toBe(201);
    const before = await storedCiphertext(created.body.id);
    const { password: _p, ...withoutPassword } = onPrem;
    const moved = await api('PUT', `/environments/${created.body.id}`, {
      ...withoutPassword,
      url: 'https://attacker.example.net/EWS/Exchange.asmx',
    });
    expect(moved.status).toBe(400);
    expect(moved.body.code).toBe('VALIDATION_FAILED');
    expect(moved.body.errors).toEqual([expect.objectContaining({ path: 'body.password' })]);
    expect(await storedCiphertext(created.body.id)).toBe(before);
    expect((await api('GET', `/environments/${created.body.id}`)).body.connection.url).toBe(onPrem.url);

    // Same endpoint: secrets left out stay set (write-only fields).
    const renamed = await api('PUT', `/environments/${created.body.id}`, { ...withoutPassword, name: 'Renamed' });
    expect(renamed.status).toBe(200);
    expect(renamed.body.secretsSet).toEqual(['password']);
    // New endpoint with the password: fine.
    const withPassword = await api('PUT', `/environments/${created.body.id}`, {
      ...onPrem,
      url: 'https://mail2.example.com/EWS/Exchange.asmx',
    });
    expect(withPassword.status).toBe(200);
  });

  it('refuses a new extra CA without the password (a trusted CA decides who may answer)', async () => {
    const created = await api('POST', '/environments', { ...onPrem, name: 'CA' });
    const { password: _p, ...withoutPassword } = onPrem;
    const changed = await api('PUT', `/environments/${created.body.id}`, {
      ...withoutPassword,
      name: 'CA',
      caCertificate: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----',
    });
    expect(changed.status).toBe(400);
    expect(changed.body.errors.map((e: { path: string }) => e.path)).toEqual(['body.password']);
  });

  it.each([
    ['baseUrl', { baseUrl: 'https://graph.attacker.example.net/v1.0' }],
    ['authorityHost', { authorityHost: 'https://login.attacker.example.net' }],
    ['directoryId', { directoryId: 'attacker.onmicrosoft.com' }],
  ])('refuses a Graph environment whose %s changes without the client secret', async (field, change) => {
    const created = await api('POST', '/environments', { ...graph, name: `Graph ${field}` });
    expect(created.status).toBe(201);
    const before = await storedCiphertext(created.body.id);
    const { clientSecret: _s, ...withoutSecret } = graph;
    const moved = await api('PUT', `/environments/${created.body.id}`, {
      ...withoutSecret,
      name: `Graph ${field}`,
      ...change,
    });
    expect(moved.status).toBe(400);
    expect(moved.body.errors.map((e: { path: string }) => e.path)).toEqual(['body.clientSecret']);
    expect(moved.body.detail).toContain(field);
    expect(await storedCiphertext(created.body.id)).toBe(before);
  });

  it('names the certificate when an Exchange Online environment that uses one moves', async () => {
    const created = await api('POST', '/environments', online);
    expect(created.status).toBe(201);
    const { certificate: _c, ...withoutCertificate } = online;
    const moved = await api('PUT', `/environments/${created.body.id}`, {
      ...withoutCertificate,
      url: 'https://ews.attacker.example.net/EWS/Exchange.asmx',
    });
    expect(moved.status).toBe(400);
    expect(moved.body.errors.map((e: { path: string }) => e.path)).toEqual(['body.certificate']);
  });

  it('refuses a new S/4 url without the password and keeps the stored connection', async () => {
    const first = await api('PUT', '/s4-connection', {
      kind: 'url',
      url: 'https://s4.example.com',
      username: 'COMM',
      password: 's4-pw',
    });
    expect(first.status).toBe(200);
    const moved = await api('PUT', '/s4-connection', {
      kind: 'url',
      url: 'https://s4.attacker.example.net',
      username: 'COMM',
    });
    expect(moved.status).toBe(400);
    expect(moved.body.errors.map((e: { path: string }) => e.path)).toEqual(['body.password']);
    expect((await api('GET', '/s4-connection')).body.url).toBe('https://s4.example.com');
    // Same url, another user name: the password stays.
    const same = await api('PUT', '/s4-connection', { kind: 'url', url: 'https://s4.example.com', username: 'COMM2' });
    expect(same.status).toBe(200);
    expect(same.body.passwordSet).toBe(true);
  });
});
