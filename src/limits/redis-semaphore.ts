import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { TandemError } from '../errors/tandem-error.js';

/**
 * A counting semaphore in Redis, shared by every worker process: at most `limit` holders of a key
 * at once (an Exchange environment's "maximum number of threads", EWSMaxConcurrency per mailbox,
 * Graph's 4 concurrent requests per mailbox). Holders are leases that expire, so a worker killed
 * while holding one frees its slot after `leaseMs` instead of never.
 */
export interface SemaphoreOptions {
  limit: number;
  /** How long a slot stays taken if its holder dies without releasing it. */
  leaseMs?: number;
  /** Give up waiting after this long (TandemError RATE_LIMITED, retryable). */
  maxWaitMs?: number;
}

export type Slot = { name: string } & SemaphoreOptions;

/**
 * All or nothing, in one round trip: a slot in every semaphore, or none. KEYS = the holder sets
 * (member = token, score = lease expiry in ms); ARGV = now, token, then limit and expiry per key.
 * Returns 0 when the slots were taken, else the (1-based) position of the first full semaphore.
 * Under Redis Cluster the keys must share a hash slot, as BullMQ's own scripts require: give
 * QUEUE_PREFIX a hash tag ({tandem}).
 */
const ACQUIRE_ALL = `
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', ARGV[1])
  if redis.call('ZCARD', key) >= tonumber(ARGV[1 + 2 * i]) then return i end
end
for i, key in ipairs(KEYS) do
  local expiry = tonumber(ARGV[2 + 2 * i])
  redis.call('ZADD', key, expiry, ARGV[2])
  redis.call('PEXPIRE', key, math.max(1, expiry - tonumber(ARGV[1])))
end
return 0`;

/** Extends the holder's lease in every semaphore; 0 when it no longer holds one of them (expired). */
const RENEW_ALL = `
local now = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  if not redis.call('ZSCORE', key, ARGV[2]) then return 0 end
end
for i, key in ipairs(KEYS) do
  local expiry = tonumber(ARGV[2 + i])
  redis.call('ZADD', key, 'XX', expiry, ARGV[2])
  redis.call('PEXPIRE', key, math.max(1, expiry - now))
end
return 1`;

const RELEASE_ALL = `
for _, key in ipairs(KEYS) do redis.call('ZREM', key, ARGV[1]) end
return 0`;

/** The scripts as ioredis commands: sent by SHA (EVALSHA) after the first use, not as text every time. */
interface SemaphoreCommands {
  tandemSemaphoreAcquire(keyCount: number, ...keysAndArgs: Array<string | number>): Promise<number>;
  tandemSemaphoreRelease(keyCount: number, ...keysAndArgs: Array<string | number>): Promise<number>;
  tandemSemaphoreRenew(keyCount: number, ...keysAndArgs: Array<string | number>): Promise<number>;
}

/** A holder's entry in a semaphore: `token` is a member of the sorted set `key`. */
export interface LeaseHolder {
  key: string;
  token: string;
}

/** A held slot that can be kept beyond its lease by renewing it while the work goes on. */
export interface Lease {
  release(): Promise<void>;
  /**
   * Frees the slot inside the caller's own Redis script, so both take one round trip (the worker
   * frees a finished job's subject lease with its tenant slot): `call` must remove `holder.token`
   * from `holder.key` (ZREM). It gets no holder when the slot was already released. Should `call`
   * fail, the slot is released on its own before the error is passed on.
   */
  releaseWith<T>(call: (holder: LeaseHolder | undefined) => Promise<T>): Promise<T>;
  /** Pushes the expiry out by the lease length again; false when the lease had already run out. */
  renew(): Promise<boolean>;
}

function withCommands(redis: Redis): Redis & SemaphoreCommands {
  if (!('tandemSemaphoreAcquire' in redis)) {
    redis.defineCommand('tandemSemaphoreAcquire', { lua: ACQUIRE_ALL });
    redis.defineCommand('tandemSemaphoreRelease', { lua: RELEASE_ALL });
    redis.defineCommand('tandemSemaphoreRenew', { lua: RENEW_ALL });
  }
  return redis as Redis & SemaphoreCommands;
}

