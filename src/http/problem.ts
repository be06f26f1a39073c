import type { ErrorRequestHandler, Response } from 'express';
import { ZodError } from 'zod';
import { ERROR_CODES, TandemError, coerceError } from '../errors/tandem-error.js';
import { currentLogContext, logger } from '../logging/logger.js';

/**
 * RFC 9457 problem details. `type` is a stable URI per error code, `code` the code itself (what the
 * cockpit translates), `errors` the per-field messages of a validation failure.
 */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  requestId?: string;
  retryable?: boolean;
  errors?: Array<{ path: string; message: string }>;
}

export const PROBLEM_TYPE_BASE = 'https://tandem.example.com/problems/';

/**
 * Failures of our own infrastructure: their messages name hosts, ports, database users and SQL,
 * which no caller (many endpoints answer anonymous ones) may read. The log line has the message.
 */
const INFRASTRUCTURE_CODES = new Set<string>([
  'INTERNAL',
  'UNAVAILABLE',
  'DB_UNAVAILABLE',
  'DB_SERIALIZATION',
  'QUEUE_UNAVAILABLE',
  'CONFIG_INVALID',
  'TENANT_CONTEXT_MISSING',
  'SECRET_KEY_UNKNOWN',
  'SECRET_DECRYPT_FAILED',
  'MIGRATION_FAILED',
  'MIGRATION_CHECKSUM_MISMATCH',
]);

function publicDetail(error: TandemError): string {
  if (!INFRASTRUCTURE_CODES.has(error.code)) return error.message;
  return error.retryable
    ? `${ERROR_CODES[error.code].title}; try again later, or quote the request id to support.`
    : 'An internal error occurred; quote the request id to support.';
}

export function toProblem(error: TandemError, instance?: string): Problem {
  const requestId = currentLogContext().requestId;
  // Never leak internals (stack traces, SQL, hostnames) to the caller; logs have them.
  const detail = publicDetail(error);
  return {
    type: `${PROBLEM_TYPE_BASE}${error.code.toLowerCase().replace(/_/g, '-')}`,
    title: ERROR_CODES[error.code].title,
    status: error.status,
    detail,
    code: error.code,
    ...(instance ? { instance } : {}),
    ...(requestId ? { requestId } : {}),
    ...(error.status >= 500 || error.status === 429 ? { retryable: error.retryable } : {}),
    ...(error.fieldErrors?.length ? { errors: error.fieldErrors } : {}),
  };
}

export function sendProblem(res: Response, error: TandemError, instance?: string): void {
  if (error.retryAfterMs !== undefined) res.setHeader('Retry-After', String(Math.ceil(error.retryAfterMs / 1000)));
  res
    .status(error.status)
    .type('application/problem+json')
    .send(JSON.stringify(toProblem(error, instance)));
}

/** Maps errors from express itself and body parsers (which throw http-errors) to our codes. */
function fromHttpError(error: unknown): TandemError | undefined {
  if (error instanceof ZodError) {
    return new TandemError('VALIDATION_FAILED', 'The request is invalid', {
      cause: error,
      fieldErrors: error.issues.map((issue) => ({ path: issue.path.join('.') || '(request)', message: issue.message })),
    });
  }
  const candidate = error as { status?: number; type?: string; expose?: boolean; message?: string };
  if (typeof candidate?.status !== 'number') return undefined;
  const message = candidate.message ?? 'Request failed';
  switch (candidate.status) {
    case 400:
      return new TandemError(
        'BAD_REQUEST',
        candidate.type === 'entity.parse.failed' ? `Malformed body: ${message}` : message,
        { cause: error },
      );
    case 413:
      return new TandemError('PAYLOAD_TOO_LARGE', 'The request body exceeds the size limit', { cause: error });
    case 415:
      return new TandemError('UNSUPPORTED_MEDIA_TYPE', message, { cause: error });
    default:
      return undefined;
  }
}

export const problemHandler: ErrorRequestHandler = (error, req, res, next) => {
  if (res.headersSent) {
    next(error);
    return;
  }
  const tandemError = error instanceof TandemError ? error : (fromHttpError(error) ?? coerceError(error));
  const log = tandemError.status >= 500 ? logger.error.bind(logger) : logger.info.bind(logger);
  // The route template, never the raw path: paths carry secrets (the EWS notification token).
  const route = (req.route as { path?: string } | undefined)?.path;
  log(
    {
      err: error,
      code: tandemError.code,
      status: tandemError.status,
      route: route ? `${req.baseUrl}${route}` : 'unmatched',
    },
    'request failed',
  );
  sendProblem(res, tandemError, req.originalUrl.split('?')[0]);
};
