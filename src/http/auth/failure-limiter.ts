/**
 * Slows down credential guessing on /s4/events (HTTP basic with an scrypt-hashed secret) without
 * letting anyone use the limit against a valid caller. The design:
 *
 * - Only failures count, in a sliding window (60 s). Each failure counts against the caller's
 *   address, against (user name, address) and against the user name.
 * - The address is `req.ip` with exactly the platform's proxy hops trusted (TRUST_PROXY_HOPS; the
 *   gorouter's entry on Cloud Foundry), so a caller cannot choose it by writing X-Forwarded-For.
 * - An address is refused after 10 failures for one user name or 20 for any user names: that
 *   stops one source, and only that source (rotating user names does not help it).
 * - A user name is refused after 50 failures from all addresses together (a distributed guess), but
 *   only for addresses that have not signed in as that user within the last 24 hours: the S/4
 *   system that posts events every day keeps working while someone elsewhere guesses its name.
 * - A credential verified within the last minute is accepted without consulting the limiter at all
 *   (the credential cache): the right password is never refused because of others' failures.
 *
 * A fresh address of the real caller during an ongoing distributed attack on its exact user name
 * waits until the window passes (S/4's SM59 queue retries). Per process on purpose: an attacker
 * spread across instances still meets the slow hash on every try.
 */
export interface FailureLimits {
  perUserAndAddress: number;
  perAddress: number;
  perUser: number;
  windowMs: number;
  /** How long a successful sign-in exempts its address from the user name's limit. */
  knownGoodMs: number;
}

export const DEFAULT_FAILURE_LIMITS: FailureLimits = {
  perUserAndAddress: 10,
  perAddress: 20,
  perUser: 50,
  windowMs: 60_000,
  knownGoodMs: 24 * 3600_000,
};

const MAX_KEYS = 50_000;

export interface SignInAttempt {
  address: string;
  /** The user name offered, when there is one (basic auth); bearer tokens have none. */
  user?: string;
}

export class FailureLimiter {
  private readonly failures = new Map<string, number[]>();
  private readonly knownGood = new Map<string, number>();
  private readonly limits: FailureLimits;

  constructor(limits: Partial<FailureLimits> = {}) {
    this.limits = { ...DEFAULT_FAILURE_LIMITS, ...limits };
  }

  /** Milliseconds the attempt must wait, or 0 when it may try. */
  blockedFor(attempt: SignInAttempt, now = Date.now()): number {
    const waits = [this.wait(`a:${attempt.address}`, this.limits.perAddress, now)];
    if (attempt.user !== undefined) {
      waits.push(this.wait(`ua:${attempt.user}\u0000${attempt.address}`, this.limits.perUserAndAddress, now));
      const goodUntil = this.knownGood.get(`${attempt.user}\u0000${attempt.address}`) ?? 0;
      if (goodUntil <= now) waits.push(this.wait(`u:${attempt.user}`, this.limits.perUser, now));
    }
    return Math.max(...waits);
  }

  recordFailure(attempt: SignInAttempt, now = Date.now()): void {
    this.push(`a:${attempt.address}`, now);
    if (attempt.user !== undefined) {
      this.push(`ua:${attempt.user}\u0000${attempt.address}`, now);
      this.push(`u:${attempt.user}`, now);
    }
  }

  recordSuccess(attempt: Required<SignInAttempt>, now = Date.now()): void {
    if (this.knownGood.size > MAX_KEYS) this.knownGood.clear();
    this.knownGood.set(`${attempt.user}\u0000${attempt.address}`, now + this.limits.knownGoodMs);
  }

  private wait(key: string, max: number, now: number): number {
    const recent = this.recent(key, now);
    return recent.length >= max ? recent[recent.length - max]! + this.limits.windowMs - now : 0;
  }

  private push(key: string, now: number): void {
    const recent = this.recent(key, now);
    recent.push(now);
    if (this.failures.size > MAX_KEYS) this.failures.clear();
    this.failures.set(key, recent);
  }

  private recent(key: string, now: number): number[] {
    return (this.failures.get(key) ?? []).filter((at) => at > now - this.limits.windowMs);
  }
}
