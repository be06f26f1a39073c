import { describe, expect, it } from 'vitest';
import { TenantRateLimit } from '../../../src/http/auth/tenant-rate-limit.js';
import { isTandemError } from '../../../src/errors/tandem-error.js';

describe('TenantRateLimit', () => {
  it('lets a burst through, then refuses with the wait, and refills over time', () => {
    const limit = new TenantRateLimit(10, 20);
    limit.take('noisy', 20, 0);
    const error = (() => {
      try {
        limit.take('noisy', 5, 0);
      } catch (e) {
        return e;
      }
    })();
    expect(isTandemError(error, 'RATE_LIMITED')).toBe(true);
    expect((error as { retryAfterMs: number }).retryAfterMs).toBe(500);
    expect(() => limit.take('noisy', 5, 500)).not.toThrow();
  });

  it('keeps tenants apart: one tenant at its limit does not slow another', () => {
    const limit = new TenantRateLimit(10, 20);
    limit.take('noisy', 20, 0);
    expect(() => limit.take('noisy', 1, 0)).toThrow();
    expect(() => limit.take('quiet', 20, 0)).not.toThrow();
  });
});
