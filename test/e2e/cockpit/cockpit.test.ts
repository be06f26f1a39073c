import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { writeJournal } from '../../../src/journal/journal.js';
import { parseTenantSettings, defaultTenantSettings } from '../../../src/sync/settings.js';
import { withTenant } from '../../../src/store/transaction.js';
import { fillUi5, json, launchChromium, openCockpit, routeExists, screenshot, startCockpitHarness, type CockpitHarness } from './harness.js';

/**
 * The admin cockpit in a real browser (Debian's Chromium through playwright-core) against a real
 * `web` over its own database. Endpoints the lead adds in parallel (settings, Test button, initial
 * load, safety valve) are used when this build has them; otherwise the browser's requests to them
 * are answered by a stub inside this test only, built on the same contract (e.g. the settings
 * stub validates with the real parseTenantSettings).
 */
let harness: CockpitHarness;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let admin: string;
let environmentId: string;

beforeAll(async () => {
  [harness, browser] = await Promise.all([startCockpitHarness(), launchChromium()]);
  admin = await harness.token(['Admin']);
  context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB' });
  // Playwright reports the locator it waited for before vitest's own timeout hides it.
  context.setDefaultTimeout(15_000);
  page = await context.newPage();
  const env = await harness.api<{ id: string }>('POST', '/environments', { kind: 'ews-onprem', name: 'Exchange Germany',
    url: 'https://mail.example.com/EWS/Exchange.asmx', username: 'svc@example.com', password: 'Secret-Passw0rd', testMailbox: 'alice@example.com' });
  expect(env.status).toBe(201);
  environmentId = env.body.id;
}, 90_000);

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail' && page) {
    const path = join(tmpdir(), `cockpit-failure-${ctx.task.name.replace(/\W+/g, '-').slice(0, 60)}.png`);
    await page.screenshot({ path }).then(() => console.error(`screenshot of the failure: ${path}`), () => undefined);
  }
});

afterAll(async () => {
  await browser?.close();
  await harness?.stop();
});

describe('cockpit static files', () => {
  it('serves index.html uncached for deep links and hashed assets as immutable', async () => {
    const deep = await fetch(`${harness.web.url}/cockpit/users`);
    expect(deep.status).toBe(200);
    expect(deep.headers.get('cache-control')).toBe('no-cache');
    const html = await deep.text();
    const asset = /src="(\/cockpit\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    const js = await fetch(`${harness.web.url}${asset}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${harness.web.url}/cockpit/assets/missing-abc.js`)).status).toBe(404);
  });
});

