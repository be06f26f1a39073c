import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, outboundPolicyOf } from '../../../src/config/config.js';
import {
  TARGET_REFUSED,
  guardedHttpAgent,
  guardedHttpsAgent,
  isTargetRefused,
  parseAllowedTargets,
  refusedAddress,
  urlProblem,
  type OutboundPolicy,
} from '../../../src/security/outbound.js';

const strict: OutboundPolicy = { mode: 'public', allowed: [], destinationsOnly: false };
const dev: OutboundPolicy = { mode: 'dev', allowed: [], destinationsOnly: false };

describe('outbound policy: addresses', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fc00::1', 'uniqueLocal'],
    ['fd12:3456::1', 'uniqueLocal'],
    ['fe80::1', 'linkLocal'],
    ['ff02::1', 'multicast'],
    // IPv4-mapped IPv6 forms of refused addresses, dotted and hex.
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:a9fe:a9fe', 'linkLocal'],
    ['::ffff:10.0.0.1', 'private'],
  ])('refuses %s (%s) outside dev mode', (address, range) => {
    expect(refusedAddress(address, { host: 'x.example' }, strict)).toBe(`${range} address`);
    expect(refusedAddress(address, { host: 'x.example' }, dev)).toBeUndefined();
  });

  it.each(['8.8.8.8', '20.190.160.1', '2603:1026::1', '::ffff:8.8.8.8'])('allows the public address %s', (address) => {
    expect(refusedAddress(address, { host: 'x.example' }, strict)).toBeUndefined();
  });

  it('allows what TANDEM_ALLOWED_TARGETS lists: host names (with or without port) and CIDR ranges', () => {
    const policy: OutboundPolicy = {
      ...strict,
      allowed: parseAllowedTargets('exchange.corp.local:443, mail.intra, 10.20.0.0/16, fd00:1::/64, [fd00::9]:8443'),
    };
    expect(refusedAddress('10.9.9.9', { host: 'exchange.corp.local', port: 443 }, policy)).toBeUndefined();
    expect(refusedAddress('10.9.9.9', { host: 'EXCHANGE.corp.local.', port: 443 }, policy)).toBeUndefined();
    expect(refusedAddress('10.9.9.9', { host: 'exchange.corp.local', port: 8443 }, policy)).toBe('private address');
    expect(refusedAddress('192.168.0.5', { host: 'mail.intra', port: 1234 }, policy)).toBeUndefined();
    expect(refusedAddress('10.20.3.4', { host: 'any.example' }, policy)).toBeUndefined();
    expect(refusedAddress('10.21.3.4', { host: 'any.example' }, policy)).toBe('private address');
    expect(refusedAddress('fd00:1::5', { host: 'any.example' }, policy)).toBeUndefined();
    expect(refusedAddress('fd00::9', { host: 'fd00::9', port: 8443 }, policy)).toBeUndefined();
    expect(refusedAddress('169.254.169.254', { host: 'any.example' }, policy)).toBe('linkLocal address');
  });

  it('refuses a malformed allow-list at start-up', () => {
    expect(() => parseAllowedTargets('http://x.example')).toThrow(/TANDEM_ALLOWED_TARGETS/);
    expect(() => parseAllowedTargets('10.0.0.0/99')).toThrow(/TANDEM_ALLOWED_TARGETS/);
    expect(() => loadConfig({ AUTH_MODE: 'dev', TANDEM_ALLOWED_TARGETS: 'host:99999' })).toThrow(
      /TANDEM_ALLOWED_TARGETS/,
    );
  });

  it('is strict unless AUTH_MODE=dev, and destinations-only on Cloud Foundry', () => {
    expect(outboundPolicyOf({ authMode: 'dev', allowedTargets: [], onCloudFoundry: false }).mode).toBe('dev');
    expect(outboundPolicyOf({ authMode: 'xsuaa', allowedTargets: [], onCloudFoundry: false }).mode).toBe('public');
    expect(outboundPolicyOf({ authMode: 'xsuaa', allowedTargets: [], onCloudFoundry: true }).destinationsOnly).toBe(
      true,
    );
  });
});

