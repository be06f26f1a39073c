import { createHash, randomBytes } from 'node:crypto';
import type { ItemKind, RemoteSubscription } from '../connectors/exchange/types.js';
import type { Pool } from '../store/pool.js';
import { withSystemScope, type Tx } from '../store/transaction.js';

import type { Folder } from '../inbox/subjects.js';

export interface SubscriptionRow {
  id: string;
  tenantId: string;
  mailboxId: string;
  folder: Folder;
  backend: 'ews' | 'graph';
  remoteId: string | null;
  watermark: string | null;
  statusFrequencyMinutes: number | null;
  lastNotificationAt: Date | null;
  expiresAt: Date | null;
  state: 'pending' | 'active' | 'renewing' | 'retired';
}

interface Record_ {
  id: string;
  tenant_id: string;
  mailbox_id: string;
  folder: Folder;
  backend: 'ews' | 'graph';
  remote_id: string | null;
  watermark: string | null;
  status_frequency_minutes: number | null;
  last_notification_at: Date | null;
  expires_at: Date | null;
  state: SubscriptionRow['state'];
}

const toRow = (r: Record_): SubscriptionRow => ({
  id: r.id,
  tenantId: r.tenant_id,
  mailboxId: r.mailbox_id,
  folder: r.folder,
  backend: r.backend,
  remoteId: r.remote_id,
  watermark: r.watermark,
  statusFrequencyMinutes: r.status_frequency_minutes,
  lastNotificationAt: r.last_notification_at,
  expiresAt: r.expires_at,
  state: r.state,
});

/** The callback token is a bearer secret in a URL: only its hash is stored, and lookups hash the presented one. */
export function hashCallbackToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Starts a subscription: the row (with a fresh unguessable callback token) is committed before
 * Exchange is asked, so the first notification — which can arrive before Subscribe returns — finds it.
 */
