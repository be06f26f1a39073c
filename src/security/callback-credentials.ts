import { hash, randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { TandemError } from '../errors/tandem-error.js';
import type { Pool } from '../store/pool.js';
import type { Tx } from '../store/transaction.js';
import {
  countActiveCallbackCredentials,
  findActiveCallbackCredential,
  insertCallbackCredential,
} from './secret-repository.js';

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

export async function issueCallbackCredential(
  tx: Tx,
  tenantId: string,
  createdBy: string,
  fixed?: { username: string; password: string },
): Promise<IssuedCredential> {
  if ((await countActiveCallbackCredentials(tx)) >= MAX_ACTIVE_CALLBACK_CREDENTIALS) {
    throw new TandemError(
      'CONFLICT',
      `At most ${MAX_ACTIVE_CALLBACK_CREDENTIALS} callback credentials can be active; revoke one first`,
    );
  }
  const username = fixed?.username ?? `TANDEM_${randomBytes(6).toString('hex').toUpperCase()}`;
  const password = fixed?.password ?? randomBytes(24).toString('base64url');
  const stored = await insertCallbackCredential(tx, {
    tenantId,
    username,
    secretHash: await hashSecret(password),
    createdBy,
  });
  return { id: stored.id, username, password, createdAt: stored.createdAt.toISOString() };
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

    const row = await findActiveCallbackCredential(this.pool, username);
    // Hash even for unknown users so timing does not reveal which user names exist.
    const ok = await verifySecret(password, row?.secret_hash ?? DUMMY_HASH);
    if (!row || !ok) return undefined;
    if (this.verified.size > 10_000) this.verified.clear();
    this.verified.set(digest, { tenantId: row.tenant_id, until: Date.now() + this.cacheMs });
    return row.tenant_id;
  }
}

/** One-shot hash (no Hash object per request): the same SHA-256, at about 40 % of createHash's cost. */
function digestOf(username: string, password: string): string {
  return hash('sha256', `${username}\u0000${password}`, 'base64url');
}

const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
