import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readVcapServices } from '../../../src/config/vcap.js';
import { registryStatusReporter } from '../../../src/tenants/registry-status.js';

/**
 * A saas-registry binding with X.509 credentials (credential-type x509: `certificate`, `key`,
 * `certurl`) instead of a client secret: the status report's token is fetched with mutual TLS at
 * certurl (xssec's XsuaaService), and the certificate the token endpoint sees is the binding's.
 */
function selfSigned(dir: string, name: string): { key: string; cert: string } {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      join(dir, `${name}.key`),
      '-out',
      join(dir, `${name}.pem`),
      '-days',
      '1',
      '-subj',
      `/CN=${name}`,
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(join(dir, `${name}.key`), 'utf8'), cert: readFileSync(join(dir, `${name}.pem`), 'utf8') };
}

let tokenServer: https.Server;
let registry: http.Server;
let certUrl: string;
let registryUrl: string;
let client: { key: string; cert: string };
const presented: string[] = [];
const reports: Array<{ authorization: string | undefined; body: unknown }> = [];
const savedRejectUnauthorized = process.env.NODE_TLS_REJECT_UNAUTHORIZED;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-x509-'));
  const server = selfSigned(dir, 'token-endpoint');
  client = selfSigned(dir, 'sb-registry-x509');
  rmSync(dir, { recursive: true, force: true });
  tokenServer = https.createServer({ ...server, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const peer = (req.socket as TLSSocket).getPeerCertificate();
    if (!peer?.fingerprint256) {
      res.writeHead(401).end();
      return;
    }
    presented.push(peer.fingerprint256);
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ access_token: 'x509-token', token_type: 'bearer', expires_in: 3600 }));
  });
  await new Promise<void>((resolve) => tokenServer.listen(0, '127.0.0.1', resolve));
  certUrl = `https://127.0.0.1:${(tokenServer.address() as AddressInfo).port}`;
  registry = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      reports.push({ authorization: req.headers.authorization, body: JSON.parse(body) });
      res.end();
    });
  });
  await new Promise<void>((resolve) => registry.listen(0, '127.0.0.1', resolve));
  registryUrl = `http://127.0.0.1:${(registry.address() as AddressInfo).port}`;
  // xssec builds its own mTLS agent (no CA option): trust the throwaway token endpoint for this file only.
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
});

afterAll(() => {
  if (savedRejectUnauthorized === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
  else process.env.NODE_TLS_REJECT_UNAUTHORIZED = savedRejectUnauthorized;
  tokenServer?.close();
  registry?.close();
});

describe('SaaS registry binding with X.509 credentials', () => {
  it("parses the binding and reports with a token fetched by mutual TLS with the binding's certificate", async () => {
    const bindings = readVcapServices(
      JSON.stringify({
        'saas-registry': [
          {
            label: 'saas-registry',
            name: 'tandem-registry',
            tags: [],
            credentials: {
              appName: 'tandem',
              saas_registry_url: registryUrl,
              clientid: 'sb-registry-x509',
              certificate: client.cert,
              key: client.key,
              certurl: certUrl,
              url: 'https://unused.example',
              uaadomain: '127.0.0.1',
              xsappname: 'registry!b1',
              'credential-type': 'x509',
            },
          },
        ],
      }),
    );
    await registryStatusReporter(bindings.saasRegistry)('/api/v2.0/subscription/7/status', {
      status: 'SUCCEEDED',
      message: 'ok',
    });
    expect(presented).toEqual([new X509Certificate(client.cert).fingerprint256]);
    expect(reports).toEqual([{ authorization: 'Bearer x509-token', body: { status: 'SUCCEEDED', message: 'ok' } }]);
  });

  it('refuses a binding with a certificate but no certurl, or a certificate without its key', () => {
    const binding = (credentials: Record<string, unknown>) =>
      JSON.stringify({ 'saas-registry': [{ label: 'saas-registry', name: 'r', tags: [], credentials }] });
    expect(() => readVcapServices(binding({ clientid: 'c', certificate: client.cert, key: client.key }))).toThrow(
      /certurl/,
    );
    expect(() => readVcapServices(binding({ clientid: 'c', certificate: client.cert, certurl: certUrl }))).toThrow(
      /certificate and key/,
    );
  });
});
