import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../../src/config/config.js';
import { createTokenVerifier, type TokenVerifier } from '../../../src/http/auth/authenticate.js';
import { startWeb, type RunningWeb } from '../../../src/runtime/web.js';
import { withSystemScope } from '../../../src/store/transaction.js';
import { createTestDatabase, uniqueRedisPrefix, type TestDatabase } from '../../support/database.js';

/**
 * AUTH_MODE=xsuaa on the real @sap/xssec v4 code path, against a local XSUAA stand-in that only
 * serves `/token_keys` over HTTPS. xssec v4 fetches the JWKS from `https://<uaadomain>/token_keys?zid=<zid>`
 * (XsuaaService.jwksBaseUrl: the binding's uaadomain, https forced; the token's `jku` is not used for
 * XSUAA), so uaadomain `localhost:<port>` points it here. xssec's requests go through
 * `https.request` without an agent option, so the self-signed CA is trusted through the global agent
 * for this test only (in production XSUAA has a public certificate).
 */
const XSAPPNAME = 'tandem!t1';
const CLIENT_ID = 'sb-tandem!t1';
const KID = 'key-id-1';

let dir: string;
let server: https.Server;
let port: number;
let key: CryptoKey;
let otherKey: CryptoKey;
let jwksRequests: string[] = [];
let previousCa: unknown;
let verify: TokenVerifier;
let config: Config;
let db: TestDatabase;
let web: RunningWeb;
let webUrl: string;

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: 'ignore' });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tandem-xsuaa-'));
  openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    join(dir, 'key.pem'),
    '-out',
    join(dir, 'cert.pem'),
    '-days',
    '1',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ]);
  const tls = { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  rmSync(dir, { recursive: true, force: true });

  const pair = await generateKeyPair('RS256');
  key = pair.privateKey;
  otherKey = (await generateKeyPair('RS256')).privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: KID, alg: 'RS256', use: 'sig' };
  server = https.createServer(tls, (req, res) => {
    jwksRequests.push(req.url ?? '');
    if (!req.url?.startsWith('/token_keys')) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  previousCa = https.globalAgent.options.ca;
  https.globalAgent.options.ca = tls.cert;

  db = await createTestDatabase();
  await withSystemScope((tx) => tx.query(`INSERT INTO tenants (id) VALUES ('tenant-a')`), db.pool);
  const credentials = {
    clientid: CLIENT_ID,
    clientsecret: 'not-used-for-validation',
    xsappname: XSAPPNAME,
    url: `https://tenant-a.localhost:${port}`,
    uaadomain: `localhost:${port}`,
    identityzone: 'tenant-a',
    tenantmode: 'shared',
  };
  config = loadConfig({
    ...process.env,
    DATABASE_URL: db.url,
    QUEUE_PREFIX: uniqueRedisPrefix('xsuaa'),
    AUTH_MODE: 'xsuaa',
    TANDEM_SECRET_KEY: `test:${Buffer.alloc(32, 3).toString('base64')}`,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    VCAP_SERVICES: JSON.stringify({ xsuaa: [{ name: 'tandem-uaa', label: 'xsuaa', tags: ['xsuaa'], credentials }] }),
  });
  verify = createTokenVerifier(config);
  web = await startWeb(config, { port: 0, host: '127.0.0.1' });
  webUrl = web.url;
}, 60_000);

afterAll(async () => {
  await web?.stop();
  await db?.drop();
  https.globalAgent.options.ca = previousCa as never;
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** An XSUAA user token as the approuter forwards it (claims as XSUAA issues them). */
async function token(
  overrides: JWTPayload = {},
  options: { signWith?: CryptoKey; expiresIn?: number } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    zid: 'tenant-a',
    cid: CLIENT_ID,
    client_id: CLIENT_ID,
    azp: CLIENT_ID,
    grant_type: 'authorization_code',
    user_name: 'ada@tenant-a.example',
    origin: 'sap.default',
    scope: ['openid', `${XSAPPNAME}.Admin`],
    aud: [XSAPPNAME, CLIENT_ID, 'openid'],
    iss: `https://tenant-a.localhost:${port}/oauth/token`,
    ext_attr: { enhancer: 'XSUAA', zdn: 'tenant-a' },
    ...overrides,
  })
    .setProtectedHeader({ alg: 'RS256', kid: KID, jku: `https://tenant-a.localhost:${port}/token_keys`, typ: 'JWT' })
    .setIssuedAt(now - 60)
    .setExpirationTime(now + (options.expiresIn ?? 600))
    .sign(options.signWith ?? key);
}

async function listUsers(jwt: string): Promise<number> {
  const response = await fetch(`${webUrl}/api/v1/users`, { headers: { authorization: `Bearer ${jwt}` } });
  await response.arrayBuffer();
  return response.status;
}

describe('XSUAA tokens through @sap/xssec v4 against a local HTTPS JWKS', () => {
  it('accepts a valid RS256 token: tenant from zid, scopes of our xsappname only', async () => {
    jwksRequests = [];
    const principal = await verify(await token());
    expect(principal).toEqual({ tenantId: 'tenant-a', scopes: ['Admin'], user: 'ada@tenant-a.example' });
    // The key came from our JWKS, asked for with the tenant's zone id.
    expect(jwksRequests).toEqual(['/token_keys?zid=tenant-a']);
    expect(await listUsers(await token())).toBe(200);
  });

  it('refuses a token signed with another key (same kid)', async () => {
    const forged = await token({}, { signWith: otherKey });
    await expect(verify(forged)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(await listUsers(forged)).toBe(401);
  });

  it('refuses a token with a tampered payload (signature no longer matches)', async () => {
    const [header, , signature] = (await token()).split('.');
    const payload = Buffer.from(
      JSON.stringify({
        zid: 'tenant-b',
        cid: CLIENT_ID,
        scope: [`${XSAPPNAME}.Admin`],
        aud: [XSAPPNAME],
        exp: Math.floor(Date.now() / 1000) + 600,
      }),
    ).toString('base64url');
    await expect(verify(`${header}.${payload}.${signature}`)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('refuses a token for another application (wrong audience)', async () => {
    const foreign = await token({
      cid: 'sb-other!t9',
      client_id: 'sb-other!t9',
      azp: 'sb-other!t9',
      aud: ['other!t9', 'sb-other!t9'],
      scope: ['other!t9.Admin'],
    });
    await expect(verify(foreign)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(await listUsers(foreign)).toBe(401);
  });

  it('refuses an expired token', async () => {
    const expired = await token({}, { expiresIn: -120 });
    await expect(verify(expired)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(await listUsers(expired)).toBe(401);
  });

  it('grants no scopes for another xsappname’s scopes in a token for us', async () => {
    // Audience is ours (our client), but the scopes belong to another application: none of them count.
    const borrowed = await token({ scope: ['openid', 'other!t9.Admin', 'tandem!t2.Admin', 'Admin'] });
    const principal = await verify(borrowed);
    expect(principal).toMatchObject({ tenantId: 'tenant-a', scopes: [] });
    expect(await listUsers(borrowed)).toBe(403);
  });

  it('refuses a token whose key id is not in the JWKS', async () => {
    const unknownKid = await new SignJWT({
      zid: 'tenant-a',
      cid: CLIENT_ID,
      aud: [XSAPPNAME],
      scope: [`${XSAPPNAME}.Admin`],
    })
      .setProtectedHeader({ alg: 'RS256', kid: 'unknown-kid' })
      .setExpirationTime('10m')
      .sign(key);
    await expect(verify(unknownKid)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});
