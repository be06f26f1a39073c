import { webcrypto } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { applySdkPatches, syncHashCacheKey } from '../../../src/connectors/s4/sdk-patches.js';

/**
 * The Cloud SDK patches change what a request costs, not what the SDK does: the agent cache keys
 * stay the SDK's own, and its loggers write exactly the entries they wrote before.
 */
const require = createRequire(import.meta.url);
const connectivityDir = path.dirname(require.resolve('@sap-cloud-sdk/connectivity/package.json'));
const utilDir = path.dirname(require.resolve('@sap-cloud-sdk/util/package.json', { paths: [connectivityDir] }));
const { stringify } = require(require.resolve('safe-stable-stringify', { paths: [connectivityDir] })) as {
  stringify: (value: unknown) => string;
};

interface SdkLogger {
  debug(message: string): void;
  info(message: string): void;
  add(transport: unknown): void;
  clear(): void;
}
const util = require(utilDir) as {
  createLogger(context: { package: string; messageContext: string; format?: unknown }): SdkLogger;
  setLogLevel(level: string, context: string): void;
};
const winston = require(require.resolve('winston', { paths: [utilDir] })) as {
  format: (transform: (info: Record<string, unknown>) => Record<string, unknown>) => () => unknown;
  transports: { Stream: new (options: { stream: Writable }) => unknown };
};

afterAll(() => util.setLogLevel('info', 'tandem-sdk-patches-test'));

describe('Cloud SDK patches', () => {
  it('agent cache keys: the same SHA-256 hex the SDK computes with WebCrypto', async () => {
    const hash = syncHashCacheKey(stringify);
    const samples: unknown[] = [
      { protocol: 'https', options: { rejectUnauthorized: true }, agentOptions: undefined },
      { protocol: 'http', options: {}, target: 'http://s4.example:8000', proxyAuth: { tenantId: 'ü-tenant' } },
      { b: [1, 2, { c: null }], a: 'x' },
    ];
    for (const value of samples) {
      const digest = await webcrypto.subtle.digest('SHA-256', new TextEncoder().encode(stringify(value)));
      expect(await hash(value)).toBe(Buffer.from(digest).toString('hex'));
    }
  });

  it('the SDK uses the patched key: the hash happens synchronously inside the agent lookup', async () => {
    applySdkPatches();
    const cache = require(path.join(connectivityDir, 'dist/scp-cf/cache.js')) as {
      hashCacheKey: (value: unknown) => Promise<string>;
    };
    expect(cache.hashCacheKey.toString()).toContain('createHash');
  });

  it('SDK loggers skip formatting entries below their level and still write the others', () => {
    applySdkPatches();
    let formatted = 0;
    const counting = winston.format((info) => {
      formatted++;
      return info;
    });
    const logger = util.createLogger({
      package: 'test',
      messageContext: 'tandem-sdk-patches-test',
      format: counting(),
    });
    const written: string[] = [];
    logger.clear();
    logger.add(
      new winston.transports.Stream({
        stream: new Writable({
          objectMode: true,
          write(chunk: { message: string }, _encoding, callback) {
            written.push(chunk.message);
            callback();
          },
        }),
      }),
    );

    logger.debug('below the level');
    expect(formatted).toBe(0);
    logger.info('at the level');
    expect(formatted).toBe(1);

    util.setLogLevel('debug', 'tandem-sdk-patches-test');
    logger.debug('now enabled');
    expect(formatted).toBe(2);
    expect(written).toEqual(['at the level', 'now enabled']);
  });
});
