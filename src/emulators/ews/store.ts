import { randomBytes, randomUUID } from 'node:crypto';
import type { XNode } from './xml.js';

/**
 * In-memory mailbox store: folders, items, the per-mailbox event log (the source of push
 * notifications, watermarks and SyncFolderItems sync states).
 */

export type ItemKind = 'CalendarItem' | 'Task' | 'Contact' | 'Message';

export interface Attachment {
  id: string;
  name: string;
  contentType: string;
  contentId?: string;
  isInline: boolean;
  content: Buffer;
  lastModified: number;
}

/** A modified occurrence of a recurring series (Exchange calls it an exception). */
export interface OccurrenceException {
  id: string;
  index: number;
  changeKeyVersion: number;
  changeKey: string;
  props: Map<string, XNode>;
}

export interface StoredItem {
  id: string;
  changeKey: string;
  changeKeyVersion: number;
  kind: ItemKind;
  folderId: string;
  /** Element local name → the element as the client sent it (round-trips complex types unchanged). */
  props: Map<string, XNode>;
  /** Normalised extended property key → ExtendedProperty element. */
  extended: Map<string, XNode>;
  attachments: Attachment[];
  createdAt: number;
  modifiedAt: number;
  createdSeq: number;
  exceptions: Map<number, OccurrenceException>;
  deletedOccurrences: Set<number>;
  /** Change-key version at which each property was last written (drives AutoResolve conflicts). */
  propVersions: Map<string, number>;
  /** Recorded, never sent: SendMeetingInvitations / SendMeetingCancellations values seen. */
  meetingMessages: string[];
}

export interface Folder {
  id: string;
  changeKey: string;
  changeKeyVersion: number;
  distinguished?: string;
  displayName: string;
  folderClass: string;
  parentId: string | undefined;
}

export type EventType = 'CreatedEvent' | 'ModifiedEvent' | 'DeletedEvent' | 'MovedEvent' | 'CopiedEvent';

export interface MailboxEvent {
  seq: number;
  type: EventType;
  time: number;
  itemId: string;
  folderId: string;
  oldItemId?: string;
  oldFolderId?: string;
  isFolder: boolean;
}

export interface Mailbox {
  smtp: string;
  /** Random per-mailbox key embedded in ids, watermarks and sync states. */
  key: string;
  folders: Map<string, Folder>;
  items: Map<string, StoredItem>;
  events: MailboxEvent[];
  seq: number;
  /**
   * Accounts holding the FullAccess mailbox permission (Add-MailboxPermission -AccessRights FullAccess),
   * lower-case: they may open this mailbox as delegates, without impersonation.
   */
  fullAccess: Set<string>;
  /**
   * Outside the management scope of the ApplicationImpersonation role assignment: "Configure
   * impersonation" (learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/how-to-configure-impersonation)
   * limits impersonation to the recipients of a scope (New-ManagementScope, New-ManagementRoleAssignment
   * -CustomRecipientWriteScope); impersonating a mailbox outside it fails with ErrorImpersonateUserDenied.
   */
  outsideImpersonationScope: boolean;
}

export const DISTINGUISHED_FOLDERS: Record<string, { name: string; cls: string; parent?: string }> = {
  root: { name: 'Root', cls: '' },
  msgfolderroot: { name: 'Top of Information Store', cls: 'IPF.Note', parent: 'root' },
  calendar: { name: 'Calendar', cls: 'IPF.Appointment', parent: 'msgfolderroot' },
  contacts: { name: 'Contacts', cls: 'IPF.Contact', parent: 'msgfolderroot' },
  tasks: { name: 'Tasks', cls: 'IPF.Task', parent: 'msgfolderroot' },
  inbox: { name: 'Inbox', cls: 'IPF.Note', parent: 'msgfolderroot' },
  deleteditems: { name: 'Deleted Items', cls: 'IPF.Note', parent: 'msgfolderroot' },
};

const ID_PREFIX = 'EMU1';

