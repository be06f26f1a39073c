import tls from 'node:tls';
import { TandemError } from '../../../errors/tandem-error.js';
import { guardedHttpAgent, guardedHttpsAgent, guardedLookup, refusedUrl } from '../../../security/outbound.js';
import { XhrApi, NtlmProvider } from './ews-lib.js';

/**
 * The HTTP transport of one Exchange environment. ews-javascript-api sends every request through
 * an `XhrApi` (@ewsjs/xhr, axios underneath) and IGNORES `ExchangeService.Timeout` (the library
 * has the line commented out: "request.Timeout = this.Timeout; //todo"), so the timeout (a total
 * deadline per request, not only an idle-socket timeout), the response size cap, the keep-alive
 * agents (obeying the outbound policy) and an extra CA are configured here, on an XhrApi instance that is set per
 * ExchangeService — never globally through ConfigurationApi.ConfigureXHR, because environments
 * with different credentials and CAs share one process.
 */
export interface TransportOptions {
  /** Per request, from connecting to the last byte; Exchange's own EWS budget is 100 s, a sync worker should give up well before. */
  timeoutMs: number;
  /** Largest answer read (default 64 MiB: EWS's default maximum message size is 35 MB, base64 in XML ~47 MB). */
  maxResponseBytes?: number;
  /** Extra CA (PEM) trusted in addition to Node's root store. */
  caCertificate?: string;
  auth:
    | { kind: 'basic' }
    | { kind: 'ntlm'; username: string; password: string; domain?: string }
    | { kind: 'bearer'; token: () => Promise<string> };
  /** Observes every request (tests count concurrent calls; metrics time them). */
  onRequest?: (phase: 'start' | 'end') => void;
}

export interface EwsTransport {
  xhrApi: XhrApi;
  close(): void;
}

export function createEwsTransport(options: TransportOptions): EwsTransport {
  const ca = options.caCertificate ? [...tls.rootCertificates, options.caCertificate] : undefined;
  const httpsAgent = guardedHttpsAgent({ keepAlive: true, maxSockets: 64, ...(ca ? { ca } : {}) });
  const httpAgent = guardedHttpAgent({ keepAlive: true, maxSockets: 64 });
  const base = {
    timeout: options.timeoutMs,
    httpsAgent,
    httpAgent,
    rejectUnauthorized: true,
    maxContentLength: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    maxRedirects: 0,
  };
  const xhrApi = new XhrApi(base);

  if (options.auth.kind === 'ntlm') {
    // @ewsjs/xhr's NtlmProvider builds its own https.Agent for the handshake (the NTLM challenge is
    // bound to one connection), so our agent and CA cannot reach it.
    if (options.caCertificate) {
      throw new TandemError(
        'CONFIG_INVALID',
        'NTLM cannot be combined with an extra CA certificate: use basic ' +
          'authentication, or make the CA trusted process-wide (NODE_EXTRA_CA_CERTS)',
      );
    }
    const user = options.auth.domain ? `${options.auth.domain}\\${options.auth.username}` : options.auth.username;
    xhrApi.setAuthProvider(new NtlmProvider(user, options.auth.password));
  } else if (options.auth.kind === 'bearer') {
    const token = options.auth.token;
    // Fetching the token in the transport means every request (also retries) carries a current
    // one; msal caches it and renews it shortly before it expires.
    xhrApi.setAuthProvider({
      providerName: 'oauth-client-credentials',
      client: null as never,
      async preCall(config) {
        const headers = { ...(config.headers as Record<string, string>), Authorization: `Bearer ${await token()}` };
        return { ...config, headers };
      },
    });
  }

  guard(xhrApi, base, options.timeoutMs);
  if (options.onRequest) instrument(xhrApi, options.onRequest);
  return {
    xhrApi,
    close() {
      httpsAgent.destroy();
      httpAgent.destroy();
    },
  };
}

const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/**
 * Every request: the URL checked against the outbound policy (scheme, literal addresses), the
 * resolver that checks names (also for NTLM, whose provider brings its own agent), and a deadline
 * that aborts the whole exchange. XhrApi reads its options synchronously when `xhr` is called, so
 * setting them just before the call gives each request its own signal, even when requests overlap.
 */
function guard(xhrApi: XhrApi, base: Record<string, unknown>, timeoutMs: number): void {
  const original = xhrApi.xhr.bind(xhrApi);
  const api = xhrApi as unknown as { requestOptions: Record<string, unknown> };
  xhrApi.xhr = async (...args: Parameters<XhrApi['xhr']>) => {
    const url = String(args[0].url);
    const refused = refusedUrl(url);
    if (refused) throw refused;
    const controller = new AbortController();
    let expired = false;
    const timer = setTimeout(() => {
      expired = true;
      controller.abort();
    }, timeoutMs);
    const port = Number(new URL(url).port) || undefined;
    api.requestOptions = { ...base, signal: controller.signal, lookup: guardedLookup(port) };
    try {
      return await original(...args);
    } catch (error) {
      // Abort surfaces as axios' "canceled"; name it for what it is, so it is classified as a timeout.
      if (expired && error !== null && typeof error === 'object')
        Object.assign(error, { message: `timeout: EWS request exceeded ${timeoutMs} ms`, code: 'ETIMEDOUT' });
      throw error;
    } finally {
      clearTimeout(timer);
    }
  };
}

function instrument(xhrApi: XhrApi, onRequest: (phase: 'start' | 'end') => void): void {
  const original = xhrApi.xhr.bind(xhrApi);
  xhrApi.xhr = async (...args: Parameters<XhrApi['xhr']>) => {
    onRequest('start');
    try {
      return await original(...args);
    } finally {
      onRequest('end');
    }
  };
}
