import type {
  AttachmentContent,
  AttachmentInfo,
  Appointment,
  ChangePage,
  ConnectionTestStep,
  DraftsByKind,
  ItemKind,
  ItemVersion,
  ItemsByKind,
  MailboxAddress,
  RemoteSubscription,
  Stamp,
  SubscriptionRequest,
  TimeWindow,
} from './types.js';

/**
 * "A mailbox" as the sync engine sees it. One instance per Exchange environment; the EWS and the
 * Graph backend both implement it, so switching an environment's kind keeps the engine unchanged.
 *
 * Conventions every backend keeps:
 * - Reads of a missing item return `undefined`; deletes of a missing item succeed (idempotent).
 * - Writes are made without sending invitations or cancellations to anyone.
 * - A write with a stale `changeKey` throws TandemError('EXCHANGE_CONFLICT'); the engine re-reads and merges.
 *   So does an update of an item deleted since it was read (deleted-since-read.ts).
 * - Throttling is retried inside the backend (Retry-After / BackOffMilliseconds) up to a bound, then
 *   surfaces as TandemError('EXCHANGE_THROTTLED') with `retryAfterMs`.
 * - An expired or unknown sync state throws TandemError('EXCHANGE_INVALID_SYNC_STATE'); the caller
 *   then restarts change tracking without a state and matches items by their stamp.
 */
export interface MailboxConnector {
  readonly backend: 'ews' | 'graph';

  getItem<K extends ItemKind>(mailbox: MailboxAddress, kind: K, id: string): Promise<ItemsByKind[K] | undefined>;
  /** Batched read; ids that no longer exist are absent from the result. */
  getItems<K extends ItemKind>(mailbox: MailboxAddress, kind: K, ids: string[]): Promise<Map<string, ItemsByKind[K]>>;
  /** Creates the item carrying `stamp`. */
  createItem<K extends ItemKind>(
    mailbox: MailboxAddress,
    kind: K,
    draft: DraftsByKind[K],
    stamp: Stamp,
  ): Promise<ItemVersion>;
  /** Changes the given fields only; `stamp` replaces the stored stamp. */
  updateItem<K extends ItemKind>(
    mailbox: MailboxAddress,
    kind: K,
    version: ItemVersion,
    changes: Partial<DraftsByKind[K]>,
    stamp: Stamp,
  ): Promise<ItemVersion>;
  deleteItem(mailbox: MailboxAddress, kind: ItemKind, id: string): Promise<void>;
  /** Items carrying a stamp with this S/4 key (normally zero or one). */
  findByStamp<K extends ItemKind>(mailbox: MailboxAddress, kind: K, s4Key: string): Promise<Array<ItemsByKind[K]>>;
  /**
   * Every item of a kind, for initial loads and full resyncs. Appointments: singles, series masters and
   * exceptions that overlap the window (occurrences come from `expandSeries`); tasks and contacts ignore it.
   */
  listItems<K extends ItemKind>(mailbox: MailboxAddress, kind: K, window?: TimeWindow): Promise<Array<ItemsByKind[K]>>;
  /** Occurrences and exceptions of a series inside the window, each with its originalStart. */
  expandSeries(mailbox: MailboxAddress, seriesMasterId: string, window: TimeWindow): Promise<Appointment[]>;

  listAttachments(mailbox: MailboxAddress, kind: ItemKind, itemId: string): Promise<AttachmentInfo[]>;
  getAttachment(
    mailbox: MailboxAddress,
    kind: ItemKind,
    itemId: string,
    attachmentId: string,
  ): Promise<AttachmentContent>;
  addAttachment(
    mailbox: MailboxAddress,
    kind: ItemKind,
    itemId: string,
    attachment: { name: string; contentType: string; content: Buffer },
  ): Promise<AttachmentInfo>;

  /** One page of changes after `syncState` (undefined = from the beginning). */
  changesSince(
    mailbox: MailboxAddress,
    kind: ItemKind,
    syncState: string | undefined,
    window?: TimeWindow,
  ): Promise<ChangePage>;

  subscribe(request: SubscriptionRequest): Promise<RemoteSubscription>;
  /** Graph: extend the expiry; EWS: resubscribe from the watermark (push subscriptions cannot be extended). */
  renewSubscription(request: SubscriptionRequest, current: RemoteSubscription): Promise<RemoteSubscription>;
  unsubscribe(mailbox: MailboxAddress, subscription: RemoteSubscription): Promise<void>;

  /** The cockpit's Test button: each step with a message an admin can act on. Never throws. */
  testConnection(mailbox: MailboxAddress): Promise<ConnectionTestStep[]>;

  /** Releases sockets and timers. */
  close(): Promise<void>;
}

/** How Tandem reaches one Exchange environment, as the admin configured it (secrets decrypted). */
export type ExchangeEnvironmentConfig =
  | { kind: 'ews-onprem'; id: string; tenantId: string; maxConcurrency: number; ews: EwsOnPremSettings }
  | { kind: 'ews-online'; id: string; tenantId: string; maxConcurrency: number; ews: EwsOnlineSettings }
  | { kind: 'graph'; id: string; tenantId: string; maxConcurrency: number; graph: GraphSettings };

export interface EwsOnPremSettings {
  /** https://mail.example.com/EWS/Exchange.asmx */
  url: string;
  auth: 'basic' | 'ntlm';
  username: string;
  password: string;
  /** NTLM domain, when not part of the user name. */
  domain?: string;
  impersonation: boolean;
  /** e.g. Exchange2016; the RequestServerVersion header. */
  serverVersion: string;
  /** Extra CA (PEM) to trust, for on-premises servers with an internal CA. */
  caCertificate?: string;
}

export interface EntraAppCredentials {
  /** Directory (tenant) id or domain of the customer's Entra ID. */
  directoryId: string;
  clientId: string;
  clientSecret?: string;
  /** Certificate credential: PEM private key and the certificate's SHA-1 thumbprint (hex). */
  certificate?: { privateKeyPem: string; thumbprint: string };
  /** Default https://login.microsoftonline.com; the emulators' token endpoints in tests and the demo. */
  authorityHost?: string;
  /** Extra CA (PEM) to trust for the authority and API hosts (emulators). */
  caCertificate?: string;
}

export interface EwsOnlineSettings extends EntraAppCredentials {
  /** Default https://outlook.office365.com/EWS/Exchange.asmx */
  url: string;
  impersonation: true;
}

export interface GraphSettings extends EntraAppCredentials {
  /** Default https://graph.microsoft.com/v1.0 */
  baseUrl: string;
}
