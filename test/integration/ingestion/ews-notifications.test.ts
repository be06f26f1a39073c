import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withSystemScope, withTenant } from '../../../src/store/transaction.js';
import { activateSubscription, createPendingSubscription } from '../../../src/subscriptions/subscription-repository.js';
import { createTenant, startTestService, waitFor, type TestService } from '../../support/service.js';

let service: TestService;
let token: string;
let subscriptionId: string;

beforeAll(async () => {
  service = await startTestService();
  await createTenant(service.web.pool, 'acme');
  await withTenant(
    'acme',
    async (tx) => {
      const {
        rows: [env],
      } = await tx.query<{ id: string }>(
        `INSERT INTO exchange_environments (tenant_id, name, kind) VALUES ('acme', 'EWS', 'ews-onprem') RETURNING id`,
      );
      const {
        rows: [mailbox],
      } = await tx.query<{ id: string }>(
        `INSERT INTO mailboxes (tenant_id, environment_id, smtp_address, employee_bp) VALUES ('acme', $1, 'alice@acme.example', 'E1') RETURNING id`,
        [env!.id],
      );
      const pending = await createPendingSubscription(tx, {
        tenantId: 'acme',
        mailboxId: mailbox!.id,
        folder: 'calendar',
        backend: 'ews',
      });
      await activateSubscription(tx, pending.id, { remoteId: 'SUB-1', watermark: 'WM-1' }, 5);
      token = pending.token;
      subscriptionId = pending.id;
    },
    service.web.pool,
  );
});
afterAll(async () => service.stop());

function notification(body: string, subscription = 'SUB-1'): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<soap11:Envelope xmlns:soap11="http://schemas.xmlsoap.org/soap/envelope/" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages"
  xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">
  <soap11:Body><m:SendNotification><m:ResponseMessages><m:SendNotificationResponseMessage ResponseClass="Success">
    <m:ResponseCode>NoError</m:ResponseCode>
    <m:Notification><t:SubscriptionId>${subscription}</t:SubscriptionId>${body}</m:Notification>
  </m:SendNotificationResponseMessage></m:ResponseMessages></m:SendNotification></soap11:Body></soap11:Envelope>`;
}
const created = (
  previous: string,
  watermark: string,
  id = 'ITEM-1',
) => `<t:PreviousWatermark>${previous}</t:PreviousWatermark><t:MoreEvents>false</t:MoreEvents>
  <t:CreatedEvent><t:Watermark>${watermark}</t:Watermark><t:TimeStamp>2026-11-22T06:00:00Z</t:TimeStamp><t:ItemId Id="${id}" ChangeKey="CK"/><t:ParentFolderId Id="CAL"/></t:CreatedEvent>`;

async function post(path: string, body: string) {
  const response = await fetch(`${service.web.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'text/xml; charset=utf-8' },
    body,
  });
  return { status: response.status, text: await response.text(), type: response.headers.get('content-type') };
}
const subscriptionRow = () =>
  withSystemScope(
    async (tx) =>
      (
        await tx.query<{ watermark: string; last_notification_at: Date }>(
          'SELECT watermark, last_notification_at FROM subscriptions WHERE id = $1',
          [subscriptionId],
        )
      ).rows[0]!,
    service.web.pool,
  );
const triggers = () =>
  withTenant(
    'acme',
    async (tx) =>
      (
        await tx.query<{ subject: string; payload: { gap: boolean } }>(
          `SELECT subject, payload FROM inbox WHERE source = 'ews' ORDER BY id`,
        )
      ).rows,
    service.web.pool,
  );

