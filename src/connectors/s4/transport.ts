import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';
import axios from 'axios';
import { getAxiosConfigWithDefaults, type HttpRequest, type HttpResponse } from '@sap-cloud-sdk/http-client/internal';

/**
 * The last step of an S/4 request: what the Cloud SDK's `executeHttpRequest` does with axios,
 * done with node:http for the requests the worker makes most — a GET without a body, sent
 * directly or through an HTTP proxy to an http URL (the connectivity proxy in front of the Cloud
 * Connector). Everything before this step stays the SDK's: destination lookup, authentication and
 * proxy headers, the destination's extra headers and query parameters, its agent (trust store,
 * client certificate), CSRF for writes and the resilience middlewares; S4Http passes this function
 * to the SDK's `execute`, the seam the SDK offers for its own clients.
 *
 * Why: axios built and merged its configuration on every request — about a quarter of the S/4
 * connector's CPU per read (docs/benchmarks.md, 2026-12-04), and the S/4 read is the worker's
 * largest single cost per sync operation. Anything else — a body, a proxied https URL (axios opens
 * a CONNECT tunnel), an option this file does not implement — goes to axios exactly as the SDK
 * would send it (`executeWithAxios`: axios.request over the SDK's axios defaults).
 *
 * What the answer and the failures look like is axios's, because the SDK's resilience middlewares
 * and our error mapping read them: `data` is the text (or the bytes for `responseType:
 * 'arraybuffer'`), a status outside 2xx rejects with an error whose `response` carries status,
 * headers and body, and that error says `isAxiosError` — the SDK's retry and circuit breaker
 * recognise a 4xx that a second attempt would not fix by that flag.
 */
export function sendS4Request(request: HttpRequest): Promise<HttpResponse> {
  const wire = wireRequestOf(request);
  if (!wire) return axios.request({ ...getAxiosConfigWithDefaults(), ...request });
  return send(wire);
}

/** The subset of an axios request this transport sends itself. */
export interface WireRequest {
  /** The full target URL with query parameters. */
  url: URL;
  /** Where the socket goes: the target itself, or the HTTP proxy (request-target then in absolute form). */
  connectTo: { protocol: 'http:' | 'https:'; host: string; port: number };
  viaProxy: boolean;
  agent: http.Agent | undefined;
  headers: Record<string, string>;
  timeoutMs: number;
  maxContentLength: number;
  binary: boolean;
}

/** Failure of a request in the shape axios gives it (see the comment at the top). */
export class S4TransportError extends Error {
  readonly isAxiosError = true;

  constructor(
    message: string,
    readonly code: string | undefined,
    readonly response?: { status: number; statusText: string; headers: http.IncomingHttpHeaders; data: unknown },
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'S4TransportError';
  }
}

/** Axios's own default list, less `compress` (which neither axios nor Node can decode). */
const ACCEPT_ENCODING = 'gzip, deflate, br';

/** Undefined when the request needs something only axios does. */
export function wireRequestOf(request: HttpRequest): WireRequest | undefined {
  const config = request as HttpRequest & {
    responseType?: string;
    maxRedirects?: number;
    timeout?: number;
    transformResponse?: unknown;
  };
  if (String(config.method).toLowerCase() !== 'get' || config.data !== undefined || config.signal) return undefined;
  if (config.responseType !== 'text' && config.responseType !== 'arraybuffer') return undefined;
  if (config.maxRedirects !== 0 || config.proxy === undefined) return undefined;
  const url = new URL(fullPath(config.baseURL, config.url ?? ''));
  appendParams(url, config.params);
  const proxy =
    config.proxy === false ? undefined : (config.proxy as { protocol?: string; host: string; port?: number });
  if (proxy && (url.protocol !== 'http:' || (proxy.protocol ?? 'http').replace(/:$/, '') !== 'http')) return undefined;
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  const connectTo = proxy
    ? { protocol: 'http:' as const, host: proxy.host, port: Number(proxy.port ?? 80) }
    : {
        protocol: url.protocol as 'http:' | 'https:',
        host: url.hostname,
        port: url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80,
      };
  return {
    url,
    connectTo,
    viaProxy: proxy !== undefined,
    agent: (connectTo.protocol === 'https:' ? config.httpsAgent : config.httpAgent) as http.Agent | undefined,
    headers: headersOf(config.headers),
    timeoutMs: config.timeout ?? 0,
    maxContentLength: config.maxContentLength ?? -1,
    binary: config.responseType === 'arraybuffer',
  };
}

