import { AsyncLocalStorage } from 'node:async_hooks';
import { pino, type Logger, type LoggerOptions } from 'pino';

/** What a log line says about where it came from; set once per request or job. */
export interface LogContext {
  tenantId?: string;
  correlationId?: string;
  jobId?: string;
  requestId?: string;
}

const contextStorage = new AsyncLocalStorage<LogContext>();

/** Runs `fn` with these keys on every log line written inside it (also across awaits). */
export function withLogContext<T>(context: LogContext, fn: () => T): T {
  const merged = { ...contextStorage.getStore(), ...context };
  return contextStorage.run(merged, fn);
}

export function currentLogContext(): LogContext {
  return contextStorage.getStore() ?? {};
}

/**
 * Paths pino blanks out. Secrets have many spellings across SOAP, OData, OAuth and our own
 * config, so both exact keys and wildcard paths are listed; a test greps captured logs for leaks.
 */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  '*.*.password',
  'secret',
  '*.secret',
  '*.*.secret',
  'clientSecret',
  '*.clientSecret',
  '*.*.clientSecret',
  'client_secret',
  '*.client_secret',
  'token',
  '*.token',
  'accessToken',
  '*.accessToken',
  '*.*.accessToken',
  'access_token',
  '*.access_token',
  'refreshToken',
  '*.refreshToken',
  'privateKey',
  '*.privateKey',
  '*.*.privateKey',
  'certificate',
  '*.certificate',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.Authorization',
  'headers["x-csrf-token"]',
  'csrfToken',
  '*.csrfToken',
  'callbackSecret',
  '*.callbackSecret',
  'secretKey',
  '*.secretKey',
];

export function createLogger(
  options: { level?: string; name?: string; destination?: pino.DestinationStream } = {},
): Logger {
  const config: LoggerOptions = {
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    base: { service: options.name ?? 'tandem' },
    timestamp: pino.stdTimeFunctions.isoTime,
    messageKey: 'msg',
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
    // Context keys go top-level so Cloud Logging can filter on them without parsing messages.
    mixin: () => ({ ...contextStorage.getStore() }),
    serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
  };
  return options.destination ? pino(config, options.destination) : pino(config);
}

/** The process-wide logger. Modules take a child of it rather than creating their own. */
export const logger: Logger = createLogger();
export type { Logger };
