import type { Redis } from 'ioredis';
import { TandemError, type ErrorCode } from '../../../errors/tandem-error.js';
import { RateWindow } from '../../../limits/rate-window.js';
import { RedisSemaphore } from '../../../limits/redis-semaphore.js';
import type { Logger } from '../../../logging/logger.js';
import type { HttpClient, HttpResponse } from './http-client.js';
import type { TokenProvider } from './token-provider.js';

/**
 * Graph calls for one environment, within Outlook's per-app, per-mailbox limits
 * (learn.microsoft.com/graph/throttling-limits, "Outlook service limits"): at most 4 concurrent
 * requests and 10,000 requests per 10 minutes per mailbox — enforced in Redis so every worker
 * process shares them — plus the environment's own maximum concurrency. 429/503 are retried after
 * Retry-After (learn.microsoft.com/graph/throttling), a bounded number of times.
 */
export interface GraphLimits {
  concurrentPerMailbox: number;
  requestsPer10Min: number;
  maxRetries: number;
  /** Longest Retry-After we sleep inside a call; longer waits surface as EXCHANGE_THROTTLED. */
  maxRetryWaitMs: number;
  requestTimeoutMs: number;
}

export const DEFAULT_LIMITS: GraphLimits = {
  concurrentPerMailbox: 4,
  requestsPer10Min: 10_000,
  maxRetries: 6,
  maxRetryWaitMs: 60_000,
  requestTimeoutMs: 30_000,
};
const WINDOW_MS = 600_000;

export interface GraphCall {
  method: string;
  /** Path below the base URL ("/users/x/events") or an absolute URL on the same host (next/delta links). */
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface GraphResult {
  status: number;
  headers: Record<string, string>;
  json: Record<string, unknown> | undefined;
}

interface BatchItem {
  id: string;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class GraphClient {
  private readonly semaphore: RedisSemaphore;
  private readonly rate: RateWindow;

  constructor(
    private readonly opts: {
      baseUrl: string;
      tenantId: string;
      envId: string;
      clientId: string;
      envConcurrency: number;
      http: HttpClient;
      tokens: TokenProvider;
      redis: Redis;
      keyPrefix: string;
      limits: GraphLimits;
      log: Logger;
    },
  ) {
    this.semaphore = new RedisSemaphore(opts.redis, opts.keyPrefix);
    this.rate = new RateWindow(opts.redis, opts.keyPrefix);
  }

  get baseUrl(): string {
    return this.opts.baseUrl.replace(/\/$/, '');
  }

  /** Absolute URL; refuses links to another host so our bearer token never leaves Graph. */
  resolve(url: string): string {
    if (!/^https?:/i.test(url)) return `${this.baseUrl}${url.startsWith('/') ? '' : '/'}${url}`;
    if (new URL(url).origin !== new URL(this.baseUrl).origin) {
      throw new TandemError('EXCHANGE_BAD_REQUEST', `Refusing to follow a link to ${new URL(url).host}`);
    }
    return url;
  }

  private mailboxKey(mailbox: string): string {
    // The limit is per app per mailbox, so it is keyed by client id, not by environment — within the
    // Tandem tenant: another tenant naming the same client id must not occupy (or see) these slots.
    return `graph:${this.opts.tenantId}:${this.opts.clientId}:${mailbox.toLowerCase()}`;
  }

  /** Holds `n` of the mailbox's slots (all or none, so two batches never deadlock each other). */
  private async takeSlots(mailbox: string, n: number): Promise<() => Promise<void>> {
    const deadline = Date.now() + 60_000;
    const limit = this.opts.limits.concurrentPerMailbox;
    for (let delay = 5; ; delay = Math.min(delay * 2, 200)) {
      const releases: Array<() => Promise<void>> = [];
      for (let i = 0; i < n; i++) {
        const release = await this.semaphore.tryAcquire(`${this.mailboxKey(mailbox)}:conc`, {
          limit,
          leaseMs: this.opts.limits.requestTimeoutMs * 2,
        });
        if (!release) break;
        releases.push(release);
      }
      const releaseAll = async (): Promise<void> => {
        await Promise.all(releases.map((r) => r().catch(() => undefined)));
      };
      if (releases.length === n) return releaseAll;
      await releaseAll();
      if (Date.now() > deadline)
        throw new TandemError('EXCHANGE_THROTTLED', `Mailbox ${mailbox} stayed at its concurrency limit`, {
          retryAfterMs: 1_000,
        });
      await sleep(delay + Math.random() * delay);
    }
  }

  private async takeBudget(mailbox: string, n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      for (;;) {
        const wait = await this.rate.take(
          `${this.mailboxKey(mailbox)}:10min`,
          this.opts.limits.requestsPer10Min,
          WINDOW_MS,
        );
        if (wait === 0) break;
        if (wait > this.opts.limits.maxRetryWaitMs) {
          throw new TandemError('EXCHANGE_THROTTLED', `Request budget for ${mailbox} is used up`, {
            retryAfterMs: wait,
          });
        }
        await sleep(wait);
      }
    }
  }

