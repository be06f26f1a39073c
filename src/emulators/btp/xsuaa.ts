/**
 * XSUAA as far as Tandem's bindings use it: the client-credentials grant per identity zone, and the
 * signing keys. Claims follow SAP Help "Token Claims of XSUAA Access Tokens" / the XSUAA token
 * reference: `zid` (identity zone = subaccount/tenant id), `iss`
 * (https://<subdomain>.<uaadomain>/oauth/token), `ext_attr.zdn` (the subdomain),
 * `ext_attr.subaccountid`, `client_id`/`cid`/`azp`, `grant_type`, `scope`, `aud`; RS256 with the
 * key id in the header and the key set published at /token_keys (what @sap/xssec fetches,
 * `https://<uaadomain>/token_keys?zid=<zid>`).
 */
import { randomUUID } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import { exportJWK, generateKeyPair, jwtVerify, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import type { BtpState, ServiceClient, Subaccount } from './model.js';

export const TOKEN_VALIDITY_SECONDS = 3600;

export interface XsuaaClaims extends JWTPayload {
  zid: string;
  client_id: string;
  cid: string;
  azp: string;
  grant_type: string;
  scope: string[];
  ext_attr: { enhancer: 'XSUAA'; subaccountid: string; zdn: string };
  user_name?: string;
  origin?: string;
}

export class XsuaaIssuer {
  private constructor(
    private readonly key: CryptoKey,
    private readonly publicKey: CryptoKey,
    readonly jwk: JWK,
    private readonly uaaDomain: () => string,
  ) {}

  static async create(uaaDomain: () => string): Promise<XsuaaIssuer> {
    const pair = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'btp-emulator-key', alg: 'RS256', use: 'sig' };
    return new XsuaaIssuer(pair.privateKey, pair.publicKey, jwk, uaaDomain);
  }

  issuerOf(subaccount: Subaccount): string {
    return `https://${subaccount.subdomain}.${this.uaaDomain()}/oauth/token`;
  }

  /**
   * A token for `client` in `subaccount`. Client-credentials tokens carry the client's authorities
   * as scopes plus `uaa.resource`; user tokens (minted by the control API, standing in for a login)
   * carry the given scopes and the user's name.
   */
  async sign(
    subaccount: Subaccount,
    client: ServiceClient,
    grant:
      | { type: 'client_credentials'; scopes?: string[] }
      | { type: 'authorization_code'; scopes: string[]; user: string },
  ): Promise<{ token: string; claims: XsuaaClaims }> {
    const scopes = grant.type === 'client_credentials' ? ['uaa.resource', ...(grant.scopes ?? [])] : grant.scopes;
    const audiences = new Set([
      client.clientId,
      ...scopes.filter((s) => s.includes('.') && s !== 'uaa.resource').map((s) => s.slice(0, s.lastIndexOf('.'))),
    ]);
    const claims: XsuaaClaims = {
      jti: randomUUID().replaceAll('-', ''),
      zid: subaccount.id,
      client_id: client.clientId,
      cid: client.clientId,
      azp: client.clientId,
      grant_type: grant.type,
      scope: scopes,
      aud: [...audiences],
      ext_attr: { enhancer: 'XSUAA', subaccountid: subaccount.id, zdn: subaccount.subdomain },
      ...(grant.type === 'authorization_code'
        ? { user_name: grant.user, origin: 'sap.default', sub: `user-${grant.user}` }
        : { sub: client.clientId }),
    };
    const token = await new SignJWT(claims)
      .setProtectedHeader({
        alg: 'RS256',
        kid: this.jwk.kid!,
        typ: 'JWT',
        jku: `https://${subaccount.subdomain}.${this.uaaDomain()}/token_keys`,
      })
      .setIssuedAt()
      .setExpirationTime(`${TOKEN_VALIDITY_SECONDS}s`)
      .setIssuer(this.issuerOf(subaccount))
      .sign(this.key);
    return { token, claims };
  }

  /** Verifies a token this emulator signed; undefined when it is not one (bad signature, expired, malformed). */
  async verify(token: string): Promise<XsuaaClaims | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.publicKey, { algorithms: ['RS256'] });
      return payload as XsuaaClaims;
    } catch {
      return undefined;
    }
  }
}

/** Reads the `Bearer` token of an Authorization or Proxy-Authorization header. */
export function bearer(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const match = /^Bearer\s+(\S+)$/i.exec(value ?? '');
  return match?.[1];
}

/**
 * Which identity zone a token request is for, as XSUAA decides it: the `x-zid` header (what
 * @sap/xssec sends when it fetches a token by zone id, against `https://<uaadomain>`), otherwise the
 * subdomain in the host (`https://<subdomain>.<uaadomain>`). A host without a subdomain is the
 * provider's own token URL (the binding's `url`): this machine cannot resolve `<sub>.localhost`, so
 * bindings point at `https://localhost:<port>` and the provider stands for it.
 */
export function zoneOfTokenRequest(
  state: BtpState,
  zidHeader: string | undefined,
  host: string | undefined,
): Subaccount | undefined {
  if (zidHeader) return state.subaccounts.get(zidHeader);
  const hostname = (host ?? '').replace(/:\d+$/, '');
  if (hostname === 'localhost' || hostname === '127.0.0.1') return state.provider();
  return state.bySubdomain(hostname.split('.')[0] ?? '');
}

/** XSUAA's endpoints: POST /oauth/token (client_credentials; client in the form body or HTTP Basic), GET /token_keys. */
export function xsuaaRoutes(state: BtpState, issuer: XsuaaIssuer, clients: ServiceClient[]): Router {
  const router = express.Router();
  router.post(
    '/oauth/token',
    express.urlencoded({ extended: false, limit: '16kb' }),
    async (req: Request, res: Response) => {
      const body = (req.body ?? {}) as Record<string, string>;
      const basic = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
      const [basicId, basicSecret] = basic ? Buffer.from(basic, 'base64').toString('utf8').split(':') : [];
      const clientId = body.client_id ?? basicId;
      const clientSecret = body.client_secret ?? basicSecret;
      const client = clients.find((c) => c.clientId === clientId && c.clientSecret === clientSecret);
      if (!client) {
        res.status(401).json({ error: 'invalid_client', error_description: 'Bad credentials' });
        return;
      }
      if (body.grant_type !== 'client_credentials') {
        res.status(400).json({
          error: 'unsupported_grant_type',
          error_description: `grant_type ${body.grant_type ?? '(none)'} is not emulated`,
        });
        return;
      }
      const zone = zoneOfTokenRequest(state, req.header('x-zid'), req.headers.host);
      if (!zone) {
        res.status(401).json({ error: 'unauthorized', error_description: 'Unknown identity zone' });
        return;
      }
      const { token, claims } = await issuer.sign(zone, client, { type: 'client_credentials' });
      res.json({
        access_token: token,
        token_type: 'bearer',
        expires_in: TOKEN_VALIDITY_SECONDS - 1,
        scope: claims.scope.join(' '),
        jti: claims.jti,
      });
    },
  );
  router.get('/token_keys', (_req, res) => {
    res.json({ keys: [issuer.jwk] });
  });

  return router;
}
