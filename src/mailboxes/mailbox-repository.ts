import { TandemError } from '../errors/tandem-error.js';
import type { Pool } from '../store/pool.js';
import { withSystemScope, type Tx } from '../store/transaction.js';
import type { MailboxInput, MailboxListQuery, MailboxPatch, MailboxView } from './mailbox-schema.js';

interface MailboxRecord {
  id: string;
  tenant_id: string;
  smtp_address: string;
  environment_id: string;
  s4_user: string | null;
  employee_bp: string | null;
  sync_appointments: boolean;
  sync_tasks: boolean;
  sync_contacts: boolean;
  enabled: boolean;
  status: string;
  last_error: unknown;
  initial_load: MailboxView['initialLoad'];
  created_at: Date;
  updated_at: Date;
}

function toView(r: MailboxRecord): MailboxView {
  return {
    id: r.id,
    smtpAddress: r.smtp_address,
    environmentId: r.environment_id,
    s4User: r.s4_user,
    employeeBp: r.employee_bp,
    syncAppointments: r.sync_appointments,
    syncTasks: r.sync_tasks,
    syncContacts: r.sync_contacts,
    enabled: r.enabled,
    status: r.status,
    lastError: r.last_error ?? null,
    initialLoad: r.initial_load ?? null,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

function mapWriteError(error: { code?: string; constraint?: string }, smtpAddress?: string): never {
  if (error.code === '23505')
    throw new TandemError('CONFLICT', `A user with mailbox ${smtpAddress ?? ''} exists already`.replace('  ', ' '));
  if (error.code === '23503')
    throw new TandemError('VALIDATION_FAILED', 'Unknown Exchange environment', {
      fieldErrors: [{ path: 'environmentId', message: 'no such environment in this tenant' }],
    });
  throw error;
}

const SORT_COLUMNS = {
  smtpAddress: 'lower(smtp_address)',
  status: 'status, lower(smtp_address)',
  createdAt: 'created_at DESC, id',
} as const;

// Users (mailboxes) of the transaction's tenant: every function runs in the caller's tenant-scoped
// transaction, so row-level security keeps the other tenants' users out of reach.

export async function listMailboxes(tx: Tx, query: MailboxListQuery): Promise<{ items: MailboxView[]; total: number }> {
  const conditions: string[] = [];
  const values: unknown[] = [];
  if (query.search) {
    values.push(`%${query.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    conditions.push(
      `(smtp_address ILIKE $${values.length} OR s4_user ILIKE $${values.length} OR employee_bp ILIKE $${values.length})`,
    );
  }
  if (query.environmentId) {
    values.push(query.environmentId);
    conditions.push(`environment_id = $${values.length}`);
  }
  if (query.status) {
    values.push(query.status);
    conditions.push(`status = $${values.length}`);
  }
  if (query.enabled) {
    values.push(query.enabled === 'true');
    conditions.push(`enabled = $${values.length}`);
  }
  const where = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
  const [page, count] = await Promise.all([
    tx.query<MailboxRecord>(
      `SELECT * FROM mailboxes ${where} ORDER BY ${SORT_COLUMNS[query.sort]} LIMIT ${query.limit} OFFSET ${query.offset}`,
      values,
    ),
    tx.query<{ total: number }>(`SELECT count(*)::int AS total FROM mailboxes ${where}`, values),
  ]);
  return { items: page.rows.map(toView), total: count.rows[0]!.total };
}

export async function getMailbox(tx: Tx, id: string): Promise<MailboxView> {
  const found = await findMailbox(tx, id);
  if (!found) throw new TandemError('NOT_FOUND', `User ${id} not found`);
  return found;
}

/** Like get, for callers to whom a user removed meanwhile is not an error. */
export async function findMailbox(tx: Tx, id: string): Promise<MailboxView | undefined> {
  const { rows } = await tx.query<MailboxRecord>('SELECT * FROM mailboxes WHERE id = $1', [id]);
  return rows[0] ? toView(rows[0]) : undefined;
}

export async function createMailbox(tx: Tx, tenantId: string, input: MailboxInput): Promise<MailboxView> {
  const { rows } = await tx
    .query<MailboxRecord>(
      `INSERT INTO mailboxes (tenant_id, environment_id, smtp_address, s4_user, employee_bp, sync_appointments, sync_tasks, sync_contacts, enabled)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
      [
        tenantId,
        input.environmentId,
        input.smtpAddress,
        input.s4User ?? null,
        input.employeeBp ?? null,
        input.syncAppointments,
        input.syncTasks,
        input.syncContacts,
        input.enabled,
      ],
    )
    .catch((error) => mapWriteError(error, input.smtpAddress));
  return toView(rows[0]!);
}

/**
 * Changes a user's row. A new `environmentId` moves the user to another Exchange environment: the
 * previous one is returned as `movedFrom` (read under a row lock, so two concurrent moves cannot
 * both see the same origin) for the caller to reset what belonged to it (environment-move.ts).
 */
export async function updateMailbox(
  tx: Tx,
  id: string,
  patch: MailboxPatch,
): Promise<{ user: MailboxView; movedFrom: string | undefined }> {
  const before =
    patch.environmentId === undefined
      ? undefined
      : (
          await tx.query<{ environment_id: string }>('SELECT environment_id FROM mailboxes WHERE id = $1 FOR UPDATE', [
            id,
          ])
        ).rows[0];
  const columns: Record<keyof MailboxPatch, string> = {
    environmentId: 'environment_id',
    s4User: 's4_user',
    employeeBp: 'employee_bp',
    syncAppointments: 'sync_appointments',
    syncTasks: 'sync_tasks',
    syncContacts: 'sync_contacts',
    enabled: 'enabled',
  };
  const sets: string[] = [];
  const values: unknown[] = [id];
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    values.push(value);
    sets.push(`${columns[key as keyof MailboxPatch]} = $${values.length}`);
  }
  if (patch.enabled === false) sets.push(`status = 'disabled'`);
  if (patch.enabled === true) sets.push(`status = CASE WHEN status = 'disabled' THEN 'new' ELSE status END`);
  const { rows } = await tx
    .query<MailboxRecord>(
      `UPDATE mailboxes SET ${[...sets, 'updated_at = now()'].join(', ')} WHERE id = $1 RETURNING *`,
      values,
    )
    .catch((error) => mapWriteError(error));
  if (!rows[0]) throw new TandemError('NOT_FOUND', `User ${id} not found`);
  const moved = before !== undefined && before.environment_id !== rows[0].environment_id;
  return { user: toView(rows[0]), movedFrom: moved ? before.environment_id : undefined };
}

export async function removeMailbox(tx: Tx, id: string): Promise<void> {
  const { rowCount } = await tx.query('DELETE FROM mailboxes WHERE id = $1', [id]);
  if (!rowCount) throw new TandemError('NOT_FOUND', `User ${id} not found`);
}

export async function setInitialLoad(
  tx: Tx,
  id: string,
  progress: NonNullable<MailboxView['initialLoad']>,
): Promise<void> {
  await tx.query('UPDATE mailboxes SET initial_load = $2, updated_at = now() WHERE id = $1', [
    id,
    JSON.stringify(progress),
  ]);
}

/** How many users the tenant has in each status (statuses without users are absent). */
export async function countMailboxesByStatus(tx: Tx): Promise<Record<string, number>> {
  const { rows } = await tx.query<{ status: string; n: number }>(
    'SELECT status, count(*)::int AS n FROM mailboxes GROUP BY status',
  );
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/** How many users of the transaction's tenant other than `exceptId` have an initial load queued or running. */
export async function countInitialLoadsInProgress(tx: Tx, exceptId: string): Promise<number> {
  const { rows } = await tx.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM mailboxes WHERE id <> $1 AND initial_load->>'state' IN ('queued', 'running')`,
    [exceptId],
  );
  return rows[0]!.n;
}

/** The id of the user with this address (compared case-insensitively, as the unique index does), if any. */
export async function findMailboxIdByAddress(tx: Tx, smtpAddress: string): Promise<string | undefined> {
  const { rows } = await tx.query<{ id: string }>('SELECT id FROM mailboxes WHERE lower(smtp_address) = lower($1)', [
    smtpAddress,
  ]);
  return rows[0]?.id;
}

/**
 * Moves up to `limit` users of environment `from` to `to` (oldest first, rows locked) and returns
 * them; the caller resets each one's Exchange state.
 */
export async function moveMailboxesToEnvironment(
  tx: Tx,
  from: string,
  to: string,
  limit: number,
): Promise<{ id: string; enabled: boolean; employeeBp: string | null }[]> {
  const { rows } = await tx.query<{ id: string; enabled: boolean; employee_bp: string | null }>(
    `UPDATE mailboxes SET environment_id = $2, updated_at = now()
      WHERE id IN (SELECT id FROM mailboxes WHERE environment_id = $1 ORDER BY created_at, id LIMIT $3 FOR UPDATE)
      RETURNING id, enabled, employee_bp`,
    [from, to, limit],
  );
  return rows.map((r) => ({ id: r.id, enabled: r.enabled, employeeBp: r.employee_bp }));
}

/** Forgets the user's Entra object id: it belongs to the old environment's directory. */
export async function forgetExchangeObjectId(tx: Tx, mailboxId: string): Promise<void> {
  await tx.query('UPDATE mailboxes SET exchange_object_id = NULL WHERE id = $1', [mailboxId]);
}

/** Marks the user access-denied with the refusal as its last error; false if it was so already. */
export async function markMailboxAccessDenied(
  tx: Tx,
  mailboxId: string,
  status: string,
  lastError: Record<string, unknown>,
): Promise<boolean> {
  const { rowCount } = await tx.query(
    `UPDATE mailboxes SET status = $2, last_error = $3, access_probed_at = now(), updated_at = now()
      WHERE id = $1 AND status <> $2`,
    [mailboxId, status, JSON.stringify(lastError)],
  );
  return Boolean(rowCount);
}

/** Puts an access-denied user back to `new`; false if it was no longer in that status. */
export async function restoreMailboxAccess(tx: Tx, mailboxId: string, deniedStatus: string): Promise<boolean> {
  const { rowCount } = await tx.query(
    `UPDATE mailboxes SET status = 'new', last_error = NULL, updated_at = now() WHERE id = $1 AND status = $2`,
    [mailboxId, deniedStatus],
  );
  return Boolean(rowCount);
}

/**
 * Claims up to `limit` access-denied users of active tenants whose last probe is at least
 * `intervalSeconds` old, marking them probed at `now`. Runs across tenants in a system-scope
 * transaction of its own; SKIP LOCKED lets several workers probe side by side.
 */
export async function claimMailboxesForAccessProbe(
  pool: Pool,
  options: { now: Date; intervalSeconds: number; limit: number; deniedStatus: string },
): Promise<{ tenant_id: string; id: string }[]> {
  // The probe serves every tenant: the claim runs in the system scope.
  return withSystemScope(async (tx) => {
    const { rows } = await tx.query<{ tenant_id: string; id: string }>(
      `UPDATE mailboxes m SET access_probed_at = $1
        WHERE m.id IN (
          SELECT m2.id FROM mailboxes m2 JOIN tenants t ON t.id = m2.tenant_id AND t.state = 'active'
           WHERE m2.status = $4 AND m2.enabled
             AND (m2.access_probed_at IS NULL OR m2.access_probed_at <= $1::timestamptz - make_interval(secs => $2))
           ORDER BY m2.access_probed_at NULLS FIRST LIMIT $3 FOR UPDATE OF m2 SKIP LOCKED)
      RETURNING m.tenant_id, m.id`,
      [options.now.toISOString(), options.intervalSeconds, options.limit, options.deniedStatus],
    );
    return rows;
  }, pool);
}

/** A user whose subscription became active is in sync, unless disabled or refused meanwhile. */
export async function markMailboxInSync(tx: Tx, mailboxId: string): Promise<void> {
  await tx.query(
    `UPDATE mailboxes SET status = 'in-sync', last_error = NULL, updated_at = now() WHERE id = $1 AND status IN ('new', 'subscribing', 'failing')`,
    [mailboxId],
  );
}

/** Marks a user failing, with the error as its last error. */
export async function markMailboxFailing(tx: Tx, mailboxId: string, lastError: Record<string, unknown>): Promise<void> {
  await tx.query(`UPDATE mailboxes SET status = 'failing', last_error = $2, updated_at = now() WHERE id = $1`, [
    mailboxId,
    JSON.stringify(lastError),
  ]);
}

/** Each user's current environment and the version of its settings (its updated_at, as text). */
export async function currentEnvironmentsOf(
  tx: Tx,
  mailboxIds: string[],
): Promise<{ id: string; environmentId: string; version: string }[]> {
  const { rows } = await tx.query<{ id: string; environment_id: string; v: string }>(
    `SELECT m.id, m.environment_id, e.updated_at::text AS v FROM mailboxes m JOIN exchange_environments e ON e.id = m.environment_id WHERE m.id = ANY($1)`,
    [mailboxIds],
  );
  return rows.map((r) => ({ id: r.id, environmentId: r.environment_id, version: r.v }));
}

/** The Entra object id remembered for a mailbox of an environment; `smtp` is lower case. */
export async function exchangeObjectIdOf(tx: Tx, environmentId: string, smtp: string): Promise<string | undefined> {
  const { rows } = await tx.query<{ exchange_object_id: string | null }>(
    'SELECT exchange_object_id FROM mailboxes WHERE environment_id = $1 AND lower(smtp_address) = $2',
    [environmentId, smtp],
  );
  return rows[0]?.exchange_object_id ?? undefined;
}

/** Remembers the Entra object id Graph resolved for a mailbox of an environment; `smtp` is lower case. */
export async function rememberExchangeObjectId(
  tx: Tx,
  environmentId: string,
  smtp: string,
  objectId: string,
): Promise<void> {
  await tx.query(
    'UPDATE mailboxes SET exchange_object_id = $3 WHERE environment_id = $1 AND lower(smtp_address) = $2',
    [environmentId, smtp, objectId],
  );
}

/** A user as the reconciliation loads it with the tenant's context. */
export interface SyncMailboxRecord {
  id: string;
  smtp_address: string;
  environment_id: string;
  employee_bp: string | null;
  s4_user: string | null;
  sync_appointments: boolean;
  sync_tasks: boolean;
  sync_contacts: boolean;
  enabled: boolean;
  initial_load_done: boolean;
  access_denied: boolean;
}

/** Every user of the transaction's tenant, with what the reconciliation needs of each. */
export async function listMailboxesForSync(tx: Tx): Promise<SyncMailboxRecord[]> {
  const { rows } = await tx.query<SyncMailboxRecord>(
    `SELECT id, smtp_address, environment_id, employee_bp, s4_user, sync_appointments, sync_tasks, sync_contacts, enabled,
                coalesce(initial_load->>'state' = 'done', false) AS initial_load_done,
                status = 'accessDenied' AS access_denied
           FROM mailboxes`,
  );
  return rows;
}

/**
 * Claims up to `limit` users of active tenants with recurring sync to S/4 as occurrences whose
 * series were not expanded on `day` (UTC date, YYYY-MM-DD), marking them done for that day. Runs
 * across tenants in a system-scope transaction of its own; SKIP LOCKED lets several workers run it.
 */
export async function claimMailboxesForSeriesWindow(
  pool: Pool,
  day: string,
  limit: number,
): Promise<{ tenant_id: string; id: string }[]> {
  // The pass serves every tenant: the claim runs in the system scope.
  return withSystemScope(async (tx) => {
    const { rows } = await tx.query<{ tenant_id: string; id: string }>(
      `UPDATE mailboxes m SET series_window_on = $1::date
        WHERE m.id IN (
          SELECT m2.id FROM mailboxes m2 JOIN tenants t ON t.id = m2.tenant_id AND t.state = 'active'
           WHERE m2.enabled AND m2.sync_appointments
             AND t.settings->'appointments'->>'recurringToS4' = 'occurrences'
             AND coalesce(t.settings->'appointments'->>'enabled', 'true') = 'true'
             AND (m2.series_window_on IS NULL OR m2.series_window_on < $1::date)
           ORDER BY m2.series_window_on NULLS FIRST, m2.created_at
           LIMIT $2 FOR UPDATE OF m2 SKIP LOCKED)
        RETURNING m.tenant_id, m.id`,
      [day, limit],
    );
    return rows;
  }, pool);
}

/** The stored initial-load checkpoint of a user (shape owned by the initial load) and its progress. */
export async function readInitialLoadCheckpoint<T>(
  tx: Tx,
  mailboxId: string,
): Promise<{ checkpoint: T | null; progress: { state?: string; startedAt?: string } | null } | undefined> {
  const { rows } = await tx.query<{
    checkpoint: T | null;
    progress: { state?: string; startedAt?: string } | null;
  }>('SELECT initial_load_checkpoint AS checkpoint, initial_load AS progress FROM mailboxes WHERE id = $1', [
    mailboxId,
  ]);
  return rows[0];
}

/** Stores (or with null clears) a user's initial-load checkpoint. */
export async function saveInitialLoadCheckpoint(tx: Tx, mailboxId: string, checkpoint: unknown): Promise<void> {
  await tx.query('UPDATE mailboxes SET initial_load_checkpoint = $2 WHERE id = $1', [
    mailboxId,
    checkpoint === null ? null : JSON.stringify(checkpoint),
  ]);
}