/** axios's buildFullPath: an absolute `url` wins, else baseURL and url joined by exactly one slash. */
function fullPath(baseURL: string | undefined, url: string): string {
  if (!baseURL || /^([a-z][a-z\d+\-.]*:)?\/\//i.test(url)) return url;
  return url ? `${baseURL.replace(/\/?\/$/, '')}/${url.replace(/^\/+/, '')}` : baseURL;
}

/** The SDK's axios paramsSerializer: `key=value` joined by `&`, values already encoded by the SDK. */
function appendParams(url: URL, params: Record<string, unknown> | undefined): void {
  const serialized = Object.entries(params ?? {})
    .map(([key, value]) => `${key}=${String(value)}`)
    .join('&');
  if (serialized) url.search = url.search ? `${url.search}&${serialized}` : `?${serialized}`;
}

/** Header names case-insensitively, the later value winning (as AxiosHeaders merges them). */
function headersOf(input: Record<string, unknown> | undefined): Record<string, string> {
  const headers: Record<string, string> = { 'accept-encoding': ACCEPT_ENCODING };
  for (const [name, value] of Object.entries(input ?? {})) {
    if (value === undefined || value === null) continue;
    headers[name.toLowerCase()] = String(value);
  }
  return headers;
}

export function send(wire: WireRequest): Promise<HttpResponse> {
  return new Promise<HttpResponse>((resolve, reject) => {
    const { connectTo, url } = wire;
    const transport = connectTo.protocol === 'https:' ? https : http;
    const req = transport.request(
      {
        protocol: connectTo.protocol,
        host: connectTo.host,
        port: connectTo.port,
        // Through a proxy the request line names the whole target (RFC 9112 §3.2.2, absolute-form).
        path: wire.viaProxy ? url.href : url.pathname + url.search,
        method: 'GET',
        headers: wire.headers,
        agent: wire.agent,
        ...(connectTo.protocol === 'https:' ? { servername: connectTo.host } : {}),
      },
      (res) => readAnswer(res, wire, resolve, reject),
    );
    req.on('error', (error: NodeJS.ErrnoException) =>
      reject(new S4TransportError(error.message, error.code, undefined, { cause: error })),
    );
    if (wire.timeoutMs > 0) {
      req.setTimeout(wire.timeoutMs, () => {
        req.destroy(new S4TransportError(`timeout of ${wire.timeoutMs}ms exceeded`, 'ECONNABORTED'));
      });
    }
    req.end();
  });
}

function readAnswer(
  res: http.IncomingMessage,
  wire: WireRequest,
  resolve: (response: HttpResponse) => void,
  reject: (error: unknown) => void,
): void {
  const body = decoded(res);
  const chunks: Buffer[] = [];
  let length = 0;
  body.on('data', (chunk: Buffer) => {
    length += chunk.length;
    if (wire.maxContentLength > -1 && length > wire.maxContentLength) {
      res.destroy();
      body.destroy();
      reject(new S4TransportError(`maxContentLength size of ${wire.maxContentLength} exceeded`, 'ERR_BAD_RESPONSE'));
      return;
    }
    chunks.push(chunk);
  });
  const failed = (error: NodeJS.ErrnoException) =>
    reject(new S4TransportError(error.message, error.code ?? 'ERR_BAD_RESPONSE', undefined, { cause: error }));
  body.on('error', failed);
  // pipe() does not pass the source's errors on: a connection cut inside a compressed answer would
  // otherwise leave the request waiting for the resilience timeout.
  if (body !== res) res.on('error', failed);
  body.on('end', () => {
    const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length);
    const status = res.statusCode ?? 0;
    const response = {
      status,
      statusText: res.statusMessage ?? '',
      headers: res.headers,
      data: wire.binary ? bytes : bytes.toString('utf8'),
    };
    if (status >= 200 && status < 300) resolve({ ...response, request: undefined });
    else
      reject(
        new S4TransportError(
          `Request failed with status code ${status}`,
          status >= 400 && status < 500 ? 'ERR_BAD_REQUEST' : 'ERR_BAD_RESPONSE',
          response,
        ),
      );
  });
}

/** The answer's bytes, unzipped as axios does when the server compressed them. */
function decoded(res: http.IncomingMessage): NodeJS.ReadableStream & { destroy(): void } {
  if (res.statusCode === 204) return res;
  switch ((res.headers['content-encoding'] ?? '').toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return res.pipe(
        zlib.createGunzip({ flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH }),
      );
    case 'deflate':
      return res.pipe(
        zlib.createInflate({ flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH }),
      );
    case 'br':
      return res.pipe(zlib.createBrotliDecompress());
    default:
      return res;
  }
}