describe('cockpit in the browser', () => {
  it('shows the overview with KPIs and the activity chart', async () => {
    await withTenant(harness.tenant, (tx) => writeJournal(tx, harness.tenant, [
      { objectKind: 'appointment', s4Key: 'OVERVIEW-1', outcome: 'synced', reason: 'created.exchange' },
      { objectKind: 'appointment', s4Key: 'OVERVIEW-2', outcome: 'failed', reason: 'failed.exchange', details: { error: { message: 'mailbox not found' } } },
    ]), harness.web.pool);
    await openCockpit(page, harness.web.url, 'overview', admin);
    await page.getByTestId('kpi-users-value').waitFor();
    expect(await page.getByTestId('kpi-dead-value').textContent()).toBe('0');
    await page.getByTestId('activity-chart').locator('.recharts-surface').first().waitFor();
    await screenshot(page, 'overview');
  });

  it('adds a user, finds it by server-side search and imports a CSV with a per-row report', async () => {
    await openCockpit(page, harness.web.url, 'users', admin);
    await page.getByTestId('user-add').click();
    await page.getByTestId('user-add-dialog').waitFor();
    await fillUi5(page, 'new-user-smtp', 'not-an-address');
    await fillUi5(page, 'new-user-s4', 'ALICE');
    await page.getByTestId('user-add-save').click();
    // The API's 400 lands at the field.
    await page.locator('[data-testid="new-user-smtp"][value-state="Negative"]').waitFor();
    await fillUi5(page, 'new-user-smtp', 'alice@example.com');
    await page.getByTestId('user-add-save').click();
    await page.getByTestId('user-row-alice@example.com').waitFor();

    await page.getByTestId('user-import').click();
    await fillUi5(page, 'user-import-text', 'smtpAddress,environment,s4User\nbob@example.com,Exchange Germany,BOB\ncarol@example.com,Nowhere,CAROL\n');
    await page.getByTestId('user-import-run').click();
    await page.getByTestId('user-import-summary').waitFor();
    expect(await page.getByTestId('user-import-summary').textContent()).toContain('1 created, 0 updated, 1 failed');
    expect(await page.getByTestId('import-row-3').textContent()).toContain('unknown environment "Nowhere"');
    await screenshot(page, 'users-import');
    await page.getByTestId('user-import-close').click();
    await page.getByTestId('user-row-bob@example.com').waitFor();

    await fillUi5(page, 'user-search', 'bob');
    await page.getByTestId('user-row-alice@example.com').waitFor({ state: 'detached' });
    expect(await page.getByTestId('users-range').textContent()).toBe('1–1 of 1');
    await fillUi5(page, 'user-search', '');
    await page.getByTestId('user-row-alice@example.com').waitFor();

    // Per object type: switching tasks off is a PATCH the server keeps.
    await page.getByTestId('user-row-alice@example.com').getByTestId('user-syncTasks').click();
    const alice = async () => (await harness.api<{ items: Array<{ smtpAddress: string; syncTasks: boolean; id: string }> }>('GET', '/users?search=alice')).body.items[0]!;
    await expect.poll(async () => (await alice()).syncTasks, { timeout: 10_000 }).toBe(false);
    await screenshot(page, 'users');
  });

  it('runs an initial load and shows its progress until done', async (ctx) => {
    const users = await harness.api<{ items: Array<{ id: string }> }>('GET', '/users?search=alice');
    const id = users.body.items[0]!.id;
    if (!(await routeExists(harness, 'POST', `/users/${id}/initial-load`))) {
      ctx.annotate('POST /users/:id/initial-load is not in this build yet');
      // Without the endpoint the button still reports the API's answer instead of failing silently.
      await page.getByTestId('user-row-alice@example.com').getByTestId('initial-load-start').click();
      await page.getByTestId('error-strip').waitFor();
      return;
    }
    await page.getByTestId('user-row-alice@example.com').getByTestId('initial-load-start').click();
    await page.locator('[data-testid="user-row-alice@example.com"] [data-testid="initial-load-progress"]').waitFor();
    await page.locator('[data-testid="user-row-alice@example.com"] [data-testid="initial-load-progress"][data-state="done"], [data-testid="user-row-alice@example.com"] [data-testid="initial-load-progress"][data-state="failed"]')
      .waitFor({ timeout: 30_000 });
  });

  it('tests an environment and shows each step with its result', async () => {
    const real = await routeExists(harness, 'POST', `/environments/${environmentId}/test`);
    if (!real) {
      await page.route('**/api/v1/environments/*/test', (route) => json(route, 200, { steps: [
        { step: 'connect', ok: true, message: 'Reached https://mail.example.com/EWS/Exchange.asmx', durationMs: 42 },
        { step: 'authenticate', ok: true, message: 'Signed in as svc@example.com', durationMs: 88 },
        { step: 'impersonation', ok: false, message: 'ErrorImpersonateUserDenied: the account may not impersonate alice@example.com', durationMs: 51 },
      ] }));
    }
    await openCockpit(page, harness.web.url, 'environments', admin);
    const row = page.getByTestId('environment-Exchange Germany');
    await row.waitFor();
    expect(await row.textContent()).toContain('Password: set');
    expect(await row.textContent()).not.toContain('Secret-Passw0rd');
    await row.getByTestId('environment-test').click();
    await page.getByTestId('environment-test-steps').waitFor({ timeout: 30_000 });
    const steps = page.locator('[data-testid^="test-step-"]');
    expect(await steps.count()).toBeGreaterThan(0);
    if (!real) {
      expect(await page.getByTestId('test-step-connect').getAttribute('data-ok')).toBe('true');
      expect(await page.getByTestId('test-step-impersonation').getAttribute('data-ok')).toBe('false');
      expect(await page.getByTestId('test-step-impersonation').textContent()).toContain('ErrorImpersonateUserDenied');
      expect(await page.getByTestId('environment-test-result').textContent()).toContain('A step failed');
    }
    await screenshot(page, 'environment-test');
    await page.getByTestId('environment-test-close').click();
    await page.unroute('**/api/v1/environments/*/test');
    await page.getByTestId('environment-edit').click();
    await page.getByTestId('environment-dialog').waitFor();
    await screenshot(page, 'environments');
  });

  it('saves a setting, shows the new version, and puts a validation error at its field', async () => {
    if (!(await routeExists(harness, 'GET', '/settings'))) await stubSettings(page);
    await openCockpit(page, harness.web.url, 'settings', admin);
    await page.getByTestId('settings-version').waitFor();
    const before = await page.getByTestId('settings-version').textContent();
    await page.getByTestId('settings-tabs').getByRole('tab', { name: 'General' }).click();
    await fillUi5(page, 'settings-syncWindow.daysBack', '60');
    await page.getByTestId('settings-save').click();
    await page.getByTestId('settings-saved').waitFor();
    expect(await page.getByTestId('settings-version').textContent()).not.toBe(before);
    expect(await page.getByTestId('settings-version').textContent()).toContain('admin@example.com');

    await page.getByTestId('settings-tabs').getByRole('tab', { name: 'Appointments' }).click();
    await page.getByTestId('settings-appointments.processTypes-add').click();
    await fillUi5(page, 'settings-appointments.processTypes.0.processType', 'ZVIS');
    await fillUi5(page, 'settings-appointments.processTypes.0.textType', 'TOOLONG');
    await page.getByTestId('settings-save').click();
    const field = page.locator('[data-testid="settings-appointments.processTypes.0.textType"][value-state="Negative"]');
    await field.waitFor();
    await screenshot(page, 'settings');
  });

  it("finds an appointment's history in the journal and explains each decision", async () => {
    await withTenant(harness.tenant, (tx) => writeJournal(tx, harness.tenant, [
      { objectKind: 'appointment', s4Key: 'ACT-4711', correlationId: 'evt-1', direction: 'none', outcome: 'skipped', reason: 'filtered.processType', details: { processType: 'ZSRV' } },
      { objectKind: 'appointment', s4Key: 'ACT-4711', correlationId: 'evt-2', direction: 's4-to-exchange', outcome: 'synced', reason: 'created.exchange', details: { fields: ['subject', 'start'] } },
      { objectKind: 'appointment', s4Key: 'ACT-4711', correlationId: 'evt-3', direction: 'both', outcome: 'conflict', reason: 'conflict.merge',
        details: { fields: ['subject'], overwritten: [{ field: 'subject', side: 's4', value: 'Visit ACME (S/4)' }] } },
    ]), harness.web.pool);
    await openCockpit(page, harness.web.url, 'journal', admin);
    await fillUi5(page, 'journal-s4Key', 'ACT-4711');
    await page.getByTestId('journal-search').click();
    await page.getByText('Skipped: process type not configured for sync').waitFor();
    expect(await page.locator('[data-testid^="journal-row-"]').count()).toBe(3);
    await screenshot(page, 'journal');
    await page.locator('[data-testid^="journal-row-"]').first().getByTestId('journal-timeline').click();
    await page.getByTestId('journal-timeline-dialog').getByText('Overwritten subject: S/4HANA had Visit ACME (S/4)').waitFor();
    await screenshot(page, 'journal-timeline');
    await page.getByTestId('journal-timeline-close').click();
  });

  it('retries a dead letter', async () => {
    await withTenant(harness.tenant, (tx) => tx.query(`INSERT INTO inbox (tenant_id, source, event_id, type, subject, payload, correlation_id, status, attempts, last_error)
      VALUES ($1, 's4', 'dead-evt-1', 'sap.s4.beh.activity.v1.Activity.Changed.v1', 'ACT-4711', '{}', 'corr-dead-1', 'dead', 8, $2)`,
    [harness.tenant, JSON.stringify({ code: 'S4_UNAVAILABLE', message: 'S/4HANA answered 503' })]), harness.web.pool);
    await openCockpit(page, harness.web.url, 'dead-letters', admin);
    const row = page.getByTestId('dead-letter-dead-evt-1');
    await row.waitFor();
    expect(await row.textContent()).toContain('S4_UNAVAILABLE: S/4HANA answered 503');
    await screenshot(page, 'dead-letters');
    await row.getByTestId('dead-letter-retry').click();
    await page.getByTestId('dead-letter-retried').waitFor();
    await row.waitFor({ state: 'detached' });
    const status = await withTenant(harness.tenant, (tx) => tx.query<{ status: string }>(`SELECT status FROM inbox WHERE event_id = 'dead-evt-1'`), harness.web.pool);
    expect(status.rows[0]!.status).not.toBe('dead');
  });

  it('confirms a deletion held by the safety valve', async () => {
    const real = await routeExists(harness, 'GET', '/safety-valve');
    const decisions: string[] = [];
    if (!real) {
      let pending = [{ id: 'c0a80101-0000-4000-8000-000000000001', scope: 'mailbox', smtpAddress: 'alice@example.com', createdAt: new Date().toISOString(),
        action: { type: 'deleteExchangeItem', itemId: 'AAMkAD-item-1' } }];
      await page.route('**/api/v1/safety-valve**', async (route) => {
        const url = new URL(route.request().url());
        const decision = /\/safety-valve\/([^/]+)\/(confirm|reject)$/.exec(url.pathname);
        if (decision && route.request().method() === 'POST') {
          decisions.push(`${decision[1]}:${decision[2]}`);
          pending = pending.filter((p) => p.id !== decision[1]);
          return json(route, 200, { id: decision[1], status: `${decision[2]}ed` });
        }
        return json(route, 200, { items: pending });
      });
    }
    await openCockpit(page, harness.web.url, 'safety-valve', admin);
    await page.getByTestId('safety-valve-table').waitFor();
    await screenshot(page, 'safety-valve');
    if (!real) {
      const row = page.getByTestId('pending-c0a80101-0000-4000-8000-000000000001');
      expect(await row.textContent()).toContain('deleteExchangeItem · AAMkAD-item-1');
      await row.getByTestId('pending-confirm').click();
      await page.getByTestId('safety-valve-done').waitFor();
      await row.waitFor({ state: 'detached' });
      expect(decisions).toEqual(['c0a80101-0000-4000-8000-000000000001:confirm']);
      await page.unroute('**/api/v1/safety-valve**');
    }
  });

  it('issues a callback credential once, with copy buttons, and rotates it', async () => {
    await openCockpit(page, harness.web.url, 'credentials', admin);
    await page.getByTestId('credentials-table').waitFor();
    await page.getByTestId('credential-create').click();
    await page.getByTestId('credential-issued-dialog').waitFor();
    const username = await page.getByTestId('issued-username').getAttribute('value');
    const password = await page.getByTestId('issued-password').getAttribute('value');
    expect(password?.length).toBeGreaterThan(15);
    await page.getByTestId('issued-password-copy').waitFor();
    await screenshot(page, 'credentials-issued');
    await page.getByTestId('credential-issued-close').click();
    // Two are active now (the tenant's first one and this): the limit is explained, rotation waits for a revoke.
    await page.getByTestId('credentials-limit').waitFor();
    await page.locator(`ui5-table-row[data-testid^="credential-"]:not([data-testid="credential-${username}"])`).getByTestId('credential-revoke').click();
    await page.getByTestId('credentials-limit').waitFor({ state: 'detached' });
    const row = page.getByTestId(`credential-${username}`);
    await row.getByTestId('credential-rotate').click();
    await page.getByTestId('credential-issued-dialog').waitFor();
    const rotated = await page.getByTestId('issued-username').getAttribute('value');
    expect(rotated).not.toBe(username);
    await page.getByTestId('credential-issued-close').click();
    await row.getByText('Revoked').waitFor();
    await screenshot(page, 'credentials');
  });

  it('shows a Support user no edit controls; the API refuses their writes with 403', async () => {
    const support = await harness.token(['Support'], 'support@example.com');
    const supportPage = await context.newPage();
    try {
      await openCockpit(supportPage, harness.web.url, 'users', support, '&lang=de');
      await supportPage.getByTestId('user-row-alice@example.com').waitFor();
      await supportPage.getByTestId('read-only-notice').waitFor();
      expect(await supportPage.getByTestId('read-only-notice').textContent()).toContain('Support-Rolle');
      expect(await supportPage.getByTestId('user-add').count()).toBe(0);
      expect(await supportPage.getByTestId('user-remove').count()).toBe(0);
      expect(await supportPage.getByTestId('user-row-alice@example.com').getByTestId('user-syncTasks').getAttribute('disabled')).not.toBeNull();
      await screenshot(supportPage, 'support-read-only');
      const status = await supportPage.evaluate(async (token) => (await fetch('/api/v1/users', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ smtpAddress: 'mallory@example.com', environmentId: '00000000-0000-4000-8000-000000000000', s4User: 'M' }) })).status, support);
      expect(status).toBe(403);
      await supportPage.getByTestId('nav-credentials').click();
      await supportPage.getByTestId('screen-credentials').getByTestId('error-strip').waitFor();
      expect(await supportPage.getByTestId('error-strip').textContent()).toContain('Admin-Rolle');
      expect(await supportPage.getByTestId('credential-create').count()).toBe(0);
    } finally {
      await supportPage.close();
    }
  });
});

