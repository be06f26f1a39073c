import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, openCockpit, screenshot, startCockpitHarness, type CockpitHarness } from './harness.js';

/**
 * The cockpit's S/4HANA screen in a real browser against the demo system: the connection as
 * configured, and its Test run step by step against the S/4 emulator — first before the event
 * sender ever posted (the heartbeat step fails and says what to check), then after its heartbeat
 * (every step passes), in English and in German.
 */
let harness: CockpitHarness;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let admin: string;

beforeAll(async () => {
  [harness, browser] = await Promise.all([startCockpitHarness(), launchChromium()]);
  admin = await harness.token(['Admin']);
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
  context.setDefaultTimeout(20_000);
  context.on('weberror', (error) => console.error('cockpit page error:', error.error()));
  page = await context.newPage();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await harness?.stop();
});

async function runTest(): Promise<void> {
  await page.getByTestId('s4-test').click();
  await page.getByTestId('s4-test-dialog').waitFor();
  await page.getByTestId('s4-test-result').waitFor({ timeout: 30_000 });
}

describe('cockpit S/4HANA screen', { timeout: 90_000 }, () => {
  it('shows the connection and a Test whose heartbeat step fails until the event sender has posted', async () => {
    await openCockpit(page, harness.web.url, 's4', admin);
    await page.getByTestId('s4-connection').waitFor();
    expect(await page.getByTestId('s4-kind').textContent()).toBe('URL (outside BTP)');
    expect(await page.getByTestId('s4-url').textContent()).toBe(harness.s4.url);
    await runTest();
    expect(await page.getByTestId('s4-test-result').textContent()).toContain('A step failed');
    const heartbeat = page.getByTestId('s4-step-heartbeat');
    expect(await heartbeat.getAttribute('data-ok')).toBe('false');
    expect(await heartbeat.textContent()).toContain('No event received yet — check the SM59 destination');
    expect(await page.getByTestId('s4-step-metadata-ZTANDEM_BP_SRV').getAttribute('data-ok')).toBe('true');
    expect(await page.getByTestId('s4-step-authenticate').textContent()).toContain('Log on – OK');
    await page.getByTestId('s4-test-close').click();
  });

  it('passes every step once the heartbeat arrived (English), with a screenshot', async () => {
    harness.s4.outbox.heartbeat();
    await harness.s4.waitForEvents((entries) =>
      entries.some((e) => e.event.type === 'sap.s4.tandem.heartbeat.v1' && e.state === 'delivered'),
    );
    await runTest();
    expect(await page.getByTestId('s4-test-result').textContent()).toContain('All steps passed');
    expect(await page.locator('[data-testid^="s4-step-"][data-ok="false"]').count()).toBe(0);
    expect(await page.getByTestId('s4-step-metadata-API_BUSINESS_PARTNER').textContent()).toContain(
      'Service API_BUSINESS_PARTNER: entity sets, fields, navigations – OK',
    );
    await screenshot(page, 's4-test');
    await page.getByTestId('s4-test-close').click();
  });

  it('runs the Test in German', async () => {
    await openCockpit(page, harness.web.url, 's4', admin, '&lang=de');
    await page.getByTestId('s4-connection').waitFor();
    expect(await page.getByTestId('s4-kind').textContent()).toBe('URL (außerhalb von BTP)');
    await runTest();
    expect(await page.getByTestId('s4-test-result').textContent()).toContain('Alle Schritte erfolgreich');
    expect(await page.getByTestId('s4-step-authenticate').textContent()).toContain('Anmelden – OK');
    expect(await page.getByTestId('s4-step-read-ZTANDEM_TASK_SRV').textContent()).toContain(
      'ZTANDEM_TASK_SRV als Kommunikationsbenutzer lesen – OK',
    );
    await screenshot(page, 's4-test-de');
    await page.getByTestId('s4-test-close').click();
  });
});
