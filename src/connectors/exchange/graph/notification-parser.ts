import { z } from 'zod';
import { TandemError } from '../../../errors/tandem-error.js';

/**
 * Parses what Graph POSTs to the notification and lifecycle URLs
 * (learn.microsoft.com/graph/change-notifications-delivery-webhooks and
 * learn.microsoft.com/graph/change-notifications-lifecycle-events). Notifications are triggers,
 * not data: the id tells the worker what to re-read; `lifecycleEvent` tells it how to recover:
 * - reauthorizationRequired → renew (PATCH) the subscription now;
 * - subscriptionRemoved → create a new subscription, then resync via delta;
 * - missed → resync via delta (notifications were dropped).
 */
export type LifecycleEvent = 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed';

export interface GraphNotification {
  subscriptionId: string;
  clientState: string | undefined;
  changeType: string | undefined;
  resource: string | undefined;
  resourceId?: string;
  lifecycleEvent?: LifecycleEvent;
}

const item = z
  .object({
    subscriptionId: z.string().min(1),
    clientState: z.string().nullish(),
    changeType: z.string().optional(),
    resource: z.string().optional(),
    resourceData: z.object({ id: z.string().optional() }).passthrough().nullish(),
    lifecycleEvent: z.enum(['reauthorizationRequired', 'subscriptionRemoved', 'missed']).optional(),
    subscriptionExpirationDateTime: z.string().optional(),
    tenantId: z.string().optional(),
  })
  .passthrough();

const body = z.object({ value: z.array(item) }).passthrough();

/**
 * Most notifications one request may carry. Graph batches a few per POST; anyone can call the
 * endpoint, and each item costs a lookup, so more is refused (413) before anything is looked at.
 */
export const MAX_GRAPH_NOTIFICATIONS_PER_REQUEST = 100;

export function parseGraphNotifications(input: unknown): GraphNotification[] {
  const items = (input as { value?: unknown } | null)?.value;
  if (Array.isArray(items) && items.length > MAX_GRAPH_NOTIFICATIONS_PER_REQUEST) {
    throw new TandemError(
      'PAYLOAD_TOO_LARGE',
      `At most ${MAX_GRAPH_NOTIFICATIONS_PER_REQUEST} notifications per request`,
    );
  }
  const parsed = body.safeParse(input);
  if (!parsed.success) {
    throw new TandemError('VALIDATION_FAILED', 'Not a Graph change notification collection', {
      fieldErrors: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
  }
  return parsed.data.value.map((n) => {
    const resourceId =
      n.resourceData?.id ?? (n.resource ? /\/(?:Events|Contacts|tasks)\/([^/]+)$/i.exec(n.resource)?.[1] : undefined);
    return {
      subscriptionId: n.subscriptionId,
      clientState: n.clientState ?? undefined,
      changeType: n.changeType,
      resource: n.resource,
      ...(resourceId ? { resourceId } : {}),
      ...(n.lifecycleEvent ? { lifecycleEvent: n.lifecycleEvent } : {}),
    };
  });
}

/** What the worker should do about a lifecycle event (the recovery signal). */
export function lifecycleRecovery(event: LifecycleEvent): 'renew' | 'recreate-and-resync' | 'resync' {
  return event === 'reauthorizationRequired'
    ? 'renew'
    : event === 'subscriptionRemoved'
      ? 'recreate-and-resync'
      : 'resync';
}
