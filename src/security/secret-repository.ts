import type { Pool } from '../store/pool.js';
import { withSystemScope, type Tx } from '../store/transaction.js';

// Stored secrets: the hashed callback credentials of S/4's SM59 destination and the sealed secret
// columns that key rotation rewrites.

export interface CredentialSummary {
  id: string;
  username: string;
  createdAt: string;
  createdBy: string | null;
  revokedAt: string | null;
}

export async function countActiveCallbackCredentials(tx: Tx): Promise<number> {
  const { rows } = await tx.query<{ count: number }>(
    `SELECT count(*)::int AS count FROM callback_credentials WHERE revoked_at IS NULL`,
  );
  return rows[0]!.count;
}

/** Stores a credential by the hash of its password; returns its id and creation time. */
export async function insertCallbackCredential(
  tx: Tx,
  credential: { tenantId: string; username: string; secretHash: string; createdBy: string },
): Promise<{ id: string; createdAt: Date }> {
  const { rows } = await tx.query<{ id: string; created_at: Date }>(
    `INSERT INTO callback_credentials (tenant_id, username, secret_hash, created_by) VALUES ($1, $2, $3, $4) RETURNING id, created_at`,
    [credential.tenantId, credential.username, credential.secretHash, credential.createdBy],
  );
  return { id: rows[0]!.id, createdAt: rows[0]!.created_at };
}

export async function listCallbackCredentials(tx: Tx): Promise<CredentialSummary[]> {
  const { rows } = await tx.query<{
    id: string;
    username: string;
    created_at: Date;
    created_by: string | null;
    revoked_at: Date | null;
  }>(`SELECT id, username, created_at, created_by, revoked_at FROM callback_credentials ORDER BY created_at DESC`);
  return rows.map((row) => ({
    id: row.id,
    username: row.username,
    createdAt: row.created_at.toISOString(),
    createdBy: row.created_by,
    revokedAt: row.revoked_at?.toISOString() ?? null,
  }));
}

export async function revokeCallbackCredential(tx: Tx, id: string): Promise<boolean> {
  const { rowCount } = await tx.query(
    `UPDATE callback_credentials SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`,
    [id],
  );
  return (rowCount ?? 0) > 0;
}

/** The tenant and password hash of an unrevoked credential of an active tenant, by user name. */
export async function findActiveCallbackCredential(
  pool: Pool,
  username: string,
): Promise<{ tenant_id: string; secret_hash: string } | undefined> {
  // The pair names no tenant: the credential is looked up in the system scope.
  return withSystemScope(async (tx) => {
    const { rows } = await tx.query<{ tenant_id: string; secret_hash: string }>(
      `SELECT c.tenant_id, c.secret_hash FROM callback_credentials c JOIN tenants t ON t.id = c.tenant_id
          WHERE c.username = $1 AND c.revoked_at IS NULL AND t.state = 'active'`,
      [username],
    );
    return rows[0];
  }, pool);
}

/** Columns holding secrets, each bound to (tenant, table, row key, column). */
export const SEALED_SECRET_COLUMNS = [
  { table: 'exchange_environments', key: 'id', column: 'secret_ciphertext' },
  { table: 's4_connections', key: 'tenant_id', column: 'secret_ciphertext' },
  { table: 'subscriptions', key: 'id', column: 'client_state_ciphertext' },
] as const;

export type SealedSecretColumn = (typeof SEALED_SECRET_COLUMNS)[number];

/** Every sealed value of one column, across tenants. */
export async function readSealedSecrets(
  pool: Pool,
  { table, key, column }: SealedSecretColumn,
): Promise<{ key: string; tenant_id: string; sealed: string }[]> {
  // Rotation covers every tenant's secrets: system scope.
  return withSystemScope(async (tx) => {
    const { rows } = await tx.query<{ key: string; tenant_id: string; sealed: string }>(
      `SELECT ${key}::text AS key, tenant_id, ${column} AS sealed FROM ${table} WHERE ${column} IS NOT NULL`,
    );
    return rows;
  }, pool);
}

/** Replaces one sealed value, only if the row still holds the value that was read (a concurrent change wins). */
export async function replaceSealedSecret(
  pool: Pool,
  { table, key, column }: SealedSecretColumn,
  rowKey: string,
  from: string,
  to: string,
): Promise<void> {
  // Each row in its own short system-scope transaction, so rotation can run beside the service.
  return withSystemScope(async (tx) => {
    await tx.query(`UPDATE ${table} SET ${column} = $1 WHERE ${key}::text = $2 AND ${column} = $3`, [to, rowKey, from]);
  }, pool);
}
