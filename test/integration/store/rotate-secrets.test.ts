import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSecretKeyring } from '../../../src/config/config.js';
import { rotateStoredSecrets } from '../../../src/security/rotate-secrets.js';
import { SecretBox } from '../../../src/security/secret-box.js';
import { withSystemScope, withTenant } from '../../../src/store/transaction.js';
import { saveS4Connection, s4TargetOf } from '../../../src/tenants/s4-connection.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';

let db: TestDatabase;
const oldKey = `old:${randomBytes(32).toString('base64')}`;
const newKey = `new:${randomBytes(32).toString('base64')}`;

beforeAll(async () => {
  db = await createTestDatabase();
  await withSystemScope((tx) => tx.query(`INSERT INTO tenants (id) VALUES ('t1'), ('t2')`), db.pool);
  const before = new SecretBox(parseSecretKeyring(oldKey));
  for (const tenant of ['t1', 't2']) {
    await withTenant(tenant, (tx) => saveS4Connection(tx, tenant, before, { kind: 'url', url: 'https://s4.example.com', username: 'COMM', password: `pw-${tenant}`, sapClient: '100' }), db.pool);
  }
});
afterAll(async () => db.drop());

describe('rotate-secrets', () => {
  it('re-encrypts every stored secret onto the new key, after which the old key can go', async () => {
    const during = new SecretBox(parseSecretKeyring(`${newKey},${oldKey}`));
    expect(await rotateStoredSecrets(db.pool, during)).toEqual({ rotated: 2, alreadyCurrent: 0 });
    expect(await rotateStoredSecrets(db.pool, during)).toEqual({ rotated: 0, alreadyCurrent: 2 });
    const after = new SecretBox(parseSecretKeyring(newKey));
    for (const tenant of ['t1', 't2']) {
      const target = await withTenant(tenant, (tx) => s4TargetOf(tx, tenant, after), db.pool);
      expect(target).toMatchObject({ kind: 'url', password: `pw-${tenant}` });
    }
  });
});