  /**
   * Runs `fn` holding one environment slot and `slots` mailbox slots, after taking `slots` budget
   * units. Order matters: the environment slot first, then the mailbox slots all-or-nothing — so
   * whoever holds mailbox slots is already running and frees them soon; the reverse order could
   * leave mailbox holders waiting for environment slots held by waiters for that same mailbox.
   */
  private async limited<T>(mailbox: string, slots: number, fn: () => Promise<T>): Promise<T> {
    await this.takeBudget(mailbox, slots);
    return this.semaphore.withSlots(
      [
        {
          name: `graph:${this.opts.tenantId}:env:${this.opts.envId}`,
          limit: this.opts.envConcurrency,
          leaseMs: this.opts.limits.requestTimeoutMs * 2,
          maxWaitMs: 120_000,
        },
      ],
      async () => {
        const release = await this.takeSlots(mailbox, slots);
        try {
          return await fn();
        } finally {
          await release();
        }
      },
    );
  }

  private async send(call: GraphCall): Promise<HttpResponse> {
    const token = await this.opts.tokens.token();
    const body = call.body === undefined ? undefined : JSON.stringify(call.body);
    return this.opts.http.request({
      method: call.method,
      url: this.resolve(call.url),
      timeoutMs: this.opts.limits.requestTimeoutMs,
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/json',
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...(call.headers ?? {}),
      },
      ...(body ? { body } : {}),
    });
  }

  /** One call, retried on throttling and transient failures; error statuses become TandemErrors. */
  async call(mailbox: string, call: GraphCall, accept: number[] = []): Promise<GraphResult> {
    for (let attempt = 0; ; attempt++) {
      let res: HttpResponse;
      try {
        res = await this.limited(mailbox, 1, () => this.send(call));
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (
          attempt < this.opts.limits.maxRetries &&
          code &&
          /ECONNRESET|ETIMEDOUT|ECONNREFUSED|EPIPE|UND_ERR/.test(code)
        ) {
          await sleep(250 * 2 ** attempt);
          continue;
        }
        if (error instanceof TandemError) throw error;
        throw new TandemError('EXCHANGE_UNAVAILABLE', `Graph unreachable: ${(error as Error).message}`, {
          cause: error,
        });
      }
      const json = parseJson(res.body);
      if ((res.status === 429 || res.status === 503 || res.status === 504) && attempt < this.opts.limits.maxRetries) {
        const wait = retryAfterMs(res.headers['retry-after'], attempt);
        if (wait <= this.opts.limits.maxRetryWaitMs) {
          this.opts.log.debug({ mailbox, status: res.status, wait }, 'graph throttled, waiting');
          await sleep(wait);
          continue;
        }
      }
      if (res.status >= 400 && !accept.includes(res.status)) throw graphError(res.status, json, res.headers);
      return { status: res.status, headers: res.headers, json };
    }
  }