/** Opaque ids look like Exchange's (base64) and carry the mailbox key so a foreign id is detectable. */
export function makeId(mailboxKey: string, kind: 'i' | 'f' | 'a' | 'o', local: string): string {
  return Buffer.from(`${ID_PREFIX}|${mailboxKey}|${kind}|${local}`, 'utf8').toString('base64');
}

export interface DecodedId {
  mailboxKey: string;
  kind: string;
  local: string;
}

export function decodeId(id: string): DecodedId | undefined {
  if (!/^[A-Za-z0-9+/=_-]+$/.test(id)) return undefined;
  const parts = Buffer.from(id, 'base64').toString('utf8').split('|');
  if (parts.length < 4 || parts[0] !== ID_PREFIX) return undefined;
  return { mailboxKey: parts[1] ?? '', kind: parts[2] ?? '', local: parts.slice(3).join('|') };
}

export function changeKeyVersion(changeKey: string): number | undefined {
  const parts = Buffer.from(changeKey, 'base64').toString('utf8').split('|');
  const v = Number(parts[1]);
  return parts.length === 3 && parts[0] === 'CK' && Number.isInteger(v) ? v : undefined;
}

export function newChangeKey(version: number): string {
  // Exchange change keys are opaque base64; a fresh random part guarantees every modification differs.
  // 18 hex digits of a v4 UUID: randomUUID draws from a buffered pool, where randomBytes(9) made a
  // call into the system's random source for every item written.
  return Buffer.from(`CK|${version}|${randomHex18()}`, 'utf8').toString('base64');
}

/** 18 random hex digits (72 bits) from a v4 UUID, skipping its dashes and version digit. */
function randomHex18(): string {
  const uuid = randomUUID();
  return uuid.slice(0, 8) + uuid.slice(9, 13) + uuid.slice(15, 18) + uuid.slice(20, 23);
}

export class EwsStore {
  readonly mailboxes = new Map<string, Mailbox>();
  private readonly listeners: ((mbx: Mailbox, event: MailboxEvent) => void)[] = [];
  /** Event retention window (ms) for watermarks; older watermarks are invalid. */
  retentionMs: number;

  constructor(retentionMs: number) {
    this.retentionMs = retentionMs;
  }

  ensureMailbox(smtp: string): Mailbox {
    const addr = smtp.toLowerCase();
    let mbx = this.mailboxes.get(addr);
    if (mbx) return mbx;
    mbx = {
      smtp: addr,
      key: randomBytes(6).toString('hex'),
      folders: new Map(),
      items: new Map(),
      events: [],
      seq: 0,
      fullAccess: new Set(),
      outsideImpersonationScope: false,
    };
    for (const [dist, def] of Object.entries(DISTINGUISHED_FOLDERS)) {
      const id = makeId(mbx.key, 'f', dist);
      mbx.folders.set(id, {
        id,
        changeKey: newChangeKey(1),
        changeKeyVersion: 1,
        distinguished: dist,
        displayName: def.name,
        folderClass: def.cls,
        parentId: def.parent ? makeId(mbx.key, 'f', def.parent) : undefined,
      });
    }
    this.mailboxes.set(addr, mbx);
    return mbx;
  }

  getMailbox(smtp: string): Mailbox | undefined {
    return this.mailboxes.get(smtp.toLowerCase());
  }

  distinguishedFolder(mbx: Mailbox, name: string): Folder | undefined {
    return mbx.folders.get(makeId(mbx.key, 'f', name));
  }

  createFolder(mbx: Mailbox, parentId: string, displayName: string, folderClass: string): Folder {
    const id = makeId(mbx.key, 'f', randomUUID());
    const folder: Folder = { id, changeKey: newChangeKey(1), changeKeyVersion: 1, displayName, folderClass, parentId };
    mbx.folders.set(id, folder);
    this.record(mbx, { type: 'CreatedEvent', itemId: id, folderId: parentId, isFolder: true });
    return folder;
  }

