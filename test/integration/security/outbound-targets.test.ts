import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UNREACHABLE_MESSAGE } from '../../../src/connectors/exchange/connection-test-failure.js';
import { signDevToken } from '../../../src/security/dev-token.js';
import { parseAllowedTargets, setOutboundPolicy, type OutboundPolicy } from '../../../src/security/outbound.js';
import { withSystemScope } from '../../../src/store/transaction.js';
import { startTestService, type TestService } from '../../support/service.js';

/**
 * Tenant-configured URLs outside AUTH_MODE=dev. `web` runs in this process; its outbound policy is
 * switched to the one every non-dev configuration gets (outboundPolicyOf, unit-tested), so the
 * requests below meet exactly the checks production makes.
 */
let service: TestService;
let token: string;
let server: net.Server;
let port: number;
let connections = 0;
const strict: OutboundPolicy = { mode: 'public', allowed: [], destinationsOnly: false };

beforeAll(async () => {
  service = await startTestService();
  await withSystemScope((tx) => tx.query(`INSERT INTO tenants (id) VALUES ('tenant-o')`), service.db.pool);
  token = await signDevToken(service.config.devTokenSecret, { tenantId: 'tenant-o', scopes: ['Admin'], user: 'admin' });
  // A "service on the provider network": accepts TCP and hangs up (no TLS, no HTTP).
  server = net.createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(async () => {
  setOutboundPolicy({ mode: 'dev', allowed: [], destinationsOnly: false });
  await new Promise<void>((resolve) => server.close(() => resolve()));
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

const onPrem = (url: string, name = url) => ({
  kind: 'ews-onprem',
  name,
  url,
  username: 'svc@example.com',
  password: 'pw',
  testMailbox: 'alice@example.com',
});

/** Stores an environment as a configuration saved before the policy existed would be (no validation on the way in). */
async function storedEnvironment(url: string): Promise<string> {
  setOutboundPolicy({ mode: 'dev', allowed: [], destinationsOnly: false });
  try {
    const created = await api('POST', '/environments', onPrem(url, `${url} ${Math.random()}`));
    expect(created.status).toBe(201);
    return created.body.id as string;
  } finally {
    setOutboundPolicy(strict);
  }
}

describe('tenant-configured URLs outside dev mode', () => {
  beforeAll(() => setOutboundPolicy(strict));

  it.each([
    ['http://mail.example.com/EWS/Exchange.asmx', 'must use https'],
    ['https://127.0.0.1/EWS/Exchange.asmx', 'loopback'],
    ['https://169.254.169.254/EWS/Exchange.asmx', 'linkLocal'],
    ['https://10.0.0.8/EWS/Exchange.asmx', 'private'],
    ['https://100.64.0.1/EWS/Exchange.asmx', 'carrierGradeNat'],
    ['https://[::ffff:169.254.169.254]/EWS/Exchange.asmx', 'linkLocal'],
    ['https://[fd00::1]/EWS/Exchange.asmx', 'uniqueLocal'],
    ['https://localhost/EWS/Exchange.asmx', 'this machine'],
  ])('refuses an EWS url %s with 400 at body.url', async (url, reason) => {
    const response = await api('POST', '/environments', onPrem(url));
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([{ path: 'body.url', message: expect.stringContaining(reason) }]);
  });

  it('refuses a Graph authority or base URL on a private address', async () => {
    const response = await api('POST', '/environments', {
      kind: 'graph',
      name: 'G',
      directoryId: 'd',
      clientId: 'c',
      clientSecret: 's',
      authorityHost: 'https://192.168.1.10',
      baseUrl: 'http://graph.example.com/v1.0',
    });
    expect(response.status).toBe(400);
    expect(response.body.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      'body.authorityHost',
      'body.baseUrl',
    ]);
  });

  it('refuses an S/4 url over http or to a private address', async () => {
    expect(
      (await api('PUT', '/s4-connection', { kind: 'url', url: 'http://s4.example.com', username: 'U', password: 'p' }))
        .status,
    ).toBe(400);
    const metadata = await api('PUT', '/s4-connection', {
      kind: 'url',
      url: 'https://169.254.169.254',
      username: 'U',
      password: 'p',
    });
    expect(metadata.body.errors).toEqual([{ path: 'body.url', message: expect.stringContaining('linkLocal') }]);
  });

  it('refuses the S/4 url kind on Cloud Foundry (destinations only)', async () => {
    setOutboundPolicy({ ...strict, destinationsOnly: true });
    try {
      const response = await api('PUT', '/s4-connection', {
        kind: 'url',
        url: 'https://s4.example.com',
        username: 'U',
        password: 'p',
      });
      expect(response.status).toBe(400);
      expect(response.body.errors.map((e: { path: string }) => e.path)).toEqual(['body.kind']);
    } finally {
      setOutboundPolicy(strict);
    }
  });

  it('never connects to a stored private target: the Test button refuses it when connecting (the name resolves to loopback)', async () => {
    const id = await storedEnvironment(`https://localhost:${port}/EWS/Exchange.asmx`);
    connections = 0;
    const tested = await api('POST', `/environments/${id}/test`);
    expect(tested.status).toBe(200);
    expect(tested.body.steps[0]).toMatchObject({ step: 'authenticate', ok: false, message: UNREACHABLE_MESSAGE });
    expect(connections).toBe(0);
  });

  it('says the same for a refused target, a closed port and a host that does not speak TLS', async () => {
    const refused = await storedEnvironment(`https://localhost:${port}/EWS/Exchange.asmx`);
    const closedPort = await storedEnvironment('https://localhost:1/EWS/Exchange.asmx');
    const noTls = await storedEnvironment(`https://localhost:${port}/EWS/Exchange.asmx`);
    // The operator allowed localhost: the last two reach the network, one finds nothing listening, one a non-TLS service.
    const messages: string[] = [];
    messages.push((await api('POST', `/environments/${refused}/test`)).body.steps[0].message);
    setOutboundPolicy({ ...strict, allowed: parseAllowedTargets('localhost') });
    connections = 0;
    messages.push((await api('POST', `/environments/${closedPort}/test`)).body.steps[0].message);
    messages.push((await api('POST', `/environments/${noTls}/test`)).body.steps[0].message);
    setOutboundPolicy(strict);
    expect(connections).toBeGreaterThan(0);
    expect(new Set(messages)).toEqual(new Set([UNREACHABLE_MESSAGE]));
  });
});
