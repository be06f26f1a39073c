import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { executeHttpRequest } from '@sap-cloud-sdk/http-client';
import { buildHttpRequestConfigWithOrigin, execute } from '@sap-cloud-sdk/http-client/internal';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sendS4Request, wireRequestOf } from '../../../src/connectors/s4/transport.js';

/**
 * The S/4 transport (node:http for bodiless GETs) against the Cloud SDK's own path (axios), with
 * the real SDK building both requests from the same destination: what reaches the wire must be
 * the same request — request line, headers — and the answers must read the same.
 */
interface Seen {
  method: string;
  target: string;
  headers: Record<string, string | string[] | undefined>;
}

let server: http.Server;
let base: string;
let port: number;
const seen: Seen[] = [];
let answer: (req: http.IncomingMessage, res: http.ServerResponse) => void;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push({ method: req.method!, target: req.url!, headers: req.headers });
    req.resume();
    req.on('end', () => answer(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  seen.length = 0;
  answer = (_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.setHeader('etag', 'W/"1"');
    res.end(JSON.stringify({ d: { ok: true } }));
  };
});

/** The request config S4Http sends for a read (http.ts). */
const read = (url: string, extra: Record<string, unknown> = {}) => ({
  method: 'get' as const,
  url,
  headers: { accept: 'application/json' },
  responseType: 'text',
  transformResponse: [(data: unknown) => data],
  timeout: 5_000,
  maxContentLength: 1024,
  maxRedirects: 0,
  ...extra,
});

const viaTransport = (destination: object, config: Record<string, unknown>) =>
  execute(sendS4Request)(destination as never, buildHttpRequestConfigWithOrigin(config as never), {
    fetchCsrfToken: false,
  });
const viaAxios = (destination: object, config: Record<string, unknown>) =>
  executeHttpRequest(destination as never, config as never, { fetchCsrfToken: false });

/** Headers each client adds on its own, not from the destination or the request. */
const OWN = new Set(['user-agent', 'accept-encoding', 'connection', 'host']);
const comparable = (request: Seen) => ({
  method: request.method,
  target: request.target,
  headers: Object.fromEntries(Object.entries(request.headers).filter(([name]) => !OWN.has(name))),
});

