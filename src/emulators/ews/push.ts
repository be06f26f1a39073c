import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { child, childText, esc, NS, parseXml, path } from './xml.js';
import { encodeWatermark, type Mailbox, type MailboxEvent } from './store.js';
import { formatDateTime } from './calendar.js';
import type { Logger } from '../common/logger.js';

/**
 * Push notifications ("Notification subscriptions, mailbox events, and EWS in Exchange";
 * "StatusFrequency"; "SendNotification"): the server POSTs SendNotification to the subscriber URL;
 * the answer's SubscriptionStatus OK keeps the subscription, Unsubscribe ends it. When the POST
 * fails, the server retries after 30 s and doubles the interval each time; a retry whose interval
 * would exceed StatusFrequency minutes is not sent and the subscription is dropped. With no
 * events, a StatusEvent is sent every StatusFrequency minutes. All intervals × timeScale.
 */

export interface Subscription {
  id: string;
  mailbox: Mailbox;
  folderIds: Set<string> | 'all';
  eventTypes: Set<string>;
  url: string;
  statusFrequencyMin: number;
  /** Seq of the last event delivered (or skipped) — the watermark the next notification starts from. */
  cursor: number;
  failures: number;
  nextRetryMs: number;
  timer?: NodeJS.Timeout;
  inFlight: boolean;
  /** Delivery attempts log for inspection (time, outcome). */
  attempts: { at: number; ok: boolean; status?: number; reason?: string }[];
  lastWatermark: string;
  timerIsHeartbeat: boolean;
  lastOkAt: number;
}

export interface PushOptions {
  timeScale: number;
  /** Client answers slower than this count as failures (scaled; floor 1 s). */
  responseTimeoutMs: number;
  ca?: string;
}

const MAX_EVENTS_PER_NOTIFICATION = 50;

export class PushManager {
  readonly subscriptions = new Map<string, Subscription>();
  readonly dropped: { id: string; at: number; reason: string }[] = [];
  paused = false;
  /** Number of upcoming delivery attempts to lose (simulated network drop). */
  dropNext = 0;
  private closed = false;
  private readonly urls = new Map<string, URL>();

  constructor(
    private readonly options: PushOptions,
    private readonly log: Logger,
  ) {}

  private scaled(ms: number): number {
    return Math.max(1, Math.round(ms * this.options.timeScale));
  }

  subscribe(
    mailbox: Mailbox,
    folderIds: Set<string> | 'all',
    eventTypes: Set<string>,
    url: string,
    statusFrequencyMin: number,
    cursor: number,
  ): Subscription {
    const sub: Subscription = {
      id: Buffer.from(`SUB|${mailbox.key}|${randomUUID()}`).toString('base64'),
      mailbox,
      folderIds,
      eventTypes,
      url,
      statusFrequencyMin,
      cursor,
      failures: 0,
      nextRetryMs: 0,
      inFlight: false,
      attempts: [],
      lastWatermark: encodeWatermark(mailbox, cursor),
      timerIsHeartbeat: false,
      lastOkAt: Date.now(),
    };
    this.subscriptions.set(sub.id, sub);
    // The first notification is attempted right away (retry table "0 – initial" in "StatusFrequency").
    this.schedule(sub, 0);
    return sub;
  }

  unsubscribe(id: string): boolean {
    const sub = this.subscriptions.get(id);
    if (!sub) return false;
    this.remove(sub, 'unsubscribed');
    return true;
  }

  /**
   * Every subscription vanishes without a word, as when the Mailbox server restarts or the mailbox
   * moves to another database: push subscriptions live in the server's memory, so the subscriber
   * learns of it only from the missing StatusFrequency heartbeat ("StatusFrequency": the server
   * sends a status notification when nothing happened for that many minutes).
   */
  forgetAll(): number {
    const count = this.subscriptions.size;
    for (const sub of [...this.subscriptions.values()]) this.remove(sub, 'forgotten (server restart)');
    return count;
  }

  /** Called by the store owner after every mailbox change. */
  onEvent(mailbox: Mailbox): void {
    for (const sub of this.subscriptions.values()) {
      if (sub.mailbox === mailbox && sub.failures === 0 && !sub.inFlight) this.schedule(sub, 0);
    }
  }

  resume(): void {
    this.paused = false;
    for (const sub of this.subscriptions.values()) if (!sub.inFlight && sub.failures === 0) this.schedule(sub, 0);
  }

  close(): void {
    this.closed = true;
    for (const sub of this.subscriptions.values()) clearTimeout(sub.timer);
  }

