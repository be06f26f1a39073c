import { TandemError, type ErrorCode } from '../../../errors/tandem-error.js';
import {
  Exception,
  ServiceError,
  ServiceRequestException,
  ServiceResponseException,
  SoapFaultDetails,
} from './ews-lib.js';

/**
 * The one place where whatever ews-javascript-api rejects with becomes a TandemError. The library
 * rejects with objects that are NOT `Error`s: `SoapFaultDetails` (SOAP faults, HTTP errors and
 * network failures alike, with `HttpStatusCode`), `ServiceResponseException` (a response message
 * with ResponseClass="Error"), `ServiceRequestException` wrapping either, or the raw XHR-like
 * object when it could not even build a fault.
 */

/** EWS response codes (ServiceError names) → our codes. Unlisted codes are requests Exchange refused. */
const RESPONSE_CODE_MAP: Record<string, ErrorCode> = {
  ErrorServerBusy: 'EXCHANGE_THROTTLED',
  ErrorTooManyObjectsOpened: 'EXCHANGE_THROTTLED',
  ErrorExceededConnectionCount: 'EXCHANGE_THROTTLED',
  ErrorIrresolvableConflict: 'EXCHANGE_CONFLICT',
  ErrorChangeKeyRequiredForWriteOperations: 'EXCHANGE_CONFLICT',
  ErrorStaleObject: 'EXCHANGE_CONFLICT',
  ErrorItemNotFound: 'EXCHANGE_ITEM_NOT_FOUND',
  ErrorCalendarOccurrenceIsDeletedFromRecurrence: 'EXCHANGE_ITEM_NOT_FOUND',
  ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange: 'EXCHANGE_ITEM_NOT_FOUND',
  ErrorImpersonateUserDenied: 'EXCHANGE_IMPERSONATION_DENIED',
  ErrorImpersonationDenied: 'EXCHANGE_IMPERSONATION_DENIED',
  ErrorImpersonationFailed: 'EXCHANGE_IMPERSONATION_DENIED',
  ErrorNonExistentMailbox: 'EXCHANGE_MAILBOX_NOT_FOUND',
  ErrorMailboxNotFound: 'EXCHANGE_MAILBOX_NOT_FOUND',
  ErrorAccessDenied: 'EXCHANGE_FORBIDDEN',
  ErrorInvalidSyncStateData: 'EXCHANGE_INVALID_SYNC_STATE',
  ErrorSyncFolderNotFound: 'EXCHANGE_INVALID_SYNC_STATE',
  ErrorInvalidWatermark: 'EXCHANGE_INVALID_WATERMARK',
  ErrorSubscriptionNotFound: 'EXCHANGE_SUBSCRIPTION_NOT_FOUND',
  ErrorExpiredSubscription: 'EXCHANGE_SUBSCRIPTION_NOT_FOUND',
  ErrorInvalidSubscription: 'EXCHANGE_SUBSCRIPTION_NOT_FOUND',
  ErrorInternalServerTransientError: 'EXCHANGE_UNAVAILABLE',
  ErrorMailboxStoreUnavailable: 'EXCHANGE_UNAVAILABLE',
  ErrorMailboxMoveInProgress: 'EXCHANGE_UNAVAILABLE',
  ErrorTimeoutExpired: 'EXCHANGE_UNAVAILABLE',
  ErrorConnectionFailed: 'EXCHANGE_UNAVAILABLE',
  ErrorInternalServerError: 'EXCHANGE_UNAVAILABLE',
};

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ECONNABORTED',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  'ETIMEOUT',
  'ERR_BAD_RESPONSE',
  'CERT_HAS_EXPIRED',
]);

/** TLS failures are configuration problems (missing CA), not outages: retrying cannot help. */
const TLS_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

interface Facts {
  responseCode?: string;
  httpStatus?: number;
  message: string;
  errorDetails: Record<string, string>;
  systemCode?: string;
}

export function normalizeEwsError(error: unknown): TandemError {
  if (error instanceof TandemError) return error;
  return fromFacts(extractFacts(error), error);
}

/**
 * An Error response message of an answer Tandem read itself (soap-xml.ts): the TandemError the
 * library's ServiceResponseException for it becomes. A code the library does not know reads as
 * none, as it does there.
 */
export function responseMessageError(
  responseCode: string,
  messageText: string,
  messageXml: Record<string, string>,
): TandemError {
  const known = (ServiceError as unknown as Record<string, unknown>)[responseCode] !== undefined;
  const facts: Facts = {
    ...(known && responseCode !== 'NoError' ? { responseCode } : {}),
    message: messageText,
    errorDetails: { ...messageXml },
  };
  return fromFacts(facts, { responseCode, message: messageText });
}

