import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * A sliding-window request budget in Redis, shared across processes: at most `limit` requests per
 * `windowMs` for a key (Graph: 10,000 requests per 10 minutes per app per mailbox). `take` either
 * records the request or says how long to wait until the oldest one leaves the window.
 */
// KEYS[1] = zset of request timestamps; ARGV = now, windowMs, limit, member.
const TAKE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return -1
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return tonumber(oldest[2]) + tonumber(ARGV[2]) - tonumber(ARGV[1])`;

export class RateWindow {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
  ) {}

  /** Records one request if the budget allows; returns 0, or the milliseconds to wait first. */
  async take(name: string, limit: number, windowMs: number): Promise<number> {
    const now = Date.now();
    const result = await this.redis.eval(
      TAKE,
      1,
      `${this.keyPrefix}:rate:${name}`,
      now,
      windowMs,
      limit,
      `${now}:${randomUUID()}`,
    );
    return Number(result) < 0 ? 0 : Math.max(1, Number(result));
  }
}
