import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cockpitRoutes } from '../../../src/http/cockpit/routes.js';
import { problemHandler } from '../../../src/http/problem.js';

let built: string;
const servers: Server[] = [];

async function serve(dirs: string[]): Promise<string> {
  const app = express();
  app.use(cockpitRoutes({ dirs }));
  app.use(problemHandler);
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(() => {
  built = mkdtempSync(join(tmpdir(), 'tandem-cockpit-static-'));
  mkdirSync(join(built, 'assets'));
  writeFileSync(
    join(built, 'index.html'),
    '<!doctype html><script type="module" src="/cockpit/assets/index-AbC123.js"></script>',
  );
  writeFileSync(join(built, 'assets', 'index-AbC123.js'), 'console.log("cockpit")');
  writeFileSync(join(built, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
});
afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  rmSync(built, { recursive: true, force: true });
});

describe('cockpit static routes', () => {
  it('serves index.html without caching, for the root and for deep links', async () => {
    const base = await serve([join(built, 'missing'), built]);
    for (const path of ['/cockpit/', '/cockpit/users', '/cockpit/journal?s4Key=X']) {
      const response = await fetch(`${base}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-cache');
      expect(response.headers.get('content-type')).toContain('text/html');
      expect(await response.text()).toContain('/cockpit/assets/index-AbC123.js');
    }
    const redirect = await fetch(`${base}/cockpit`, { redirect: 'manual' });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get('location')).toBe('/cockpit/');
  });

  it('caches hashed assets for a year and other files not at all; a missing asset is a 404, not the app', async () => {
    const base = await serve([built]);
    const asset = await fetch(`${base}/cockpit/assets/index-AbC123.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await fetch(`${base}/cockpit/favicon.svg`)).headers.get('cache-control')).toBe('no-cache');
    const missing = await fetch(`${base}/cockpit/assets/index-Old999.js`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
    expect((await fetch(`${base}/cockpit/logo.png`)).status).toBe(404);
  });

  it('answers a JSON problem naming the build command when the cockpit is not built', async () => {
    const base = await serve([join(built, 'nothing-here')]);
    const response = await fetch(`${base}/cockpit/users`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await response.json()) as { code: string; detail: string };
    expect(problem.code).toBe('NOT_FOUND');
    expect(problem.detail).toContain('npm run build:cockpit');
  });
});
