import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { XsuaaService, createSecurityContext, type XsuaaSecurityContext } from '@sap/xssec';
import type { Config } from '../../config/config.js';
import { TandemError } from '../../errors/tandem-error.js';
import { withLogContext } from '../../logging/logger.js';
import { SCOPES, verifyDevToken, type Scope } from '../../security/dev-token.js';

/** Who is calling: the tenant always comes from the verified token (XSUAA `zid`), never from a path or header. */
export interface Principal {
  tenantId: string;
  scopes: Scope[];
  user: string;
}

export type TokenVerifier = (token: string) => Promise<Principal>;

/** Builds the verifier for the configured AUTH_MODE. */
export function createTokenVerifier(config: Pick<Config, 'authMode' | 'devTokenSecret' | 'services'>): TokenVerifier {
  if (config.authMode === 'dev') {
    return async (token) => verifyDevToken(config.devTokenSecret, token);
  }
  const credentials = config.services.xsuaa;
  if (!credentials) throw new TandemError('CONFIG_INVALID', 'AUTH_MODE=xsuaa needs an xsuaa binding');
  const service = new XsuaaService(credentials as ConstructorParameters<typeof XsuaaService>[0]);
  return async (jwt) => {
    let context: XsuaaSecurityContext;
    try {
      context = await createSecurityContext(service, { jwt });
    } catch (error) {
      throw new TandemError('UNAUTHENTICATED', 'The bearer token is invalid or expired', { cause: error });
    }
    return {
      tenantId: context.getZoneId(),
      scopes: SCOPES.filter((scope) => context.checkLocalScope(scope)),
      user: String(
        context.getLogonName?.() ?? (context.token.payload as { client_id?: string }).client_id ?? 'unknown',
      ),
    };
  };
}

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

export function bearerToken(req: Request): string | undefined {
  const header = req.get('authorization');
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1];
}

/**
 * Requires a valid token with at least one of `anyOf` scopes; puts the principal on the request
 * and its tenant on every log line.
 */
export function requireScopes(verify: TokenVerifier, anyOf: Scope[]): RequestHandler {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const token = bearerToken(req);
    if (!token) throw new TandemError('UNAUTHENTICATED', 'A bearer token is required');
    const principal = await verify(token);
    if (!anyOf.some((scope) => principal.scopes.includes(scope))) {
      throw new TandemError('FORBIDDEN', `This needs one of the scopes: ${anyOf.join(', ')}`);
    }
    req.principal = principal;
    withLogContext({ tenantId: principal.tenantId }, () => next());
  };
}
