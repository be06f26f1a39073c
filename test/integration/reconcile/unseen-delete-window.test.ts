import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exchangeItemsWrittenAfter, saveLink, type LinkWrite } from '../../../src/reconcile/link-store.js';
import { withSystemScope, withTenant } from '../../../src/store/transaction.js';
import { saveFolderSyncState, startFolderRun } from '../../../src/subscriptions/subscription-repository.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';

/**
 * Which linked items a run of change tracking reads back for a silent delete (catch-up.ts,
 * reconcileUnseenDeletes): those whose links were written after the previous run began. The
 * previous run's snapshot decides exactly — a write it saw is older than that run's read of the
 * changes, so that run already reported or checked the item; a write committed later, or in flight
 * while the snapshot was taken, is read back. The time rule it replaced read back everything written
 * in the two minutes before the previous run ended.
 */
let db: TestDatabase;
let mailboxId: string;
const TENANT = 'acme';

beforeAll(async () => {
  db = await createTestDatabase();
  mailboxId = await withSystemScope(async (tx) => {
    await tx.query(`INSERT INTO tenants (id, display_name) VALUES ($1, $1)`, [TENANT]);
    const env = await tx.query<{ id: string }>(
      `INSERT INTO exchange_environments (tenant_id, name, kind) VALUES ($1, 'online', 'graph') RETURNING id`,
      [TENANT],
    );
    const mailbox = await tx.query<{ id: string }>(
      `INSERT INTO mailboxes (tenant_id, environment_id, smtp_address, enabled) VALUES ($1, $2, 'alice@acme.example', true) RETURNING id`,
      [TENANT, env.rows[0]!.id],
    );
    return mailbox.rows[0]!.id;
  }, db.pool);
});
afterAll(async () => db.drop());

const link = (item: string): LinkWrite => ({
  tenantId: TENANT,
  kind: 'appointment',
  mailboxId,
  state: 'linked',
  origin: 's4',
  role: 'owner',
  marker: `marker-${item}`,
  s4Key: `s4-${item}`,
  exchangeId: item,
  changeKey: `ck-${item}`,
});

const writeLink = (item: string, existingId?: number) =>
  withTenant(TENANT, (tx) => saveLink(tx, existingId, link(item)), db.pool);
const startRun = () => withTenant(TENANT, (tx) => startFolderRun(tx, mailboxId, 'calendar'), db.pool);
const saveState = (state: string, snapshot: string) =>
  withTenant(TENANT, (tx) => saveFolderSyncState(tx, TENANT, mailboxId, 'calendar', state, snapshot), db.pool);
const writtenAfter = (after: { snapshot: string } | { since: Date }) =>
  withTenant(TENANT, (tx) => exchangeItemsWrittenAfter(tx, mailboxId, 'appointment', after), db.pool).then((ids) =>
    ids.sort(),
  );

describe('items read back for a silent delete', () => {
  it('are the links written after the previous run began, including one then in flight', async () => {
    expect((await startRun()).previousRun).toBeUndefined();
    const seenId = await writeLink('seen-before');

    // A link write in flight while the run takes its snapshot; it commits afterwards.
    let commit!: () => void;
    const held = new Promise<void>((resolve) => (commit = resolve));
    let written!: () => void;
    const wroteIt = new Promise<void>((resolve) => (written = resolve));
    const inFlight = withTenant(
      TENANT,
      async (tx) => {
        await saveLink(tx, undefined, link('in-flight'));
        written();
        await held;
      },
      db.pool,
    );
    await wroteIt;
    const first = await startRun();
    await saveState('state-1', first.snapshot);
    commit();
    await inFlight;
    await writeLink('after');

    const second = await startRun();
    expect(second.syncState).toBe('state-1');
    expect(second.previousRun?.snapshot).toBe(first.snapshot);
    expect(await writtenAfter({ snapshot: first.snapshot })).toEqual(['after', 'in-flight']);
    // Nothing was written after the second run began.
    expect(await writtenAfter({ snapshot: second.snapshot })).toEqual([]);

    // Updating a link an earlier run saw makes it a candidate again.
    await writeLink('seen-before', seenId);
    expect(await writtenAfter({ snapshot: second.snapshot })).toEqual(['seen-before']);
  });

  it('fall back to the time rule for a state saved without a snapshot (before migration 019)', async () => {
    await saveState('state-2', (await startRun()).snapshot);
    await withSystemScope((tx) => tx.query(`UPDATE folder_sync_states SET run_snapshot = NULL`), db.pool);
    const run = await startRun();
    expect(run.previousRun?.snapshot).toBeUndefined();
    expect(run.previousRun?.at).toBeInstanceOf(Date);
    expect(await writtenAfter({ since: new Date(Date.now() - 60_000) })).toEqual(['after', 'in-flight', 'seen-before']);
  });
});
