import https from 'node:https';
import tls from 'node:tls';
import {
  ConfidentialClientApplication,
  type Configuration,
  type INetworkModule,
  type NetworkRequestOptions,
  type NetworkResponse,
} from '@azure/msal-node';
import { TandemError } from '../../../errors/tandem-error.js';
import { guardedHttpsAgent } from '../../../security/outbound.js';
import type { EntraAppCredentials } from '../mailbox-connector.js';

export const DEFAULT_AUTHORITY_HOST = 'https://login.microsoftonline.com';

/**
 * App-only tokens (OAuth 2.0 client credentials) for Exchange Online through msal-node. msal keeps
 * the token in its in-memory cache and only goes to the network when it is missing or within five
 * minutes of expiry, so calling `token()` before every request is cheap and always current.
 */
export interface TokenSource {
  token(): Promise<string>;
}

export function createTokenSource(credentials: EntraAppCredentials, scope: string, timeoutMs = 30_000): TokenSource {
  if (!credentials.clientSecret && !credentials.certificate) {
    throw new TandemError('CONFIG_INVALID', 'Exchange Online needs a client secret or a certificate for the Entra app');
  }
  const authorityHost = (credentials.authorityHost ?? DEFAULT_AUTHORITY_HOST).replace(/\/+$/, '');
  const configuration: Configuration = {
    auth: {
      clientId: credentials.clientId,
      authority: `${authorityHost}/${credentials.directoryId}`,
      // A host listed here is trusted without instance discovery against login.microsoftonline.com,
      // which is what lets tests and the demo use the emulator's token endpoint.
      knownAuthorities: [new URL(authorityHost).host],
      ...(credentials.certificate
        ? { clientCertificate: certificateCredential(credentials.certificate) }
        : { clientSecret: credentials.clientSecret! }),
    },
    system: { networkClient: createNetworkClient(credentials.caCertificate, timeoutMs) },
  };
  const app = new ConfidentialClientApplication(configuration);
  return {
    async token() {
      try {
        const result = await app.acquireTokenByClientCredential({ scopes: [scope] });
        if (!result?.accessToken) throw new Error('token endpoint returned no access token');
        return result.accessToken;
      } catch (error) {
        throw tokenError(error);
      }
    },
  };
}

/** Exchange Online hosts of the Microsoft clouds; their origin is the token audience. */
const MICROSOFT_EWS_HOSTS =
  /(^|\.)(outlook\.office365\.com|outlook\.office365\.us|outlook\.office\.de|partner\.outlook\.cn|office365\.us)$/i;
export const DEFAULT_EWS_SCOPE = 'https://outlook.office365.com/.default';

/**
 * The `.default` scope for the EWS resource: the EWS URL's origin for the Microsoft clouds
 * (https://outlook.office365.com, GCC High's outlook.office365.us, 21Vianet's partner.outlook.cn);
 * any other host (an emulator, a test double) is not an Entra resource, so the public-cloud
 * resource is asked for, which is what those stand-ins verify.
 */
export function scopeForEwsUrl(ewsUrl: string): string {
  const url = new URL(ewsUrl);
  return MICROSOFT_EWS_HOSTS.test(url.hostname) ? `${url.origin}/.default` : DEFAULT_EWS_SCOPE;
}

function certificateCredential(certificate: { privateKeyPem: string; thumbprint: string }) {
  const thumbprint = certificate.thumbprint.replace(/[^0-9a-f]/gi, '');
  // SHA-1 thumbprints have 40 hex digits, SHA-256 ones 64; msal wants the latter in its own field.
  return thumbprint.length === 64
    ? { thumbprintSha256: thumbprint, privateKey: certificate.privateKeyPem }
    : { thumbprint, privateKey: certificate.privateKeyPem };
}

function tokenError(error: unknown): TandemError {
  const e = error as { errorCode?: string; errorMessage?: string; message?: string; code?: string };
  const text = `${e.errorCode ?? ''} ${e.errorMessage ?? e.message ?? ''}`;
  if (/invalid_client|unauthorized_client|AADSTS7000215|AADSTS700016|AADSTS700027/i.test(text)) {
    return new TandemError('EXCHANGE_UNAUTHORIZED', `The token endpoint rejected the app credentials: ${text.trim()}`, {
      cause: error,
    });
  }
  if (/invalid_scope|AADSTS70011|AADSTS500011/i.test(text)) {
    return new TandemError('EXCHANGE_FORBIDDEN', `The token endpoint refused the scope: ${text.trim()}`, {
      cause: error,
    });
  }
  return new TandemError('EXCHANGE_UNAVAILABLE', `Could not obtain a token: ${text.trim() || 'unknown error'}`, {
    cause: error,
  });
}

/** Token and discovery answers are a few kilobytes; anything far larger is not an identity provider. */
const MAX_TOKEN_RESPONSE_BYTES = 1024 * 1024;

/**
 * msal's HTTP client, but trusting an extra CA (the emulators' self-signed certificate), obeying
 * the outbound policy (the authority host is tenant-configured), with a total deadline and a size cap.
 */
function createNetworkClient(caCertificate: string | undefined, timeoutMs: number): INetworkModule {
  const agent = guardedHttpsAgent({
    keepAlive: true,
    ...(caCertificate ? { ca: [...tls.rootCertificates, caCertificate] } : {}),
  });
  const send = <T>(method: 'GET' | 'POST', url: string, options?: NetworkRequestOptions, timeout?: number) =>
    new Promise<NetworkResponse<T>>((resolve, rejectRequest) => {
      const body = options?.body;
      const deadlineMs = timeout ?? timeoutMs;
      const reject = (error: Error) => {
        clearTimeout(deadline);
        rejectRequest(error);
      };
      const request = https.request(
        url,
        {
          method,
          agent,
          timeout: deadlineMs,
          headers: {
            ...options?.headers,
            ...(body !== undefined ? { 'Content-Length': Buffer.byteLength(body).toString() } : {}),
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_TOKEN_RESPONSE_BYTES)
              request.destroy(new Error(`token endpoint answer exceeds ${MAX_TOKEN_RESPONSE_BYTES} bytes`));
            else chunks.push(chunk);
          });
          response.on('error', reject);
          response.on('end', () => {
            clearTimeout(deadline);
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown;
            try {
              parsed = text ? JSON.parse(text) : {};
            } catch {
              parsed = { error: 'invalid_json', error_description: text.slice(0, 200) };
            }
            const headers: Record<string, string> = {};
            for (const [key, value] of Object.entries(response.headers)) {
              if (value !== undefined) headers[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
            }
            resolve({ headers, body: parsed as T, status: response.statusCode ?? 0 });
          });
        },
      );
      const deadline = setTimeout(
        () => request.destroy(new Error(`token request exceeded ${deadlineMs} ms`)),
        deadlineMs,
      );
      request.on('timeout', () => request.destroy(new Error(`token request timed out after ${deadlineMs} ms`)));
      request.on('error', reject);
      if (body !== undefined) request.write(body);
      request.end();
    });
  return {
    sendGetRequestAsync: (url, options, timeout) => send('GET', url, options, timeout),
    sendPostRequestAsync: (url, options) => send('POST', url, options),
  };
}
