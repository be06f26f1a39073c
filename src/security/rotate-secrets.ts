import type { Pool } from '../store/pool.js';
import { withSystemScope } from '../store/transaction.js';
import type { SecretBox } from './secret-box.js';

/** Columns holding secrets, each bound to (tenant, table, row key, column). */
const SECRET_COLUMNS = [
  { table: 'exchange_environments', key: 'id', column: 'secret_ciphertext' },
  { table: 's4_connections', key: 'tenant_id', column: 'secret_ciphertext' },
  { table: 'subscriptions', key: 'id', column: 'client_state_ciphertext' },
] as const;

export interface RotationResult {
  rotated: number;
  alreadyCurrent: number;
}

/**
 * Re-encrypts every stored secret with the active key of TANDEM_SECRET_KEY (the first entry), so an
 * old key can then be removed from the ring, and binds each to its row and field (values written
 * before that binding existed were bound to their tenant only). Run it once after upgrading. Safe to run repeatedly and while Tandem runs: each row
 * is rewritten in its own short transaction only if it still holds the value that was read.
 */
export async function rotateStoredSecrets(pool: Pool, box: SecretBox): Promise<RotationResult> {
  const result: RotationResult = { rotated: 0, alreadyCurrent: 0 };
  for (const { table, key, column } of SECRET_COLUMNS) {
    const rows = await withSystemScope(
      async (tx) =>
        (
          await tx.query<{ key: string; tenant_id: string; sealed: string }>(
            `SELECT ${key}::text AS key, tenant_id, ${column} AS sealed FROM ${table} WHERE ${column} IS NOT NULL`,
          )
        ).rows,
      pool,
    );
    for (const row of rows) {
      const binding = { tenantId: row.tenant_id, table, row: row.key, field: column };
      const rotated = box.reseal(row.sealed, binding);
      if (rotated === row.sealed) {
        result.alreadyCurrent++;
        continue;
      }
      await withSystemScope(
        (tx) =>
          tx.query(`UPDATE ${table} SET ${column} = $1 WHERE ${key}::text = $2 AND ${column} = $3`, [
            rotated,
            row.key,
            row.sealed,
          ]),
        pool,
      );
      result.rotated++;
    }
  }
  return result;
}
