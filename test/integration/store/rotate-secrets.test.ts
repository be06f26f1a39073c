import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSecretKeyring } from '../../../src/config/config.js';
import { rotateStoredSecrets } from '../../../src/security/rotate-secrets.js';
import { SecretBox } from '../../../src/security/secret-box.js';
import { createEnvironment, environmentConnectorConfig } from '../../../src/environments/environment-repository.js';
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
    await withTenant(
      tenant,
      (tx) =>
        saveS4Connection(tx, tenant, before, {
          kind: 'url',
          url: 'https://s4.example.com',
          username: 'COMM',
          password: `pw-${tenant}`,
          sapClient: '100',
        }),
      db.pool,
    );
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

describe('secrets are bound to their row and field', () => {
  const box = new SecretBox(parseSecretKeyring(newKey));
  const env = (name: string, password: string) => ({
    kind: 'ews-onprem' as const,
    name,
    url: 'https://mail.example.com/EWS/Exchange.asmx',
    username: 'svc',
    password,
    auth: 'basic' as const,
    impersonation: true,
    serverVersion: 'Exchange2016' as const,
    maxConcurrency: 10,
  });

  it('a ciphertext swapped between two rows of one tenant fails to decrypt', async () => {
    const [a, b] = await withTenant(
      't1',
      async (tx) => [
        await createEnvironment(tx, box, 't1', env('A', 'pw-a')),
        await createEnvironment(tx, box, 't1', env('B', 'pw-b')),
      ],
      db.pool,
    );
    await withTenant(
      't1',
      (tx) =>
        tx.query(
          `UPDATE exchange_environments SET secret_ciphertext = (SELECT secret_ciphertext FROM exchange_environments WHERE id = $1) WHERE id = $2`,
          [a!.id, b!.id],
        ),
      db.pool,
    );
    await expect(withTenant('t1', (tx) => environmentConnectorConfig(tx, box, b!.id), db.pool)).rejects.toMatchObject({
      code: 'SECRET_DECRYPT_FAILED',
    });
    await expect(withTenant('t1', (tx) => environmentConnectorConfig(tx, box, a!.id), db.pool)).resolves.toMatchObject({
      ews: { password: 'pw-a' },
    });
  });

  it('rotate-secrets binds values written before the binding existed (tenant only) to their row', async () => {
    const created = await withTenant(
      't2',
      (tx) => createEnvironment(tx, box, 't2', env('Legacy', 'pw-legacy')),
      db.pool,
    );
    // As written before: v1, bound to the tenant only.
    await withTenant(
      't2',
      (tx) =>
        tx.query(`UPDATE exchange_environments SET secret_ciphertext = $1 WHERE id = $2`, [
          box.encrypt(JSON.stringify({ password: 'pw-legacy' }), 't2'),
          created.id,
        ]),
      db.pool,
    );
    await expect(
      withTenant('t2', (tx) => environmentConnectorConfig(tx, box, created.id), db.pool),
    ).resolves.toMatchObject({ ews: { password: 'pw-legacy' } });
    expect((await rotateStoredSecrets(db.pool, box)).rotated).toBe(1);
    const sealed = await withTenant(
      't2',
      async (tx) =>
        (
          await tx.query<{ c: string }>('SELECT secret_ciphertext AS c FROM exchange_environments WHERE id = $1', [
            created.id,
          ])
        ).rows[0]!.c,
      db.pool,
    );
    expect(sealed.startsWith('v2.')).toBe(true);
    expect(() =>
      box.open(sealed, {
        tenantId: 't2',
        table: 'exchange_environments',
        row: 'another-row',
        field: 'secret_ciphertext',
      }),
    ).toThrow(/integrity/);
    await expect(
      withTenant('t2', (tx) => environmentConnectorConfig(tx, box, created.id), db.pool),
    ).resolves.toMatchObject({ ews: { password: 'pw-legacy' } });
  });
});
