import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { badRequest, GraphError, notFound, type EmuResponse } from './odata.js';
import type { ChangeType, GraphStore, Json, Mailbox } from './store.js';

/**
 * Webhook subscriptions (learn.microsoft.com/graph/api/resources/subscription and
 * learn.microsoft.com/graph/change-notifications-delivery-webhooks):
 * - creation validates notificationUrl (and lifecycleNotificationUrl) by POSTing
 *   `?validationToken=…` and expecting the token back as text/plain within 10 seconds;
 * - Outlook resources allow at most 4,230 minutes of lifetime; values under 45 minutes are raised to 45;
 * - failed deliveries (non-2xx or no answer in 10 s) are retried with exponential backoff for up to 4 hours;
 * - lifecycle notifications (reauthorizationRequired, subscriptionRemoved, missed) go to lifecycleNotificationUrl;
 * - To Do tasks cannot be subscribed with application permissions (403), as the permissions table says.
 * `timeScale` divides every wait the emulator schedules (expiry, retry backoff).
 */
export const MAX_OUTLOOK_MINUTES = 4_230;
const MIN_MINUTES = 45;
const VALIDATION_TIMEOUT_MS = 10_000;
const RETRY_HORIZON_MS = 4 * 3_600_000;

const createSchema = z.object({
  changeType: z.string().min(1),
  notificationUrl: z.string().url(),
  lifecycleNotificationUrl: z.string().url().optional(),
  resource: z.string().min(1),
  expirationDateTime: z.string().datetime({ offset: true }),
  clientState: z.string().max(128).optional(),
  latestSupportedTlsVersion: z.string().optional(),
});

export interface EmulatedSubscription {
  id: string;
  resource: string;
  changeType: ChangeType[];
  notificationUrl: string;
  lifecycleNotificationUrl?: string;
  clientState?: string;
  expirationMs: number;
  mailbox: Mailbox;
  collectionKey: string;
  timer?: NodeJS.Timeout;
}

export type LifecycleEvent = 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed';

export interface DeliveryRecord {
  subscriptionId: string;
  kind: 'change' | LifecycleEvent;
  changeType?: string;
  itemId?: string;
  attempts: number;
  delivered: boolean;
}

export class Subscriptions {
  readonly active = new Map<string, EmulatedSubscription>();
  readonly deliveries: DeliveryRecord[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly store: GraphStore,
    private readonly tenantId: string,
    private readonly timeScale: number,
  ) {
    store.onChange((mailbox, collection, changeType, id) => this.onChange(mailbox, collection, changeType, id));
  }

