import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RENEWAL_SPREAD_MINUTES, dueSubscriptions } from '../../../src/subscriptions/subscription-repository.js';
import { withSystemScope } from '../../../src/store/transaction.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';

// 10,000 mailboxes × 3 folders of Graph subscriptions created in one go (a tenant onboarding all
// its users at once) share one expiry. Their renewals must spread over the renewal window instead
// of all coming due in one maintenance run (docs/operations.md "Blind windows").
let db: TestDatabase;
const MAILBOXES = 10_000;
const SUBSCRIPTIONS = MAILBOXES * 3;
const MARGIN_MINUTES = 60;

/** Puts every subscription's expiry `minutes` from now and counts those due (no page limit). */
async function dueWhenExpiringIn(minutes: number, limit = SUBSCRIPTIONS): Promise<number> {
  await withSystemScope(
    (tx) => tx.query(`UPDATE subscriptions SET expires_at = now() + $1::float8 * interval '1 minute'`, [minutes]),
    db.pool,
  );
  return (await dueSubscriptions(db.pool, { expiryMarginMinutes: MARGIN_MINUTES, pendingAfterMinutes: 5, limit }))
    .length;
}

beforeAll(async () => {
  db = await createTestDatabase();
  await withSystemScope(async (tx) => {
    await tx.query(`INSERT INTO tenants (id) VALUES ('herd')`);
    const env = (
      await tx.query<{ id: string }>(
        `INSERT INTO exchange_environments (tenant_id, name, kind) VALUES ('herd', 'online', 'graph') RETURNING id`,
      )
    ).rows[0]!.id;
    await tx.query(
      `INSERT INTO mailboxes (tenant_id, environment_id, smtp_address)
       SELECT 'herd', $1, 'user' || g || '@herd.example' FROM generate_series(1, $2) g`,
      [env, MAILBOXES],
    );
    await tx.query(
      `INSERT INTO subscriptions (tenant_id, mailbox_id, folder, backend, token_hash, state, remote_id, expires_at)
       SELECT m.tenant_id, m.id, f.folder, 'graph', md5(m.id::text || f.folder), 'active', 'R-' || m.id || f.folder, now() + interval '3 days'
         FROM mailboxes m CROSS JOIN (VALUES ('calendar'), ('tasks'), ('contacts')) AS f(folder)`,
    );
  }, db.pool);
}, 120_000);
afterAll(async () => db.drop());

describe('subscription renewals without a herd', { timeout: 300_000 }, () => {
  it('spreads the renewals of subscriptions expiring together evenly over the renewal window', async () => {
    expect(await dueWhenExpiringIn(MARGIN_MINUTES + RENEWAL_SPREAD_MINUTES + 5)).toBe(0);
    expect(await dueWhenExpiringIn(MARGIN_MINUTES - 1)).toBe(SUBSCRIPTIONS);
    // Quarters of the window: each quarter brings about a quarter of the subscriptions due, not all at once.
    const quarter = RENEWAL_SPREAD_MINUTES / 4;
    let before = 0;
    for (let k = 1; k <= 4; k++) {
      const due = await dueWhenExpiringIn(MARGIN_MINUTES + RENEWAL_SPREAD_MINUTES - k * quarter - 0.5);
      const added = due - before;
      expect(added).toBeGreaterThan((SUBSCRIPTIONS / 4) * 0.9);
      expect(added).toBeLessThan((SUBSCRIPTIONS / 4) * 1.1);
      before = due;
    }
    expect(before).toBe(SUBSCRIPTIONS);
  });

  it('reads one page per maintenance run however many are due, so a run does not grow with the mailboxes', async () => {
    expect(await dueWhenExpiringIn(MARGIN_MINUTES - 1, 200)).toBe(200);
  });
});
