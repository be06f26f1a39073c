import { Redis } from 'ioredis';
import { startEwsEmulator, type EwsEmulator } from '../../../src/emulators/ews/index.js';
import { createEwsConnector, type EwsConnectorDeps } from '../../../src/connectors/exchange/ews/ews-connector.js';
import type { EwsEnvironment } from '../../../src/connectors/exchange/ews/service-factory.js';
import type { MailboxConnector } from '../../../src/connectors/exchange/mailbox-connector.js';
import { uniqueRedisPrefix } from '../../support/database.js';
import { NodeXhrApi } from '../../../src/connectors/exchange/ews/node-xhr.js';

export const ALICE = { smtpAddress: 'alice@demo.example' };
export const BOB = { smtpAddress: 'bob@demo.example' };

export interface Harness {
  emulator: EwsEmulator;
  redis: Redis;
  prefix: string;
  connector(
    overrides?: Partial<EwsEnvironment['ews']> & { maxConcurrency?: number },
    deps?: Partial<EwsConnectorDeps>,
    redis?: Redis,
  ): MailboxConnector;
  onPrem(
    overrides?: Partial<Extract<EwsEnvironment, { kind: 'ews-onprem' }>['ews']>,
  ): Extract<EwsEnvironment, { kind: 'ews-onprem' }>;
  close(): Promise<void>;
}

export async function startHarness(label: string): Promise<Harness> {
  const emulator = await startEwsEmulator({ port: 0, log: false });
  const redis = new Redis('redis://127.0.0.1:6379');
  const prefix = uniqueRedisPrefix(label);
  const connectors: MailboxConnector[] = [];
  const onPrem = (overrides = {}) => ({
    kind: 'ews-onprem' as const,
    id: `env-${label}`,
    tenantId: 'demo',
    maxConcurrency: 8,
    ews: {
      url: emulator.ewsUrl,
      auth: 'basic' as const,
      username: 'svc@demo.example',
      password: 'demo-password',
      impersonation: true,
      serverVersion: 'Exchange2016',
      ...overrides,
    },
  });
  return {
    emulator,
    redis,
    prefix,
    onPrem,
    connector(overrides = {}, deps = {}, client = redis) {
      const { maxConcurrency, ...ews } = overrides as { maxConcurrency?: number };
      const env = onPrem(ews as never);
      if (maxConcurrency !== undefined) env.maxConcurrency = maxConcurrency;
      const connector = createEwsConnector(env, {
        redis: client,
        keyPrefix: prefix,
        retry: { baseDelayMs: 20, maxDelayMs: 200 },
        ...deps,
      });
      connectors.push(connector);
      return connector;
    },
    async close() {
      await Promise.all(connectors.map((c) => c.close()));
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
      await emulator.close();
    },
  };
}

export const stamp = (s4Key: string, hash = 'h1') => ({ s4Key, hash });

/**
 * Records every EWS request body and answer text that goes through the connectors' transport
 * (NodeXhrApi), until `restore`: what tests compare with ews-javascript-api's reading of the same answers.
 */
export function recordExchanges(): { exchanged: Array<{ request: string; answer: string }>; restore(): void } {
  const exchanged: Array<{ request: string; answer: string }> = [];
  const originalXhr = NodeXhrApi.prototype.xhr;
  NodeXhrApi.prototype.xhr = async function recorded(this: NodeXhrApi, request) {
    const answer = await originalXhr.call(this, request);
    exchanged.push({ request: request.data ?? '', answer: answer.responseText });
    return answer;
  };
  return {
    exchanged,
    restore: () => {
      NodeXhrApi.prototype.xhr = originalXhr;
    },
  };
}
