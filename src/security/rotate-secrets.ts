import type { Pool } from '../store/pool.js';
import type { SecretBox } from './secret-box.js';
import { readSealedSecrets, replaceSealedSecret, SEALED_SECRET_COLUMNS } from './secret-repository.js';

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
  for (const secretColumn of SEALED_SECRET_COLUMNS) {
    const { table, column } = secretColumn;
    const rows = await readSealedSecrets(pool, secretColumn);
    for (const row of rows) {
      const binding = { tenantId: row.tenant_id, table, row: row.key, field: column };
      const rotated = box.reseal(row.sealed, binding);
      if (rotated === row.sealed) {
        result.alreadyCurrent++;
        continue;
      }
      await replaceSealedSecret(pool, secretColumn, row.key, row.sealed, rotated);
      result.rotated++;
    }
  }
  return result;
}
