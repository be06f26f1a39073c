import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { TandemError } from '../../../errors/tandem-error.js';
import { XhrApi, NtlmProvider } from './ews-lib.js';

/**
 * The HTTP transport of one Exchange environment. ews-javascript-api sends every request through
 * an `XhrApi` (@ewsjs/xhr, axios underneath) and IGNORES `ExchangeService.Timeout` (the library
 * has the line commented out: "request.Timeout = this.Timeout; //todo"), so the timeout, the
 * keep-alive agents and an extra CA are configured here, on an XhrApi instance that is set per
 * ExchangeService — never globally through ConfigurationApi.ConfigureXHR, because environments
 * with different credentials and CAs share one process.
 */
export interface TransportOptions {
  /** Per request; Exchange's own EWS budget is 100 s, a sync worker should give up well before. */
  timeoutMs: number;
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
  const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 64, ...(ca ? { ca } : {}) });
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const xhrApi = new XhrApi({ timeout: options.timeoutMs, httpsAgent, httpAgent, rejectUnauthorized: true });

  if (options.auth.kind === 'ntlm') {
    // @ewsjs/xhr's NtlmProvider builds its own https.Agent for the handshake (the NTLM challenge is
    // bound to one connection), so our agent and CA cannot reach it.
    if (options.caCertificate) {
      throw new TandemError('CONFIG_INVALID', 'NTLM cannot be combined with an extra CA certificate: use basic '
        + 'authentication, or make the CA trusted process-wide (NODE_EXTRA_CA_CERTS)');
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

  if (options.onRequest) instrument(xhrApi, options.onRequest);
  return {
    xhrApi,
    close() {
      httpsAgent.destroy();
      httpAgent.destroy();
    },
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