async function both(destination: object, config: Record<string, unknown>): Promise<[Seen, Seen]> {
  const ours = await viaTransport(destination, config);
  const theirs = await viaAxios(destination, config);
  expect(ours.status).toBe(theirs.status);
  expect(ours.data).toEqual(theirs.data);
  expect(seen).toHaveLength(2);
  // The transport sent its own request (axios announces itself as user agent).
  expect(seen[0]!.headers['user-agent']).toBeUndefined();
  expect(seen[1]!.headers['user-agent']).toMatch(/^axios\//);
  return [seen[0]!, seen[1]!];
}

describe('S/4 transport (node:http) sends what the Cloud SDK with axios sends', () => {
  it('a direct read with basic authentication, sap-client, the destination’s extra headers and query parameters', async () => {
    const destination = {
      url: `${base}/prefix/`,
      username: 'TANDEM_COMM',
      password: 'demo-password',
      sapClient: '100',
      authentication: 'BasicAuthentication',
      // Destination properties `URL.headers.*` and `URL.queries.*` (SAP Help: HTTP Destinations, additional properties).
      originalProperties: { 'URL.headers.X-Custom': 'one', 'URL.queries.sap-language': 'EN' },
    };
    const [ours, theirs] = await both(
      destination,
      read("/sap/opu/odata/sap/API/A_X(guid'1')?$expand=to_Partner,to_Text&$format=json"),
    );
    expect(comparable(ours)).toEqual(comparable(theirs));
    expect(ours.target).toBe(
      "/prefix/sap/opu/odata/sap/API/A_X(guid'1')?$expand=to_Partner,to_Text&$format=json&sap-language=EN",
    );
    expect(ours.headers).toMatchObject({
      authorization: `Basic ${Buffer.from('TANDEM_COMM:demo-password').toString('base64')}`,
      'sap-client': '100',
      'x-custom': 'one',
      accept: 'application/json',
    });
  });

  it('an on-premise read through the connectivity proxy: absolute-form request line, Proxy-Authorization and location id', async () => {
    const destination = {
      url: 'http://s4-virtual:44300',
      username: 'TANDEM_COMM',
      password: 'demo-password',
      authentication: 'BasicAuthentication',
      proxyType: 'OnPremise',
      cloudConnectorLocationId: 'LOC-A',
      proxyConfiguration: {
        host: '127.0.0.1',
        port,
        protocol: 'http',
        headers: { 'Proxy-Authorization': 'Bearer connectivity-token' },
      },
    };
    const [ours, theirs] = await both(destination, read('/sap/opu/odata/sap/API/A_X?$top=1'));
    expect(comparable(ours)).toEqual(comparable(theirs));
    // RFC 9112 §3.2.2: a request to a proxy names the whole target.
    expect(ours.target).toBe('http://s4-virtual:44300/sap/opu/odata/sap/API/A_X?$top=1');
    expect(ours.headers).toMatchObject({
      'proxy-authorization': 'Bearer connectivity-token',
      'sap-connectivity-scc-location_id': 'LOC-A',
    });
  });

  it('reads a compressed answer and bytes the same way', async () => {
    answer = (_req, res) => {
      res.setHeader('content-encoding', 'gzip');
      res.end(zlib.gzipSync(JSON.stringify({ d: { compressed: 'yes' } })));
    };
    const destination = { url: base };
    const [ours] = await both(destination, read('/gz'));
    expect(ours.headers['accept-encoding']).toBe('gzip, deflate, br');
    expect(JSON.parse((await viaTransport(destination, read('/gz'))).data as string)).toEqual({
      d: { compressed: 'yes' },
    });

    answer = (_req, res) => res.end(Buffer.from([0, 1, 2, 255]));
    const bytes = await viaTransport(destination, read('/bin', { responseType: 'arraybuffer' }));
    expect(Buffer.isBuffer(bytes.data)).toBe(true);
    expect([...(bytes.data as Buffer)]).toEqual([0, 1, 2, 255]);
  });
});

describe('S/4 transport — failures in the shape axios gives them', () => {
  const rejection = async (promise: Promise<unknown>) => {
    try {
      await promise;
    } catch (error) {
      return error as {
        isAxiosError?: boolean;
        code?: string;
        message: string;
        response?: { status: number; data: unknown; headers: Record<string, unknown> };
      };
    }
    throw new Error('expected a rejection');
  };

  it('a status outside 2xx rejects with the response (status, headers, body), as axios does', async () => {
    answer = (_req, res) => {
      res.statusCode = 404;
      res.setHeader('content-type', 'application/json');
      res.end('{"error":{"code":"/IWBEP/CM_MGW_RT/020","message":{"value":"Resource not found"}}}');
    };
    const ours = await rejection(viaTransport({ url: base }, read('/missing')));
    const theirs = await rejection(viaAxios({ url: base }, read('/missing')));
    for (const error of [ours, theirs]) {
      expect(error.isAxiosError).toBe(true);
      expect(error.code).toBe('ERR_BAD_REQUEST');
      expect(error.message).toBe('Request failed with status code 404');
      expect(error.response?.status).toBe(404);
      expect(error.response?.data).toContain('Resource not found');
      expect(error.response?.headers['content-type']).toBe('application/json');
    }
  });

  it('an answer above maxContentLength, a timeout and a refused connection reject with axios’s codes', async () => {
    answer = (_req, res) => res.end('x'.repeat(2048));
    expect((await rejection(viaTransport({ url: base }, read('/big')))).message).toBe(
      'maxContentLength size of 1024 exceeded',
    );
    answer = () => undefined; // never answers
    const slow = await rejection(viaTransport({ url: base }, read('/slow', { timeout: 100 })));
    expect(slow).toMatchObject({ code: 'ECONNABORTED', message: 'timeout of 100ms exceeded', isAxiosError: true });
    // A connection cut inside a compressed answer fails the request at once.
    answer = (_req, res) => {
      res.setHeader('content-encoding', 'gzip');
      res.write(zlib.gzipSync('x'.repeat(500)).subarray(0, 20));
      setTimeout(() => res.socket?.destroy(), 20);
    };
    const cut = await rejection(viaTransport({ url: base }, read('/cut', { timeout: 2_000 })));
    expect(cut).toMatchObject({ isAxiosError: true });
    expect(cut.code).not.toBe('ECONNABORTED');
    const refused = await rejection(viaTransport({ url: 'http://127.0.0.1:1' }, read('/')));
    expect(refused).toMatchObject({ code: 'ECONNREFUSED', isAxiosError: true });
  });
});

describe('S/4 transport — what it leaves to axios', () => {
  const request = (extra: Record<string, unknown>) =>
    ({ baseURL: base, proxy: false, ...read('/x'), ...extra }) as never;

  it('sends bodiless GETs itself, direct or through an http proxy to an http URL', () => {
    expect(wireRequestOf(request({}))?.viaProxy).toBe(false);
    const proxied = wireRequestOf(
      request({ baseURL: 'http://s4-virtual:44300', proxy: { host: '10.0.0.1', port: 20003, protocol: 'http' } }),
    );
    expect(proxied?.connectTo).toEqual({ protocol: 'http:', host: '10.0.0.1', port: 20003 });
  });

  it('leaves writes, bodies, https through a proxy (a CONNECT tunnel), redirects and cancellation to axios', () => {
    expect(wireRequestOf(request({ method: 'post' }))).toBeUndefined();
    expect(wireRequestOf(request({ data: '{}' }))).toBeUndefined();
    expect(
      wireRequestOf(
        request({ baseURL: 'https://s4.example', proxy: { host: '10.0.0.1', port: 8080, protocol: 'http' } }),
      ),
    ).toBeUndefined();
    expect(wireRequestOf(request({ maxRedirects: 5 }))).toBeUndefined();
    expect(wireRequestOf(request({ signal: new AbortController().signal }))).toBeUndefined();
    expect(wireRequestOf(request({ responseType: 'json' }))).toBeUndefined();
  });

  it('a write still goes out through axios, unchanged', async () => {
    const response = await execute(sendS4Request)(
      { url: base } as never,
      buildHttpRequestConfigWithOrigin({ method: 'post', url: '/w', data: '{"a":1}', maxRedirects: 0 } as never),
      { fetchCsrfToken: false },
    );
    expect(response.status).toBe(200);
    expect(seen[0]).toMatchObject({ method: 'POST', target: '/w' });
    expect(seen[0]!.headers['user-agent']).toMatch(/^axios\//);
  });
});