describe('outbound policy: URLs an Admin enters', () => {
  it.each([
    ['http://mail.example.com/EWS/Exchange.asmx', 'must use https'],
    ['https://127.0.0.1/EWS/Exchange.asmx', 'loopback'],
    ['https://169.254.169.254/latest/meta-data', 'linkLocal'],
    ['https://[::ffff:127.0.0.1]:8443/', 'loopback'],
    ['https://[fd00::1]/', 'uniqueLocal'],
    ['https://localhost:8443/', 'this machine'],
    ['https://user:pw@mail.example.com/', 'credentials'],
  ])('refuses %s', (url, reason) => {
    expect(urlProblem(url, strict)).toContain(reason);
    expect(urlProblem(url, dev)).toBeUndefined();
  });

  it('accepts https to a name (resolved and checked when connecting)', () => {
    expect(urlProblem('https://outlook.office365.com/EWS/Exchange.asmx', strict)).toBeUndefined();
  });
});

describe('outbound policy: agents check the address they connect to', () => {
  let server: net.Server;
  let port: number;
  let connections = 0;
  beforeAll(async () => {
    server = net.createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function get(url: string, agent: https.Agent): Promise<Error> {
    return new Promise((resolve) => {
      const request = https.get(url, { agent }, () => resolve(new Error('unexpected answer')));
      request.on('error', resolve);
    });
  }

  it('refuses a name that resolves to loopback before any connection is made', async () => {
    connections = 0;
    const error = await get(
      `https://localhost:${port}/`,
      guardedHttpsAgent({}, () => strict),
    );
    expect((error as { code?: string }).code).toBe(TARGET_REFUSED);
    expect(isTargetRefused(error)).toBe(true);
    expect(connections).toBe(0);
  });

  it('refuses a literal loopback address and plain http', async () => {
    connections = 0;
    const literal = await get(
      `https://127.0.0.1:${port}/`,
      guardedHttpsAgent({}, () => strict),
    );
    expect(isTargetRefused(literal)).toBe(true);
    const plain = await new Promise<Error>((resolve) => {
      const request = http.get(`http://example.com/`, { agent: guardedHttpAgent({}, () => strict) }, () =>
        resolve(new Error('answer')),
      );
      request.on('error', resolve);
    });
    expect(isTargetRefused(plain)).toBe(true);
    expect(connections).toBe(0);
  });

  it('connects when the operator allowed the host (the TLS failure here proves the connection was made)', async () => {
    connections = 0;
    const policy: OutboundPolicy = { ...strict, allowed: parseAllowedTargets(`localhost:${port}`) };
    const error = await get(
      `https://localhost:${port}/`,
      guardedHttpsAgent({}, () => policy),
    );
    expect(isTargetRefused(error)).toBe(false);
    expect(connections).toBe(1);
  });
});

describe('outbound agents: idle keep-alive sockets', () => {
  // Node's http server closes an idle keep-alive connection after keepAliveTimeout and announces
  // it (`Keep-Alive: timeout=N`, RFC 9110 §7.6.1 / the Keep-Alive header of HTTP/1.1 practice).
  // A client that reuses the socket as the server closes it gets ECONNRESET on a write that must
  // not be retried; the agent must drop the socket first, one second before the announced time.
  let server: http.Server;
  let port: number;
  let serverSideClosed = 0;
  beforeAll(async () => {
    server = http.createServer((_req, res) => res.end('ok'));
    server.keepAliveTimeout = 3_000;
    server.on('connection', (socket) => socket.on('close', () => serverSideClosed++));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('closes an idle socket before the server announced it would (timeout=3 → gone within ~2 s)', async () => {
    const agent = guardedHttpAgent({ keepAlive: true }, () => dev);
    const answer = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http
        .get(`http://127.0.0.1:${port}/`, { agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(res));
        })
        .on('error', reject);
    });
    expect(answer.headers['keep-alive']).toBe('timeout=3');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(Object.values(agent.freeSockets).flat()).toHaveLength(1);
    serverSideClosed = 0;
    // After 2.5 s: past the client's limit (3 s announced less 1 s), before the server's own 3 s.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(Object.values(agent.freeSockets).flat()).toHaveLength(0);
    expect(serverSideClosed).toBe(1);
    agent.destroy();
  });
});
