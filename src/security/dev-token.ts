import { SignJWT, jwtVerify } from 'jose';
import { TandemError } from '../errors/tandem-error.js';

/**
 * Tokens for AUTH_MODE=dev (local runs, the demo, tests): HS256 JWTs carrying the same claims
 * Tandem reads from XSUAA tokens (zid = tenant, scope = xsappname-qualified scopes), so every
 * code path after verification is the one production takes. Refused on Cloud Foundry (config.ts).
 */
export const DEV_ISSUER = 'tandem-dev';
export const DEV_XSAPPNAME = 'tandem';

export type Scope = 'Admin' | 'Support' | 'Callback';
export const SCOPES: readonly Scope[] = ['Admin', 'Support', 'Callback'];

export interface DevTokenRequest {
  tenantId: string;
  scopes: Scope[];
  user?: string;
  /** Lifetime in seconds. */
  expiresIn?: number;
}

export async function signDevToken(secret: string, request: DevTokenRequest): Promise<string> {
  return new SignJWT({
    zid: request.tenantId,
    scope: request.scopes.map((scope) => `${DEV_XSAPPNAME}.${scope}`),
    user_name: request.user ?? 'dev-user',
    client_id: 'tandem-dev-client',
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(DEV_ISSUER)
    .setSubject(request.user ?? 'dev-user')
    .setIssuedAt()
    .setExpirationTime(`${request.expiresIn ?? 12 * 3600}s`)
    .sign(new TextEncoder().encode(secret));
}

export interface VerifiedDevToken {
  tenantId: string;
  scopes: Scope[];
  user: string;
}

export async function verifyDevToken(secret: string, token: string): Promise<VerifiedDevToken> {
  try {
    const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), {
      issuer: DEV_ISSUER,
      algorithms: ['HS256'],
    });
    const scopes = (Array.isArray(payload.scope) ? payload.scope : [])
      .map((scope) => String(scope).replace(`${DEV_XSAPPNAME}.`, ''))
      .filter((scope): scope is Scope => (SCOPES as readonly string[]).includes(scope));
    if (typeof payload.zid !== 'string') throw new Error('token has no zid');
    return { tenantId: payload.zid, scopes, user: String(payload.user_name ?? payload.sub ?? 'unknown') };
  } catch (error) {
    throw new TandemError('UNAUTHENTICATED', 'The bearer token is invalid or expired', { cause: error });
  }
}
