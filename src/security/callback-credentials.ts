import { createHash, randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { TandemError } from '../errors/tandem-error.js';
import type { Pool } from '../store/pool.js';
import { withSystemScope, type Tx } from '../store/transaction.js';

const scrypt = promisify(scryptCallback) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: object,
) => Promise<Buffer>;

/**
 * S/4's SM59 destination authenticates with HTTP basic: a per-tenant callback credential issued in
 * the cockpit, shown once, stored as an scrypt hash. Two may be active so a customer can rotate
 * (issue the new one, switch SM59, revoke the old) without a gap.
 */
const SCRYPT = { N: 16_384, r: 8, p: 1, keylen: 32 };
export const MAX_ACTIVE_CALLBACK_CREDENTIALS = 2;

export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(secret, salt, SCRYPT.keylen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p });
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scrypt(secret, Buffer.from(salt, 'base64url'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

export interface IssuedCredential {
  id: string;
  username: string;
  /** Shown once; only its hash is stored. */
  password: string;
  createdAt: string;
}

export interface CredentialSummary {
  id: string;
  username: string;
  createdAt: string;
  createdBy: string | null;
  revokedAt: string | null;
}

export async function issueCallbackCredential(
  tx: Tx,
  tenantId: string,
  createdBy: string,
  fixed?: { username: string; password: string },
): Promise<IssuedCredential> {
  const { rows: active } = await tx.query<{ count: number }>(
    `SELECT count(*)::int AS count FROM callback_credentials WHERE revoked_at IS NULL`,
  );
  if (active[0]!.count >= MAX_ACTIVE_CALLBACK_CREDENTIALS) {
    throw new TandemError(
      'CONFLICT',
      `At most ${MAX_ACTIVE_CALLBACK_CREDENTIALS} callback credentials can be active; revoke one first`,
    );
  }
  const username = fixed?.username ?? `TANDEM_${randomBytes(6).toString('hex').toUpperCase()}`;
  const password = fixed?.password ?? randomBytes(24).toString('base64url');
  const { rows } = await tx.query<{ id: string; created_at: Date }>(
    `INSERT INTO callback_credentials (tenant_id, username, secret_hash, created_by) VALUES ($1, $2, $3, $4) RETURNING id, created_at`,
    [tenantId, username, await hashSecret(password), createdBy],
  );
  return { id: rows[0]!.id, username, password, createdAt: rows[0]!.created_at.toISOString() };
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

/**
 * Checks a basic-auth pair and returns its tenant. Verified pairs are remembered briefly (by a
 * digest, never the password) so the slow hash is paid once per credential and minute, not per event;
 * revocation therefore takes effect within that time.
 */
export class CallbackCredentialVerifier {
  private readonly verified = new Map<string, { tenantId: string; until: number }>();

  constructor(
    private readonly pool: Pool,
    private readonly cacheMs = 60_000,
  ) {}

  /** The tenant of a pair verified within the cache time, without touching the database or the slow hash. */
  verifiedRecently(username: string, password: string): string | undefined {
    const cached = this.verified.get(digestOf(username, password));
    return cached && cached.until > Date.now() ? cached.tenantId : undefined;
  }

  async verify(username: string, password: string): Promise<string | undefined> {
    const digest = digestOf(username, password);
    const cached = this.verified.get(digest);
    if (cached && cached.until > Date.now()) return cached.tenantId;

    const row = await withSystemScope(
      async (tx) =>
        (
          await tx.query<{ tenant_id: string; secret_hash: string }>(
            `SELECT c.tenant_id, c.secret_hash FROM callback_credentials c JOIN tenants t ON t.id = c.tenant_id
        WHERE c.username = $1 AND c.revoked_at IS NULL AND t.state = 'active'`,
            [username],
          )
        ).rows[0],
      this.pool,
    );
    // Hash even for unknown users so timing does not reveal which user names exist.
    const ok = await verifySecret(password, row?.secret_hash ?? DUMMY_HASH);
    if (!row || !ok) return undefined;
    if (this.verified.size > 10_000) this.verified.clear();
    this.verified.set(digest, { tenantId: row.tenant_id, until: Date.now() + this.cacheMs });
    return row.tenant_id;
  }
}

function digestOf(username: string, password: string): string {
  return createHash('sha256').update(`${username}\u0000${password}`).digest('base64url');
}

const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