  /** "users/{id}/events", "users/{id}/contactFolders/{f}/contacts", "users/{id}/todo/lists/{l}/tasks". */
  private parseResource(resource: string): { mailbox: Mailbox; collectionKey: string } {
    const parts = resource.replace(/^\//, '').split('/');
    const mailbox = parts[0]?.toLowerCase() === 'users' && parts[1] ? this.store.find(parts[1]) : undefined;
    if (!mailbox)
      throw new GraphError(
        404,
        'ResourceNotFound',
        `Resource '${resource}' does not exist or one of its queried reference-property objects are not present.`,
      );
    // A mailbox outside the app's application access policy / RBAC for Applications scope is refused
    // for subscriptions as for every other call on it (learn.microsoft.com/en-us/graph/auth-limit-mailbox-access).
    if (mailbox.denied) throw new GraphError(403, mailbox.denied.code, mailbox.denied.message);
    const rest = parts.slice(2).map((p) => p.toLowerCase());
    if (rest.join('/') === 'events') return { mailbox, collectionKey: 'events' };
    if (rest.join('/') === 'contacts') return { mailbox, collectionKey: `contacts:${mailbox.defaultContactFolderId}` };
    if (
      rest[0] === 'contactfolders' &&
      rest[2] === 'contacts' &&
      rest.length === 3 &&
      mailbox.contacts.has(parts[3] ?? '')
    ) {
      return { mailbox, collectionKey: `contacts:${parts[3]}` };
    }
    if (rest[0] === 'todo' && rest[1] === 'lists' && rest[3] === 'tasks' && rest.length === 4) {
      // "Create subscription" (learn.microsoft.com/graph/api/subscription-post-subscriptions), permissions
      // table: todoTask — Application: Not supported. Every emulator token is app-only (client credentials).
      throw new GraphError(
        403,
        'ExtensionError',
        'Operation: Create; Exception: [Status Code: Forbidden; Reason: Application-only permissions are not supported for change notifications on todoTask resources.]',
      );
    }
    throw badRequest(`Resource '${resource}' is not supported for subscriptions by the emulator.`, 'ExtensionError');
  }

  private checkExpiry(value: string): number {
    const requested = Date.parse(value);
    const now = Date.now();
    if (requested > now + MAX_OUTLOOK_MINUTES * 60_000 + 60_000) {
      throw badRequest(
        `Subscription expiration can only be ${MAX_OUTLOOK_MINUTES} minutes in the future.`,
        'ExtensionError',
      );
    }
    return Math.max(requested, now + MIN_MINUTES * 60_000);
  }

  private async validate(url: string): Promise<void> {
    const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()}`;
    const target = `${url}${url.includes('?') ? '&' : '?'}validationToken=${encodeURIComponent(token)}`;
    let ok = false;
    try {
      const res = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        signal: AbortSignal.timeout(VALIDATION_TIMEOUT_MS),
      });
      ok = res.status === 200 && (await res.text()) === token;
    } catch {
      ok = false;
    }
    if (!ok) {
      throw badRequest(
        `Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request. (${url})`,
        'ValidationError',
      );
    }
  }

  async create(body: unknown): Promise<EmuResponse> {
    const parsed = createSchema.safeParse(body);
    if (!parsed.success)
      throw badRequest(
        `Invalid subscription: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    const input = parsed.data;
    const { mailbox, collectionKey } = this.parseResource(input.resource);
    const changeType = input.changeType.split(',').map((c) => c.trim());
    if (changeType.some((c) => !['created', 'updated', 'deleted'].includes(c)))
      throw badRequest(`Invalid changeType '${input.changeType}'`);
    const expirationMs = this.checkExpiry(input.expirationDateTime);
    await this.validate(input.notificationUrl);
    if (input.lifecycleNotificationUrl) await this.validate(input.lifecycleNotificationUrl);
    const sub: EmulatedSubscription = {
      id: randomUUID(),
      resource: input.resource,
      changeType: changeType as ChangeType[],
      notificationUrl: input.notificationUrl,
      ...(input.lifecycleNotificationUrl ? { lifecycleNotificationUrl: input.lifecycleNotificationUrl } : {}),
      ...(input.clientState !== undefined ? { clientState: input.clientState } : {}),
      expirationMs,
      mailbox,
      collectionKey,
    };
    this.active.set(sub.id, sub);
    this.schedule(sub);
    return { status: 201, body: this.json(sub) };
  }

  get(id: string): EmuResponse {
    return { status: 200, body: this.json(this.require(id)) };
  }

  list(): EmuResponse {
    return { status: 200, body: { value: [...this.active.values()].map((s) => this.json(s)) } };
  }

  async update(id: string, body: unknown): Promise<EmuResponse> {
    const sub = this.require(id);
    const parsed = z
      .object({
        expirationDateTime: z.string().datetime({ offset: true }).optional(),
        notificationUrl: z.string().url().optional(),
      })
      .safeParse(body);
    if (!parsed.success) throw badRequest('Invalid subscription update');
    if (parsed.data.notificationUrl) {
      await this.validate(parsed.data.notificationUrl);
      sub.notificationUrl = parsed.data.notificationUrl;
    }
    if (parsed.data.expirationDateTime) sub.expirationMs = this.checkExpiry(parsed.data.expirationDateTime);
    this.schedule(sub);
    return { status: 200, body: this.json(sub) };
  }

  delete(id: string): EmuResponse {
    const sub = this.require(id);
    this.drop(sub);
    return { status: 204 };
  }

  /** POST /subscriptions/{id}/reauthorize — answers a reauthorizationRequired challenge. */
  reauthorize(id: string): EmuResponse {
    this.require(id);
    return { status: 204 };
  }

  private require(id: string): EmulatedSubscription {
    const sub = this.active.get(id);
    if (!sub) throw notFound(`The object was not found. Subscription '${id}' does not exist.`);
    return sub;
  }

  private json(sub: EmulatedSubscription): Json {
    return {
      '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#subscriptions/$entity',
      id: sub.id,
      resource: sub.resource,
      applicationId: 'demo-client',
      changeType: sub.changeType.join(','),
      clientState: sub.clientState ?? null,
      notificationUrl: sub.notificationUrl,
      lifecycleNotificationUrl: sub.lifecycleNotificationUrl ?? null,
      expirationDateTime: new Date(sub.expirationMs).toISOString(),
      creatorId: randomUUID(),
      latestSupportedTlsVersion: 'v1_2',
      notificationQueryOptions: null,
      includeResourceData: false,
    };
  }

