import tls from 'node:tls';
import { TandemError } from '../../../errors/tandem-error.js';
import { guardedHttpAgent, guardedHttpsAgent } from '../../../security/outbound.js';
import type { XhrApi } from './ews-lib.js';
import { NodeXhrApi } from './node-xhr.js';

/**
 * The HTTP transport of one Exchange environment. ews-javascript-api sends every request through
 * an `XhrApi` and IGNORES `ExchangeService.Timeout` (the library has the line commented out:
 * "request.Timeout = this.Timeout; //todo"), so the timeout (a total deadline per request, not
 * only an idle-socket timeout), the response size cap, the keep-alive agents (obeying the outbound
 * policy) and an extra CA are configured here, on an XhrApi (node-xhr.ts) that is set per
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
  if (options.auth.kind === 'ntlm' && options.caCertificate) {
    // The NTLM handshake runs on one-request agents (node-xhr.ts) that take Node's root store only,
    // as @ewsjs/xhr's did; docs/exchange-onprem-setup.md tells admins so.
    throw new TandemError(
      'CONFIG_INVALID',
      'NTLM cannot be combined with an extra CA certificate: use basic ' +
        'authentication, or make the CA trusted process-wide (NODE_EXTRA_CA_CERTS)',
    );
  }
  const ca = options.caCertificate ? [...tls.rootCertificates, options.caCertificate] : undefined;
  const httpsAgent = guardedHttpsAgent({ keepAlive: true, maxSockets: 64, ...(ca ? { ca } : {}) });
  const httpAgent = guardedHttpAgent({ keepAlive: true, maxSockets: 64 });
  const xhr = new NodeXhrApi({
    httpsAgent,
    httpAgent,
    timeoutMs: options.timeoutMs,
    maxResponseBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    auth: options.auth,
  });
  if (options.onRequest) instrument(xhr, options.onRequest);
  return {
    // The library types its XhrApi slot after @ewsjs/xhr's class; it only calls xhr/xhrStream/disconnect.
    xhrApi: xhr as unknown as XhrApi,
    close() {
      httpsAgent.destroy();
      httpAgent.destroy();
    },
  };
}

const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

function instrument(xhr: NodeXhrApi, onRequest: (phase: 'start' | 'end') => void): void {
  const original = xhr.xhr.bind(xhr);
  xhr.xhr = async (...args: Parameters<NodeXhrApi['xhr']>) => {
    onRequest('start');
    try {
      return await original(...args);
    } finally {
      onRequest('end');
    }
  };
}
