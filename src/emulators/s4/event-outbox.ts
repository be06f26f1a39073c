import { randomUUID } from 'node:crypto';
import { logger } from '../common/logger.js';
import { S4_EVENT_TYPES, S4_HEARTBEAT_EVENT_TYPE, type S4CloudEvent } from './cloud-events.js';
import type { ChangeRecord } from './store.js';

const log = logger.child({ module: 'emulator.s4.events' });

export type DeliveryState = 'pending' | 'delivered' | 'failed' | 'dropped';

export interface OutboxEntry {
  event: S4CloudEvent;
  state: DeliveryState;
  attempts: number;
  /** HTTP status or error text of the last attempt. */
  lastError?: string;
  deliveredAt?: string;
}

export interface RetrySchedule {
  /** Delay before the first retry; doubles (× factor) per attempt up to maxDelayMs. */
  initialDelayMs: number;
  factor: number;
  maxDelayMs: number;
  /** Attempts in total before an event is given up ('failed'). */
  maxAttempts: number;
}

/** Outbox entries kept for inspection. */
const MAX_ENTRIES = 10_000;

export const DEFAULT_RETRY_SCHEDULE: RetrySchedule = {
  initialDelayMs: 1000,
  factor: 2,
  maxDelayMs: 60_000,
  maxAttempts: 12,
};

export interface OutboxOptions {
  eventsUrl?: string;
  eventsAuth?: { username: string; password: string };
  /** CloudEvents `source`, e.g. /default/sap.s4.beh/S4D/100. */
  source: string;
  retry?: Partial<RetrySchedule>;
}

/**
 * What the SM59 destination + event linkage does in a real system: turns committed changes into
 * CloudEvents and posts them to Tandem, one at a time in commit order (so events of one object
 * never overtake each other), retrying with exponential backoff while the receiver is down.
 */
export class EventOutbox {
  private readonly entries: OutboxEntry[] = [];
  private eventsUrl: string | undefined;
  private readonly auth: OutboxOptions['eventsAuth'];
  private readonly source: string;
  retry: RetrySchedule;
  private paused = false;
  /** Deliveries still to drop, each with the events it applies to (none: every event). */
  private drops: { remaining: number; matches?: (event: S4CloudEvent) => boolean }[] = [];
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private closed = false;
  /** Aborts an in-flight delivery on close, so shutting down never waits for a hanging receiver. */
  private readonly shutdown = new AbortController();

  constructor(options: OutboxOptions) {
    this.eventsUrl = options.eventsUrl;
    this.auth = options.eventsAuth;
    this.source = options.source;
    this.retry = { ...DEFAULT_RETRY_SCHEDULE, ...options.retry };
  }

  setEventsUrl(url: string | undefined): void {
    this.eventsUrl = url;
    this.kick();
  }

  /** Events of a committed unit of work (a request or a changeset). */
  publish(changes: ChangeRecord[]): void {
    for (const event of toEvents(changes, this.source)) {
      this.entries.push({ event, state: 'pending', attempts: 0 });
    }
    // Long demo runs: forget the oldest finished entries, never pending ones.
    while (this.entries.length > MAX_ENTRIES) {
      const index = this.entries.findIndex((e) => e.state !== 'pending');
      if (index < 0) break;
      this.entries.splice(index, 1);
    }
    this.kick();
  }

  list(): readonly OutboxEntry[] {
    return this.entries;
  }

