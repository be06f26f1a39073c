import type { Logger } from 'pino';
import type { TandemError } from '../../../errors/tandem-error.js';
import type { RedisSemaphore } from '../../../limits/redis-semaphore.js';
import { normalizeEwsError } from './normalize-ews-error.js';

/**
 * Runs one EWS call with the environment's limits and throttling discipline:
 * - holds one slot of the environment semaphore (env.maxConcurrency) and one of the mailbox
 *   semaphore (default 10, below Exchange's default EWSMaxConcurrency of 27 per user — Microsoft,
 *   "EWS throttling in Exchange"), both in Redis so every worker process counts;
 * - on ErrorServerBusy waits exactly the BackOffMilliseconds Exchange asked for, then retries;
 *   other throttling and transient failures back off exponentially with full jitter;
 * - gives up after `maxAttempts`, surfacing the last TandemError (EXCHANGE_THROTTLED carries retryAfterMs).
 * Slots are released while waiting, so a backing-off call never blocks other mailboxes.
 */
export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A BackOffMilliseconds above this is not waited out in-process; the caller reschedules instead. */
  maxBackOffMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 500,
  maxDelayMs: 15_000,
  maxBackOffMs: 60_000,
};
export const DEFAULT_MAILBOX_CONCURRENCY = 10;

export interface RunnerOptions {
  semaphore: RedisSemaphore;
  /** The Tandem tenant: part of every Redis key, so tenants never share or block each other's slots. */
  tenantId: string;
  environmentId: string;
  environmentConcurrency: number;
  mailboxConcurrency: number;
  retry: RetryPolicy;
  logger: Logger;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface CallOptions {
  /** Name for logs. */
  operation: string;
  /** Safe to repeat after a timeout or 5xx (reads, deletes, and writes guarded by a ChangeKey). */
  idempotent: boolean;
}

export class EwsRequestRunner {
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(private readonly options: RunnerOptions) {
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
  }

  async run<T>(mailbox: string, call: CallOptions, fn: () => Promise<T>): Promise<T> {
    const { semaphore, environmentId, tenantId } = this.options;
    const slots = [
      {
        name: `ews:${tenantId}:env:${environmentId}`,
        limit: this.options.environmentConcurrency,
        leaseMs: 180_000,
        maxWaitMs: 120_000,
      },
      {
        name: `ews:${tenantId}:mbx:${environmentId}:${mailbox.toLowerCase()}`,
        limit: this.options.mailboxConcurrency,
        leaseMs: 180_000,
        maxWaitMs: 120_000,
      },
    ];
    for (let attempt = 1; ; attempt++) {
      let failure: TandemError;
      try {
        return await semaphore.withSlots(slots, fn);
      } catch (error) {
        failure = normalizeEwsError(error);
      }
      const delay = this.retryDelay(failure, attempt, call);
      if (delay === undefined) throw failure;
      this.options.logger.warn(
        {
          operation: call.operation,
          attempt,
          delayMs: delay,
          code: failure.code,
          ewsResponseCode: failure.details?.ewsResponseCode,
        },
        'EWS call failed; retrying',
      );
      await this.sleep(delay);
    }
  }

  /** Milliseconds to wait before the next attempt, or undefined to give up. */
  retryDelay(failure: TandemError, attempt: number, call: CallOptions): number | undefined {
    const { retry } = this.options;
    if (attempt >= retry.maxAttempts) return undefined;
    if (failure.code === 'EXCHANGE_THROTTLED') {
      if (failure.retryAfterMs !== undefined) {
        return failure.retryAfterMs <= retry.maxBackOffMs ? failure.retryAfterMs : undefined;
      }
      return this.backoff(attempt);
    }
    // The semaphore wait timed out: the limit is saturated by other workers; try again shortly.
    if (failure.code === 'RATE_LIMITED') return this.backoff(attempt);
    if (failure.code === 'EXCHANGE_UNAVAILABLE' && call.idempotent) return this.backoff(attempt);
    return undefined;
  }

  /** Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And Jitter"). */
  private backoff(attempt: number): number {
    const { baseDelayMs, maxDelayMs } = this.options.retry;
    const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
    return Math.round(ceiling / 2 + this.random() * (ceiling / 2));
  }
}
