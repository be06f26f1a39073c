import { timingSafeEqual } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, jwtVerify, type JWK } from 'jose';
import type { CryptoKey } from 'jose';
import { z } from 'zod';

/**
 * Credentials of the emulator: HTTP basic service accounts and an OAuth client-credentials client
 * whose tokens come from the emulator's own Microsoft-identity-style token endpoint.
 */
export interface Account {
  password: string;
  canImpersonate: boolean;
}

export const EWS_AUDIENCE = 'https://outlook.office365.com';

export interface AuthConfig {
  accounts: Map<string, Account>;
  clients: Map<string, { secret: string; canImpersonate: boolean }>;
}

export function defaultAuthConfig(): AuthConfig {
  return {
    accounts: new Map([
      ['svc@demo.example', { password: 'demo-password', canImpersonate: true }],
      ['limited@demo.example', { password: 'demo-password', canImpersonate: false }],
      // A service account for delegate access: no impersonation right; mailboxes grant it FullAccess.
      ['delegate@demo.example', { password: 'demo-password', canImpersonate: false }],
    ]),
    clients: new Map([['demo-client', { secret: 'demo-secret', canImpersonate: true }]]),
  };
}

function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

export interface Principal {
  name: string;
  canImpersonate: boolean;
  /** App-only OAuth tokens must name a mailbox via ExchangeImpersonation (Exchange Online rule). */
  appOnly: boolean;
}

export const tokenRequestSchema = z.object({
  grant_type: z.literal('client_credentials'),
  client_id: z.string().min(1),
  client_secret: z.string().min(1),
  scope: z.string().min(1),
});

export class TokenIssuer {
  private constructor(
    private readonly privateKey: CryptoKey,
    readonly jwk: JWK,
    private readonly publicKey: CryptoKey,
  ) {}

  static async create(): Promise<TokenIssuer> {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'tandem-ews-emulator', use: 'sig', alg: 'RS256' };
    return new TokenIssuer(privateKey, jwk, publicKey);
  }

  /** Issues a v1-style app token; `aud` is the resource named by the `.default` scope. */
  async issue(
    issuer: string,
    tenant: string,
    clientId: string,
    audience: string,
    lifetimeSec: number,
  ): Promise<string> {
    return new SignJWT({ appid: clientId, roles: ['full_access_as_app'], tid: tenant })
      .setProtectedHeader({ alg: 'RS256', kid: 'tandem-ews-emulator', typ: 'JWT' })
      .setIssuer(issuer)
      .setAudience(audience)
      .setSubject(clientId)
      .setIssuedAt()
      .setExpirationTime(`${lifetimeSec}s`)
      .sign(this.privateKey);
  }

  async verify(token: string): Promise<{ clientId: string } | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.publicKey, { audience: EWS_AUDIENCE });
      return typeof payload.appid === 'string' ? { clientId: payload.appid } : undefined;
    } catch {
      return undefined;
    }
  }
}

export async function authenticate(
  header: string | undefined,
  config: AuthConfig,
  issuer: TokenIssuer,
): Promise<Principal | undefined> {
  if (!header) return undefined;
  const [scheme, value = ''] = header.split(' ', 2);
  if (scheme?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i < 0) return undefined;
    const user = decoded.slice(0, i).toLowerCase();
    const account = config.accounts.get(user);
    if (!account || !safeEqual(account.password, decoded.slice(i + 1))) return undefined;
    return { name: user, canImpersonate: account.canImpersonate, appOnly: false };
  }
  if (scheme?.toLowerCase() === 'bearer') {
    const v = await issuer.verify(value);
    const client = v ? config.clients.get(v.clientId) : undefined;
    if (!v || !client) return undefined;
    return { name: `app:${v.clientId}`, canImpersonate: client.canImpersonate, appOnly: true };
  }
  return undefined;
}
