import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWeb, type RunningWeb } from '../../../src/runtime/web.js';
import { signDevToken } from '../../../src/security/dev-token.js';
import { createTestDatabase, uniqueRedisPrefix, type TestDatabase } from '../../support/database.js';
import { testConfig } from '../../support/service.js';

/** CSP with frame-ancestors, nosniff and Referrer-Policy on the cockpit and the admin API (and every other answer). */
let db: TestDatabase;
let web: RunningWeb;
let dir: string;
let secret: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tandem-cockpit-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><title>t</title><script type="module" src="./assets/app.js"></script>',
  );
  writeFileSync(join(dir, 'assets', 'app.js'), 'export {};');
  db = await createTestDatabase();
  const config = testConfig(db, uniqueRedisPrefix('headers'));
  secret = config.devTokenSecret;
  web = await startWeb(config, { port: 0, host: '127.0.0.1', cockpitDirs: [dir] });
});
afterAll(async () => {
  await web?.stop();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

function expectHardened(headers: Headers, csp: RegExp): void {
  expect(headers.get('content-security-policy')).toMatch(csp);
  expect(headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  expect(headers.get('x-content-type-options')).toBe('nosniff');
  expect(headers.get('referrer-policy')).toBe('no-referrer');
}

describe('browser hardening headers', () => {
  it('the cockpit: scripts only from our origin, no framing', async () => {
    for (const path of ['/cockpit/', '/cockpit/users', '/cockpit/assets/app.js']) {
      const response = await fetch(`${web.url}${path}`);
      expect(response.status, path).toBe(200);
      await response.arrayBuffer();
      expectHardened(response.headers, /script-src 'self'/);
      expect(response.headers.get('content-security-policy')).not.toMatch(/script-src[^;]*unsafe/);
    }
  });

  it('the admin API, its problems and the public endpoints: no sources at all', async () => {
    const token = await signDevToken(secret, { tenantId: 'tenant-h', scopes: ['Support'] });
    const ok = await fetch(`${web.url}/api/v1/settings/schema`, { headers: { authorization: `Bearer ${token}` } });
    await ok.arrayBuffer();
    expectHardened(ok.headers, /default-src 'none'/);
    const unauthenticated = await fetch(`${web.url}/api/v1/users`);
    await unauthenticated.arrayBuffer();
    expect(unauthenticated.status).toBe(401);
    expectHardened(unauthenticated.headers, /default-src 'none'/);
    const health = await fetch(`${web.url}/health`);
    await health.arrayBuffer();
    expectHardened(health.headers, /default-src 'none'/);
  });
});