  private schedule(sub: EmulatedSubscription): void {
    if (sub.timer) clearTimeout(sub.timer);
    const delay = Math.max(0, (sub.expirationMs - Date.now()) / this.timeScale);
    sub.timer = setTimeout(() => this.drop(sub), Math.min(delay, 2 ** 31 - 1));
    sub.timer.unref();
  }

  private drop(sub: EmulatedSubscription): void {
    if (sub.timer) clearTimeout(sub.timer);
    this.active.delete(sub.id);
  }

  private onChange(mailbox: Mailbox, collectionKey: string, changeType: ChangeType, id: string): void {
    for (const sub of this.active.values()) {
      if (sub.mailbox !== mailbox || sub.collectionKey !== collectionKey || !sub.changeType.includes(changeType))
        continue;
      const [kind, containerId] = collectionKey.split(':');
      const path =
        kind === 'events'
          ? `Users/${mailbox.id}/Events/${id}`
          : kind === 'contacts'
            ? `Users/${mailbox.id}/Contacts/${id}`
            : `Users/${mailbox.id}/todo/lists/${containerId}/tasks/${id}`;
      const odataType =
        kind === 'events'
          ? '#Microsoft.Graph.Event'
          : kind === 'contacts'
            ? '#Microsoft.Graph.Contact'
            : '#Microsoft.Graph.todoTask';
      const record: DeliveryRecord = {
        subscriptionId: sub.id,
        kind: 'change',
        changeType,
        itemId: id,
        attempts: 0,
        delivered: false,
      };
      this.record(record);
      void this.deliver(
        sub.notificationUrl,
        {
          value: [
            {
              subscriptionId: sub.id,
              subscriptionExpirationDateTime: new Date(sub.expirationMs).toISOString(),
              changeType,
              resource: path,
              resourceData: { '@odata.type': odataType, '@odata.id': path, id },
              clientState: sub.clientState ?? null,
              tenantId: this.tenantId,
            },
          ],
        },
        record,
      );
    }
  }

  /** Sends a lifecycle notification; subscriptionRemoved also removes the subscription. */
  lifecycle(id: string, event: LifecycleEvent): DeliveryRecord {
    const sub = this.require(id);
    if (event === 'subscriptionRemoved') this.drop(sub);
    const record: DeliveryRecord = { subscriptionId: id, kind: event, attempts: 0, delivered: false };
    this.record(record);
    if (!sub.lifecycleNotificationUrl) return record;
    void this.deliver(
      sub.lifecycleNotificationUrl,
      {
        value: [
          {
            subscriptionId: id,
            subscriptionExpirationDateTime: new Date(sub.expirationMs).toISOString(),
            tenantId: this.tenantId,
            clientState: sub.clientState ?? null,
            lifecycleEvent: event,
          },
        ],
      },
      record,
    );
    return record;
  }

  /** Keeps the latest deliveries for inspection; a long-running demo must not grow without bound. */
  private record(record: DeliveryRecord): void {
    this.deliveries.push(record);
    if (this.deliveries.length > 1_000) this.deliveries.splice(0, this.deliveries.length - 1_000);
  }

  private async deliver(url: string, payload: Json, record: DeliveryRecord): Promise<void> {
    const started = Date.now();
    for (let backoff = 1_000; !this.closed; backoff *= 2) {
      record.attempts++;
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(payload),
          signal: AbortSignal.timeout(VALIDATION_TIMEOUT_MS),
        });
        await res.arrayBuffer().catch(() => undefined);
        if (res.status >= 200 && res.status < 300) {
          record.delivered = true;
          return;
        }
      } catch {
        // Unreachable or slow endpoint: retried below like any failure.
      }
      if ((Date.now() - started) * this.timeScale + backoff > RETRY_HORIZON_MS) return;
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          this.timers.delete(t);
          resolve();
        }, backoff / this.timeScale);
        t.unref();
        this.timers.add(t);
      });
    }
  }

  reset(): void {
    for (const sub of this.active.values()) if (sub.timer) clearTimeout(sub.timer);
    this.active.clear();
    this.deliveries.length = 0;
  }

  close(): void {
    this.closed = true;
    this.reset();
    for (const t of this.timers) clearTimeout(t);
  }
}
