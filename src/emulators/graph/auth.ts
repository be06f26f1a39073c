import { decodeJwt, exportJWK, generateKeyPair, jwtVerify, SignJWT, type CryptoKey, type JWK } from 'jose';
import { randomUUID } from 'node:crypto';
import { GraphError, type EmuResponse } from './odata.js';

/**
 * A Microsoft-identity-style token service: `POST /{tenant}/oauth2/v2.0/token` with the client
 * credentials grant (secret, or a client assertion for certificate credentials) and the OpenID
 * metadata msal-node reads first. Errors carry the AADSTS codes Entra ID uses, so the connector's
 * error mapping is exercised for real.
 */
export const DEMO_CLIENT_ID = 'demo-client';
export const DEMO_CLIENT_SECRET = 'demo-secret';
export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';
export const GRAPH_AUDIENCE = 'https://graph.microsoft.com';
export const ALL_APP_ROLES = ['Calendars.ReadWrite', 'Contacts.ReadWrite', 'Tasks.ReadWrite.All', 'User.Read.All'];

export class TokenService {
  private keys?: { privateKey: CryptoKey; publicKey: CryptoKey; jwk: JWK };
  readonly kid = randomUUID();
  /** Application permissions granted (admin consent); emptied to test the consent error path. */
  roles = [...ALL_APP_ROLES];

  constructor(private readonly base: () => string) {}

  async init(): Promise<void> {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    this.keys = {
      privateKey,
      publicKey,
      jwk: { ...(await exportJWK(publicKey)), kid: this.kid, use: 'sig', alg: 'RS256' },
    };
  }

  issuer(tenant: string): string {
    return `${this.base()}/${tenant}/v2.0`;
  }

  openIdConfiguration(tenant: string): EmuResponse {
    const b = this.base();
    return {
      status: 200,
      body: {
        token_endpoint: `${b}/${tenant}/oauth2/v2.0/token`,
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        jwks_uri: `${b}/${tenant}/discovery/v2.0/keys`,
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        issuer: this.issuer(tenant),
        request_uri_parameter_supported: false,
        userinfo_endpoint: `${b}/oidc/userinfo`,
        authorization_endpoint: `${b}/${tenant}/oauth2/v2.0/authorize`,
        device_authorization_endpoint: `${b}/${tenant}/oauth2/v2.0/devicecode`,
        http_logout_supported: true,
        frontchannel_logout_supported: true,
        end_session_endpoint: `${b}/${tenant}/oauth2/v2.0/logout`,
        claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'tid', 'roles'],
        tenant_region_scope: 'EU',
        cloud_instance_name: 'microsoftonline.com',
        cloud_graph_host_name: 'graph.windows.net',
        msgraph_host: 'graph.microsoft.com',
      },
    };
  }

  jwks(): EmuResponse {
    return { status: 200, body: { keys: [this.keys?.jwk] } };
  }

  private error(status: number, error: string, aadsts: string, description: string): EmuResponse {
    const traceId = randomUUID();
    return {
      status,
      body: {
        error,
        error_description: `${aadsts}: ${description} Trace ID: ${traceId} Timestamp: ${new Date().toISOString()}`,
        error_codes: [Number(aadsts.replace('AADSTS', ''))],
        timestamp: new Date().toISOString(),
        trace_id: traceId,
        correlation_id: randomUUID(),
      },
    };
  }

  async token(tenant: string, form: URLSearchParams, basicAuth?: { id: string; secret: string }): Promise<EmuResponse> {
    if (form.get('grant_type') !== 'client_credentials')
      return this.error(400, 'unsupported_grant_type', 'AADSTS70003', 'The app requested an unsupported grant type.');
    const clientId = form.get('client_id') ?? basicAuth?.id;
    if (clientId !== DEMO_CLIENT_ID) {
      return this.error(
        400,
        'unauthorized_client',
        'AADSTS700016',
        `Application with identifier '${clientId}' was not found in the directory '${tenant}'.`,
      );
    }
    const assertion = form.get('client_assertion');
    if (assertion) {
      // Certificate credentials: the emulator checks the assertion's shape, not its signature
      // (it has no registered certificate to verify against).
      try {
        const claims = decodeJwt(assertion);
        if (claims.sub !== DEMO_CLIENT_ID || claims.iss !== DEMO_CLIENT_ID) throw new Error('wrong subject');
      } catch {
        return this.error(
          401,
          'invalid_client',
          'AADSTS700027',
          'The certificate with identifier used to sign the client assertion is not registered on application.',
        );
      }
    } else if ((form.get('client_secret') ?? basicAuth?.secret) !== DEMO_CLIENT_SECRET) {
      return this.error(
        401,
        'invalid_client',
        'AADSTS7000215',
        'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.',
      );
    }
    const scope = form.get('scope') ?? '';
    if (!scope.split(' ').includes(GRAPH_SCOPE)) {
      return this.error(
        400,
        'invalid_scope',
        'AADSTS1002012',
        `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.`,
      );
    }
    if (!this.keys) throw new Error('TokenService.init() was not called');
    const accessToken = await new SignJWT({ roles: this.roles, tid: tenant, appid: clientId, idtyp: 'app' })
      .setProtectedHeader({ alg: 'RS256', kid: this.kid, typ: 'JWT' })
      .setIssuer(`https://sts.windows.net/${tenant}/`)
      .setAudience(GRAPH_AUDIENCE)
      .setSubject(clientId)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(this.keys.privateKey);
    return {
      status: 200,
      body: { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: accessToken },
    };
  }

  /** Checks `Authorization: Bearer …` on Graph calls; returns the app roles. */
  async verify(authorization: string | undefined): Promise<string[]> {
    const token = /^Bearer\s+(.+)$/i.exec(authorization ?? '')?.[1];
    if (!token || !this.keys) throw new GraphError(401, 'InvalidAuthenticationToken', 'Access token is empty.');
    try {
      const { payload } = await jwtVerify(token, this.keys.publicKey, { audience: GRAPH_AUDIENCE });
      return Array.isArray(payload.roles) ? payload.roles.map(String) : [];
    } catch (error) {
      throw new GraphError(
        401,
        'InvalidAuthenticationToken',
        `Access token validation failure: ${(error as Error).message}`,
      );
    }
  }
}