  newItem(
    mbx: Mailbox,
    kind: ItemKind,
    folderId: string,
    props: Map<string, XNode>,
    extended: Map<string, XNode>,
  ): StoredItem {
    const now = Date.now();
    const item: StoredItem = {
      id: makeId(mbx.key, 'i', randomUUID()),
      changeKey: newChangeKey(1),
      changeKeyVersion: 1,
      kind,
      folderId,
      props,
      extended,
      attachments: [],
      createdAt: now,
      modifiedAt: now,
      createdSeq: mbx.seq + 1,
      exceptions: new Map(),
      deletedOccurrences: new Set(),
      propVersions: new Map(),
      meetingMessages: [],
    };
    mbx.items.set(item.id, item);
    this.record(mbx, { type: 'CreatedEvent', itemId: item.id, folderId, isFolder: false });
    return item;
  }

  touch(mbx: Mailbox, item: StoredItem): void {
    item.changeKeyVersion += 1;
    item.changeKey = newChangeKey(item.changeKeyVersion);
    item.modifiedAt = Date.now();
    this.record(mbx, { type: 'ModifiedEvent', itemId: item.id, folderId: item.folderId, isFolder: false });
  }

  deleteItem(mbx: Mailbox, item: StoredItem): void {
    mbx.items.delete(item.id);
    this.record(mbx, { type: 'DeletedEvent', itemId: item.id, folderId: item.folderId, isFolder: false });
  }

  /** Moves an item; like Exchange the moved item gets a new ItemId and a MovedEvent names both. */
  moveItem(mbx: Mailbox, item: StoredItem, toFolderId: string): StoredItem {
    mbx.items.delete(item.id);
    const oldId = item.id;
    const oldFolder = item.folderId;
    item.id = makeId(mbx.key, 'i', randomUUID());
    item.folderId = toFolderId;
    item.changeKeyVersion += 1;
    item.changeKey = newChangeKey(item.changeKeyVersion);
    mbx.items.set(item.id, item);
    this.record(mbx, {
      type: 'MovedEvent',
      itemId: item.id,
      folderId: toFolderId,
      oldItemId: oldId,
      oldFolderId: oldFolder,
      isFolder: false,
    });
    return item;
  }

  record(mbx: Mailbox, e: Omit<MailboxEvent, 'seq' | 'time'>): MailboxEvent {
    mbx.seq += 1;
    const event: MailboxEvent = { ...e, seq: mbx.seq, time: Date.now() };
    mbx.events.push(event);
    for (const listener of this.listeners) queueMicrotask(() => listener(mbx, event));
    return event;
  }

  /**
   * Whether a watermark at `seq` is still inside the retention window. The log itself is kept (sync
   * states replay it); only watermarks expire, as Exchange's event retention does.
   */
  watermarkRetained(mbx: Mailbox, seq: number): boolean {
    if (seq === 0) return mbx.events.length === 0 || (mbx.events[0]?.time ?? 0) >= Date.now() - this.retentionMs;
    const event = mbx.events[seq - 1];
    return !!event && event.time >= Date.now() - this.retentionMs;
  }

  /** Called (asynchronously) after every recorded event; push delivery hangs off this. */
  onEvent(listener: (mbx: Mailbox, event: MailboxEvent) => void): void {
    this.listeners.push(listener);
  }

  /** Events after `seq`; the log is append-only and never pruned, so event n sits at index n-1. */
  eventsAfter(mbx: Mailbox, seq: number): MailboxEvent[] {
    return mbx.events.slice(Math.max(0, seq));
  }

  reset(extraMailboxes: string[]): void {
    this.mailboxes.clear();
    for (const m of extraMailboxes) this.ensureMailbox(m);
  }
}

/** Watermarks are opaque base64 tokens carrying the mailbox key and an event sequence number. */
export function encodeWatermark(mbx: Mailbox, seq: number): string {
  return Buffer.from(`WM|${mbx.key}|${seq}`, 'utf8').toString('base64');
}

export function decodeWatermark(mbx: Mailbox, token: string): number | undefined {
  const parts = Buffer.from(token, 'base64').toString('utf8').split('|');
  if (parts.length !== 3 || parts[0] !== 'WM' || parts[1] !== mbx.key) return undefined;
  const seq = Number(parts[2]);
  return Number.isInteger(seq) && seq >= 0 && seq <= mbx.seq ? seq : undefined;
}
