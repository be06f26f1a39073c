import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ews from 'ews-javascript-api';
import { normalizeEwsError } from '../../../src/connectors/exchange/ews/normalize-ews-error.js';
import { backOff, fault } from './ews-faults.js';
import { TandemError } from '../../../src/errors/tandem-error.js';

/**
 * The error objects are produced by ews-javascript-api itself: a tiny HTTP server answers with the
 * SOAP faults, response messages and HTTP statuses Exchange sends, and the real library turns
 * them into whatever it rejects with (SoapFaultDetails, ServiceResponseException, …).
 */
let server: Server;
let url: string;
let next: { status: number; body: string; headers?: Record<string, string> } = { status: 200, body: '' };

const responseMessage = (code: string, text: string, messageXml = '') => `<?xml version="1.0" encoding="utf-8"?>
<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>
<m:GetItemResponse xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">
<m:ResponseMessages><m:GetItemResponseMessage ResponseClass="Error"><m:MessageText>${text}</m:MessageText>
<m:ResponseCode>${code}</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>${messageXml}<m:Items/>
</m:GetItemResponseMessage></m:ResponseMessages></m:GetItemResponse></s:Body></s:Envelope>`;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(next.status, { 'Content-Type': 'text/xml; charset=utf-8', ...next.headers });
      res.end(next.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/EWS/Exchange.asmx`;
});
afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

function service(target = url) {
  const s = new ews.ExchangeService(ews.ExchangeVersion.Exchange2016);
  s.Url = new ews.Uri(target);
  s.Credentials = new ews.WebCredentials('svc', 'pw');
  s.XHRApi = new ews.XhrApi({ timeout: 2_000 });
  return s;
}

/** What the library rejects with for a GetItem answered with `answer`. */
async function rejection(answer: typeof next, target?: string): Promise<unknown> {
  next = answer;
  try {
    await ews.Item.Bind(service(target), new ews.ItemId('AAMkAD='), ews.PropertySet.IdOnly);
  } catch (error) {
    return error;
  }
  throw new Error('expected the library to reject');
}

describe('normalizeEwsError with what ews-javascript-api really rejects with', () => {
  it('ErrorServerBusy SOAP fault → EXCHANGE_THROTTLED with BackOffMilliseconds', async () => {
    const raw = await rejection({
      status: 500,
      body: fault('ErrorServerBusy', 'The server cannot service this request right now.', backOff(2500)),
    });
    expect(raw).toBeInstanceOf(ews.SoapFaultDetails);
    expect(raw).not.toBeInstanceOf(Error);
    const error = normalizeEwsError(raw);
    expect(error).toBeInstanceOf(TandemError);
    expect(error).toMatchObject({ code: 'EXCHANGE_THROTTLED', retryAfterMs: 2500, retryable: true });
    expect(error.details).toMatchObject({ ewsResponseCode: 'ErrorServerBusy', httpStatus: 500 });
    expect(error.cause).toBe(raw);
  });

  it('ErrorServerBusy as a response message → EXCHANGE_THROTTLED with BackOffMilliseconds', async () => {
    const raw = await rejection({ status: 200, body: responseMessage('ErrorServerBusy', 'busy', backOff(700)) });
    expect(raw).toBeInstanceOf(ews.ServiceResponseException);
    expect(normalizeEwsError(raw)).toMatchObject({ code: 'EXCHANGE_THROTTLED', retryAfterMs: 700 });
  });

  it.each([
    ['ErrorIrresolvableConflict', 'EXCHANGE_CONFLICT'],
    ['ErrorChangeKeyRequiredForWriteOperations', 'EXCHANGE_CONFLICT'],
    ['ErrorItemNotFound', 'EXCHANGE_ITEM_NOT_FOUND'],
    ['ErrorAccessDenied', 'EXCHANGE_FORBIDDEN'],
    ['ErrorInvalidSyncStateData', 'EXCHANGE_INVALID_SYNC_STATE'],
    ['ErrorInvalidWatermark', 'EXCHANGE_INVALID_WATERMARK'],
    ['ErrorSubscriptionNotFound', 'EXCHANGE_SUBSCRIPTION_NOT_FOUND'],
    ['ErrorNonExistentMailbox', 'EXCHANGE_MAILBOX_NOT_FOUND'],
    ['ErrorInvalidPropertySet', 'EXCHANGE_BAD_REQUEST'],
  ])('response message %s → %s', async (code, expected) => {
    const raw = await rejection({ status: 200, body: responseMessage(code, `${code} text`) });
    expect(raw).toBeInstanceOf(ews.ServiceResponseException);
    const error = normalizeEwsError(raw);
    expect(error.code).toBe(expected);
    expect(error.details?.ewsResponseCode).toBe(code);
  });

  it.each([
    ['ErrorImpersonateUserDenied', 'EXCHANGE_IMPERSONATION_DENIED'],
    ['ErrorImpersonationDenied', 'EXCHANGE_IMPERSONATION_DENIED'],
    ['ErrorNonExistentMailbox', 'EXCHANGE_MAILBOX_NOT_FOUND'],
    ['ErrorInvalidSyncStateData', 'EXCHANGE_INVALID_SYNC_STATE'],
    ['ErrorInternalServerError', 'EXCHANGE_UNAVAILABLE'],
    ['ErrorSchemaValidation', 'EXCHANGE_BAD_REQUEST'],
  ])('SOAP fault %s → %s', async (code, expected) => {
    const raw = await rejection({ status: 500, body: fault(code, `${code} text`) });
    expect(raw).toBeInstanceOf(ews.SoapFaultDetails);
    expect(normalizeEwsError(raw).code).toBe(expected);
  });

  it('HTTP 401 → EXCHANGE_UNAUTHORIZED', async () => {
    const raw = await rejection({ status: 401, body: '', headers: { 'WWW-Authenticate': 'Basic realm="ex"' } });
    expect(normalizeEwsError(raw)).toMatchObject({ code: 'EXCHANGE_UNAUTHORIZED', retryable: false });
  });

  it.each([502, 503, 504])('HTTP %i without SOAP → EXCHANGE_UNAVAILABLE', async (status) => {
    const raw = await rejection({ status, body: '<html>proxy error</html>' });
    expect(normalizeEwsError(raw)).toMatchObject({ code: 'EXCHANGE_UNAVAILABLE', retryable: true });
  });

  it('HTTP 200 with something that is not SOAP (a proxy page) → EXCHANGE_UNAVAILABLE', async () => {
    const raw = await rejection({ status: 200, body: '<html><body>Please sign in</body></html>' });
    expect(normalizeEwsError(raw).code).toBe('EXCHANGE_UNAVAILABLE');
  });

  it('connection refused and timeouts → EXCHANGE_UNAVAILABLE', async () => {
    const refused = await rejection({ status: 200, body: '' }, 'http://127.0.0.1:9/EWS/Exchange.asmx');
    expect(normalizeEwsError(refused).code).toBe('EXCHANGE_UNAVAILABLE');
    const slow = createServer(() => undefined);
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', () => resolve()));
    try {
      const s = service(`http://127.0.0.1:${(slow.address() as AddressInfo).port}/EWS/Exchange.asmx`);
      s.XHRApi = new ews.XhrApi({ timeout: 200 });
      const raw = await ews.Item.Bind(s, new ews.ItemId('AAMkAD='), ews.PropertySet.IdOnly).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(normalizeEwsError(raw).code).toBe('EXCHANGE_UNAVAILABLE');
    } finally {
      slow.closeAllConnections();
      await new Promise<void>((resolve) => slow.close(() => resolve()));
    }
  });

  it('passes TandemErrors through and maps plain values', () => {
    const own = new TandemError('EXCHANGE_CONFLICT', 'x');
    expect(normalizeEwsError(own)).toBe(own);
    expect(normalizeEwsError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })).code).toBe(
      'EXCHANGE_UNAVAILABLE',
    );
    expect(normalizeEwsError('weird').code).toBe('INTERNAL');
  });
});
