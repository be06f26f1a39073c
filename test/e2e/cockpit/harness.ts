import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { startLocalSystem } from '../../../src/demo/local-system.js';
import { DEMO } from '../../../src/demo/seed.js';
import type { EwsEmulator } from '../../../src/emulators/ews/index.js';
import type { S4Emulator } from '../../../src/emulators/s4/index.js';
import type { RunningWeb } from '../../../src/runtime/web.js';
import { signDevToken, type Scope } from '../../../src/security/dev-token.js';
import { createTestDatabase, uniqueRedisPrefix, type TestDatabase } from '../../support/database.js';
import { deleteRedisPrefix } from '../../support/service.js';
import { freePort } from '../../../src/runtime/free-port.js';

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/**
 * Screenshots land in docs/cockpit only when asked for (`UPDATE_SCREENSHOTS=1 npx vitest run
 * test/e2e/cockpit`): a test run must leave the tracked tree as it found it.
 */
export const SCREENSHOTS =
  process.env.UPDATE_SCREENSHOTS === '1'
    ? join(ROOT, 'docs', 'cockpit')
    : mkdtempSync(join(tmpdir(), 'tandem-screenshots-'));

/** Builds the cockpit once into a temporary folder (the repository's cockpit/dist stays untouched). */
export async function buildCockpit(): Promise<string> {
  const outDir = mkdtempSync(join(tmpdir(), 'tandem-cockpit-'));
  await build({
    configFile: join(ROOT, 'cockpit', 'vite.config.ts'),
    logLevel: 'error',
    build: { outDir, emptyOutDir: true },
  });
  return outDir;
}

export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    // `npm test` installs Debian's chromium when run as root (scripts/setup.mjs --browser); a missing
    // browser must fail the suite, not skip it.
    throw new Error(
      `Chromium not found at ${CHROMIUM}: install it (sudo apt-get install chromium) or set CHROMIUM_PATH. The cockpit browser tests need it.`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface CockpitHarness {
  web: RunningWeb;
  db: TestDatabase;
  ews: EwsEmulator;
  s4: S4Emulator;
  tenant: string;
  outDir: string;
  token(scopes: Scope[], user?: string): Promise<string>;
  /** Calls the admin API as an Admin of the test tenant. */
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  stop(): Promise<void>;
}

/**
 * The product as `npm run demo` runs it (startLocalSystem: web + worker + EWS and S/4 emulators +
 * the demo tenant) over its own database and Redis prefix, with the cockpit built into a temporary
 * folder and served by web.
 */
export async function startCockpitHarness(): Promise<CockpitHarness> {
  const [outDir, db] = await Promise.all([buildCockpit(), createTestDatabase()]);
  const prefix = uniqueRedisPrefix('cockpit');
  const port = await freePort();
  const system = await startLocalSystem({
    env: {
      DATABASE_URL: db.url,
      QUEUE_PREFIX: prefix,
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      AUTH_MODE: 'dev',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
      // A mailbox refused and granted again in a test resumes within seconds, not the default 5 minutes.
      ACCESS_PROBE_SECONDS: '2',
    },
    ewsTimeScale: 0.05,
    maintenanceEveryMs: 1_000,
    sweepIntervalMs: 1_000,
    s4EventRetry: { initialDelayMs: 100, maxDelayMs: 1_000 },
    cockpitDirs: [outDir],
  });
  const { web, ews, config, s4Emulator: s4 } = system;
  const tenant = DEMO.tenantId;
  const token = (scopes: Scope[], user = 'admin@example.com') =>
    signDevToken(config.devTokenSecret, { tenantId: tenant, scopes, user });
  const admin = await token(['Admin']);
  return {
    web,
    db,
    ews,
    s4,
    tenant,
    outDir,
    token,
    async api<T>(method: string, path: string, body?: unknown) {
      const response = await fetch(`${web.url}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
    },
    async stop() {
      await system.stop();
      const redis = new Redis(config.redis.url, { maxRetriesPerRequest: null });
      await deleteRedisPrefix(redis, prefix);
      await redis.quit();
      await db.drop();
      rmSync(outDir, { recursive: true, force: true });
    },
  };
}

export async function openCockpit(
  page: Page,
  baseUrl: string,
  screen: string,
  token: string,
  extra = '',
): Promise<void> {
  await page.goto(`${baseUrl}/cockpit/${screen}?token=${encodeURIComponent(token)}${extra}`);
  await page.getByTestId(`screen-${screen}`).waitFor();
}

/** Types into a UI5 input (its real <input> lives in the shadow root; playwright's locators pierce it). */
export async function fillUi5(page: Page, testId: string, value: string): Promise<void> {
  const input = page.getByTestId(testId).locator('input, textarea').first();
  await input.fill(value);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  // Let busy indicators and popovers settle: wait until no UI5 busy indicator is active.
  await page
    .waitForFunction("!document.querySelector('ui5-busy-indicator[active]')", undefined, { timeout: 10_000 })
    .catch(() => undefined);
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}
