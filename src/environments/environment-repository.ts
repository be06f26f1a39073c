import { randomUUID } from 'node:crypto';
import type { ExchangeEnvironmentConfig } from '../connectors/exchange/mailbox-connector.js';
import { TandemError } from '../errors/tandem-error.js';
import { assertAllowedUrls } from '../security/outbound.js';
import type { SecretBox } from '../security/secret-box.js';
import type { Tx } from '../store/transaction.js';
import { retirementOf } from './ews-online-retirement.js';
import { ENDPOINT_KEYS, SECRET_KEYS, type EnvironmentInput, type EnvironmentView } from './environment-schema.js';

interface EnvironmentRecord {
  id: string;
  tenant_id: string;
  name: string;
  kind: EnvironmentInput['kind'];
  connection: Record<string, unknown>;
  secret_ciphertext: string | null;
  max_concurrency: number;
  test_mailbox: string | null;
  created_at: Date;
  updated_at: Date;
}

type Secrets = Partial<Record<(typeof SECRET_KEYS)[number], unknown>>;

function split(input: EnvironmentInput): { connection: Record<string, unknown>; secrets: Secrets } {
  const { name: _name, kind: _kind, maxConcurrency: _max, testMailbox: _test, ...rest } = input;
  const connection: Record<string, unknown> = {};
  const secrets: Secrets = {};
  for (const [key, value] of Object.entries(rest)) {
    if (value === undefined) continue;
    if ((SECRET_KEYS as readonly string[]).includes(key)) secrets[key as keyof Secrets] = value;
    else connection[key] = value;
  }
  return { connection, secrets };
}

/**
 * Throws VALIDATION_FAILED naming the stored secrets that were not sent again when an endpoint or
 * authority changed. A credential of the Entra app is one of client secret or certificate: sending
 * either replaces the stored one.
 */
function requireSecretsForMovedEndpoint(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  stored: Secrets,
  sent: Secrets,
): void {
  const moved = ENDPOINT_KEYS.filter(
    (key) => JSON.stringify(before[key] ?? null) !== JSON.stringify(after[key] ?? null),
  );
  if (moved.length === 0) return;
  const sentEntraCredential = sent.clientSecret !== undefined || sent.certificate !== undefined;
  const missing = SECRET_KEYS.filter(
    (key) => stored[key] !== undefined && sent[key] === undefined && !(key !== 'password' && sentEntraCredential),
  );
  if (missing.length === 0) return;
  throw new TandemError(
    'VALIDATION_FAILED',
    `Changing ${moved.join(', ')} needs the secrets again: ${missing.join(', ')}`,
    {
      fieldErrors: missing.map((key) => ({
        path: `body.${key}`,
        message: `required again because ${moved.join(', ')} changed`,
      })),
    },
  );
}

/** Outside AUTH_MODE=dev every endpoint must be https and may not name a private address (src/security/outbound.ts). */
function assertAllowedEndpoints(connection: Record<string, unknown>): void {
  assertAllowedUrls({
    'body.url': connection.url,
    'body.baseUrl': connection.baseUrl,
    'body.authorityHost': connection.authorityHost,
  });
}

/** A secret of an environment is valid only in its own row (see SecretBox.seal). */
function secretBinding(tenantId: string, id: string) {
  return { tenantId, table: 'exchange_environments', row: id, field: 'secret_ciphertext' };
}

function toView(record: EnvironmentRecord, secrets: Secrets): EnvironmentView {
  const retirement = retirementOf(record.kind);
  return {
    id: record.id,
    name: record.name,
    kind: record.kind,
    connection: record.connection,
    secretsSet: Object.keys(secrets).sort(),
    maxConcurrency: record.max_concurrency,
    testMailbox: record.test_mailbox,
    createdAt: record.created_at.toISOString(),
    updatedAt: record.updated_at.toISOString(),
    ...(retirement ? { retirement } : {}),
  };
}

// Environments of the transaction's tenant; secrets are decrypted only where a connector needs them.
// Functions that seal or open secrets take the tenant's SecretBox after the transaction.

function secretsOf(box: SecretBox, record: EnvironmentRecord): Secrets {
  return record.secret_ciphertext
    ? (JSON.parse(box.open(record.secret_ciphertext, secretBinding(record.tenant_id, record.id))) as Secrets)
    : {};
}

export async function listEnvironments(tx: Tx, box: SecretBox): Promise<EnvironmentView[]> {
  const { rows } = await tx.query<EnvironmentRecord>('SELECT * FROM exchange_environments ORDER BY name');
  return rows.map((row) => toView(row, secretsOf(box, row)));
}

export async function getEnvironment(tx: Tx, box: SecretBox, id: string): Promise<EnvironmentView> {
  const record = await environmentRecord(tx, id);
  return toView(record, secretsOf(box, record));
}

