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

// KEYS[1] = holders zset (member = token, score = lease expiry ms); ARGV = now, limit, token, expiry.
const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], ARGV[4], ARGV[3])
  redis.call('PEXPIRE', KEYS[1], math.max(1, tonumber(ARGV[4]) - tonumber(ARGV[1])))
  return 1
end
return 0`;

export class RedisSemaphore {
  constructor(private readonly redis: Redis, private readonly keyPrefix: string) {}

  private key(name: string): string {
    return `${this.keyPrefix}:sem:${name}`;
  }

  /** Tries once; returns a release function, or undefined when all slots are taken. */
  async tryAcquire(name: string, options: SemaphoreOptions): Promise<(() => Promise<void>) | undefined> {
    const token = randomUUID();
    const now = Date.now();
    const leaseMs = options.leaseMs ?? 60_000;
    const got = await this.redis.eval(ACQUIRE, 1, this.key(name), now, options.limit, token, now + leaseMs);
    if (got !== 1) return undefined;
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      await this.redis.zrem(this.key(name), token);
    };
  }

  /** Waits (polling with jittered backoff) until a slot is free. */
  async acquire(name: string, options: SemaphoreOptions): Promise<() => Promise<void>> {
    const deadline = Date.now() + (options.maxWaitMs ?? 30_000);
    let delay = 5;
    for (;;) {
      const release = await this.tryAcquire(name, options);
      if (release) return release;
      if (Date.now() >= deadline) {
        throw new TandemError('RATE_LIMITED', `Concurrency limit ${options.limit} for ${name} still reached after waiting`, {
          retryAfterMs: 1_000, details: { semaphore: name, limit: options.limit },
        });
      }
      await new Promise((resolve) => setTimeout(resolve, delay + Math.random() * delay));
      // Slots free up within milliseconds (one Exchange call); a long sleep would leave them idle.
      delay = Math.min(delay * 2, 20);
    }
  }

  /** Runs `fn` holding one slot of every named semaphore (acquired in a fixed order to avoid deadlocks). */
  async withSlots<T>(slots: Array<{ name: string } & SemaphoreOptions>, fn: () => Promise<T>): Promise<T> {
    const ordered = [...slots].sort((a, b) => a.name.localeCompare(b.name));
    const releases: Array<() => Promise<void>> = [];
    try {
      for (const slot of ordered) releases.push(await this.acquire(slot.name, slot));
      return await fn();
    } finally {
      await Promise.all(releases.map((release) => release().catch(() => undefined)));
    }
  }

  /** Current number of live holders (for metrics and tests). */
  async holders(name: string): Promise<number> {
    await this.redis.zremrangebyscore(this.key(name), '-inf', Date.now());
    return this.redis.zcard(this.key(name));
  }
}
