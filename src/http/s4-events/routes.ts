import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { TandemError } from '../../errors/tandem-error.js';
import { withLogContext } from '../../logging/logger.js';
import type { InboxWriter, WriteResult } from '../../inbox/inbox-writer.js';
import type { NewInboxEvent } from '../../inbox/inbox-event.js';
import type { CallbackCredentialVerifier } from '../../security/callback-credentials.js';
import { bearerToken, type TokenVerifier } from '../auth/authenticate.js';
import { FailureLimiter } from '../auth/failure-limiter.js';
import type { TenantRateLimit } from '../auth/tenant-rate-limit.js';
import {
  cloudEventBatchSchema,
  cloudEventSchema,
  s4EventTarget,
  S4_HEARTBEAT_SUBJECT,
  type CloudEvent,
} from '../../inbox/s4-event.js';
import { recordS4Heartbeats } from '../../s4-connection/heartbeats.js';
import { hotPost } from '../hot-routes.js';
import { sendJson } from '../prepared-response.js';
import type { Pool } from '../../store/pool.js';

const SINGLE = 'application/cloudevents+json';
const BATCH = 'application/cloudevents-batch+json';
export const S4_EVENTS_BODY_LIMIT = '1mb';

export interface S4EventRoutesDeps {
  inbox: InboxWriter;
  credentials: CallbackCredentialVerifier;
  verifyToken: TokenVerifier;
  failures?: FailureLimiter;
  /** Events per second and burst a single tenant may post. */
  tenantLimit: TenantRateLimit;
  /** Where the event sender's heartbeats are recorded (they are not queued). */
  pool: Pool;
}

/**
 * POST /s4/events — S/4HANA's SM59 destination posts CloudEvents here. The answer is 202 only
 * once every event of the request is stored durably; a request with any invalid event changes
 * nothing (400 names the first problem per event).
 */
