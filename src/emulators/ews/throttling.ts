/**
 * Exchange-style throttling ("EWS throttling in Exchange"): a per-mailbox concurrency limit
 * (EWSMaxConcurrency, default 27 in Exchange Online) and an optional request budget per window.
 * Over a limit the request fails with ErrorServerBusy and BackOffMilliseconds in MessageXml.
 */
export interface ThrottlingSettings {
  maxConcurrency: number;
  /** Optional budget: at most `requests` per `windowMs` per mailbox. */
  budget?: { requests: number; windowMs: number };
  /** BackOffMilliseconds reported for concurrency rejections. */
  backOffMs: number;
}

export const DEFAULT_THROTTLING: ThrottlingSettings = { maxConcurrency: 27, backOffMs: 5000 };

export class Throttle {
  settings: ThrottlingSettings = { ...DEFAULT_THROTTLING };
  private readonly inFlight = new Map<string, number>();
  private readonly windows = new Map<string, { start: number; count: number }>();

  /** Returns BackOffMilliseconds when over a limit, otherwise takes a slot (release it with `release`). */
  acquire(mailbox: string): number | undefined {
    const current = this.inFlight.get(mailbox) ?? 0;
    if (current >= this.settings.maxConcurrency) return this.settings.backOffMs;
    const budget = this.settings.budget;
    if (budget) {
      const now = Date.now();
      let w = this.windows.get(mailbox);
      if (!w || now - w.start >= budget.windowMs) {
        w = { start: now, count: 0 };
        this.windows.set(mailbox, w);
      }
      if (w.count >= budget.requests) return Math.max(1, w.start + budget.windowMs - now);
      w.count += 1;
    }
    this.inFlight.set(mailbox, current + 1);
    return undefined;
  }

  release(mailbox: string): void {
    const n = (this.inFlight.get(mailbox) ?? 1) - 1;
    if (n <= 0) this.inFlight.delete(mailbox);
    else this.inFlight.set(mailbox, n);
  }

  reset(): void {
    this.settings = { ...DEFAULT_THROTTLING };
    this.inFlight.clear();
    this.windows.clear();
  }
}
