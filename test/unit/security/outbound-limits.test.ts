import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../../src/connectors/exchange/graph/http-client.js';

/** A total deadline and a size cap on outbound calls (Graph and its msal go through this client). */
let server: http.Server;
let url: string;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/drip') {
      // A byte every 50 ms: never idle long enough for a socket timeout, never done.
      res.writeHead(200);
      const timer = setInterval(() => res.write('x'), 50);
      res.on('close', () => clearInterval(timer));
      return;
    }
    res.writeHead(200).end(Buffer.alloc(2 * 1024 * 1024, 1));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('outbound limits', () => {
  it('ends a request that keeps dripping at its total deadline', async () => {
    const client = new HttpClient();
    const started = Date.now();
    await expect(client.request({ method: 'GET', url: `${url}/drip`, timeoutMs: 400 })).rejects.toMatchObject({
      code: 'ETIMEDOUT',
    });
    expect(Date.now() - started).toBeLessThan(3_000);
    client.close();
  });

  it('stops reading an answer beyond the size cap', async () => {
    const client = new HttpClient({ maxResponseBytes: 1024 * 1024 });
    await expect(client.request({ method: 'GET', url: `${url}/big` })).rejects.toMatchObject({
      code: 'ERESPONSETOOLARGE',
    });
    client.close();
  });
});
