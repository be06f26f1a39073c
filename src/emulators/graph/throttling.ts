import { GraphError } from './odata.js';

/**
 * Outlook's per-app, per-mailbox limits (learn.microsoft.com/graph/throttling-limits, "Outlook
 * service limits"): 4 concurrent requests and 10,000 requests in 10 minutes. Both answer 429
 * with Retry-After. `timeScale` shrinks the 10-minute window for tests.
 */
export interface Budget {
  perMailboxPer10Min: number;
  concurrentPerMailbox: number;
}

interface MailboxUsage {
  inFlight: number;
  maxInFlight: number;
  accepted: number[];
  total: number;
  throttled: number;
  overConcurrency: number;
  overBudget: number;
}

export interface ThrottleStats {
  inFlight: number;
  /** Most requests admitted at once (never above the limit: the excess is refused). */
  maxInFlight: number;
  requests: number;
  throttled: number;
  /** Refused because the mailbox already had its concurrent requests in flight: a client that keeps the limit causes none. */
  overConcurrency: number;
  /** Refused because the 10-minute budget was used up. */
  overBudget: number;
}

export class Throttle {
  private readonly usage = new Map<string, MailboxUsage>();

  constructor(
    public budget: Budget,
    private readonly timeScale: number,
  ) {}

  private of(mailbox: string): MailboxUsage {
    let u = this.usage.get(mailbox);
    if (!u) {
      u = { inFlight: 0, maxInFlight: 0, accepted: [], total: 0, throttled: 0, overConcurrency: 0, overBudget: 0 };
      this.usage.set(mailbox, u);
    }
    return u;
  }

  get windowMs(): number {
    return 600_000 / this.timeScale;
  }

  /** Admits one request or throws 429; the returned function ends it. */
  enter(mailbox: string): () => void {
    const u = this.of(mailbox);
    u.total++;
    const now = Date.now();
    while (u.accepted.length > 0 && (u.accepted[0] ?? 0) <= now - this.windowMs) u.accepted.shift();
    if (u.inFlight >= this.budget.concurrentPerMailbox) {
      u.throttled++;
      u.overConcurrency++;
      throw new GraphError(429, 'ApplicationThrottled', 'Application is over its MailboxConcurrency limit.', {
        'retry-after': '1',
      });
    }
    if (u.accepted.length >= this.budget.perMailboxPer10Min) {
      u.throttled++;
      u.overBudget++;
      const waitMs = (u.accepted[0] ?? now) + this.windowMs - now;
      throw new GraphError(429, 'ApplicationThrottled', 'Application is over its resource limits.', {
        'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))),
      });
    }
    u.accepted.push(now);
    u.inFlight++;
    u.maxInFlight = Math.max(u.maxInFlight, u.inFlight);
    let done = false;
    return () => {
      if (!done) u.inFlight--;
      done = true;
    };
  }

  stats(): Record<string, ThrottleStats> {
    return Object.fromEntries(
      [...this.usage].map(([m, u]) => [
        m,
        {
          inFlight: u.inFlight,
          maxInFlight: u.maxInFlight,
          requests: u.total,
          throttled: u.throttled,
          overConcurrency: u.overConcurrency,
          overBudget: u.overBudget,
        },
      ]),
    );
  }

  reset(): void {
    this.usage.clear();
  }
}
