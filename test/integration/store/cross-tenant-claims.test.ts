import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimMailboxesForSeriesWindow } from '../../../src/mailboxes/mailbox-repository.js';
import { withSystemScope } from '../../../src/store/transaction.js';
import { claimTodoPolls } from '../../../src/subscriptions/subscription-repository.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';

// The claims daily and periodic maintenance makes across tenants (repository functions that run in
// the system scope themselves): each user is claimed once per period, only where the tenant is
// active and the feature applies.
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  await withSystemScope(async (tx) => {
    await tx.query(
      `INSERT INTO tenants (id, state, settings) VALUES
         ('occ', 'active', '{"appointments":{"recurringToS4":"occurrences"}}'),
         ('series', 'active', '{"appointments":{"recurringToS4":"series"}}'),
         ('gone', 'offboarding', '{"appointments":{"recurringToS4":"occurrences"}}')`,
    );
    for (const tenant of ['occ', 'series', 'gone']) {
      const env = (
        await tx.query<{ id: string }>(
          `INSERT INTO exchange_environments (tenant_id, name, kind) VALUES ($1, 'online', 'graph') RETURNING id`,
          [tenant],
        )
      ).rows[0]!.id;
      await tx.query(
        `INSERT INTO mailboxes (tenant_id, environment_id, smtp_address, enabled)
         VALUES ($1, $2, 'a@' || $1 || '.example', true), ($1, $2, 'b@' || $1 || '.example', false)`,
        [tenant, env],
      );
    }
  }, db.pool);
});
afterAll(async () => db.drop());

describe('cross-tenant maintenance claims', () => {
  it('claims a user for the series window once per day, only with occurrences sync in an active tenant', async () => {
    const first = await claimMailboxesForSeriesWindow(db.pool, '2026-03-01', 100);
    expect(first.map((r) => r.tenant_id)).toEqual(['occ']);
    expect(await claimMailboxesForSeriesWindow(db.pool, '2026-03-01', 100)).toEqual([]);
    expect(await claimMailboxesForSeriesWindow(db.pool, '2026-03-02', 100)).toEqual(first);
  });

  it('claims the To Do poll of enabled Graph users of active tenants once per interval', async () => {
    const now = new Date('2026-03-01T10:00:00Z');
    const first = await claimTodoPolls(db.pool, { now, intervalSeconds: 60, limit: 100 });
    expect(first.map((r) => r.tenant_id).sort()).toEqual(['occ', 'series']);
    expect(
      await claimTodoPolls(db.pool, { now: new Date(now.getTime() + 30_000), intervalSeconds: 60, limit: 100 }),
    ).toEqual([]);
    const later = await claimTodoPolls(db.pool, {
      now: new Date(now.getTime() + 60_000),
      intervalSeconds: 60,
      limit: 1,
    });
    expect(later).toHaveLength(1);
  });
});
