import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../../../src/store/transaction.js';
import { waitFor } from '../../support/service.js';
import { startSystem, type RunningSystem } from '../../support/system.js';
import { outlookAppointment } from './support.js';

let system: RunningSystem;
const activeSubscriptions = async () =>
  withTenant(
    'demo',
    async (tx) =>
      (
        await tx.query<{ id: string; remote_id: string }>(
          `SELECT id, remote_id FROM subscriptions WHERE state = 'active' AND folder = 'calendar' AND mailbox_id = (SELECT id FROM mailboxes WHERE smtp_address = 'alice@demo.example')`,
        )
      ).rows,
    system.db.pool,
  );

beforeAll(async () => {
  system = await startSystem();
  await waitFor(async () => (await activeSubscriptions()).length === 1 || undefined, 'Alice’s calendar subscription');
}, 120_000);
afterAll(async () => system.stop());

describe('subscriptions heal themselves', { timeout: 90_000 }, () => {
  it('after Exchange drops a subscription that could not deliver, Tandem resubscribes and catches up what happened meanwhile', async () => {
    const [before] = await activeSubscriptions();
    // The endpoint "is down": every push delivery is lost until Exchange gives up on the subscription.
    system.ews.push.dropNext = 1_000;
    await waitFor(
      async () => system.ews.push.dropped.some((d) => d.id === before!.remote_id) || undefined,
      'Exchange to drop the subscription',
    );

    // Meanwhile Alice plans something for S/4 in Outlook; nobody tells Tandem.
    const itemId = await outlookAppointment(system, 'alice@demo.example', {
      subject: 'Planned while unsubscribed',
      start: new Date(Date.now() + 3 * 86_400_000).toISOString(),
      end: new Date(Date.now() + 3 * 86_400_000 + 3_600_000).toISOString(),
      categories: ['S/4HANA'],
    });
    system.ews.push.dropNext = 0;

    // Silence is noticed, the folder is subscribed again and the catch-up finds the item.
    await waitFor(
      async () => {
        const now = await activeSubscriptions();
        return (now.length === 1 && now[0]!.id !== before!.id) || undefined;
      },
      'a new subscription',
      60_000,
    );
    const s4Key = await waitFor(
      async () =>
        (
          await withTenant(
            'demo',
            (tx) =>
              tx.query<{ s4_key: string | null }>(
                `SELECT s4_key FROM links WHERE exchange_item_id = $1 AND state = 'linked'`,
                [itemId],
              ),
            system.db.pool,
          )
        ).rows[0]?.s4_key ?? undefined,
      'the missed item to reach S/4',
      60_000,
    );
    expect((await system.s4.getAppointment(s4Key))?.subject).toBe('Planned while unsubscribed');
    const journal = await withTenant(
      'demo',
      async (tx) =>
        (await tx.query<{ reason: string }>(`SELECT reason FROM journal WHERE reason = 'subscription.resubscribed'`))
          .rows,
      system.db.pool,
    );
    expect(journal.length).toBeGreaterThan(0);
  });
});
