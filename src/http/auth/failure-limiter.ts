/**
 * Slows down credential guessing: after `maxFailures` failed attempts from one client within
 * `windowMs`, that client gets 429 until the window has passed. Per process on purpose — an
 * attacker spread across instances still meets the slow hash on every try.
 */
export class FailureLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly maxFailures = 10, private readonly windowMs = 60_000) {}

  /** Milliseconds the client must wait, or 0 when it may try. */
  blockedFor(client: string, now = Date.now()): number {
    const recent = this.recent(client, now);
    return recent.length >= this.maxFailures ? recent[0]! + this.windowMs - now : 0;
  }

  recordFailure(client: string, now = Date.now()): void {
    const recent = this.recent(client, now);
    recent.push(now);
    this.failures.set(client, recent);
    if (this.failures.size > 50_000) this.failures.clear();
  }

  private recent(client: string, now: number): number[] {
    return (this.failures.get(client) ?? []).filter((at) => at > now - this.windowMs);
  }
}