/** Answers GET/PUT /api/v1/settings in the browser as the lead's endpoint does, validating with the real schema. */
async function stubSettings(target: Page): Promise<void> {
  let doc = { settings: defaultTenantSettings() as unknown as Record<string, unknown>, version: 1, changedBy: null as string | null, changedAt: null as string | null,
    history: [] as Array<Record<string, unknown>> };
  await target.route('**/api/v1/settings', async (route) => {
    if (route.request().method() === 'GET') return json(route, 200, doc);
    const parsed = parseTenantSettings(route.request().postDataJSON());
    if (!parsed.ok) {
      return json(route, 400, { type: 'about:blank', title: 'Invalid input', status: 400, code: 'VALIDATION_FAILED', detail: 'Invalid body',
        errors: parsed.errors.map((e) => ({ path: `body.${e.path.replace(/\[(\d+)\]/g, '.$1')}`, message: e.message })) });
    }
    const changedAt = new Date().toISOString();
    doc = { settings: parsed.settings as unknown as Record<string, unknown>, version: doc.version + 1, changedBy: 'admin@example.com', changedAt,
      history: [{ version: doc.version + 1, changedBy: 'admin@example.com', changedAt, changes: [{ path: 'syncWindow.daysBack', from: 30, to: 60 }] }, ...doc.history] };
    return json(route, 200, doc);
  });
}
