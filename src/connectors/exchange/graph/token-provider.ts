import {
  ConfidentialClientApplication,
  type Configuration,
  type INetworkModule,
  type NetworkRequestOptions,
  type NetworkResponse,
} from '@azure/msal-node';
import { TandemError } from '../../../errors/tandem-error.js';
import type { EntraAppCredentials } from '../mailbox-connector.js';
import type { HttpClient } from './http-client.js';

export const GRAPH_DEFAULT_SCOPE = 'https://graph.microsoft.com/.default';

/** msal-node's network calls through our client, so the environment's extra CA applies to the authority too. */
function networkModule(http: HttpClient): INetworkModule {
  const call = async <T>(
    method: string,
    url: string,
    options?: NetworkRequestOptions,
    timeout?: number,
  ): Promise<NetworkResponse<T>> => {
    const res = await http.request({
      method,
      url,
      headers: options?.headers ?? {},
      ...(options?.body ? { body: options.body } : {}),
      timeoutMs: timeout ?? 30_000,
    });
    let body: unknown = {};
    try {
      body = JSON.parse(res.body.toString('utf8'));
    } catch {
      body = {};
    }
    return { status: res.status, headers: res.headers, body: body as T };
  };
  return {
    sendGetRequestAsync: (url, options, timeout) => call('GET', url, options, timeout),
    sendPostRequestAsync: (url, options) => call('POST', url, options),
  };
}

/**
 * App-only tokens via msal-node's client credentials flow (secret or certificate). msal caches the
 * token in memory and refreshes it shortly before expiry, so every call may just ask for one.
 */
export class TokenProvider {
  private readonly app: ConfidentialClientApplication;

  constructor(creds: EntraAppCredentials, http: HttpClient) {
    const host = (creds.authorityHost ?? 'https://login.microsoftonline.com').replace(/\/$/, '');
    if (!creds.clientSecret && !creds.certificate)
      throw new TandemError('CONFIG_INVALID', 'Graph environment needs a client secret or a certificate');
    const config: Configuration = {
      auth: {
        clientId: creds.clientId,
        authority: `${host}/${creds.directoryId}`,
        // A non-Microsoft host (the emulator) must be declared, or msal asks login.microsoftonline.com about it.
        ...(creds.authorityHost ? { knownAuthorities: [new URL(host).host] } : {}),
        ...(creds.certificate
          ? { clientCertificate: certificateCredential(creds.certificate) }
          : { clientSecret: creds.clientSecret ?? '' }),
      },
      system: { networkClient: networkModule(http) },
    };
    this.app = new ConfidentialClientApplication(config);
  }

  async token(): Promise<string> {
    try {
      const result = await this.app.acquireTokenByClientCredential({ scopes: [GRAPH_DEFAULT_SCOPE] });
      if (!result?.accessToken) throw new Error('No access token in the token response');
      return result.accessToken;
    } catch (error) {
      throw mapTokenError(error);
    }
  }
}

/**
 * The environment stores the certificate's thumbprint as hex: 40 digits are SHA-1 (what the Entra
 * portal shows), 64 are SHA-256 (what msal-node prefers; SHA-1 is kept by msal for compatibility).
 */
function certificateCredential(cert: { privateKeyPem: string; thumbprint: string }): {
  privateKey: string;
  thumbprint?: string;
  thumbprintSha256?: string;
} {
  const hex = cert.thumbprint.replace(/[^0-9a-f]/gi, '');
  if (hex.length === 64) return { privateKey: cert.privateKeyPem, thumbprintSha256: hex };
  if (hex.length === 40) return { privateKey: cert.privateKeyPem, thumbprint: hex };
  throw new TandemError('CONFIG_INVALID', 'Certificate thumbprint must be 40 (SHA-1) or 64 (SHA-256) hex digits');
}

/** AADSTS codes (learn.microsoft.com/entra/identity-platform/reference-error-codes) → an admin-readable error. */
export function mapTokenError(error: unknown): TandemError {
  if (error instanceof TandemError) return error;
  const text = `${(error as { errorMessage?: string })?.errorMessage ?? ''} ${(error as Error)?.message ?? ''}`;
  const code = /AADSTS(\d+)/.exec(text)?.[1];
  const details = { aadsts: code };
  switch (code) {
    case '7000215':
      return new TandemError(
        'EXCHANGE_UNAUTHORIZED',
        'Invalid client secret: enter the secret VALUE (not its ID) of the app registration, or create a new secret.',
        { cause: error, details },
      );
    case '7000222':
      return new TandemError(
        'EXCHANGE_UNAUTHORIZED',
        'The client secret has expired: create a new secret in the app registration.',
        { cause: error, details },
      );
    case '700016':
      return new TandemError(
        'EXCHANGE_UNAUTHORIZED',
        'Unknown application: check the client id and that the app is registered (or consented) in this directory.',
        { cause: error, details },
      );
    case '700027':
      return new TandemError(
        'EXCHANGE_UNAUTHORIZED',
        'The certificate is not registered on the app: upload its public part under Certificates & secrets.',
        { cause: error, details },
      );
    case '90002':
      return new TandemError('EXCHANGE_UNAUTHORIZED', 'Directory (tenant) not found: check the directory id.', {
        cause: error,
        details,
      });
    case '65001':
      return new TandemError(
        'EXCHANGE_FORBIDDEN',
        'Admin consent is missing for the app: grant admin consent for its Graph application permissions.',
        { cause: error, details },
      );
    default: {
      const network = (error as { errorCode?: string })?.errorCode;
      if (!code && network && /network|endpoints_resolution|ECONN/i.test(`${network} ${text}`)) {
        return new TandemError('EXCHANGE_UNAVAILABLE', `Identity provider unreachable: ${text.trim()}`, {
          cause: error,
        });
      }
      return new TandemError('EXCHANGE_UNAUTHORIZED', `Token request failed: ${text.trim() || 'unknown error'}`, {
        cause: error,
        details,
      });
    }
  }
}
