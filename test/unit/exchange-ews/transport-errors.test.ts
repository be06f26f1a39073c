import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { normalizeEwsError } from '../../../src/connectors/exchange/ews/normalize-ews-error.js';
import { backOff, fault } from './ews-faults.js';
import { createMailboxService, type EwsEnvironment } from '../../../src/connectors/exchange/ews/service-factory.js';
import { createEwsTransport, type EwsTransport } from '../../../src/connectors/exchange/ews/transport.js';
import { Item, ItemId, PropertySet, SoapFaultDetails } from '../../../src/connectors/exchange/ews/ews-lib.js';
import { outboundPolicy, setOutboundPolicy } from '../../../src/security/outbound.js';

/**
 * What normalize-ews-error.ts gets from the real library through Tandem's EWS transport, for every
 * failure the transport itself shapes. The expected values were taken from the @ewsjs/xhr (axios)
 * transport before it was replaced by node-xhr.ts (only the wording of the size-cap message
 * changed), so a transport change that alters what the sync journals or retries fails here.
 */
const GET_ITEM_OK = `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>
<m:GetItemResponse xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">
<m:ResponseMessages><m:GetItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:Items>
<t:CalendarItem><t:ItemId Id="AAMkItem" ChangeKey="DwAAAA=="/></t:CalendarItem></m:Items></m:GetItemResponseMessage>
</m:ResponseMessages></m:GetItemResponse></s:Body></s:Envelope>`;

