import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { Redis } from 'ioredis';
import { createEwsConnector } from '../../../src/connectors/exchange/ews/ews-connector.js';
import { createEwsTransport } from '../../../src/connectors/exchange/ews/transport.js';
import { isTandemError } from '../../../src/errors/tandem-error.js';

/** Type 2 (challenge) message from the NTLM specification examples (domain "DOMAIN", server "SERVER"). */
const TYPE2 =
  'TlRMTVNTUAACAAAADAAMADAAAAA1goniASNFZ4mrze8AAAAAAAAAAGIAYgA8AAAARABPAE0AQQBJAE4AAgAMAEQATwBNAEEASQBOAAEADABTAEUAUgBWAEUAUgAEABQAZABvAG0AYQBpAG4ALgBjAG8AbQADACIAcwBlAHIAdgBlAHIALgBkAG8AbQBhAGkAbgAuAGMAbwBtAAAAAAA=';

const GET_FOLDER_OK = `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>
<m:GetFolderResponse xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">
<m:ResponseMessages><m:GetFolderResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:Folders>
<t:CalendarFolder><t:FolderId Id="AAMkCal" ChangeKey="AgAAAA=="/></t:CalendarFolder></m:Folders></m:GetFolderResponseMessage>
</m:ResponseMessages></m:GetFolderResponse></s:Body></s:Envelope>`;

let server: Server;
let url: string;
const authorizations: string[] = [];
/** The client port of each request's connection, in the order of `authorizations`. */
const ports: number[] = [];
const seen: Array<{ anchor: string | undefined; body: string }> = [];
let delayMs = 0;

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      seen.push({
        anchor: req.headers['x-anchormailbox'] as string | undefined,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const auth = req.headers.authorization ?? '';
      authorizations.push(auth);
      ports.push(req.socket.remotePort ?? 0);
      if (/^NTLM TlRMTVNTUAAB/.test(auth)) {
        res.writeHead(401, { 'WWW-Authenticate': `NTLM ${TYPE2}` });
        res.end();
        return;
      }
      if (auth.startsWith('Basic ') || /^NTLM TlRMTVNTUAAD/.test(auth)) {
        setTimeout(() => {
          res.writeHead(200, { 'Content-Type': 'text/xml; charset=utf-8' });
          res.end(GET_FOLDER_OK);
        }, delayMs);
        return;
      }
      res.writeHead(401, { 'WWW-Authenticate': 'NTLM' });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/EWS/Exchange.asmx`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** The semaphore is not under test here: a Redis stand-in that always grants the slot. */
const redis = { tandemSemaphoreAcquire: async () => 0, tandemSemaphoreRelease: async () => 0 } as unknown as Redis;

function connector(auth: 'basic' | 'ntlm', timeoutMs = 5_000, serverVersion = 'Exchange2016') {
  return createEwsConnector(
    {
      kind: 'ews-onprem',
      id: 'env-t',
      tenantId: 't',
      maxConcurrency: 2,
      ews: { url, auth, username: 'svc-tandem', domain: 'CONTOSO', password: 'pw', impersonation: true, serverVersion },
    },
    { redis, keyPrefix: 'unused', timeoutMs, retry: { maxAttempts: 1 }, logger: pino({ level: 'silent' }) },
  );
}

describe('EWS transport', () => {
  it('authenticates with NTLM (type 1 → challenge → type 3), both legs on one connection', async () => {
    authorizations.length = 0;
    ports.length = 0;
    const steps = await connector('ntlm').testConnection({ smtpAddress: 'alice@demo.example' });
    expect(steps.map((s) => s.ok)).toEqual([true, true, true]);
    expect(authorizations.some((a) => a.startsWith('Basic'))).toBe(false);
    // NTLM authenticates the connection: each type 3 must follow its type 1 on the same socket.
    const kinds = authorizations.map((a) =>
      a.startsWith('NTLM TlRMTVNTUAAB') ? 1 : a.startsWith('NTLM TlRMTVNTUAAD') ? 3 : 0,
    );
    expect(kinds).toEqual([1, 3, 1, 3, 1, 3]);
    for (let i = 0; i < kinds.length; i += 2) expect(ports[i + 1]).toBe(ports[i]);
  });

  it('sends RequestServerVersion from the environment, impersonation by SMTP address and X-AnchorMailbox on every request', async () => {
    seen.length = 0;
    await connector('basic', 5_000, 'Exchange2013_SP1').testConnection({ smtpAddress: 'bob@demo.example' });
    const soap = seen.filter((request) => request.body.includes('soap:Envelope'));
    expect(soap.length).toBe(3);
    expect(soap.every((request) => request.anchor === 'bob@demo.example')).toBe(true);
    expect(soap.every((request) => request.body.includes('<t:RequestServerVersion Version="Exchange2013_SP1">'))).toBe(
      true,
    );
    // The first step authenticates as the service account itself; the others impersonate the mailbox.
    expect(soap.map((request) => request.body.includes('<t:SmtpAddress>bob@demo.example</t:SmtpAddress>'))).toEqual([
      false,
      true,
      true,
    ]);
  });

  it('refuses NTLM together with an extra CA as a configuration error', () => {
    try {
      createEwsTransport({
        timeoutMs: 1_000,
        caCertificate: '-----BEGIN CERTIFICATE-----',
        auth: { kind: 'ntlm', username: 'u', password: 'p' },
      });
      throw new Error('expected a failure');
    } catch (error) {
      expect(isTandemError(error, 'CONFIG_INVALID')).toBe(true);
    }
  });

  it('applies the per-request timeout that ExchangeService.Timeout would not', async () => {
    delayMs = 10_000;
    try {
      const started = Date.now();
      const steps = await connector('basic', 200).testConnection({ smtpAddress: 'alice@demo.example' });
      expect(steps[0]).toMatchObject({ step: 'authenticate', ok: false });
      expect(steps[0]!.message).toMatch(/could not be reached/);
      // Far below the server's 10 s: the transport gave up, not the server.
      expect(Date.now() - started).toBeLessThan(8_000);
    } finally {
      delayMs = 0;
    }
  });
});