  private remove(sub: Subscription, reason: string): void {
    clearTimeout(sub.timer);
    this.subscriptions.delete(sub.id);
    this.dropped.push({ id: sub.id, at: Date.now(), reason });
    this.log.info({ subscriptionId: sub.id, reason }, 'push subscription ended');
  }

  private schedule(sub: Subscription, delayMs: number): void {
    if (this.closed) return;
    clearTimeout(sub.timer);
    sub.timer = setTimeout(() => void this.deliver(sub), delayMs);
    sub.timer.unref?.();
  }

  private matching(sub: Subscription): { events: MailboxEvent[]; upTo: number; more: boolean } {
    const events: MailboxEvent[] = [];
    let upTo = sub.cursor;
    let more = false;
    for (let i = Math.max(0, sub.cursor); i < sub.mailbox.events.length; i++) {
      const e = sub.mailbox.events[i]!;
      if (events.length >= MAX_EVENTS_PER_NOTIFICATION) {
        more = true;
        break;
      }
      upTo = e.seq;
      const inFolder =
        sub.folderIds === 'all' ||
        sub.folderIds.has(e.folderId) ||
        (e.oldFolderId !== undefined && sub.folderIds.has(e.oldFolderId));
      if (inFolder && sub.eventTypes.has(e.type)) events.push(e);
    }
    return { events, upTo, more };
  }

  private notificationXml(sub: Subscription, events: MailboxEvent[], upTo: number, more: boolean): string {
    const mbx = sub.mailbox;
    const ids = (e: MailboxEvent): string => {
      const tag = e.isFolder ? 'FolderId' : 'ItemId';
      const ck = e.isFolder ? mbx.folders.get(e.itemId)?.changeKey : mbx.items.get(e.itemId)?.changeKey;
      const parentCk = mbx.folders.get(e.folderId)?.changeKey ?? '';
      let xml = `<t:${tag} Id="${e.itemId}"${ck ? ` ChangeKey="${ck}"` : ''}/><t:ParentFolderId Id="${e.folderId}" ChangeKey="${parentCk}"/>`;
      if (e.type === 'MovedEvent' || e.type === 'CopiedEvent') {
        xml += `<t:Old${tag} Id="${e.oldItemId ?? ''}"/><t:OldParentFolderId Id="${e.oldFolderId ?? ''}" ChangeKey="${mbx.folders.get(e.oldFolderId ?? '')?.changeKey ?? ''}"/>`;
      }
      return xml;
    };
    const body = events.length
      ? events
          .map(
            (e) =>
              `<t:${e.type}><t:Watermark>${encodeWatermark(mbx, e.seq)}</t:Watermark><t:TimeStamp>${formatDateTime(e.time)}</t:TimeStamp>${ids(e)}</t:${e.type}>`,
          )
          .join('')
      : `<t:StatusEvent><t:Watermark>${encodeWatermark(mbx, upTo)}</t:Watermark></t:StatusEvent>`;
    return (
      '<?xml version="1.0" encoding="utf-8"?>' +
      `<soap:Envelope xmlns:soap="${NS.soap}" xmlns:t="${NS.types}" xmlns:m="${NS.messages}">` +
      '<soap:Header><t:RequestServerVersion Version="Exchange2010_SP1"/></soap:Header><soap:Body>' +
      '<m:SendNotification><m:ResponseMessages><m:SendNotificationResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>' +
      `<m:Notification><t:SubscriptionId>${esc(sub.id)}</t:SubscriptionId><t:PreviousWatermark>${encodeWatermark(mbx, sub.cursor)}</t:PreviousWatermark><t:MoreEvents>${more}</t:MoreEvents>${body}</m:Notification>` +
      '</m:SendNotificationResponseMessage></m:ResponseMessages></m:SendNotification></soap:Body></soap:Envelope>'
    );
  }