export function s4EventRoutes(deps: S4EventRoutesDeps): Router {
  const router = Router();
  const failures = deps.failures ?? new FailureLimiter();
  const tenantLimit = deps.tenantLimit;

  /**
   * The tenant of the request's callback credential. See FailureLimiter for how failures are
   * counted so that nobody can lock out someone else. A credential verified within the cache time
   * answers at once (no promise): that is every request of a busy sender but its first each minute.
   */
  function authenticate(req: Request): string | Promise<string> {
    // req.ip trusts exactly the platform's proxy hops (TRUST_PROXY_HOPS), so the caller cannot choose it.
    const address = req.ip ?? 'unknown';
    // Only per-tenant callback credentials: a bearer token would have to come from Tandem's own
    // XSUAA client, whose id and secret fetch a token for every subscriber's subdomain — holding
    // them in one customer's S/4 would let it post events as any other customer.
    if (bearerToken(req)) {
      throw new TandemError(
        'UNAUTHENTICATED',
        "Bearer tokens are not accepted here: send the tenant's callback credential with HTTP basic authentication",
      );
    }
    const basic = /^Basic\s+(\S+)$/i.exec(req.get('authorization') ?? '');
    if (!basic) throw new TandemError('UNAUTHENTICATED', 'Send the callback credential with HTTP basic authentication');
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const separator = decoded.indexOf(':');
    const user = separator > 0 ? decoded.slice(0, separator) : decoded;
    const password = separator > 0 ? decoded.slice(separator + 1) : '';
    // The right credential, verified within the last minute, is never held up by anyone's failures.
    const recent = deps.credentials.verifiedRecently(user, password);
    if (recent) return recent;
    refuseWhileBlocked(failures.blockedFor({ address, user }));
    if (separator <= 0) return refuse({ address, user });
    return deps.credentials.verify(user, password).then((tenantId) => {
      if (!tenantId) return refuse({ address, user });
      failures.recordSuccess({ address, user });
      return tenantId;
    });
  }

  function refuse(attempt: { address: string; user: string }): never {
    failures.recordFailure(attempt);
    throw new TandemError('UNAUTHENTICATED', 'Unknown or revoked callback credential');
  }

  /** What follows authentication: the media type, then the tenant on the log lines. */
  function admit(tenantId: string, req: Request, res: Response, next: NextFunction): void {
    res.locals.tenantId = tenantId;
    const contentType = (req.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (contentType !== SINGLE && contentType !== BATCH) {
      throw new TandemError(
        'UNSUPPORTED_MEDIA_TYPE',
        `Send ${SINGLE} or ${BATCH}, not "${contentType || 'no content type'}"`,
      );
    }
    withLogContext({ tenantId }, () => next());
  }

  hotPost(
    router,
    '/s4/events',
    // Plain functions returning a promise only when they wait: a thrown error or a rejected
    // promise reaches the problem handler alike (Express, and the hot dispatch, forward both).
    (req, res, next) => {
      const tenantId = authenticate(req);
      if (typeof tenantId === 'string') return admit(tenantId, req, res, next);
      return tenantId.then((verified) => admit(verified, req, res, next));
    },
    express.json({ type: [SINGLE, BATCH], limit: S4_EVENTS_BODY_LIMIT, strict: false }),
    (req, res) => {
      const tenantId = res.locals.tenantId as string;
      const isBatch = (req.get('content-type') ?? '').toLowerCase().startsWith(BATCH);
      const events = parseS4EventRequest(req.body, isBatch);
      tenantLimit.take(tenantId, events.length);
      const heartbeats = events.filter((e) => e.subject === S4_HEARTBEAT_SUBJECT);
      const inboxEvents: NewInboxEvent[] = events
        .filter((e) => e.subject !== S4_HEARTBEAT_SUBJECT)
        .map(({ event, subject }) => ({
          tenantId,
          source: 's4',
          eventId: event.id,
          type: event.type,
          subject,
          payload: { source: event.source, time: event.time, data: event.data },
          correlationId: event.id,
        }));
      const answer = (result: WriteResult) =>
        sendJson(res, 202, { ...result, accepted: result.accepted + heartbeats.length });
      // Heartbeats first, as before: a failed heartbeat write stores nothing of the request.
      if (heartbeats.length === 0) return deps.inbox.write(inboxEvents).then(answer);
      return recordS4Heartbeats(
        deps.pool,
        tenantId,
        heartbeats.map(({ event }) => ({
          eventId: event.id,
          source: event.source,
          time: event.time,
          data: event.data,
        })),
      )
        .then(() => deps.inbox.write(inboxEvents))
        .then(answer);
    },
  );
  return router;
}

function refuseWhileBlocked(waitMs: number): void {
  if (waitMs > 0)
    throw new TandemError('RATE_LIMITED', 'Too many failed sign-ins; try again later', { retryAfterMs: waitMs });
}

/**
 * The validation of `POST /s4/events`: the CloudEvents envelope, then each event's type and data.
 * Exported so that the ABAP event sender's output is checked against exactly this (test/unit/abap).
 */
export function parseS4EventRequest(body: unknown, isBatch: boolean): Array<{ event: CloudEvent; subject: string }> {
  const parsed = isBatch ? cloudEventBatchSchema.safeParse(body) : cloudEventSchema.safeParse(body);
  if (!parsed.success) {
    throw new TandemError('VALIDATION_FAILED', 'The request is not a valid CloudEvent' + (isBatch ? ' batch' : ''), {
      fieldErrors: parsed.error.issues
        .slice(0, 20)
        .map((issue) => ({ path: issue.path.join('.') || '(body)', message: issue.message })),
    });
  }
  const events = Array.isArray(parsed.data) ? parsed.data : [parsed.data];
  const problems: Array<{ path: string; message: string }> = [];
  const result = events.map((event, index) => {
    const checked = s4EventTarget(event.type, event.data);
    if (!checked.ok) problems.push({ path: `${isBatch ? `${index}.` : ''}${checked.path}`, message: checked.message });
    return { event, subject: checked.ok ? checked.target.subject : '' };
  });
  if (problems.length > 0) {
    throw new TandemError('VALIDATION_FAILED', `${problems.length} event(s) cannot be processed; nothing was stored`, {
      fieldErrors: problems.slice(0, 20),
    });
  }
  return result;
}
