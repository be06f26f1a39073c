import { pino, type Logger } from 'pino';

/**
 * The emulators' own logger. They are a product of their own (customers run them for their tests)
 * and import nothing from the service, so they do not share the service's logger: same JSON lines
 * and level variable, a service name of their own, and the credentials the emulated protocols
 * carry blanked out.
 */
export const logger: Logger = pino({
  level: process.env.LOG_LEVEL ?? 'info',
  base: { service: 'tandem-emulator' },
  timestamp: pino.stdTimeFunctions.isoTime,
  messageKey: 'msg',
  redact: {
    paths: [
      'password',
      '*.password',
      'secret',
      '*.secret',
      'token',
      '*.token',
      'authorization',
      '*.authorization',
      'headers.authorization',
      'req.headers.authorization',
      'req.headers.cookie',
      'client_secret',
      '*.client_secret',
    ],
    censor: '[redacted]',
  },
  formatters: { level: (label) => ({ level: label }) },
  serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
});
export type { Logger };
