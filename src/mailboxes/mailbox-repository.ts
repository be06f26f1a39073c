import { TandemError } from '../errors/tandem-error.js';
import type { Tx } from '../store/transaction.js';
import { resetForEnvironmentMove } from './environment-move.js';
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

/** Changes a user; a new `environmentId` moves the user to another Exchange environment (see environment-move.ts). */
export async function updateMailbox(tx: Tx, id: string, patch: MailboxPatch): Promise<MailboxView> {
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
  if (before && before.environment_id !== rows[0].environment_id) {
    await resetForEnvironmentMove(tx, rows[0].tenant_id, id, before.environment_id, rows[0].environment_id);
  }
  return toView(rows[0]);
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
