import { TandemError, type ErrorCode } from '../../errors/tandem-error.js';

/** The parts of an HTTP answer the mapping needs (from axios or from a $batch part). */
export interface S4HttpFailure {
  status: number;
  headers: Record<string, unknown>;
  data: unknown;
}

interface GatewayErrorBody {
  error?: { code?: string; message?: { value?: string } | string; innererror?: { errordetails?: unknown[] } };
}

/**
 * Maps any failure of an S/4 call to a TandemError with an S4_* code, keeping Gateway's message,
 * its error code (e.g. /IWBEP/CM_MGW_RT/022) and the original error as cause.
 */
export function toS4Error(error: unknown, context: { operation: string; path?: string }): TandemError {
  if (error instanceof TandemError) return error;
  const response = findResponse(error);
  if (response) return fromHttpFailure(response, context, error);
  const message = errorMessages(error).join(' <- ');
  const details = { operation: context.operation, path: context.path };
  if (
    /Failed to (load|resolve) the destination|Failed to load destination|Could not find a destination|destination.*not found/i.test(
      message,
    )
  ) {
    return new TandemError('S4_DESTINATION_NOT_FOUND', `S/4 destination could not be resolved: ${message}`, {
      cause: error,
      details,
    });
  }
  if (/Breaker is open|EOPENBREAKER/i.test(message) || hasCode(error, 'EOPENBREAKER')) {
    return new TandemError(
      'S4_UNAVAILABLE',
      'S/4 circuit breaker is open after repeated failures; not calling S/4 for now',
      { cause: error, details },
    );
  }
  return new TandemError('S4_UNAVAILABLE', `S/4 unreachable during ${context.operation}: ${message}`, {
    cause: error,
    details,
  });
}

export function fromHttpFailure(
  response: S4HttpFailure,
  context: { operation: string; path?: string },
  cause?: unknown,
): TandemError {
  const header = (name: string): string | undefined => {
    const entry = Object.entries(response.headers ?? {}).find(([k]) => k.toLowerCase() === name);
    const value = entry?.[1];
    return Array.isArray(value) ? String(value[0]) : value === undefined || value === null ? undefined : String(value);
  };
  const body = parseBody(response.data);
  const rawMessage = body?.error?.message;
  const sapMessage = typeof rawMessage === 'string' ? rawMessage : rawMessage?.value;
  const sapCode = body?.error?.code;
  const retryAfterMs = parseRetryAfter(header('retry-after'));
  const code = codeFor(response.status, header('x-csrf-token'), retryAfterMs);
  const text =
    sapMessage ??
    (typeof response.data === 'string' && response.data.length < 300
      ? response.data.trim()
      : `HTTP ${response.status}`);
  return new TandemError(code, `S/4 ${context.operation} failed (${response.status}): ${text}`, {
    cause: cause ?? new Error(text),
    retryAfterMs,
    details: {
      status: response.status,
      sapCode,
      operation: context.operation,
      path: context.path,
      errordetails: body?.error?.innererror?.errordetails,
    },
  });
}

function codeFor(status: number, csrfHeader: string | undefined, retryAfterMs: number | undefined): ErrorCode {
  if (status === 401) return 'S4_UNAUTHORIZED';
  if (status === 403) return csrfHeader?.toLowerCase() === 'required' ? 'S4_CSRF_FAILED' : 'S4_FORBIDDEN';
  if (status === 404) return 'S4_NOT_FOUND';
  if (status === 412) return 'S4_ETAG_MISMATCH';
  if (status === 429) return 'S4_THROTTLED';
  if (status === 503 && retryAfterMs !== undefined) return 'S4_THROTTLED';
  if (status >= 500) return 'S4_UNAVAILABLE';
  return 'S4_BAD_REQUEST';
}

/** Retry-After as seconds or HTTP date (RFC 9110 §10.2.3) → milliseconds. */
export function parseRetryAfter(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function parseBody(data: unknown): GatewayErrorBody | undefined {
  if (typeof data === 'object' && data !== null) return data as GatewayErrorBody;
  if (typeof data === 'string' && data.trim().startsWith('{')) {
    try {
      return JSON.parse(data) as GatewayErrorBody;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** The HTTP response inside an axios error, also when the SDK wrapped it (retry's ErrorWithCause). */
function findResponse(error: unknown): S4HttpFailure | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 8; depth++) {
    const response = (current as { response?: { status?: unknown; headers?: unknown; data?: unknown } }).response;
    if (response && typeof response.status === 'number') {
      return {
        status: response.status,
        headers: (response.headers ?? {}) as Record<string, unknown>,
        data: response.data,
      };
    }
    current = (current as { cause?: unknown }).cause ?? (current as { rootCause?: unknown }).rootCause;
  }
  return undefined;
}

function errorMessages(error: unknown): string[] {
  const messages: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current && depth < 8; depth++) {
    if (current instanceof Error) messages.push(current.message);
    else messages.push(String(current));
    current = (current as { cause?: unknown }).cause;
  }
  return messages;
}

function hasCode(error: unknown, code: string): boolean {
  let current: unknown = error;
  for (let depth = 0; current && depth < 8; depth++) {
    if ((current as { code?: unknown }).code === code) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
