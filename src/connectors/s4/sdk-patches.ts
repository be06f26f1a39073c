import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * Two narrow fixes to the SAP Cloud SDK's per-request cost (4.x), applied once when the S/4
 * connector loads. Neither changes what the SDK does, only what it costs; the sync bench's
 * profile of the S/4 read showed both in every request (docs/benchmarks.md, 2026-12-03).
 *
 * 1. Agent cache key: `executeHttpRequest` derives an http(s) agent for the destination on every
 *    request and looks it up in its agent cache under a SHA-256 of the destination's options. The
 *    SDK hashes with WebCrypto (`crypto.subtle.digest`), an asynchronous job on the thread pool
 *    whose set-up and promise cost ~13 % of the S/4 client's CPU per read. The same SHA-256 hex of
 *    the same text, computed synchronously with node:crypto, gives the same keys.
 *
 * 2. Disabled log levels: the SDK logs at debug on every request (the request line and its
 *    sanitised headers, header merging, agent creation). winston runs a logger's format — the
 *    SDK's timestamps, JSON or colours — before its transports drop the entry for its level, so a
 *    debug entry that is never written still costs its formatting (~7 % per read). The SDK's
 *    loggers now drop an entry whose level no transport would write before formatting it. What is
 *    written is unchanged, also after `setLogLevel` / `SAP_CLOUD_SDK_LOG_LEVEL` (checked per entry).
 */
const require = createRequire(import.meta.url);

const LEVEL = Symbol.for('level');

interface WinstonLogger {
  write(chunk: unknown, ...rest: unknown[]): boolean;
  isLevelEnabled(level: string): boolean;
  levels: Record<string, number>;
  __tandemPatched?: boolean;
}

export function applySdkPatches(): void {
  patchAgentCacheKey();
  patchDisabledLevels();
}

/** The folder of a package as the SDK resolves it (its modules are reached past the `exports` map). */
function packageDir(pkg: string, from?: string): string {
  return path.dirname(require.resolve(`${pkg}/package.json`, from ? { paths: [from] } : undefined));
}

/** The SDK's own key: SHA-256 hex of safe-stable-stringify's text of the value. */
export function syncHashCacheKey(stringify: (value: unknown) => string | undefined) {
  return async (value: unknown): Promise<string> =>
    createHash('sha256')
      .update(stringify(value) ?? '')
      .digest('hex');
}

function patchAgentCacheKey(): void {
  const cacheFile = path.join(packageDir('@sap-cloud-sdk/connectivity'), 'dist/scp-cf/cache.js');
  const cache = require(cacheFile) as { hashCacheKey: (value: unknown) => Promise<string>; __tandemPatched?: boolean };
  if (cache.__tandemPatched) return;
  const { stringify } = require(require.resolve('safe-stable-stringify', { paths: [path.dirname(cacheFile)] })) as {
    stringify: (value: unknown) => string | undefined;
  };
  cache.hashCacheKey = syncHashCacheKey(stringify);
  cache.__tandemPatched = true;
}

function patchDisabledLevels(): void {
  const utilDir = packageDir('@sap-cloud-sdk/util', packageDir('@sap-cloud-sdk/connectivity'));
  const loggerFile = require.resolve('winston/lib/winston/logger.js', { paths: [utilDir] });
  const Logger = require(loggerFile) as { prototype: WinstonLogger };
  const prototype = Logger.prototype;
  if (prototype.__tandemPatched) return;
  const write = prototype.write;
  prototype.write = function writeEnabled(this: WinstonLogger, chunk: unknown, ...rest: unknown[]): boolean {
    const level = (chunk as { [LEVEL]?: unknown } | null)?.[LEVEL];
    if (typeof level === 'string' && level in this.levels && !this.isLevelEnabled(level)) {
      const callback = rest.find((arg): arg is () => void => typeof arg === 'function');
      if (callback) process.nextTick(callback);
      return true;
    }
    return write.call(this, chunk, ...rest);
  };
  prototype.__tandemPatched = true;
}