describe('POST /ews/notifications/{token}', () => {
  it('stores a folder trigger and answers OK, recording the watermark', async () => {
    const response = await post(`/ews/notifications/${token}`, notification(created('WM-1', 'WM-2')));
    expect(response.status).toBe(200);
    expect(response.type).toContain('text/xml');
    expect(response.text).toContain('<SubscriptionStatus>OK</SubscriptionStatus>');
    const rows = await triggers();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.subject).toMatch(/^mailbox:[0-9a-f-]{36}:calendar$/);
    expect(rows[0]!.payload.gap).toBe(false);
    // Sightings are written to the subscription within a second (NotificationSightings), not per push.
    await waitFor(
      async () => (await subscriptionRow()).watermark === 'WM-2' || undefined,
      'the watermark to be recorded',
    );
  });

  it('treats a re-delivered notification as a duplicate and notes a watermark gap', async () => {
    await post(`/ews/notifications/${token}`, notification(created('WM-1', 'WM-2')));
    expect(await triggers()).toHaveLength(1);
    await post(`/ews/notifications/${token}`, notification(created('WM-7', 'WM-8')));
    const rows = await triggers();
    expect(rows).toHaveLength(2);
    expect(rows[1]!.payload.gap).toBe(true);
  });

  it('updates the last-seen time on a heartbeat without queueing work', async () => {
    const before = (await triggers()).length;
    const seenBefore = (await subscriptionRow()).last_notification_at;
    const heartbeat = `<t:PreviousWatermark>WM-8</t:PreviousWatermark><t:MoreEvents>false</t:MoreEvents><t:StatusEvent><t:Watermark>WM-9</t:Watermark></t:StatusEvent>`;
    const response = await post(`/ews/notifications/${token}`, notification(heartbeat));
    expect(response.text).toContain('OK');
    expect((await triggers()).length).toBe(before);
    await waitFor(
      async () => (await subscriptionRow()).last_notification_at > seenBefore || undefined,
      'the heartbeat to be recorded',
    );
    expect((await subscriptionRow()).watermark).toBe('WM-9');
  });

  it('answers Unsubscribe for unknown tokens, retired subscriptions and foreign subscription ids', async () => {
    expect((await post('/ews/notifications/not-a-known-token', notification(created('A', 'B')))).text).toContain(
      '<SubscriptionStatus>Unsubscribe</SubscriptionStatus>',
    );
    expect(
      (await post(`/ews/notifications/${token}`, notification(created('WM-9', 'WM-10'), 'SUB-OTHER'))).text,
    ).toContain('Unsubscribe');
  });

  it('rejects XXE and billion-laughs payloads with 400 without expanding them, and oversized ones with 413', async () => {
    const before = (await triggers()).length;
    const xxe = `<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${notification(created('WM-9', '&xxe;'))}`;
    const laughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
      <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>${notification(created('WM-9', '&lol3;'))}`;
    for (const body of [xxe, laughs]) {
      const response = await post(`/ews/notifications/${token}`, body);
      expect(response.status).toBe(400);
      expect(response.text).not.toContain('root:');
    }
    expect((await post(`/ews/notifications/${token}`, '<not xml')).status).toBe(400);
    expect((await post(`/ews/notifications/${token}`, `<a>${'x'.repeat(1_100_000)}</a>`)).status).toBe(413);
    expect((await triggers()).length).toBe(before);
  });
  it('collapses a burst of notifications for one folder into one queue job per window, each stored', async () => {
    const queue = new Queue('inbox', { connection: service.redis.duplicate(), prefix: service.prefix });
    try {
      const before = (await triggers()).length;
      const collapsedJobs = async () =>
        (await queue.getDelayed()).map((job) => job.id ?? '').filter((id) => id.startsWith('collapsed-mailbox_'));
      const earlier = new Set(await collapsedJobs());
      const burst = Array.from({ length: 8 }, (_, i) =>
        post(`/ews/notifications/${token}`, notification(created(`WM-B${i}`, `WM-B${i + 1}`, `ITEM-B${i}`))),
      );
      await Promise.all(burst);
      expect((await triggers()).length).toBe(before + 8);
      // One job per one-second window (a burst may straddle a boundary), not one per notification.
      // (A window may also be shared with the previous test's notification, whose job then covers the burst too.)
      const after = await collapsedJobs();
      expect(after.length).toBeGreaterThanOrEqual(1);
      expect(after.filter((id) => !earlier.has(id)).length).toBeLessThanOrEqual(2);
    } finally {
      await queue.close();
    }
  });
});
