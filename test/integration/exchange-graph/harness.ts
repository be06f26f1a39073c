import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { createGraphConnector, type GraphConnectorDeps } from '../../../src/connectors/exchange/graph/index.js';
import type {
  ExchangeEnvironmentConfig,
  MailboxConnector,
} from '../../../src/connectors/exchange/mailbox-connector.js';
import { afterAll, beforeAll } from 'vitest';
import {
  startGraphEmulator,
  type GraphEmulator,
  type GraphEmulatorOptions,
} from '../../../src/emulators/graph/index.js';
import { uniqueRedisPrefix } from '../../support/database.js';

export type GraphEnv = Extract<ExchangeEnvironmentConfig, { kind: 'graph' }>;

export function graphEnv(emu: GraphEmulator, overrides: Partial<GraphEnv['graph']> = {}): GraphEnv {
  return {
    kind: 'graph',
    id: `env-${randomBytes(4).toString('hex')}`,
    tenantId: 't1',
    maxConcurrency: 8,
    graph: {
      baseUrl: `${emu.httpsUrl}/v1.0`,
      directoryId: 'contoso.example',
      clientId: 'demo-client',
      clientSecret: 'demo-secret',
      authorityHost: emu.httpsUrl,
      caCertificate: emu.caCertificatePem,
      ...overrides,
    },
  };
}

export function connectorFor(
  emu: GraphEmulator,
  redis: Redis,
  deps: Partial<GraphConnectorDeps> = {},
  overrides: Partial<GraphEnv['graph']> = {},
): MailboxConnector {
  return createGraphConnector(graphEnv(emu, overrides), { redis, keyPrefix: uniqueRedisPrefix('graph'), ...deps });
}

export function newRedis(): Redis {
  return new Redis('redis://127.0.0.1:6379', { lazyConnect: false, maxRetriesPerRequest: 3 });
}

/** A webhook receiver that answers Graph's validation handshake and records what arrives. */
export async function startReceiver(options: { failFirst?: number } = {}): Promise<{
  url: string;
  received: Array<{ path: string; body: unknown }>;
  validations: number;
  close(): Promise<void>;
}> {
  const state = {
    received: [] as Array<{ path: string; body: unknown }>,
    validations: 0,
    failuresLeft: options.failFirst ?? 0,
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const token = url.searchParams.get('validationToken');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (token !== null) {
        state.validations++;
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(token);
        return;
      }
      if (state.failuresLeft > 0) {
        state.failuresLeft--;
        res.writeHead(500);
        res.end();
        return;
      }
      state.received.push({ path: url.pathname, body: JSON.parse(Buffer.concat(chunks).toString() || '{}') });
      res.writeHead(202);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    received: state.received,
    get validations() {
      return state.validations;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export async function waitFor<T>(fn: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('waitFor timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A Graph emulator, a Redis client and a connector for one test file: started before its tests, stopped after. */
export function useGraphConnector(options: GraphEmulatorOptions = {}): {
  readonly emu: GraphEmulator;
  readonly redis: Redis;
  readonly connector: MailboxConnector;
} {
  const fixture = {} as { emu: GraphEmulator; connector: MailboxConnector; redis: Redis };
  beforeAll(async () => {
    fixture.emu = await startGraphEmulator({ port: 0, ...options });
    fixture.redis = newRedis();
    fixture.connector = connectorFor(fixture.emu, fixture.redis);
  });
  afterAll(async () => {
    await fixture.connector.close();
    await fixture.emu.close();
    fixture.redis.disconnect();
  });
  return fixture;
}
