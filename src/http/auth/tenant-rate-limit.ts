import { TandemError } from '../../errors/tandem-error.js';

/**
 * A token bucket per tenant: each tenant may post `ratePerSecond` events on average with bursts up
 * to `burst`, so one tenant's flood answers 429 (S/4's SM59 queue retries) instead of slowing every
 * other tenant's ingestion. Per process — with n web instances a tenant gets n times the rate,
 * which is fine for fairness: the limit protects instances, not a billing quota.
 */
export class TenantRateLimit {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
  ) {}

  /** Takes `cost` tokens or throws RATE_LIMITED with the wait until they are available. */
  take(tenantId: string, cost: number, now = Date.now()): void {
    const bucket = this.buckets.get(tenantId) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.ratePerSecond);
    bucket.at = now;
    if (bucket.tokens < cost) {
      this.buckets.set(tenantId, bucket);
      const waitMs = Math.ceil(((cost - bucket.tokens) / this.ratePerSecond) * 1000);
      throw new TandemError('RATE_LIMITED', `Too many events for this tenant; retry in ${Math.ceil(waitMs / 1000)} s`, {
        retryAfterMs: waitMs,
      });
    }
    bucket.tokens -= cost;
    this.buckets.set(tenantId, bucket);
  }
}