async function environmentRecord(tx: Tx, id: string): Promise<EnvironmentRecord> {
  const { rows } = await tx.query<EnvironmentRecord>('SELECT * FROM exchange_environments WHERE id = $1', [id]);
  if (!rows[0]) throw new TandemError('NOT_FOUND', `Exchange environment ${id} not found`);
  return rows[0];
}

export async function createEnvironment(
  tx: Tx,
  box: SecretBox,
  tenantId: string,
  input: EnvironmentInput,
): Promise<EnvironmentView> {
  const { connection, secrets } = split(input);
  assertAllowedEndpoints(connection);
  // The id is chosen here: the secret is sealed to its row.
  const id = randomUUID();
  const { rows } = await tx
    .query<EnvironmentRecord>(
      `INSERT INTO exchange_environments (id, tenant_id, name, kind, connection, secret_ciphertext, max_concurrency, test_mailbox)
     VALUES ($8, $1, $2, $3, $4, $5, $6, $7) RETURNING *`,
      [
        tenantId,
        input.name,
        input.kind,
        JSON.stringify(connection),
        box.seal(JSON.stringify(secrets), secretBinding(tenantId, id)),
        input.maxConcurrency,
        input.testMailbox ?? null,
        id,
      ],
    )
    .catch((error: { code?: string }) => {
      if (error.code === '23505')
        throw new TandemError('CONFLICT', `An environment named "${input.name}" exists already`);
      throw error;
    });
  return toView(rows[0]!, secrets);
}

/**
 * Replaces the settings; secrets not sent are kept (write-only fields stay set unless replaced) —
 * but only while every endpoint and authority stays the same. A stored secret is sent only where
 * it was entered for: whoever moves the environment to another host must know its secrets.
 */
export async function updateEnvironment(
  tx: Tx,
  box: SecretBox,
  id: string,
  input: EnvironmentInput,
): Promise<EnvironmentView> {
  const existing = await environmentRecord(tx, id);
  if (existing.kind !== input.kind)
    throw new TandemError('CONFLICT', 'The kind of an environment cannot change; create a new one');
  const { connection, secrets } = split(input);
  assertAllowedEndpoints(connection);
  const stored = secretsOf(box, existing);
  requireSecretsForMovedEndpoint(existing.connection, connection, stored, secrets);
  const merged = { ...stored, ...secrets };
  const { rows } = await tx.query<EnvironmentRecord>(
    `UPDATE exchange_environments SET name = $2, connection = $3, secret_ciphertext = $4, max_concurrency = $5, test_mailbox = $6, updated_at = now()
      WHERE id = $1 RETURNING *`,
    [
      id,
      input.name,
      JSON.stringify(connection),
      box.seal(JSON.stringify(merged), secretBinding(existing.tenant_id, id)),
      input.maxConcurrency,
      input.testMailbox ?? null,
    ],
  );
  return toView(rows[0]!, merged);
}

export async function removeEnvironment(tx: Tx, id: string): Promise<void> {
  const used = await tx.query('SELECT 1 FROM mailboxes WHERE environment_id = $1 LIMIT 1', [id]);
  if (used.rowCount) throw new TandemError('CONFLICT', 'Users still use this environment; move or remove them first');
  const { rowCount } = await tx.query('DELETE FROM exchange_environments WHERE id = $1', [id]);
  if (!rowCount) throw new TandemError('NOT_FOUND', `Exchange environment ${id} not found`);
}

/** The connector's view, with secrets decrypted. Only for workers and the Test button. */
export async function environmentConnectorConfig(
  tx: Tx,
  box: SecretBox,
  id: string,
): Promise<ExchangeEnvironmentConfig> {
  const record = await environmentRecord(tx, id);
  const settings = { ...record.connection, ...secretsOf(box, record) } as Record<string, unknown>;
  const base = { id: record.id, tenantId: record.tenant_id, maxConcurrency: record.max_concurrency };
  switch (record.kind) {
    case 'ews-onprem':
      return { ...base, kind: 'ews-onprem', ews: settings as never };
    case 'ews-online':
      return { ...base, kind: 'ews-online', ews: { ...settings, impersonation: true } as never };
    case 'graph':
      return { ...base, kind: 'graph', graph: settings as never };
  }
}

/** Every environment's id and name (no secrets), e.g. to resolve the environment column of a user import. */
export async function listEnvironmentNames(tx: Tx): Promise<{ id: string; name: string }[]> {
  const { rows } = await tx.query<{ id: string; name: string }>('SELECT id, name FROM exchange_environments');
  return rows;
}

/** The kinds of those of `ids` that are environments of the transaction's tenant. */
export async function environmentKinds(tx: Tx, ids: string[]): Promise<{ id: string; kind: string }[]> {
  const { rows } = await tx.query<{ id: string; kind: string }>(
    'SELECT id, kind FROM exchange_environments WHERE id = ANY($1)',
    [ids],
  );
  return rows;
}
