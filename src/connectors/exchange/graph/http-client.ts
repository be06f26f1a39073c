import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { guardedHttpAgent, guardedHttpsAgent } from '../../../security/outbound.js';

/**
 * A small HTTP client over node:http(s) with one keep-alive agent per environment. Node's global
 * fetch (undici) only takes an extra CA through an undici Agent passed as `dispatcher`, and the
 * `undici` package is not a dependency here — so this uses https.Agent, which takes `ca` directly
 * (the environment's extra CA is added to Node's default roots, not replacing them).
 */
export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export interface HttpRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** The whole exchange, from connecting to the last byte of the answer (default 60 s). */
  timeoutMs?: number;
}

/** Default total deadline of one request. */
export const DEFAULT_DEADLINE_MS = 60_000;
/**
 * Largest answer read, by default. Graph's own limits keep JSON pages far below this; attachments
 * read inline are at most 150 MB only through upload sessions, which Tandem does not download.
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

export class HttpClient {
  private readonly httpsAgent: https.Agent;
  private readonly httpAgent: http.Agent;

  private readonly maxResponseBytes: number;

  /** The agents obey the outbound policy (src/security/outbound.ts): tenants choose these hosts. */
  constructor(options: { caCertificate?: string; maxSockets?: number; maxResponseBytes?: number } = {}) {
    const ca = options.caCertificate ? [...tlsRootCertificates(), options.caCertificate] : undefined;
    this.httpsAgent = guardedHttpsAgent({
      keepAlive: true,
      maxSockets: options.maxSockets ?? 16,
      ...(ca ? { ca } : {}),
    });
    this.httpAgent = guardedHttpAgent({ keepAlive: true, maxSockets: options.maxSockets ?? 16 });
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  }

  request(req: HttpRequest): Promise<HttpResponse> {
    const url = new URL(req.url);
    const secure = url.protocol === 'https:';
    const body = typeof req.body === 'string' ? Buffer.from(req.body) : req.body;
    const deadlineMs = req.timeoutMs ?? DEFAULT_DEADLINE_MS;
    const maxBytes = this.maxResponseBytes;
    return new Promise<HttpResponse>((resolve, reject) => {
      const r = (secure ? https : http).request(
        url,
        {
          method: req.method,
          agent: secure ? this.httpsAgent : this.httpAgent,
          headers: { ...(req.headers ?? {}), ...(body ? { 'content-length': String(body.length) } : {}) },
          // Idle sockets; the deadline below bounds the whole request (a slow drip never ends otherwise).
          timeout: deadlineMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > maxBytes) {
              r.destroy(
                Object.assign(new Error(`Answer from ${url.host} exceeds ${maxBytes} bytes`), {
                  code: 'ERESPONSETOOLARGE',
                }),
              );
              return;
            }
            chunks.push(c);
          });
          res.on('end', () => {
            clearTimeout(deadline);
            resolve({
              status: res.statusCode ?? 0,
              headers: Object.fromEntries(
                Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v ?? '')]),
              ),
              body: Buffer.concat(chunks),
            });
          });
          res.on('error', fail);
        },
      );
      const deadline = setTimeout(
        () =>
          r.destroy(
            Object.assign(new Error(`Request to ${url.host} exceeded ${deadlineMs} ms`), { code: 'ETIMEDOUT' }),
          ),
        deadlineMs,
      );
      function fail(error: Error): void {
        clearTimeout(deadline);
        reject(error);
      }
      r.on('timeout', () =>
        r.destroy(Object.assign(new Error(`Request to ${url.host} timed out`), { code: 'ETIMEDOUT' })),
      );
      r.on('error', fail);
      r.end(body);
    });
  }

  close(): void {
    this.httpsAgent.destroy();
    this.httpAgent.destroy();
  }
}

function tlsRootCertificates(): readonly string[] {
  return tls.rootCertificates;
}
