import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { writeJournal } from '../../../src/journal/journal.js';
import { withTenant } from '../../../src/store/transaction.js';
import {
  fillUi5,
  launchChromium,
  openCockpit,
  screenshot,
  startCockpitHarness,
  type CockpitHarness,
} from './harness.js';

/**
 * The admin cockpit in a real browser (Debian's Chromium through playwright-core) against the
 * product as the demo runs it: web + worker + EWS and S/4 emulators + the demo tenant, over a
 * database of its own. Nothing is stubbed: the Test button talks to the EWS emulator, the initial
 * load runs in the worker.
 */
let harness: CockpitHarness;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let admin: string;
const external: string[] = [];

beforeAll(async () => {
  [harness, browser] = await Promise.all([startCockpitHarness(), launchChromium()]);
  admin = await harness.token(['Admin']);
  context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB' });
  // Playwright reports the locator it waited for before vitest's own timeout hides it.
  context.setDefaultTimeout(15_000);
  // Errors in the app fail loudly in the test output instead of leaving a blank screen to guess from.
  context.on('weberror', (error) => console.error('cockpit page error:', error.error()));
  page = await context.newPage();
  // The cockpit loads nothing from third parties (fonts and locale data are bundled).
  context.on('request', (request) => {
    if (!request.url().startsWith(harness.web.url) && !request.url().startsWith('data:')) external.push(request.url());
  });
  // Failed requests are expected where a test provokes a 400/403; anything else the app logs is worth seeing.
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
      console.error('cockpit console error:', message.text().slice(0, 2000));
  });
  // A second environment on the same emulator with a wrong password: its Test fails at sign-in.
  const env = await harness.api<{ id: string }>('POST', '/environments', {
    kind: 'ews-onprem',
    name: 'Exchange Germany',
    url: harness.ews.ewsUrl,
    username: 'svc@demo.example',
    password: 'Secret-Passw0rd',
    testMailbox: 'alice@demo.example',
  });
  expect(env.status).toBe(201);
}, 90_000);

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail' && page) {
    const path = join(tmpdir(), `cockpit-failure-${ctx.task.name.replace(/\W+/g, '-').slice(0, 60)}.png`);
    await page.screenshot({ path }).then(
      () => console.error(`screenshot of the failure: ${path}`),
      () => undefined,
    );
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
    await withTenant(
      harness.tenant,
      (tx) =>
        writeJournal(tx, harness.tenant, [
          { objectKind: 'appointment', s4Key: 'OVERVIEW-1', outcome: 'synced', reason: 'created.exchange' },
          {
            objectKind: 'appointment',
            s4Key: 'OVERVIEW-2',
            outcome: 'failed',
            reason: 'failed.exchange',
            details: { error: { message: 'mailbox not found' } },
          },
        ]),
      harness.web.pool,
    );
    await openCockpit(page, harness.web.url, 'overview', admin);
    await page.getByTestId('kpi-users-value').waitFor();
    expect(await page.getByTestId('kpi-users-value').textContent()).toBe('2'); // the demo tenant's Alice and Bob
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
    // S/4 users are resolved to their employee BP in S/4 (the demo's BOB is EMP002); one S/4 does not know fails its row.
    await fillUi5(
      page,
      'user-import-text',
      'smtpAddress,environment,s4User\ndave@example.com,Exchange Germany,BOB\ncarol@example.com,Nowhere,CAROL\nerin@example.com,Exchange Germany,NOBODY\n',
    );
    await page.getByTestId('user-import-run').click();
    await page.getByTestId('user-import-summary').waitFor();
    expect(await page.getByTestId('user-import-summary').textContent()).toContain('1 created, 0 updated, 2 failed');
    expect(await page.getByTestId('import-row-3').textContent()).toContain('unknown environment "Nowhere"');
    expect(await page.getByTestId('import-row-4').textContent()).toContain(
      'no employee business partner in S/4HANA has the user NOBODY',
    );
    await screenshot(page, 'users-import');
    await page.getByTestId('user-import-close').click();
    await page.getByTestId('user-row-dave@example.com').waitFor();

    await fillUi5(page, 'user-search', 'dave');
    await page.getByTestId('user-row-alice@example.com').waitFor({ state: 'detached' });
    expect(await page.getByTestId('users-range').textContent()).toBe('1–1 of 1');
    await fillUi5(page, 'user-search', '');
    await page.getByTestId('user-row-alice@example.com').waitFor();

    // Per object type: switching tasks off is a PATCH the server keeps.
    await page.getByTestId('user-row-alice@example.com').getByTestId('user-syncTasks').click();
    const alice = async () =>
      (
        await harness.api<{ items: Array<{ smtpAddress: string; syncTasks: boolean }> }>(
          'GET',
          '/users?search=alice@example.com',
        )
      ).body.items.find((user) => user.smtpAddress === 'alice@example.com')!;
    await expect.poll(async () => (await alice()).syncTasks, { timeout: 10_000 }).toBe(false);
    await screenshot(page, 'users');
  });

  it('runs an initial load in the worker and shows its progress until done', async () => {
    const row = page.getByTestId('user-row-bob@demo.example');
    await row.getByTestId('initial-load-start').click();
    await row.getByTestId('initial-load-progress').waitFor();
    // Polled from GET /users/:id while queued or running; the worker reads S/4 and Exchange meanwhile.
    await page
      .locator('[data-testid="user-row-bob@demo.example"] [data-testid="initial-load-progress"][data-state="done"]')
      .waitFor({ timeout: 45_000 });
    expect(await row.getByTestId('initial-load-progress').getAttribute('value')).toBe('100');
  }, 60_000);

  it('shows a mailbox Exchange refuses on that user, with what to grant, in English and German', async () => {
    type UserBody = { id: string; smtpAddress: string; status: string };
    const bob = (await harness.api<{ items: UserBody[] }>('GET', '/users?search=bob@demo.example')).body.items[0]!;
    // The service account's impersonation scope no longer includes Bob ("Configure impersonation"); the
    // next work on his mailbox (here his initial load) meets ErrorImpersonateUserDenied.
    harness.ews.setImpersonationScope('bob@demo.example', false);
    try {
      expect((await harness.api('POST', `/users/${bob.id}/initial-load`)).status).toBe(202);
      await expect
        .poll(async () => (await harness.api<UserBody>('GET', `/users/${bob.id}`)).body.status, { timeout: 30_000 })
        .toBe('accessDenied');
      await openCockpit(page, harness.web.url, 'users', admin);
      const row = page.getByTestId('user-row-bob@demo.example');
      await row.getByTestId('user-access-hint').waitFor();
      expect(await row.textContent()).toContain('Access denied by Exchange');
      expect(await row.getByTestId('user-last-error').textContent()).toContain('ErrorImpersonateUserDenied');
      expect(await row.getByTestId('user-access-hint').textContent()).toContain(
        'management scope of the ApplicationImpersonation role assignment',
      );
      // The other demo user is untouched.
      expect(await page.getByTestId('user-row-alice@demo.example').textContent()).not.toContain('Access denied');
      await openCockpit(page, harness.web.url, 'users', admin, '&lang=de');
      await page.getByTestId('user-row-bob@demo.example').getByTestId('user-access-hint').waitFor();
      expect(await page.getByTestId('user-row-bob@demo.example').textContent()).toContain(
        'Zugriff von Exchange verweigert',
      );
    } finally {
      await openCockpit(page, harness.web.url, 'users', admin, '&lang=en');
      harness.ews.setImpersonationScope('bob@demo.example', true);
    }
    // Granted again: the access probe resumes Bob by itself.
    await expect
      .poll(async () => (await harness.api<UserBody>('GET', `/users/${bob.id}`)).body.status, { timeout: 30_000 })
      .toBe('in-sync');
  }, 90_000);

  it('tests environments and shows each step with its result', async () => {
    await openCockpit(page, harness.web.url, 'environments', admin);
    const demo = page.getByTestId('environment-Demo Exchange (EWS emulator)');
    await demo.getByTestId('environment-test').click();
    await page.getByTestId('environment-test-steps').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('environment-test-result').textContent()).toContain('All steps passed');
    expect(await page.getByTestId('test-step-authenticate').getAttribute('data-ok')).toBe('true');
    expect(await page.getByTestId('test-step-impersonate').getAttribute('data-ok')).toBe('true');
    await page.getByTestId('environment-test-close').click();

    const germany = page.getByTestId('environment-Exchange Germany');
    expect(await germany.textContent()).toContain('Password: set');
    expect(await germany.textContent()).not.toContain('Secret-Passw0rd');
    await germany.getByTestId('environment-test').click();
    await page.getByTestId('environment-test-steps').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('environment-test-result').textContent()).toContain('A step failed');
    expect(await page.getByTestId('test-step-authenticate').getAttribute('data-ok')).toBe('false');
    await screenshot(page, 'environment-test');
    await page.getByTestId('environment-test-close').click();

    await germany.getByTestId('environment-edit').click();
    await page.getByTestId('environment-dialog').waitFor();
    expect(await page.getByTestId('env-password').getAttribute('placeholder')).toContain('set');
    await screenshot(page, 'environments');
  });

  it('warns on an ews-online environment with both retirement dates, in English and German', async () => {
    const online = await harness.api<{ id: string }>('POST', '/environments', {
      kind: 'ews-online',
      name: 'EWS Online',
      directoryId: 'contoso.onmicrosoft.com',
      clientId: 'demo-client',
      clientSecret: 'client-secret-value',
    });
    expect(online.status).toBe(201);
    try {
      await openCockpit(page, harness.web.url, 'environments', admin);
      const strip = page.getByTestId('environment-retirement-EWS Online');
      await strip.waitFor();
      const english = await strip.textContent();
      expect(english).toContain('October 1, 2026');
      expect(english).toContain('April 1, 2027');
      expect(english).toContain('Move users to Microsoft Graph');
      // Only ews-online environments carry the warning.
      expect(await page.getByTestId('environment-retirement-Exchange Germany').count()).toBe(0);
      await openCockpit(page, harness.web.url, 'environments', admin, '&lang=de');
      const german = await page.getByTestId('environment-retirement-EWS Online').textContent();
      expect(german).toContain('1. Oktober 2026');
      expect(german).toContain('1. April 2027');
    } finally {
      // The language choice is remembered: switch back so the following tests read English.
      await openCockpit(page, harness.web.url, 'environments', admin, '&lang=en');
      await harness.api('DELETE', `/environments/${online.body.id}`);
    }
  });

  it('moves every user of an ews-online environment to a Graph environment from the retirement strip, in English and German', async () => {
    const created: { environments: string[]; users: string[] } = { environments: [], users: [] };
    const environment = async (body: Record<string, unknown>) => {
      const response = await harness.api<{ id: string }>('POST', '/environments', body);
      expect(response.status).toBe(201);
      created.environments.push(response.body.id);
      return response.body.id;
    };
    const ewsOnline = (name: string) =>
      environment({
        kind: 'ews-online',
        name,
        directoryId: 'contoso.onmicrosoft.com',
        clientId: 'demo-client',
        clientSecret: 'client-secret-value',
      });
    // Disabled users: moving them queues no resync against the made-up Graph tenant.
    const user = async (smtpAddress: string, environmentId: string) => {
      const response = await harness.api<{ id: string }>('POST', '/users', {
        smtpAddress,
        environmentId,
        s4User: 'BOB',
        enabled: false,
      });
      expect(response.status).toBe(201);
      created.users.push(response.body.id);
    };
    const environmentOf = async (smtp: string) =>
      (
        await harness.api<{ items: Array<{ environmentId: string }> }>(
          'GET',
          `/users?search=${encodeURIComponent(smtp)}`,
        )
      ).body.items[0]?.environmentId;
    try {
      const online = await ewsOnline('EWS Online West');
      await user('frank@example.com', online);
      await user('gina@example.com', online);
      // No Graph environment yet: the dialog says one must be added first and offers no move.
      await openCockpit(page, harness.web.url, 'environments', admin);
      await page.getByTestId('environment-retirement-EWS Online West').getByTestId('environment-move-users').click();
      await page.getByTestId('move-users-no-graph').waitFor();
      expect(await page.getByTestId('move-users-no-graph').textContent()).toContain('Add one first');
      expect(await page.getByTestId('move-users-confirm').count()).toBe(0);
      await page.getByTestId('move-users-close').click();

      const graph = await environment({
        kind: 'graph',
        name: 'Graph Online',
        directoryId: 'contoso.onmicrosoft.com',
        clientId: 'demo-client',
        clientSecret: 'client-secret-value',
      });
      await openCockpit(page, harness.web.url, 'environments', admin);
      await page.getByTestId('environment-retirement-EWS Online West').getByTestId('environment-move-users').click();
      const summary = page.getByTestId('move-users-summary');
      await expect
        .poll(() => summary.textContent())
        .toContain('All 2 users of "EWS Online West" move to "Graph Online"');
      await page.getByTestId('move-users-confirm').click();
      await page.getByTestId('move-users-result').waitFor();
      expect(await page.getByTestId('move-users-result').textContent()).toContain('Users moved to "Graph Online": 2');
      await screenshot(page, 'environments-move-users');
      await page.getByTestId('move-users-close').click();
      expect(await environmentOf('frank@example.com')).toBe(graph);
      expect(await environmentOf('gina@example.com')).toBe(graph);

      // In German, with a second ews-online environment.
      const north = await ewsOnline('EWS Online Nord');
      await user('hanna@example.com', north);
      await openCockpit(page, harness.web.url, 'environments', admin, '&lang=de');
      const strip = page.getByTestId('environment-retirement-EWS Online Nord');
      await strip.getByTestId('environment-move-users').waitFor();
      expect(await strip.getByTestId('environment-move-users').textContent()).toBe(
        'Benutzer zu Microsoft Graph verschieben',
      );
      await strip.getByTestId('environment-move-users').click();
      await expect
        .poll(() => page.getByTestId('move-users-summary').textContent())
        .toContain('Alle 1 Benutzer von „EWS Online Nord“ wechseln zu „Graph Online“');
      await page.getByTestId('move-users-confirm').click();
      await page.getByTestId('move-users-result').waitFor();
      expect(await page.getByTestId('move-users-result').textContent()).toContain(
        'Zu „Graph Online“ verschobene Benutzer: 1',
      );
      await page.getByTestId('move-users-close').click();
      expect(await environmentOf('hanna@example.com')).toBe(graph);
    } finally {
      await openCockpit(page, harness.web.url, 'environments', admin, '&lang=en');
      for (const id of created.users) await harness.api('DELETE', `/users/${id}`);
      for (const id of created.environments) await harness.api('DELETE', `/environments/${id}`);
    }
  });

  it('saves a setting, shows the new version, and puts a validation error at its field', async () => {
    const current = await harness.api<{ settings: { appointments: { processTypes: unknown[] } } }>('GET', '/settings');
    const row = current.body.settings.appointments.processTypes.length; // the new row's index
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
    await fillUi5(page, `settings-appointments.processTypes.${row}.processType`, 'ZNEW');
    await fillUi5(page, `settings-appointments.processTypes.${row}.textType`, 'TOOLONG');
    await page.getByTestId('settings-save').click();
    await page
      .locator(`[data-testid="settings-appointments.processTypes.${row}.textType"][value-state="Negative"]`)
      .waitFor();
    expect(await page.getByTestId(`field-error-appointments.processTypes.${row}.textType`).textContent()).toContain(
      'SAP code',
    );
    // The daysBack change is in the history with who made it.
    const latest = page.locator('[data-testid^="settings-history-"]').first();
    expect(await latest.getAttribute('text')).toContain('admin@example.com');
    expect(await latest.getAttribute('description')).toContain('syncWindow.daysBack: 30 → 60');
    expect(
      (await harness.api<{ settings: { syncWindow: { daysBack: number } } }>('GET', '/settings')).body.settings
        .syncWindow.daysBack,
    ).toBe(60);
    await screenshot(page, 'settings');
  });

  it("finds an appointment's history in the journal and explains each decision", async () => {
    await withTenant(
      harness.tenant,
      (tx) =>
        writeJournal(tx, harness.tenant, [
          {
            objectKind: 'appointment',
            s4Key: 'ACT-4711',
            correlationId: 'evt-1',
            direction: 'none',
            outcome: 'skipped',
            reason: 'filtered.processType',
            details: { processType: 'ZSRV' },
          },
          {
            objectKind: 'appointment',
            s4Key: 'ACT-4711',
            correlationId: 'evt-2',
            direction: 's4-to-exchange',
            outcome: 'synced',
            reason: 'created.exchange',
            details: { fields: ['subject', 'start'] },
          },
          {
            objectKind: 'appointment',
            s4Key: 'ACT-4711',
            correlationId: 'evt-3',
            direction: 'both',
            outcome: 'conflict',
            reason: 'conflict.merge',
            details: {
              fields: ['subject'],
              overwritten: [{ field: 'subject', side: 's4', value: 'Visit ACME (S/4)' }],
            },
          },
        ]),
      harness.web.pool,
    );
    await openCockpit(page, harness.web.url, 'journal', admin);
    await fillUi5(page, 'journal-s4Key', 'ACT-4711');
    await page.getByTestId('journal-search').click();
    await page.getByText('Skipped: process type not configured for sync').waitFor();
    expect(await page.locator('[data-testid^="journal-row-"]').count()).toBe(3);
    await screenshot(page, 'journal');
    await page.locator('[data-testid^="journal-row-"]').first().getByTestId('journal-timeline').click();
    await page
      .getByTestId('journal-timeline-dialog')
      .getByText('Overwritten subject: S/4HANA had Visit ACME (S/4)')
      .waitFor();
    await screenshot(page, 'journal-timeline');
    await page.getByTestId('journal-timeline-close').click();
  });

  it('retries a dead letter, which the worker then processes', async () => {
    // An S/4 change event that failed for good earlier (S/4 was down); on retry the worker finds no such activity and is done.
    const activity = randomUUID();
    await withTenant(
      harness.tenant,
      (tx) =>
        tx.query(
          `INSERT INTO inbox (tenant_id, source, event_id, type, subject, payload, correlation_id, status, attempts, last_error)
      VALUES ($1, 's4', 'dead-evt-1', 'sap.s4.beh.appointment.v1.Appointment.Changed.v1', $2, $3, 'corr-dead-1', 'dead', 8, $4)`,
          [
            harness.tenant,
            `s4:appointment:${activity}`,
            JSON.stringify({ ActivityUUID: activity }),
            JSON.stringify({ code: 'S4_UNAVAILABLE', message: 'S/4HANA answered 503' }),
          ],
        ),
      harness.web.pool,
    );
    await openCockpit(page, harness.web.url, 'dead-letters', admin);
    const row = page.getByTestId('dead-letter-dead-evt-1');
    await row.waitFor();
    expect(await row.textContent()).toContain('S4_UNAVAILABLE: S/4HANA answered 503');
    await screenshot(page, 'dead-letters');
    await row.getByTestId('dead-letter-retry').click();
    await page.getByTestId('dead-letter-retried').waitFor();
    await row.waitFor({ state: 'detached' });
    await expect
      .poll(
        async () =>
          (
            await withTenant(
              harness.tenant,
              (tx) => tx.query<{ status: string }>(`SELECT status FROM inbox WHERE event_id = 'dead-evt-1'`),
              harness.web.pool,
            )
          ).rows[0]!.status,
        { timeout: 20_000 },
      )
      .toBe('done');
  });

  it('confirms a deletion held by the safety valve', async () => {
    const held = await withTenant(
      harness.tenant,
      async (tx) => {
        const bob = await tx.query<{ id: string }>(`SELECT id FROM mailboxes WHERE smtp_address = 'bob@demo.example'`);
        return (
          await tx.query<{ id: number }>(
            `INSERT INTO pending_deletions (tenant_id, mailbox_id, scope, kind, exchange_item_id, summary, action)
        VALUES ($1, $2, 'mailbox', 'appointment', 'AAMkAD-held-1', 'Delete "Visit ACME" from bob@demo.example', $3) RETURNING id`,
            [
              harness.tenant,
              bob.rows[0]!.id,
              JSON.stringify({ type: 'deleteExchangeItem', mailbox: 'bob@demo.example', itemId: 'AAMkAD-held-1' }),
            ],
          )
        ).rows[0]!.id;
      },
      harness.web.pool,
    );
    await openCockpit(page, harness.web.url, 'safety-valve', admin);
    const row = page.getByTestId(`pending-${held}`);
    await row.getByText('bob@demo.example', { exact: true }).waitFor();
    expect(await row.textContent()).toContain('Delete "Visit ACME" from bob@demo.example');
    await screenshot(page, 'safety-valve');
    await row.getByTestId('pending-confirm').click();
    await page.getByTestId('safety-valve-done').waitFor();
    await row.waitFor({ state: 'detached' });
    const decided = await withTenant(
      harness.tenant,
      (tx) =>
        tx.query<{ state: string; decided_by: string }>(
          'SELECT state, decided_by FROM pending_deletions WHERE id = $1',
          [held],
        ),
      harness.web.pool,
    );
    expect(decided.rows[0]!.state).not.toBe('pending');
    expect(decided.rows[0]!.decided_by).toBe('admin@example.com');
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
    // Two are active now (the demo's DEMO_S4 and this): the limit is explained, rotation waits for a revoke.
    await page.getByTestId('credentials-limit').waitFor();
    await page
      .locator(`ui5-table-row[data-testid^="credential-"]:not([data-testid="credential-${username}"])`)
      .getByTestId('credential-revoke')
      .click();
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

  it('switches to German from the shell bar and fits a tablet (768 px)', async () => {
    const languageSwitch = page.locator('[data-ui5-stable="language-switch"]').locator('visible=true').first();
    await openCockpit(page, harness.web.url, 'users', admin);
    await page.getByTestId('user-row-alice@demo.example').waitFor();
    await languageSwitch.click();
    await expect.poll(() => page.getByTestId('nav-users').getAttribute('text')).toBe('Benutzer');
    await page.getByText('Benutzer hinzufügen').waitFor();

    await page.setViewportSize({ width: 768, height: 1024 });
    await expect.poll(() => page.getByTestId('side-navigation').getAttribute('collapsed')).not.toBeNull();
    // Nothing wider than the screen: the table moves columns into pop-in rows instead.
    await expect.poll(() => page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(768);
    await screenshot(page, 'tablet-users-de');
    await page.setViewportSize({ width: 1280, height: 800 });
    await languageSwitch.click();
    await expect.poll(() => page.getByTestId('nav-users').getAttribute('text')).toBe('Users');
  });

  it('works behind the approuter: no token of its own, roles told apart by the API', async () => {
    // The approuter adds the user's token to every request; the app itself holds none.
    const behind = await browser.newContext({
      extraHTTPHeaders: { authorization: `Bearer ${await harness.token(['Support'], 'support@example.com')}` },
    });
    try {
      const approuterPage = await behind.newPage();
      await approuterPage.goto(`${harness.web.url}/cockpit/dead-letters`);
      await approuterPage.getByTestId('dead-letters-table').waitFor();
      await approuterPage.getByTestId('read-only-notice').waitFor();
      expect(await approuterPage.getByTestId('token-dialog').getAttribute('open')).toBeNull();
    } finally {
      await behind.close();
    }
  });

  it('loaded nothing from outside the service', () => {
    expect(external).toEqual([]);
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
      expect(
        await supportPage
          .getByTestId('user-row-alice@example.com')
          .getByTestId('user-syncTasks')
          .getAttribute('disabled'),
      ).not.toBeNull();
      await screenshot(supportPage, 'support-read-only');
      const status = await supportPage.evaluate(
        async (token) =>
          (
            await fetch('/api/v1/users', {
              method: 'POST',
              headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
              body: JSON.stringify({
                smtpAddress: 'mallory@example.com',
                environmentId: '00000000-0000-4000-8000-000000000000',
                s4User: 'M',
              }),
            })
          ).status,
        support,
      );
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