  /**
   * Queues a heartbeat behind the pending events, as Tandem's sender job does every few minutes
   * (only while an events URL is configured: without a destination the job sends nothing).
   */
  heartbeat(): void {
    if (!this.eventsUrl) return;
    const count = (state: DeliveryState): number => this.entries.filter((e) => e.state === state).length;
    this.entries.push({
      event: {
        specversion: '1.0',
        id: randomUUID(),
        source: this.source,
        type: S4_HEARTBEAT_EVENT_TYPE,
        time: new Date().toISOString(),
        datacontenttype: 'application/json',
        data: { PendingEvents: count('pending'), FailedEvents: count('failed') },
      },
      state: 'pending',
      attempts: 0,
    });
    this.kick();
  }

  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
    this.kick();
  }
  isPaused(): boolean {
    return this.paused;
  }
  /**
   * The next N deliveries are dropped (never sent), like a lost HTTP call; with `matches`, the next
   * N of the events it accepts (e.g. only activity events), the others are delivered.
   */
  drop(count: number, matches?: (event: S4CloudEvent) => boolean): void {
    this.drops.push({ remaining: count, ...(matches ? { matches } : {}) });
  }

  private takeDrop(event: S4CloudEvent): boolean {
    const drop = this.drops.find((d) => d.remaining > 0 && (!d.matches || d.matches(event)));
    if (!drop) return false;
    drop.remaining--;
    this.drops = this.drops.filter((d) => d.remaining > 0);
    return true;
  }

  clear(): void {
    this.entries.length = 0;
    this.drops = [];
    this.paused = false;
  }

  /** Starts delivery if idle; an immediate retry when waiting in backoff. */
  kick(): void {
    if (this.wake) {
      this.wake();
      return;
    }
    if (this.running || this.closed) return;
    this.running = this.deliverAll().finally(() => {
      this.running = undefined;
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.shutdown.abort();
    this.wake?.();
    await this.running;
  }

  private async deliverAll(): Promise<void> {
    for (;;) {
      if (this.closed || this.paused || !this.eventsUrl) return;
      const next = this.entries.find((e) => e.state === 'pending');
      if (!next) return;
      if (this.takeDrop(next.event)) {
        next.state = 'dropped';
        continue;
      }
      const ok = await this.attempt(next);
      if (ok) continue;
      if (next.attempts >= this.retry.maxAttempts) {
        next.state = 'failed';
        log.warn({ eventId: next.event.id, attempts: next.attempts }, 'event delivery given up');
        continue;
      }
      const delay = Math.min(
        this.retry.maxDelayMs,
        this.retry.initialDelayMs * this.retry.factor ** (next.attempts - 1),
      );
      await this.sleep(delay);
    }
  }

  private async attempt(entry: OutboxEntry): Promise<boolean> {
    entry.attempts++;
    const headers: Record<string, string> = { 'content-type': 'application/cloudevents+json' };
    if (this.auth)
      headers.authorization = `Basic ${Buffer.from(`${this.auth.username}:${this.auth.password}`).toString('base64')}`;
    try {
      const response = await fetch(this.eventsUrl as string, {
        method: 'POST',
        headers,
        body: JSON.stringify(entry.event),
        signal: AbortSignal.any([AbortSignal.timeout(10_000), this.shutdown.signal]),
      });
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) {
        entry.state = 'delivered';
        entry.deliveredAt = new Date().toISOString();
        return true;
      }
      entry.lastError = `HTTP ${response.status}`;
      // A 4xx other than 408/429 will not heal by retrying the same bytes; give up at once.
      if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
        entry.attempts = Math.max(entry.attempts, this.retry.maxAttempts);
      }
    } catch (error) {
      entry.lastError = (error as Error).message;
    }
    return false;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = () => {
        clearTimeout(this.timer);
        this.wake = undefined;
        resolve();
      };
      this.timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.timer.unref?.();
    });
  }
}

type ObjectEvent = {
  group: string;
  objectKey: string;
  action: ChangeRecord['action'];
  build: (action: ChangeRecord['action']) => Record<string, unknown>;
};

/**
 * Maps store changes to events. Header changes only: a dependent's change already touched its
 * header (see rules.ts), so it arrives here as a header 'changed'. Within one unit of work an
 * object gets at most one event: Created wins over Changed, Deleted over Changed.
 */
export function toEvents(changes: ChangeRecord[], source: string): S4CloudEvent[] {
  const perObject = new Map<string, ObjectEvent[]>();
  const add = (e: ObjectEvent): void => {
    const list = perObject.get(e.objectKey) ?? [];
    list.push(e);
    perObject.set(e.objectKey, list);
  };
  for (const change of changes) {
    const { row } = change;
    switch (change.set) {
      case 'A_AppointmentActivity':
      case 'TaskActivity': {
        const kind = change.set === 'TaskActivity' ? S4_EVENT_TYPES.task : S4_EVENT_TYPES.appointment;
        add({
          group: change.set,
          objectKey: `${change.set}:${String(row.ActivityUUID)}`,
          action: change.action,
          build: (action) => ({
            type: kind[action],
            data: { ActivityUUID: row.ActivityUUID, ProcessType: row.ActivityProcessType },
          }),
        });
        break;
      }
      case 'A_BusinessPartner':
        add({
          group: change.set,
          objectKey: `BP:${String(row.BusinessPartner)}`,
          action: change.action,
          build: (action) => ({
            type: S4_EVENT_TYPES.businessPartner[action],
            data: { BusinessPartner: row.BusinessPartner },
          }),
        });
        break;
      case 'BPRelationship':
      case 'A_BusinessPartnerContact': {
        const [bp1, bp2] =
          change.set === 'BPRelationship'
            ? [row.BusinessPartner1, row.BusinessPartner2]
            : [row.BusinessPartnerCompany, row.BusinessPartnerPerson];
        add({
          group: change.set,
          objectKey: `REL:${String(row.RelationshipNumber)}`,
          action: change.action,
          build: (action) => ({
            type: S4_EVENT_TYPES.relationship[action],
            data: { BusinessPartner1: bp1, BusinessPartner2: bp2, RelationshipCategory: row.RelationshipCategory },
          }),
        });
        break;
      }
      default:
        break;
    }
  }
  const events: S4CloudEvent[] = [];
  for (const list of perObject.values()) {
    const actions = new Set(list.map((e) => e.action));
    const last = list[list.length - 1] as ObjectEvent;
    const chosen: ChangeRecord['action'][] =
      actions.has('created') && actions.has('deleted')
        ? [] // born and gone inside one unit of work: nobody outside ever saw it
        : actions.has('created')
          ? ['created']
          : actions.has('deleted')
            ? ['deleted']
            : ['changed'];
    for (const action of chosen) {
      const pick = [...list].reverse().find((e) => e.action === action) ?? last;
      events.push({
        specversion: '1.0',
        id: randomUUID(),
        source,
        time: new Date().toISOString(),
        datacontenttype: 'application/json',
        ...pick.build(action),
      } as S4CloudEvent);
    }
  }
  return events;
}