export async function createPendingSubscription(
  tx: Tx,
  input: { tenantId: string; mailboxId: string; folder: Folder; backend: 'ews' | 'graph' },
): Promise<{ id: string; token: string }> {
  const token = randomBytes(32).toString('base64url');
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO subscriptions (tenant_id, mailbox_id, folder, backend, token_hash, state) VALUES ($1, $2, $3, $4, $5, 'pending') RETURNING id`,
    [input.tenantId, input.mailboxId, input.folder, input.backend, hashCallbackToken(token)],
  );
  return { id: rows[0]!.id, token };
}

export async function activateSubscription(
  tx: Tx,
  id: string,
  remote: RemoteSubscription,
  statusFrequencyMinutes: number | undefined,
): Promise<void> {
  await tx.query(
    `UPDATE subscriptions SET remote_id = $2, watermark = COALESCE($3, watermark), expires_at = $4, status_frequency_minutes = $5,
       state = 'active', last_notification_at = now(), updated_at = now() WHERE id = $1`,
    [id, remote.remoteId, remote.watermark ?? null, remote.expiresAt ?? null, statusFrequencyMinutes ?? null],
  );
}

export async function retireSubscription(tx: Tx, id: string): Promise<void> {
  await tx.query(`UPDATE subscriptions SET state = 'retired', updated_at = now() WHERE id = $1`, [id]);
}

/**
 * Marks a subscription as expiring now, so the next maintenance run renews it (Graph asks for this with
 * `reauthorizationRequired` before it stops delivering).
 */
export async function expireSubscriptionNow(tx: Tx, id: string): Promise<void> {
  await tx.query(`UPDATE subscriptions SET expires_at = now() WHERE id = $1`, [id]);
}

/** Resolves a callback token to its subscription across tenants (the push carries no other identity). */
export async function findSubscriptionByToken(pool: Pool, token: string): Promise<SubscriptionRow | undefined> {
  return withSystemScope(async (tx) => {
    const { rows } = await tx.query<Record_>('SELECT * FROM subscriptions WHERE token_hash = $1', [
      hashCallbackToken(token),
    ]);
    return rows[0] ? toRow(rows[0]) : undefined;
  }, pool);
}

/** Resolves many callback tokens in one statement; the answer maps each known token to its subscription. */
export async function findSubscriptionsByTokens(pool: Pool, tokens: string[]): Promise<Map<string, SubscriptionRow>> {
  const byHash = new Map(tokens.map((token) => [hashCallbackToken(token), token]));
  return withSystemScope(async (tx) => {
    const { rows } = await tx.query<Record_>('SELECT * FROM subscriptions WHERE token_hash = ANY($1::text[])', [
      [...byHash.keys()],
    ]);
    return new Map(rows.map((row) => [byHash.get((row as unknown as { token_hash: string }).token_hash)!, toRow(row)]));
  }, pool);
}

export async function liveSubscriptions(tx: Tx, mailboxId: string): Promise<SubscriptionRow[]> {
  const { rows } = await tx.query<Record_>(`SELECT * FROM subscriptions WHERE mailbox_id = $1 AND state <> 'retired'`, [
    mailboxId,
  ]);
  return rows.map(toRow);
}

/**
 * An EWS subscription is presumed lost after this many heartbeat intervals without a push: Exchange
 * sends a status notification every StatusFrequency minutes when nothing happened, so one missing
 * heartbeat plus half an interval of slack for delivery and the once-a-second sighting write is
 * enough (at StatusFrequency 1: 90 s). Lost subscriptions send nothing at all, so waiting longer only
 * lengthens the blind window.
 */
export const SILENT_HEARTBEATS = 1.5;

/**
 * How far ahead of the expiry margin a subscription's renewal may fall, in minutes. Each
 * subscription renews at its own point of this window, fixed by its id: subscriptions created
 * together (a tenant onboarding 10,000 users) expire together, and without the spread they would
 * all come due in the same maintenance run. The first renewals land at different times, so the
 * next expiries differ too and the herd does not re-form. Margin plus spread (7 hours) must stay
 * well below the lifetime Tandem asks Graph for (4,200 minutes, graph-connector.ts), or a renewed
 * subscription would be due again at once.
 */
export const RENEWAL_SPREAD_MINUTES = 360;

/**
 * Subscriptions that need attention, oldest problem first, across tenants: active ones silent for
 * more than SILENT_HEARTBEATS heartbeat intervals (EWS) or expiring soon (Graph: within the margin
 * plus the subscription's own share of RENEWAL_SPREAD_MINUTES), and pending ones that never
 * completed. Bounded per call (a page of `limit` rows), so a run's memory does not grow with the
 * number of mailboxes and 10,000 mailboxes renew in waves, not all at once.
 */
/**
 * A subscription's point in the renewal window, in whole minutes from 0 to spread - 1: the first
 * 28 bits of the MD5 of its id (uniform for random ids), so every run computes the same point.
 */
function renewalOffsetSql(spreadParameter: string): string {
  return `(('x' || substr(md5(id::text), 1, 7))::bit(28)::int % greatest(1, ${spreadParameter}::int))`;
}

export async function dueSubscriptions(
  pool: Pool,
  options: {
    expiryMarginMinutes: number;
    pendingAfterMinutes: number;
    limit: number;
    /** Scales the silence threshold (tests and demos run Exchange's clock faster); 1 in production. */
    timeScale?: number;
    /** Default RENEWAL_SPREAD_MINUTES. */
    spreadMinutes?: number;
  },
): Promise<SubscriptionRow[]> {
  return withSystemScope(async (tx) => {
    const { rows } = await tx.query<Record_>(
      `SELECT * FROM subscriptions
        WHERE (state = 'active' AND (
                 (status_frequency_minutes IS NOT NULL AND last_notification_at < now() - make_interval(secs => 60 * $5::float8 * status_frequency_minutes * $4::float8))
              OR (expires_at IS NOT NULL AND expires_at < now() + make_interval(mins => $1 + ${renewalOffsetSql('$6')}))))
           OR (state IN ('pending', 'renewing') AND updated_at < now() - make_interval(mins => $2))
        ORDER BY coalesce(last_notification_at, updated_at) LIMIT $3`,
      [
        options.expiryMarginMinutes,
        options.pendingAfterMinutes,
        options.limit,
        options.timeScale ?? 1,
        SILENT_HEARTBEATS,
        options.spreadMinutes ?? RENEWAL_SPREAD_MINUTES,
      ],
    );
    return rows.map(toRow);
  }, pool);
}

/** Where a run of a folder's change tracking starts: what the previous run left, and a snapshot of now. */
export interface FolderRunStart {
  /** The stored sync state, or undefined before the first run (or after a full resync began). */
  syncState: string | undefined;
  /** When the previous run saved its state, and the snapshot up to which link writes were checked. */
  previousRun: { at: Date; snapshot: string | undefined } | undefined;
  /** This run's snapshot (pg_snapshot as text): the links it can see were written before it began. */
  snapshot: string;
}

/**
 * The folder's stored state and a snapshot of the database taken now, in one statement. A run that
 * finishes its check for silent deletes stores the snapshot with its state, so the next run can tell
 * which link writes this run could not have seen (`exchangeItemsWrittenAfter`, catch-up.ts).
 */
export async function startFolderRun(tx: Tx, mailboxId: string, folder: Folder): Promise<FolderRunStart> {
  const { rows } = await tx.query<{
    sync_state: string | null;
    last_run_at: Date | null;
    run_snapshot: string | null;
    snapshot: string;
  }>(
    `SELECT s.sync_state, s.last_run_at, s.run_snapshot::text AS run_snapshot, pg_current_snapshot()::text AS snapshot
       FROM (SELECT 1) AS now LEFT JOIN folder_sync_states s ON s.mailbox_id = $1 AND s.folder = $2`,
    [mailboxId, folder],
  );
  const row = rows[0]!;
  return {
    syncState: row.sync_state ?? undefined,
    previousRun: row.last_run_at ? { at: row.last_run_at, snapshot: row.run_snapshot ?? undefined } : undefined,
    snapshot: row.snapshot,
  };
}

export async function saveFolderSyncState(
  tx: Tx,
  tenantId: string,
  mailboxId: string,
  folder: Folder,
  syncState: string | null,
  /** The snapshot up to which link writes were checked for silent deletes (catch-up.ts). */
  verifiedSnapshot: string | null,
  fullResyncReason?: string,
): Promise<void> {
  await tx.query(
    `INSERT INTO folder_sync_states (tenant_id, mailbox_id, folder, sync_state, full_resync_reason, last_run_at, run_snapshot)
     VALUES ($1, $2, $3, $4, $5, now(), $6)
     ON CONFLICT (tenant_id, mailbox_id, folder) DO UPDATE SET sync_state = EXCLUDED.sync_state,
       full_resync_reason = EXCLUDED.full_resync_reason, last_run_at = now(), run_snapshot = EXCLUDED.run_snapshot,
       updated_at = now()`,
    [tenantId, mailboxId, folder, syncState, fullResyncReason ?? null, verifiedSnapshot],
  );
}

/**
 * The Exchange behind an environment lost what it knew about Tandem (the demo's emulators start
 * empty on every run; a rebuilt or restored server): its subscriptions and sync states are void.
 * Retires the subscriptions — the next maintenance run subscribes every folder again — and drops
 * the folder sync states, so change tracking starts over (items carrying Tandem's stamp are
 * matched, not duplicated). Returns how many subscriptions were retired.
 */
export async function forgetExchangeState(tx: Tx, environmentId: string): Promise<number> {
  await tx.query(
    `DELETE FROM folder_sync_states WHERE mailbox_id IN (SELECT id FROM mailboxes WHERE environment_id = $1)`,
    [environmentId],
  );
  const { rowCount } = await tx.query(
    `UPDATE subscriptions SET state = 'retired', updated_at = now()
      WHERE state <> 'retired' AND mailbox_id IN (SELECT id FROM mailboxes WHERE environment_id = $1)`,
    [environmentId],
  );
  return rowCount ?? 0;
}

/** Retires every live subscription of a user (EWS is answered "Unsubscribe" on its next call); returns how many. */
export async function retireMailboxSubscriptions(tx: Tx, mailboxId: string): Promise<number> {
  const { rowCount } = await tx.query(
    `UPDATE subscriptions SET state = 'retired', updated_at = now() WHERE mailbox_id = $1 AND state <> 'retired'`,
    [mailboxId],
  );
  return rowCount ?? 0;
}

/** Retires every live subscription of the transaction's tenant (offboarding). */
export async function retireAllSubscriptions(tx: Tx): Promise<void> {
  await tx.query(`UPDATE subscriptions SET state = 'retired', updated_at = now() WHERE state <> 'retired'`);
}

/** Drops a user's folder sync states, so change tracking of each folder starts from the beginning. */
export async function forgetFolderSyncStates(tx: Tx, mailboxId: string): Promise<void> {
  await tx.query('DELETE FROM folder_sync_states WHERE mailbox_id = $1', [mailboxId]);
}

export interface SubscriptionCounts {
  active: number;
  pending: number;
  /** Active but silent for more than SILENT_HEARTBEATS heartbeats: the maintenance run will renew them. */
  stale: number;
}

/** Subscription health of the transaction's tenant, for the status screen. */
export async function subscriptionCounts(tx: Tx): Promise<SubscriptionCounts> {
  const { rows } = await tx.query<SubscriptionCounts>(`SELECT
    count(*) FILTER (WHERE state = 'active')::int AS active, count(*) FILTER (WHERE state = 'pending')::int AS pending,
    count(*) FILTER (WHERE state = 'active' AND coalesce(last_notification_at, created_at) < now() - make_interval(secs => 60 * ${SILENT_HEARTBEATS} * coalesce(status_frequency_minutes, 30)))::int AS stale
   FROM subscriptions`);
  return rows[0]!;
}

/** A sighting of a subscription by the notification endpoints, written in batches. */
export interface SubscriptionSighting {
  id: string;
  seenAt: Date;
  watermark: string | null;
  gapAt: Date | null;
}

/**
 * Records many sightings in one statement: the last notification time only moves forward, and a
 * watermark or gap not seen keeps the stored one.
 */
export async function recordSubscriptionSightings(tx: Tx, sightings: SubscriptionSighting[]): Promise<void> {
  await tx.query(
    `UPDATE subscriptions s
    SET last_notification_at = GREATEST(s.last_notification_at, u.seen_at), updated_at = now(),
        watermark = COALESCE(u.watermark, s.watermark), gap_detected_at = COALESCE(u.gap_at, s.gap_detected_at)
   FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::timestamptz[]) AS u(id, seen_at, watermark, gap_at)
  WHERE s.id = u.id`,
    [
      sightings.map((s) => s.id),
      sightings.map((s) => s.seenAt),
      sightings.map((s) => s.watermark),
      sightings.map((s) => s.gapAt),
    ],
  );
}

/** Sets a subscription's expiry after Graph extended it in place. */
export async function extendSubscription(tx: Tx, id: string, expiresAt: string | null): Promise<void> {
  await tx.query('UPDATE subscriptions SET expires_at = $2, updated_at = now() WHERE id = $1', [id, expiresAt]);
}

/**
 * Folders of enabled users of active tenants that should have a subscription and have none, oldest
 * user first.
 */
export async function foldersWithoutSubscription(
  pool: Pool,
  limit: number,
): Promise<{ tenant_id: string; mailbox_id: string; kind: ItemKind }[]> {
  // Maintenance serves every tenant: the search runs in the system scope.
  return withSystemScope(async (tx) => {
    const { rows } = await tx.query<{ tenant_id: string; mailbox_id: string; kind: ItemKind }>(
      `SELECT m.tenant_id, m.id AS mailbox_id, k.kind FROM mailboxes m
           JOIN tenants t ON t.id = m.tenant_id AND t.state = 'active'
           JOIN exchange_environments e ON e.id = m.environment_id
           CROSS JOIN LATERAL (VALUES ('appointment', 'calendar', m.sync_appointments), ('task', 'tasks', m.sync_tasks), ('contact', 'contacts', m.sync_contacts)) AS k(kind, folder, on_)
          WHERE m.enabled AND k.on_
            -- A refused mailbox is subscribed again when the access probe has seen access granted.
            AND m.status <> 'accessDenied'
            -- Graph has no app-only To Do notifications: those lists are polled (todo-poll.ts).
            AND NOT (k.kind = 'task' AND e.kind = 'graph')
            AND NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.mailbox_id = m.id AND s.folder = k.folder AND s.state <> 'retired')
          ORDER BY m.created_at LIMIT $1`,
      [limit],
    );
    return rows;
  }, pool);
}

/**
 * Live subscriptions nobody should have any more: the user is disabled, stopped syncing the folder
 * or moved to the other backend.
 */
export async function staleSubscriptions(
  pool: Pool,
  limit: number,
): Promise<{ id: string; tenant_id: string; mailbox_id: string; folder: string }[]> {
  // Maintenance serves every tenant: the search runs in the system scope.
  return withSystemScope(async (tx) => {
    const { rows } = await tx.query<{ id: string; tenant_id: string; mailbox_id: string; folder: string }>(
      `SELECT s.id, s.tenant_id, s.mailbox_id, s.folder FROM subscriptions s JOIN mailboxes m ON m.id = s.mailbox_id
           JOIN exchange_environments e ON e.id = m.environment_id
          WHERE s.state <> 'retired' AND (NOT m.enabled
            OR (s.folder = 'calendar' AND NOT m.sync_appointments) OR (s.folder = 'tasks' AND NOT m.sync_tasks) OR (s.folder = 'contacts' AND NOT m.sync_contacts)
            -- The user moved to an environment of the other backend (EWS → Graph): a worker that still had
            -- the old environment cached may have subscribed there again; retire it, the next run subscribes anew.
            OR s.backend <> CASE e.kind WHEN 'graph' THEN 'graph' ELSE 'ews' END
            -- A Graph To Do subscription cannot exist (Graph refuses it app-only); never keep one.
            OR (s.folder = 'tasks' AND s.backend = 'graph'))
          LIMIT $1`,
      [limit],
    );
    return rows;
  }, pool);
}

/**
 * Claims up to `limit` Graph users of active tenants whose To Do list is due for a poll (last poll
 * at least `intervalSeconds` before `now`), marking them polled at `now`. Runs across tenants, so
 * SKIP LOCKED keeps two workers from claiming the same user.
 */
export async function claimTodoPolls(
  pool: Pool,
  options: { now: Date; intervalSeconds: number; limit: number },
): Promise<{ tenant_id: string; id: string }[]> {
  // The poll serves every tenant: the claim runs in the system scope.
  return withSystemScope(async (tx) => {
    const { rows } = await tx.query<{ tenant_id: string; id: string }>(
      `UPDATE mailboxes m SET tasks_polled_at = $1
        WHERE m.id IN (
          SELECT m2.id FROM mailboxes m2
            JOIN tenants t ON t.id = m2.tenant_id AND t.state = 'active'
            JOIN exchange_environments e ON e.id = m2.environment_id AND e.kind = 'graph'
           WHERE m2.enabled AND m2.sync_tasks AND m2.status <> 'accessDenied'
             AND (m2.tasks_polled_at IS NULL OR m2.tasks_polled_at <= $1::timestamptz - make_interval(secs => $2))
           ORDER BY m2.tasks_polled_at NULLS FIRST, m2.created_at
           LIMIT $3 FOR UPDATE OF m2 SKIP LOCKED)
        RETURNING m.tenant_id, m.id`,
      [options.now.toISOString(), options.intervalSeconds, options.limit],
    );
    return rows;
  }, pool);
}