export class RedisSemaphore {
  private readonly redis: Redis & SemaphoreCommands;

  constructor(
    redis: Redis,
    private readonly keyPrefix: string,
  ) {
    this.redis = withCommands(redis);
  }

  private key(name: string): string {
    return `${this.keyPrefix}:sem:${name}`;
  }

  /** Tries once for a slot of every named semaphore; returns a release function, or undefined when one is full. */
  async trySlots(slots: Slot[]): Promise<(() => Promise<void>) | undefined> {
    return (await this.attempt(slots)).release;
  }

  /** Tries once for a slot that the caller renews while it works; undefined when all slots are taken. */
  async tryLease(name: string, options: SemaphoreOptions): Promise<Lease | undefined> {
    const { release, token } = await this.attempt([{ name, ...options }]);
    if (!release) return undefined;
    const key = this.key(name);
    let freed = false;
    return {
      release: async () => {
        if (freed) return;
        freed = true;
        await release();
      },
      releaseWith: async (call) => {
        if (freed) return call(undefined);
        freed = true;
        try {
          return await call({ key, token: token! });
        } catch (error) {
          await release().catch(() => undefined);
          throw error;
        }
      },
      renew: async () =>
        (await this.redis.tandemSemaphoreRenew(
          1,
          key,
          Date.now(),
          token!,
          Date.now() + (options.leaseMs ?? 60_000),
        )) === 1,
    };
  }

  /** Tries once; returns a release function, or undefined when all slots are taken. */
  tryAcquire(name: string, options: SemaphoreOptions): Promise<(() => Promise<void>) | undefined> {
    return this.trySlots([{ name, ...options }]);
  }

  /** Waits (polling with jittered backoff) until a slot is free. */
  acquire(name: string, options: SemaphoreOptions): Promise<() => Promise<void>> {
    return this.acquireSlots([{ name, ...options }]);
  }

  /** Runs `fn` holding one slot of every named semaphore, taken together so no holder waits while holding another. */
  async withSlots<T>(slots: Slot[], fn: () => Promise<T>): Promise<T> {
    const release = await this.acquireSlots(slots);
    try {
      return await fn();
    } finally {
      await release().catch(() => undefined);
    }
  }

  /** Current number of live holders (for metrics and tests). */
  async holders(name: string): Promise<number> {
    await this.redis.zremrangebyscore(this.key(name), '-inf', Date.now());
    return this.redis.zcard(this.key(name));
  }

  private async acquireSlots(slots: Slot[]): Promise<() => Promise<void>> {
    const deadline = Date.now() + Math.min(...slots.map((slot) => slot.maxWaitMs ?? 30_000));
    let delay = 5;
    for (;;) {
      const { release, full } = await this.attempt(slots);
      if (release) return release;
      if (Date.now() >= deadline) {
        throw new TandemError(
          'RATE_LIMITED',
          `Concurrency limit ${full!.limit} for ${full!.name} still reached after waiting`,
          {
            retryAfterMs: 1_000,
            details: { semaphore: full!.name, limit: full!.limit },
          },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, delay + Math.random() * delay));
      // Slots free up within milliseconds (one Exchange call); a long sleep would leave them idle.
      delay = Math.min(delay * 2, 20);
    }
  }

  private async attempt(slots: Slot[]): Promise<{ release?: () => Promise<void>; full?: Slot; token?: string }> {
    const token = randomUUID();
    const now = Date.now();
    const keys = slots.map((slot) => this.key(slot.name));
    const args = slots.flatMap((slot) => [slot.limit, now + (slot.leaseMs ?? 60_000)]);
    const full = await this.redis.tandemSemaphoreAcquire(keys.length, ...keys, now, token, ...args);
    if (full !== 0) return { full: slots[full - 1]! };
    let released = false;
    return {
      token,
      release: async () => {
        if (released) return;
        released = true;
        await this.redis.tandemSemaphoreRelease(keys.length, ...keys, token);
      },
    };
  }
}
