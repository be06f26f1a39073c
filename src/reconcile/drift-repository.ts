import type { Pool } from '../store/pool.js';
import { withSystemScope, type Tx } from '../store/transaction.js';
import type { ActivityKind } from './activity-kinds.js';

/**
 * The drift check's SQL (drift-check.ts, deletion-sweep.ts, partner-drift.ts, drift-report.ts):
 * which tenants to check, the versions their links last synced, the deletion sweep's page, the
 * watermarks, and which findings were reported before.
 */

/** What a drift check reads since a watermark of its own (table s4_drift_watermarks). */
export type WatermarkKind = ActivityKind | 'businessPartner';

/** A link's S/4 key, its mailbox and the S/4 version it last synced. */
export interface LinkVersion {
  s4_key: string;
  mailbox_id: string;
  s4_etag: string | null;
}

/**
 * Active tenants with at least one enabled user. Across tenants, so it takes the pool and opens
 * the system scope itself (row-level security would show one tenant only).
 */
export async function tenantsToCheck(pool: Pool): Promise<string[]> {
  return withSystemScope(
    async (tx) =>
      (
        await tx.query<{ id: string }>(
          `SELECT t.id FROM tenants t WHERE t.state = 'active' AND EXISTS (SELECT 1 FROM mailboxes m WHERE m.tenant_id = t.id AND m.enabled) ORDER BY t.id`,
        )
      ).rows.map((row) => row.id),
    pool,
  );
}

/** Links of these activities that are not unlinked, with the version each last synced. */
export async function activityLinkVersions(tx: Tx, kind: ActivityKind, keys: string[]): Promise<LinkVersion[]> {
  const { rows } = await tx.query<LinkVersion>(
    `SELECT s4_key, mailbox_id, s4_etag FROM links WHERE kind = $1 AND s4_key = ANY($2) AND state <> 'unlinked'`,
    [kind, keys],
  );
  return rows;
}

/** Linked contacts of these business partners, with the partner change stamp each last synced. */
export async function contactLinkVersions(tx: Tx, partners: string[]): Promise<LinkVersion[]> {
  const { rows } = await tx.query<LinkVersion>(
    `SELECT s4_key, mailbox_id, s4_etag FROM links WHERE kind = 'contact' AND s4_key = ANY($1) AND state = 'linked'`,
    [partners],
  );
  return rows;
}

/**
 * Up to `pageSize` distinct S/4 keys of the tenant's linked objects of `kind`, least recently
 * confirmed first (a new link counts as confirmed when it was made, so a busy tenant's new links
 * never starve its old ones).
 */
export async function leastRecentlyVerified(
  tx: Tx,
  tenantId: string,
  kind: ActivityKind,
  pageSize: number,
): Promise<string[]> {
  const { rows } = await tx.query<{ s4_key: string }>(
    `SELECT DISTINCT s4_key FROM (
       SELECT s4_key FROM links
        WHERE tenant_id = $1 AND kind = $2 AND s4_key IS NOT NULL AND state = 'linked'
        ORDER BY s4_verified_at, id
        LIMIT $3) page`,
    [tenantId, kind, pageSize],
  );
  return rows.map((row) => row.s4_key);
}

/** Marks these keys' links confirmed now; returns the links marked. */
export async function markVerified(
  tx: Tx,
  tenantId: string,
  kind: ActivityKind,
  keys: string[],
): Promise<Array<{ s4_key: string; mailbox_id: string }>> {
  const { rows } = await tx.query<{ s4_key: string; mailbox_id: string }>(
    `UPDATE links SET s4_verified_at = now()
      WHERE tenant_id = $1 AND kind = $2 AND s4_key = ANY($3) AND state = 'linked'
      RETURNING s4_key, mailbox_id`,
    [tenantId, kind, keys],
  );
  return rows;
}

/** The event ids among `eventIds` already in the inbox: found before, queued and journalled once. */
export async function reportedBefore(tx: Tx, eventIds: string[]): Promise<Set<string>> {
  const { rows } = await tx.query<{ event_id: string }>(
    `SELECT event_id FROM inbox WHERE source = 'system' AND event_id = ANY($1)`,
    [eventIds],
  );
  return new Set(rows.map((r) => r.event_id));
}

/**
 * The subjects among `subjects` with an inbox event not yet claimed. Such an event will be handled
 * later and its handler reads the object fresh, so a drift finding on the same subject is
 * redundant. Claimed ('processing') events do not count: their handler may have read S/4 before
 * the change the finding saw.
 */
export async function subjectsAwaitingWork(tx: Tx, subjects: string[]): Promise<Set<string>> {
  const { rows } = await tx.query<{ subject: string }>(
    `SELECT DISTINCT subject FROM inbox WHERE subject = ANY($1) AND status = 'pending'`,
    [subjects],
  );
  return new Set(rows.map((r) => r.subject));
}

export async function readWatermark(tx: Tx, kind: WatermarkKind): Promise<Date | undefined> {
  const { rows } = await tx.query<{ watermark: Date }>('SELECT watermark FROM s4_drift_watermarks WHERE kind = $1', [
    kind,
  ]);
  return rows[0]?.watermark;
}

export async function saveWatermark(tx: Tx, tenantId: string, kind: WatermarkKind, watermark: Date): Promise<void> {
  await tx.query(
    `INSERT INTO s4_drift_watermarks (tenant_id, kind, watermark) VALUES ($1, $2, $3)
     ON CONFLICT (tenant_id, kind) DO UPDATE SET watermark = GREATEST(s4_drift_watermarks.watermark, EXCLUDED.watermark), checked_at = now()`,
    [tenantId, kind, watermark],
  );
}
