import { logger } from '../../logging/logger.js';

/**
 * The one message of the Test button for a target that gave no usable answer. Unreachable,
 * refused by the outbound policy, connection refused, timeout, TLS failure, DNS failure or an HTTP
 * answer that is not from Exchange or Entra ID all read the same, so the button cannot be used to
 * tell open from closed ports or hosts apart (a port scanner of whatever network Tandem runs in).
 * What really happened is logged with the request id, for the operator and support.
 */
export const UNREACHABLE_MESSAGE =
  'Exchange could not be reached at the configured address, or did not answer as Exchange. ' +
  'Check the URL (https, a public address or one the operator allowed), the firewall and the proxy; ' +
  'the service log has the details under the request id.';

/** Logs a failed Test button step with its real cause (never shown to the caller). */
export function logStepFailure(step: string, error: unknown): void {
  logger.info({ err: error, step }, 'connection test step failed');
}