type Mode = 'ok' | 'gzip' | '401' | '503' | 'busy' | 'slow' | 'big' | 'gzip-bomb' | 'reset';
let mode: Mode = 'ok';
let server: Server;
let url: string;
const sockets = new Set<Socket>();
const MAX_BYTES = 100_000;
const TIMEOUT_MS = 400;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      switch (mode) {
        case 'ok':
          res.writeHead(200, { 'Content-Type': 'text/xml; charset=utf-8' }).end(GET_ITEM_OK);
          return;
        case 'gzip':
          res.writeHead(200, { 'Content-Type': 'text/xml', 'Content-Encoding': 'gzip' }).end(gzipSync(GET_ITEM_OK));
          return;
        case '401':
          res.writeHead(401, { 'WWW-Authenticate': 'Basic' }).end();
          return;
        case '503':
          res.writeHead(503, { 'Content-Type': 'text/html' }).end('<html>maintenance</html>');
          return;
        case 'busy':
          res
            .writeHead(500, { 'Content-Type': 'text/xml' })
            .end(fault('ErrorServerBusy', 'The server cannot service this request right now.', backOff(2500)));
          return;
        case 'slow':
          setTimeout(() => res.writeHead(200).end(GET_ITEM_OK), 5_000).unref();
          return;
        case 'big':
          res.writeHead(200, { 'Content-Type': 'text/xml' }).end(Buffer.alloc(MAX_BYTES * 2, 0x61));
          return;
        case 'gzip-bomb':
          // 1 KiB on the wire, ten times the cap once inflated.
          res
            .writeHead(200, { 'Content-Type': 'text/xml', 'Content-Encoding': 'gzip' })
            .end(gzipSync(Buffer.alloc(MAX_BYTES * 10, 0x61)));
          return;
        case 'reset':
          req.socket.destroy();
          return;
      }
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/EWS/Exchange.asmx`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const transports: EwsTransport[] = [];
afterEach(() => {
  mode = 'ok';
  for (const transport of transports.splice(0)) transport.close();
});

function service(target = url) {
  const transport = createEwsTransport({ timeoutMs: TIMEOUT_MS, maxResponseBytes: MAX_BYTES, auth: { kind: 'basic' } });
  transports.push(transport);
  const env = {
    kind: 'ews-onprem',
    id: 'env-t',
    tenantId: 't',
    maxConcurrency: 2,
    ews: {
      url: target,
      auth: 'basic',
      username: 'svc',
      password: 'pw',
      impersonation: true,
      serverVersion: 'Exchange2016',
    },
  } as EwsEnvironment;
  return createMailboxService(env, transport, 'alice@demo.example', { impersonate: true });
}

async function rejection(answer: Mode, target?: string): Promise<unknown> {
  mode = answer;
  try {
    await Item.Bind(service(target), new ItemId('AAMkItem'), PropertySet.IdOnly);
  } catch (error) {
    return error;
  }
  throw new Error('expected the library to reject');
}

describe('EWS transport: what the library and normalizeEwsError make of its failures', () => {
  it('401 → EXCHANGE_UNAUTHORIZED with the HTTP status', async () => {
    const raw = await rejection('401');
    expect(raw).toBeInstanceOf(SoapFaultDetails);
    expect(raw).toMatchObject({ HttpStatusCode: 401 });
    const error = normalizeEwsError(raw);
    expect(error).toMatchObject({
      code: 'EXCHANGE_UNAUTHORIZED',
      retryable: false,
      message: 'HTTP 401: 401 Unauthorized',
    });
    expect(error.details).toEqual({ httpStatus: 401 });
  });

  it('503 from a proxy → EXCHANGE_UNAVAILABLE (retryable) with the HTTP status', async () => {
    const raw = await rejection('503');
    expect(raw).toBeInstanceOf(SoapFaultDetails);
    const error = normalizeEwsError(raw);
    expect(error).toMatchObject({ code: 'EXCHANGE_UNAVAILABLE', retryable: true });
    expect(error.details).toEqual({ httpStatus: 503 });
  });

  it('ErrorServerBusy SOAP fault → EXCHANGE_THROTTLED with the back-off Exchange asked for', async () => {
    const raw = await rejection('busy');
    expect(raw).toBeInstanceOf(SoapFaultDetails);
    const error = normalizeEwsError(raw);
    expect(error).toMatchObject({ code: 'EXCHANGE_THROTTLED', retryAfterMs: 2500, retryable: true });
    expect(error.details).toEqual({ ewsResponseCode: 'ErrorServerBusy', httpStatus: 500, backOffMilliseconds: 2500 });
  });

  it('an answer slower than the deadline → EXCHANGE_UNAVAILABLE "timeout", well before the server answers', async () => {
    const started = Date.now();
    const raw = await rejection('slow');
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(raw).toBeInstanceOf(SoapFaultDetails);
    expect(raw).not.toHaveProperty('HttpStatusCode', expect.any(Number));
    const error = normalizeEwsError(raw);
    expect(error).toMatchObject({
      code: 'EXCHANGE_UNAVAILABLE',
      retryable: true,
      message: `timeout: EWS request exceeded ${TIMEOUT_MS} ms`,
    });
    expect(error.details).toEqual({});
  });

  it('an answer beyond the size cap → EXCHANGE_UNAVAILABLE naming the cap', async () => {
    const error = normalizeEwsError(await rejection('big'));
    expect(error).toMatchObject({ code: 'EXCHANGE_UNAVAILABLE', retryable: true });
    expect(error.message).toContain(String(MAX_BYTES));
    expect(error.details).toEqual({});
  });

  it('the size cap counts the inflated answer, not the gzip on the wire', async () => {
    const error = normalizeEwsError(await rejection('gzip-bomb'));
    expect(error).toMatchObject({ code: 'EXCHANGE_UNAVAILABLE' });
    expect(error.message).toContain(String(MAX_BYTES));
  });

  it('a connection closed without an answer → EXCHANGE_UNAVAILABLE', async () => {
    const error = normalizeEwsError(await rejection('reset'));
    expect(error).toMatchObject({ code: 'EXCHANGE_UNAVAILABLE', retryable: true, message: 'socket hang up' });
  });

  it('a target the outbound policy refuses is never connected to', async () => {
    const previous = outboundPolicy();
    setOutboundPolicy({ mode: 'public', allowed: [], destinationsOnly: false });
    const before = sockets.size;
    try {
      const error = normalizeEwsError(await rejection('ok'));
      expect(error.message).toMatch(/refused by Tandem's outbound policy \(plain http; use https\)/);
      expect(sockets.size).toBe(before);
    } finally {
      setOutboundPolicy(previous);
    }
  });
});

describe('EWS transport: answers', () => {
  it('reads a gzip answer (the library asks for gzip) and keeps one connection for consecutive calls', async () => {
    server.closeAllConnections();
    const s = service();
    mode = 'gzip';
    const first = await Item.Bind(s, new ItemId('AAMkItem'), PropertySet.IdOnly);
    expect(first.Id.UniqueId).toBe('AAMkItem');
    mode = 'ok';
    for (let i = 0; i < 5; i++) await Item.Bind(s, new ItemId('AAMkItem'), PropertySet.IdOnly);
    expect(sockets.size).toBe(1);
  });
});
