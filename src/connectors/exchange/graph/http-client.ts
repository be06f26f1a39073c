import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';

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
  timeoutMs?: number;
}

export class HttpClient {
  private readonly httpsAgent: https.Agent;
  private readonly httpAgent: http.Agent;

  constructor(options: { caCertificate?: string; maxSockets?: number } = {}) {
    const ca = options.caCertificate ? [...tlsRootCertificates(), options.caCertificate] : undefined;
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 16, ...(ca ? { ca } : {}) });
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 16 });
  }

  request(req: HttpRequest): Promise<HttpResponse> {
    const url = new URL(req.url);
    const secure = url.protocol === 'https:';
    const body = typeof req.body === 'string' ? Buffer.from(req.body) : req.body;
    return new Promise<HttpResponse>((resolve, reject) => {
      const r = (secure ? https : http).request(url, {
        method: req.method,
        agent: secure ? this.httpsAgent : this.httpAgent,
        headers: { ...(req.headers ?? {}), ...(body ? { 'content-length': String(body.length) } : {}) },
        timeout: req.timeoutMs ?? 30_000,
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({
          status: res.statusCode ?? 0,
          headers: Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v ?? '')])),
          body: Buffer.concat(chunks),
        }));
        res.on('error', reject);
      });
      r.on('timeout', () => r.destroy(Object.assign(new Error(`Request to ${url.host} timed out`), { code: 'ETIMEDOUT' })));
      r.on('error', reject);
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