  /**
   * JSON batching (learn.microsoft.com/graph/json-batching). Graph throttles every item of a
   * batch on its own, and dispatches up to 4 at once to Outlook — so a batch here has at most
   * `concurrentPerMailbox` items and holds that many of the mailbox's slots (and budget units).
   * Items answered 429/503 are retried in the next round.
   */
  async batch(
    mailbox: string,
    calls: GraphCall[],
  ): Promise<Array<{ status: number; json: Record<string, unknown> | undefined }>> {
    const results = new Array<{ status: number; json: Record<string, unknown> | undefined }>(calls.length);
    const size = Math.max(1, Math.min(20, this.opts.limits.concurrentPerMailbox));
    let pending = calls.map((_, i) => i);
    for (let round = 0; pending.length > 0; round++) {
      const retry: number[] = [];
      let waitMs = 0;
      for (let offset = 0; offset < pending.length; offset += size) {
        const chunk = pending.slice(offset, offset + size);
        const requests = chunk.map((i) => {
          const c = calls[i]!;
          return {
            id: String(i),
            method: c.method,
            url: c.url.replace(/^\/?/, '/'),
            ...(c.headers ? { headers: c.headers } : {}),
            ...(c.body !== undefined
              ? { body: c.body, headers: { 'content-type': 'application/json', ...(c.headers ?? {}) } }
              : {}),
          };
        });
        const res = await this.limited(mailbox, chunk.length, () =>
          this.send({ method: 'POST', url: '/$batch', body: { requests } }),
        );
        const json = parseJson(res.body);
        if (res.status >= 400) {
          if ((res.status === 429 || res.status === 503) && round < this.opts.limits.maxRetries) {
            retry.push(...chunk);
            waitMs = Math.max(waitMs, retryAfterMs(res.headers['retry-after'], round));
            continue;
          }
          throw graphError(res.status, json, res.headers);
        }
        for (const item of (json?.responses as BatchItem[] | undefined) ?? []) {
          const i = Number(item.id);
          if ((item.status === 429 || item.status === 503) && round < this.opts.limits.maxRetries) {
            retry.push(i);
            waitMs = Math.max(
              waitMs,
              retryAfterMs(item.headers?.['retry-after'] ?? item.headers?.['Retry-After'], round),
            );
          } else {
            results[i] = { status: item.status, json: item.body as Record<string, unknown> | undefined };
          }
        }
      }
      if (retry.length > 0) {
        if (round >= this.opts.limits.maxRetries || waitMs > this.opts.limits.maxRetryWaitMs) {
          throw new TandemError('EXCHANGE_THROTTLED', `Graph kept throttling ${mailbox}`, { retryAfterMs: waitMs });
        }
        await sleep(waitMs);
      }
      pending = retry;
    }
    return results;
  }
}

function parseJson(body: Buffer): Record<string, unknown> | undefined {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

export function retryAfterMs(header: string | undefined, attempt: number): number {
  const seconds = header ? Number(header) : Number.NaN;
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000) + Math.random() * 100;
  return Math.min(30_000, 500 * 2 ** attempt) + Math.random() * 100;
}

/** Graph's `{ error: { code, message } }` → TandemError with the code support searches for. */
export function graphError(
  status: number,
  json: Record<string, unknown> | undefined,
  headers: Record<string, string> = {},
): TandemError {
  const err = (json?.error ?? {}) as { code?: string; message?: string };
  const message = `Graph ${status} ${err.code ?? ''}: ${err.message ?? 'no message'}`.trim();
  const details = { status, graphCode: err.code };
  let code: ErrorCode;
  if (status === 410 || /syncStateNotFound|syncStateInvalid|resyncRequired/i.test(err.code ?? ''))
    code = 'EXCHANGE_INVALID_SYNC_STATE';
  else if (status === 401) code = 'EXCHANGE_UNAUTHORIZED';
  else if (status === 403) code = 'EXCHANGE_FORBIDDEN';
  else if (status === 404 && /ErrorInvalidUser|MailboxNotEnabledForRESTAPI|MailboxNotFound/i.test(err.code ?? ''))
    code = 'EXCHANGE_MAILBOX_NOT_FOUND';
  else if (status === 404) code = 'EXCHANGE_ITEM_NOT_FOUND';
  else if (status === 409 || status === 412) code = 'EXCHANGE_CONFLICT';
  else if (status === 429) code = 'EXCHANGE_THROTTLED';
  else if (status >= 500) code = 'EXCHANGE_UNAVAILABLE';
  else code = 'EXCHANGE_BAD_REQUEST';
  const retryAfter = headers['retry-after'] ? Number(headers['retry-after']) * 1000 : undefined;
  return new TandemError(code, message, {
    details,
    ...(retryAfter !== undefined && Number.isFinite(retryAfter) ? { retryAfterMs: retryAfter } : {}),
  });
}
