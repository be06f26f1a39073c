/**
 * The connectivity proxy (SAP Help, Connectivity: "Consuming the Connectivity Service" / "HTTP
 * Proxy for On-Premise Connectivity"): an HTTP proxy at onpremise_proxy_host:onpremise_proxy_http_port
 * that takes absolute-form requests to a Cloud Connector's virtual host. Rules, each from that page:
 * - `Proxy-Authorization: Bearer <token>` is required: a client-credentials token of the
 *   connectivity service instance, fetched in the zone of the subaccount whose Cloud Connector is
 *   meant (for a subscriber: the subscriber's zone). Missing or invalid → 407.
 * - `SAP-Connectivity-SCC-Location_ID` picks the Cloud Connector among those connected to that
 *   subaccount (absent = the one without a location id). None connected → 503.
 * - The Cloud Connector forwards only to systems in its access control (virtual host:port →
 *   internal host), anything else is refused → 403 (SAP Help "Configure Access Control (HTTP)").
 * Proxy headers are not passed on to the backend.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { BtpState, ServiceClient } from './model.js';
import { bearer, type XsuaaIssuer } from './xsuaa.js';

const HOP_HEADERS = new Set([
  'proxy-authorization',
  'proxy-connection',
  'connection',
  'keep-alive',
  'sap-connectivity-scc-location_id',
  'sap-connectivity-authentication',
  'transfer-encoding',
  'host',
]);

export function isProxyRequest(req: IncomingMessage): boolean {
  return /^https?:\/\//i.test(req.url ?? '');
}

export function createProxyHandler(state: BtpState, issuer: XsuaaIssuer, connectivity: ServiceClient) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const locationId = headerValue(req, 'sap-connectivity-scc-location_id') ?? '';
    const record = {
      at: new Date().toISOString(),
      method: req.method ?? 'GET',
      url: req.url ?? '',
      subaccountId: undefined as string | undefined,
      locationId,
      status: 0,
      backendUrl: undefined as string | undefined,
    };
    state.proxyRequests.push(record);
    const refuse = (status: number, message: string, headers: Record<string, string> = {}) => {
      record.status = status;
      req.resume();
      res.writeHead(status, { 'content-type': 'text/plain', ...headers }).end(message);
    };

    const token = bearer(req.headers['proxy-authorization']);
    const claims = token ? await issuer.verify(token) : undefined;
    if (!claims || claims.client_id !== connectivity.clientId) {
      refuse(407, 'Proxy Authentication Required: a bearer token of the connectivity service instance is required', {
        'proxy-authenticate': 'Bearer',
      });
      return;
    }
    record.subaccountId = claims.zid;
    const connector = state.connectors.get(claims.zid)?.get(locationId);
    if (!connector) {
      refuse(
        503,
        `There is no SAP Cloud Connector (SCC) connected to your subaccount matching the specified location ID "${locationId}"`,
      );
      return;
    }
    const target = new URL(req.url!);
    const virtualHost = `${target.hostname}:${target.port || (target.protocol === 'https:' ? '443' : '80')}`;
    const system = connector.systems.find((s) => s.virtualHost.toLowerCase() === virtualHost.toLowerCase());
    if (!system) {
      refuse(403, `Access denied to system ${virtualHost}: not in the Cloud Connector's access control`);
      return;
    }
    const backend = new URL(target.pathname + target.search, system.backendUrl);
    record.backendUrl = backend.toString();
    const headers: http.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(req.headers))
      if (!HOP_HEADERS.has(name) && value !== undefined) headers[name] = value;
    // The Cloud Connector sends the virtual host on: the backend sees the host it is known by.
    headers.host = virtualHost;
    const upstream = http.request(backend, { method: req.method, headers }, (answer) => {
      record.status = answer.statusCode ?? 502;
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', (error) => {
      if (!res.headersSent) refuse(502, `Cloud Connector could not reach the backend: ${error.message}`);
      else res.destroy();
    });
    req.pipe(upstream);
  };
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
