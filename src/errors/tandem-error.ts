/**
 * The one error type of Tandem. Every failure that crosses a module boundary is a TandemError with
 * a stable code (what support searches for and what the cockpit translates), the HTTP status it
 * maps to at the edge, whether a retry can help, and the cause it wraps.
 */

/** Stable error codes, grouped by where they arise. Never rename one: logs and journals keep them. */
export const ERROR_CODES = {
  // Input and HTTP edge
  BAD_REQUEST: { status: 400, retryable: false, title: 'Bad request' },
  VALIDATION_FAILED: { status: 400, retryable: false, title: 'Validation failed' },
  UNAUTHENTICATED: { status: 401, retryable: false, title: 'Authentication required' },
  FORBIDDEN: { status: 403, retryable: false, title: 'Forbidden' },
  NOT_FOUND: { status: 404, retryable: false, title: 'Not found' },
  CONFLICT: { status: 409, retryable: false, title: 'Conflict' },
  PAYLOAD_TOO_LARGE: { status: 413, retryable: false, title: 'Payload too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, retryable: false, title: 'Unsupported media type' },
  RATE_LIMITED: { status: 429, retryable: true, title: 'Too many requests' },
  INTERNAL: { status: 500, retryable: true, title: 'Internal error' },
  UNAVAILABLE: { status: 503, retryable: true, title: 'Service unavailable' },

  // Configuration and tenancy
  CONFIG_INVALID: { status: 500, retryable: false, title: 'Invalid configuration' },
  TENANT_NOT_FOUND: { status: 404, retryable: false, title: 'Tenant not found' },
  TENANT_CONTEXT_MISSING: { status: 500, retryable: false, title: 'Tenant context missing' },
  SECRET_KEY_UNKNOWN: { status: 500, retryable: false, title: 'Secret encrypted with an unknown key' },
  SECRET_DECRYPT_FAILED: { status: 500, retryable: false, title: 'Secret could not be decrypted' },

  // Store
  DB_UNAVAILABLE: { status: 503, retryable: true, title: 'Database unavailable' },
  DB_SERIALIZATION: { status: 503, retryable: true, title: 'Database serialization conflict' },
  MIGRATION_CHECKSUM_MISMATCH: { status: 500, retryable: false, title: 'An applied migration was edited' },
  MIGRATION_FAILED: { status: 500, retryable: false, title: 'Migration failed' },
  QUEUE_UNAVAILABLE: { status: 503, retryable: true, title: 'Queue unavailable' },

  // S/4HANA connector
  S4_UNAUTHORIZED: { status: 502, retryable: false, title: 'S/4HANA rejected the credentials' },
  S4_FORBIDDEN: { status: 502, retryable: false, title: 'S/4HANA denied access' },
  S4_NOT_FOUND: { status: 404, retryable: false, title: 'S/4HANA object not found' },
  S4_ETAG_MISMATCH: { status: 409, retryable: true, title: 'S/4HANA object changed concurrently' },
  S4_BAD_REQUEST: { status: 502, retryable: false, title: 'S/4HANA rejected the request' },
  S4_THROTTLED: { status: 503, retryable: true, title: 'S/4HANA is throttling' },
  S4_UNAVAILABLE: { status: 503, retryable: true, title: 'S/4HANA unreachable' },
  S4_CSRF_FAILED: { status: 502, retryable: true, title: 'S/4HANA CSRF token rejected' },
  S4_DESTINATION_NOT_FOUND: { status: 502, retryable: false, title: 'S/4HANA destination not found' },

  // Exchange connectors (EWS and Graph)
  EXCHANGE_UNAUTHORIZED: { status: 502, retryable: false, title: 'Exchange rejected the credentials' },
  EXCHANGE_FORBIDDEN: { status: 502, retryable: false, title: 'Exchange denied access' },
  EXCHANGE_IMPERSONATION_DENIED: { status: 502, retryable: false, title: 'Impersonation refused' },
  EXCHANGE_MAILBOX_NOT_FOUND: { status: 404, retryable: false, title: 'Mailbox not found' },
  EXCHANGE_ITEM_NOT_FOUND: { status: 404, retryable: false, title: 'Exchange item not found' },
  EXCHANGE_CONFLICT: { status: 409, retryable: true, title: 'Exchange item changed concurrently' },
  EXCHANGE_THROTTLED: { status: 503, retryable: true, title: 'Exchange is throttling' },
  EXCHANGE_UNAVAILABLE: { status: 503, retryable: true, title: 'Exchange unreachable' },
  EXCHANGE_BAD_REQUEST: { status: 502, retryable: false, title: 'Exchange rejected the request' },
  EXCHANGE_INVALID_SYNC_STATE: { status: 409, retryable: false, title: 'Sync state no longer valid' },
  EXCHANGE_INVALID_WATERMARK: { status: 409, retryable: false, title: 'Watermark no longer valid' },
  EXCHANGE_SUBSCRIPTION_NOT_FOUND: { status: 404, retryable: false, title: 'Subscription not found' },

  // Sync
  SYNC_PAUSED_BY_SAFETY_VALVE: { status: 409, retryable: false, title: 'Destructive actions paused' },
  SYNC_LOCKED: { status: 409, retryable: true, title: 'Object is being synced by another worker' },
  SYNC_FENCED: { status: 409, retryable: false, title: 'Another worker took over this object; this write was refused' },
} as const satisfies Record<string, { status: number; retryable: boolean; title: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface TandemErrorOptions {
  /** The underlying error; kept so logs show the root cause. */
  cause?: unknown;
  /** Overrides the code's default retryability (e.g. a 500 that is known to be permanent). */
  retryable?: boolean;
  /** How long the remote asked us to wait before retrying (Retry-After, BackOffMilliseconds). */
  retryAfterMs?: number;
  /** Safe, structured facts for logs and problem JSON (never secrets). */
  details?: Record<string, unknown>;
  /** Per-field messages for validation errors, shown at the field in the cockpit. */
  fieldErrors?: FieldError[];
}

export interface FieldError {
  /** JSON path of the offending field, e.g. `data.activityId` or `[2].id`. */
  path: string;
  message: string;
}

export class TandemError extends Error {
  override readonly name = 'TandemError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly details: Record<string, unknown> | undefined;
  readonly fieldErrors: FieldError[] | undefined;

  constructor(code: ErrorCode, message: string, options: TandemErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.retryable = options.retryable ?? ERROR_CODES[code].retryable;
    this.retryAfterMs = options.retryAfterMs;
    this.details = options.details;
    this.fieldErrors = options.fieldErrors;
  }

  /** The innermost cause, for logs that must show what really failed. */
  get rootCause(): unknown {
    let current: unknown = this.cause ?? this;
    while (current instanceof Error && current.cause !== undefined) current = current.cause;
    return current;
  }
}

export function isTandemError(value: unknown, code?: ErrorCode): value is TandemError {
  return value instanceof TandemError && (code === undefined || value.code === code);
}

/** Network and Postgres error codes that mean "try again later", not "your request is wrong". */
const TRANSIENT_SYSTEM_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);
/** Postgres SQLSTATEs worth retrying: connection loss, shutdown, serialization, deadlock. */
const TRANSIENT_PG_STATES = /^(08|57P0[1-3]|40001|40P01|53)/;

/**
 * Turns anything thrown into a TandemError, keeping the original as cause. Connector-specific
 * normalisers (EWS SOAP faults, OData errors) run first; this is the last line.
 */
export function coerceError(error: unknown, fallbackCode: ErrorCode = 'INTERNAL'): TandemError {
  if (error instanceof TandemError) return error;
  const code = typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : undefined;
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : 'Unexpected error';
  if (code !== undefined && TRANSIENT_SYSTEM_CODES.has(code)) {
    return new TandemError('UNAVAILABLE', message, { cause: error, details: { systemCode: code } });
  }
  if (code !== undefined && /^[0-9A-Z]{5}$/.test(code)) {
    if (code === 'TDF01') return new TandemError('SYNC_FENCED', message, { cause: error });
    if (code === '40001' || code === '40P01') return new TandemError('DB_SERIALIZATION', message, { cause: error });
    if (TRANSIENT_PG_STATES.test(code)) return new TandemError('DB_UNAVAILABLE', message, { cause: error });
  }
  if (isRedisUnavailable(error, message)) {
    return new TandemError('QUEUE_UNAVAILABLE', `Redis is unavailable: ${message}`, {
      cause: error,
      retryAfterMs: 5_000,
    });
  }
  return new TandemError(fallbackCode, message, { cause: error });
}

/**
 * ioredis's ways of saying "Redis is not there": a command refused while disconnected without an
 * offline queue, a command timeout, retries per request exhausted, a closed connection.
 */
function isRedisUnavailable(error: unknown, message: string): boolean {
  const name = error instanceof Error ? error.name : '';
  return (
    name === 'MaxRetriesPerRequestError' ||
    /enableOfflineQueue options is false|^Command timed out$|^Connection is closed\.?$/.test(message)
  );
}