  private async deliver(sub: Subscription): Promise<void> {
    if (this.closed || !this.subscriptions.has(sub.id) || sub.inFlight) return;
    if (this.paused) return; // resume() reschedules
    const { events, upTo, more } = this.matching(sub);
    const isHeartbeat = sub.timerIsHeartbeat;
    sub.timerIsHeartbeat = false;
    if (events.length === 0 && !isHeartbeat && sub.attempts.length > 0 && sub.failures === 0) {
      // Only events this subscription does not watch: advance silently.
      sub.cursor = upTo;
      if (more) this.schedule(sub, 0);
      else this.scheduleHeartbeat(sub);
      return;
    }
    sub.inFlight = true;
    let outcome: { ok: boolean; unsubscribe?: boolean; status?: number; reason?: string };
    if (this.dropNext > 0) {
      this.dropNext -= 1;
      outcome = { ok: false, reason: 'dropped by fault injection' };
    } else {
      outcome = await this.post(sub.url, this.notificationXml(sub, events, upTo, more));
    }
    sub.inFlight = false;
    sub.attempts.push({
      at: Date.now(),
      ok: outcome.ok,
      ...(outcome.status ? { status: outcome.status } : {}),
      ...(outcome.reason ? { reason: outcome.reason } : {}),
    });
    if (!this.subscriptions.has(sub.id)) return;
    if (outcome.ok) {
      sub.failures = 0;
      sub.nextRetryMs = 0;
      sub.lastOkAt = Date.now();
      sub.cursor = upTo;
      sub.lastWatermark = encodeWatermark(sub.mailbox, upTo);
      if (outcome.unsubscribe) {
        this.remove(sub, 'client answered Unsubscribe');
        return;
      }
      if (this.matching(sub).upTo > sub.cursor) this.schedule(sub, 0);
      else this.scheduleHeartbeat(sub);
      return;
    }
    sub.failures += 1;
    sub.nextRetryMs = sub.nextRetryMs === 0 ? 30_000 : sub.nextRetryMs * 2;
    if (sub.nextRetryMs > sub.statusFrequencyMin * 60_000) {
      this.remove(
        sub,
        `no successful delivery; next retry interval ${sub.nextRetryMs / 1000}s exceeds StatusFrequency ${sub.statusFrequencyMin} min`,
      );
      return;
    }
    this.log.debug(
      { subscriptionId: sub.id, retryInMs: this.scaled(sub.nextRetryMs), reason: outcome.reason },
      'push delivery failed',
    );
    this.schedule(sub, this.scaled(sub.nextRetryMs));
  }

  private scheduleHeartbeat(sub: Subscription): void {
    if (this.closed) return;
    clearTimeout(sub.timer);
    sub.timer = setTimeout(
      () => {
        sub.timerIsHeartbeat = true;
        void this.deliver(sub);
      },
      Math.max(0, sub.lastOkAt + this.scaled(sub.statusFrequencyMin * 60_000) - Date.now()),
    );
    sub.timer.unref?.();
  }

  /** A subscriber's URL, parsed once: every notification to it is a POST to the same URL. */
  private parsedUrl(url: string): URL | undefined {
    let parsed = this.urls.get(url);
    if (!parsed) {
      try {
        parsed = new URL(url);
      } catch {
        return undefined;
      }
      if (this.urls.size >= 1000) this.urls.clear();
      this.urls.set(url, parsed);
    }
    return parsed;
  }

  private post(
    url: string,
    xml: string,
  ): Promise<{ ok: boolean; unsubscribe?: boolean; status?: number; reason?: string }> {
    return new Promise((resolve) => {
      const u = this.parsedUrl(url);
      if (!u) {
        resolve({ ok: false, reason: 'invalid URL' });
        return;
      }
      const requester = u.protocol === 'https:' ? httpsRequest : httpRequest;
      const timeout = Math.max(1000, this.options.responseTimeoutMs);
      const req = requester(
        u,
        {
          method: 'POST',
          headers: { 'content-type': 'text/xml; charset=utf-8', 'content-length': Buffer.byteLength(xml) },
          timeout,
          ...(this.options.ca ? { ca: this.options.ca } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            if (status !== 200) return resolve({ ok: false, status, reason: `HTTP ${status}` });
            try {
              const doc = parseXml(Buffer.concat(chunks).toString('utf8'));
              const result = child(path(doc, 'Body'), 'SendNotificationResult');
              const st = childText(result, 'SubscriptionStatus');
              if (st === 'OK') return resolve({ ok: true, status });
              if (st === 'Unsubscribe') return resolve({ ok: true, unsubscribe: true, status });
              return resolve({ ok: false, status, reason: `bad SubscriptionStatus '${st ?? ''}'` });
            } catch (e) {
              return resolve({ ok: false, status, reason: `bad body: ${(e as Error).message}` });
            }
          });
          res.on('error', (e) => resolve({ ok: false, reason: e.message }));
        },
      );
      req.on('timeout', () => {
        req.destroy(new Error('timeout'));
      });
      req.on('error', (e) => resolve({ ok: false, reason: e.message }));
      req.end(xml);
    });
  }
}
