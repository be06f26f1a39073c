/**
 * What the Exchange port speaks beyond the item model (src/sync/model/exchange-items.ts, re-exported
 * here): mailboxes, change pages, subscriptions, notifications and connection tests.
 */

import type { AttachmentInfo, ItemKind } from '../../sync/model/exchange-items.js';

/** The engine's item model lives in src/sync/model; the connectors map to and from it. */
export type {
  ItemKind,
  Stamp,
  ItemVersion,
  ItemBody,
  Sensitivity,
  Importance,
  Attendee,
  Recurrence,
  Appointment,
  TaskStatus,
  Task,
  PostalAddress,
  Contact,
  ItemsByKind,
  AppointmentDraft,
  TaskDraft,
  ContactDraft,
  DraftsByKind,
  TimeWindow,
  AttachmentInfo,
} from '../../sync/model/exchange-items.js';

/** A mailbox as the connector needs it. The SMTP address is what Exchange and Graph address. */
export interface MailboxAddress {
  smtpAddress: string;
}

export interface AttachmentContent extends AttachmentInfo {
  content: Buffer;
}

/**
 * One page of change tracking (EWS SyncFolderItems / Graph delta). The caller reconciles the
 * changes, commits, and only then stores `syncState` — so a crash replays the page, never skips it.
 */
export interface ChangePage {
  created: string[];
  updated: string[];
  deleted: string[];
  /**
   * The ChangeKey of each created/updated item, where the change list carries it (EWS
   * SyncFolderItems does): lets the caller recognise its own writes without fetching the items.
   */
  changeKeys?: Record<string, string>;
  /** Opaque; pass back to continue. */
  syncState: string;
  /** False once this page reached the current end of the folder. */
  moreAvailable: boolean;
}

export interface SubscriptionRequest {
  mailbox: MailboxAddress;
  kinds: ItemKind[];
  /** Where Exchange posts; contains the per-subscription unguessable token. */
  callbackUrl: string;
  /** EWS: minutes between StatusEvent heartbeats. */
  statusFrequencyMinutes?: number;
  /** EWS: resume from this watermark (replays what happened since). */
  watermark?: string;
  /** Graph: the per-subscription secret echoed in every notification. */
  clientState?: string;
  /** Graph: where lifecycle notifications go. */
  lifecycleUrl?: string;
}

export interface RemoteSubscription {
  /** The subscription id Exchange / Graph assigned. */
  remoteId: string;
  watermark?: string;
  /** Graph subscriptions expire; EWS push subscriptions live while heartbeats are answered. */
  expiresAt?: string;
}

/** What a push notification says, once parsed: something in this mailbox's folder changed. */
export interface FolderChangeNotification {
  remoteSubscriptionId: string;
  /** Watermark before the first event in this notification (EWS); a mismatch means missed events. */
  previousWatermark?: string;
  /** Watermark after the last event (EWS). */
  lastWatermark?: string;
  /** True for EWS StatusEvent heartbeats: nothing changed, but the subscription is alive. */
  heartbeat: boolean;
  /** EWS: more events are waiting to be delivered. */
  moreEvents: boolean;
  itemIds: string[];
}

export interface ConnectionTestStep {
  /** Stable step id: authenticate, impersonate, read-folder, … */
  step: string;
  ok: boolean;
  /** One sentence an admin can act on ("impersonation refused: grant ApplicationImpersonation …"). */
  message: string;
  durationMs: number;
}