function fromFacts(facts: Facts, error: unknown): TandemError {
  const code = classify(facts);
  const details: Record<string, unknown> = {};
  if (facts.responseCode !== undefined) details.ewsResponseCode = facts.responseCode;
  if (facts.httpStatus !== undefined) details.httpStatus = facts.httpStatus;
  if (facts.systemCode !== undefined) details.systemCode = facts.systemCode;
  const retryAfterMs = code === 'EXCHANGE_THROTTLED' ? backOffMilliseconds(facts.errorDetails) : undefined;
  if (retryAfterMs !== undefined) details.backOffMilliseconds = retryAfterMs;
  const prefix = facts.responseCode ?? (facts.httpStatus ? `HTTP ${facts.httpStatus}` : facts.systemCode);
  const message = prefix && !facts.message.includes(prefix) ? `${prefix}: ${facts.message}` : facts.message;
  return new TandemError(code, message || 'EWS request failed', {
    cause: error,
    details,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
}

function classify(facts: Facts): ErrorCode {
  if (facts.httpStatus === 401) return 'EXCHANGE_UNAUTHORIZED';
  if (
    facts.responseCode !== undefined &&
    facts.responseCode !== 'ErrorInternalServerError' &&
    RESPONSE_CODE_MAP[facts.responseCode]
  ) {
    return RESPONSE_CODE_MAP[facts.responseCode]!;
  }
  // A SOAP fault always travels with HTTP 500; a specific EWS code other than the mapped ones is a
  // request Exchange refused (schema, invalid id, …), which a retry cannot fix.
  if (facts.responseCode !== undefined && facts.responseCode !== 'ErrorInternalServerError')
    return 'EXCHANGE_BAD_REQUEST';
  if (facts.systemCode !== undefined && TLS_CODES.has(facts.systemCode)) return 'CONFIG_INVALID';
  if (facts.httpStatus === 403) return 'EXCHANGE_FORBIDDEN';
  if (facts.httpStatus === 429) return 'EXCHANGE_THROTTLED';
  if (facts.httpStatus !== undefined && facts.httpStatus >= 500) return 'EXCHANGE_UNAVAILABLE';
  if (facts.systemCode !== undefined && NETWORK_CODES.has(facts.systemCode)) return 'EXCHANGE_UNAVAILABLE';
  if (/timeout|timed out|socket hang up|network error/i.test(facts.message)) return 'EXCHANGE_UNAVAILABLE';
  // No EWS answer at all: either no response (network), or one that is not SOAP (a proxy's page,
  // a truncated body). Both are infrastructure trouble on the way to Exchange.
  if (facts.responseCode === undefined && isTransportShaped(facts)) return 'EXCHANGE_UNAVAILABLE';
  if (facts.responseCode !== undefined) return 'EXCHANGE_UNAVAILABLE';
  if (facts.httpStatus !== undefined && facts.httpStatus >= 400) return 'EXCHANGE_BAD_REQUEST';
  return 'INTERNAL';
}

function isTransportShaped(facts: Facts): boolean {
  return facts.errorDetails.__transport === 'true';
}

function extractFacts(error: unknown): Facts {
  if (error instanceof ServiceRequestException) {
    // "The request failed": the response could not be read as EWS (the library wraps the parse error).
    const inner = error.InnerException
      ? extractFacts(error.InnerException)
      : { message: '', errorDetails: {} as Record<string, string> };
    if (inner.responseCode === undefined) inner.errorDetails.__transport = 'true';
    return { ...inner, message: inner.message || error.Message };
  }
  if (error instanceof ServiceResponseException) {
    return {
      responseCode: serviceErrorName(error.ErrorCode),
      message: error.Message,
      errorDetails: dictionaryToRecord(error.Response?.ErrorDetails),
    };
  }
  if (error instanceof SoapFaultDetails) {
    const fault = error as unknown as {
      ResponseCode: number;
      HttpStatusCode?: number;
      Message?: string;
      FaultString?: string;
      ErrorDetails?: unknown;
      Exception?: { message?: string };
    };
    const httpStatus = typeof fault.HttpStatusCode === 'number' ? fault.HttpStatusCode : undefined;
    const fromFault = httpStatus === 500 || (fault.FaultString !== null && fault.FaultString !== undefined);
    const errorDetails = dictionaryToRecord(fault.ErrorDetails);
    // Transport failures arrive as a SoapFaultDetails built from the XHR error's message, with the
    // default ResponseCode ErrorInternalServerError and no HTTP status.
    if (!fromFault) errorDetails.__transport = 'true';
    return {
      responseCode: fromFault ? serviceErrorName(fault.ResponseCode) : undefined,
      httpStatus,
      message: fault.Message || fault.FaultString || fault.Exception?.message || '',
      errorDetails,
      systemCode: systemCodeOf(error),
    };
  }
  if (error instanceof Exception) {
    return { message: error.Message, errorDetails: {}, systemCode: systemCodeOf(error) };
  }
  if (error !== null && typeof error === 'object') {
    const object = error as { status?: unknown; message?: unknown; statusText?: unknown; code?: unknown };
    const httpStatus = typeof object.status === 'number' && object.status > 0 ? object.status : undefined;
    const message =
      typeof object.message === 'string'
        ? object.message
        : typeof object.statusText === 'string'
          ? object.statusText
          : '';
    return { httpStatus, message, errorDetails: {}, systemCode: systemCodeOf(error) };
  }
  return { message: typeof error === 'string' ? error : 'Unknown EWS failure', errorDetails: {} };
}

function systemCodeOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current !== null && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code.length > 0) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function serviceErrorName(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value !== 'number') return undefined;
  const name = (ServiceError as unknown as Record<number, string>)[value];
  return name === 'NoError' ? undefined : name;
}

function dictionaryToRecord(dictionary: unknown): Record<string, string> {
  const record: Record<string, string> = {};
  const dict = dictionary as { Keys?: string[]; get?: (key: string) => unknown } | undefined;
  if (!dict || !Array.isArray(dict.Keys) || typeof dict.get !== 'function') return record;
  for (const key of dict.Keys) record[key] = String(dict.get(key));
  return record;
}

/** ErrorServerBusy carries <MessageXml><Value Name="BackOffMilliseconds">N</Value></MessageXml>. */
function backOffMilliseconds(details: Record<string, string>): number | undefined {
  const raw = details.BackOffMilliseconds;
  if (raw === undefined) return undefined;
  const value = Number(raw);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}
