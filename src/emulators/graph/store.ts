import { randomBytes, randomUUID } from 'node:crypto';

export type Json = Record<string, unknown>;

export interface StoredAttachment {
  id: string;
  name: string;
  contentType: string;
  size: number;
  contentBytes: string;
  isInline: boolean;
  lastModifiedDateTime: string;
}

/** One stored item; `data` holds the Graph JSON properties the client wrote (normalised). */
export interface Entry {
  id: string;
  seq: number;
  changeKey: string;
  createdDateTime: string;
  lastModifiedDateTime: string;
  data: Json;
  /** Single-value extended properties: lower-cased id → { id as written, value }. */
  extended: Map<string, { id: string; value: string }>;
  /** Open extensions (To Do tasks): extensionName → properties. */
  extensions: Map<string, Json>;
  attachments: StoredAttachment[];
}

export type ChangeType = 'created' | 'updated' | 'deleted';
export type ChangeListener = (mailbox: Mailbox, collection: string, changeType: ChangeType, id: string) => void;

/**
 * A change-tracked set of items (a calendar, a contact folder, a To Do list). Every write takes the
 * next sequence number of the mailbox; deletes leave tombstones, so delta queries can report
 * `@removed` for anything deleted after the sequence a delta token remembers.
 */
export class Collection {
  readonly entries = new Map<string, Entry>();
  /** Deleted entries with the sequence of their deletion (the entry kept, so a series can report its occurrences). */
  readonly tombstones: Array<{ id: string; seq: number; entry: Entry }> = [];
  constructor(
    readonly key: string,
    private readonly mailbox: Mailbox,
  ) {}

  create(data: Json, id = newId()): Entry {
    const now = new Date().toISOString();
    const entry: Entry = {
      id,
      seq: this.mailbox.nextSeq(),
      changeKey: newChangeKey(),
      createdDateTime: now,
      lastModifiedDateTime: now,
      data,
      extended: new Map(),
      extensions: new Map(),
      attachments: [],
    };
    this.entries.set(id, entry);
    return entry;
  }

  touch(entry: Entry): void {
    entry.seq = this.mailbox.nextSeq();
    entry.changeKey = newChangeKey();
    entry.lastModifiedDateTime = new Date().toISOString();
  }

  remove(id: string): boolean {
    const entry = this.entries.get(id);
    if (!entry) return false;
    this.entries.delete(id);
    this.tombstones.push({ id, seq: this.mailbox.nextSeq(), entry });
    return true;
  }
}

export interface ContactFolder {
  id: string;
  displayName: string;
  parentFolderId: string;
}
export interface TodoList {
  id: string;
  displayName: string;
  wellknownListName: string;
  isOwner: boolean;
  isShared: boolean;
}

export class Mailbox {
  readonly id = randomUUID();
  private seq = 0;
  /** Bumped to invalidate every delta token issued before (fault injection: "sync state lost"). */
  tokenEpoch = 0;
  readonly calendar: Collection;
  readonly contactFolders = new Map<string, ContactFolder>();
  readonly contacts = new Map<string, Collection>();
  readonly todoLists = new Map<string, TodoList>();
  readonly tasks = new Map<string, Collection>();
  readonly defaultContactFolderId = newId();
  /** The user's sign-in name; many tenants' UPNs differ from the primary SMTP address. */
  userPrincipalName: string;
  /**
   * The mailbox is outside the app's application access policy ("Limiting application permissions to
   * specific Exchange Online mailboxes", learn.microsoft.com/en-us/graph/auth-limit-mailbox-access) or the
   * management scope of its RBAC for Applications assignment
   * (learn.microsoft.com/en-us/exchange/permissions-exo/application-rbac): every call on it, subscriptions
   * included, answers 403 ErrorAccessDenied while other mailboxes work.
   */
  denied?: { code: string; message: string };

  constructor(
    readonly smtpAddress: string,
    userPrincipalName = smtpAddress,
  ) {
    this.userPrincipalName = userPrincipalName;
    this.calendar = new Collection('events', this);
    this.contacts.set(this.defaultContactFolderId, new Collection(`contacts:${this.defaultContactFolderId}`, this));
    const tasksListId = newId();
    this.todoLists.set(tasksListId, {
      id: tasksListId,
      displayName: 'Tasks',
      wellknownListName: 'defaultList',
      isOwner: true,
      isShared: false,
    });
    this.tasks.set(tasksListId, new Collection(`tasks:${tasksListId}`, this));
  }

  nextSeq(): number {
    return ++this.seq;
  }

  get currentSeq(): number {
    return this.seq;
  }

  addContactFolder(displayName: string): ContactFolder {
    const folder = { id: newId(), displayName, parentFolderId: this.defaultContactFolderId };
    this.contactFolders.set(folder.id, folder);
    this.contacts.set(folder.id, new Collection(`contacts:${folder.id}`, this));
    return folder;
  }

  addTodoList(displayName: string): TodoList {
    const list = { id: newId(), displayName, wellknownListName: 'none', isOwner: true, isShared: false };
    this.todoLists.set(list.id, list);
    this.tasks.set(list.id, new Collection(`tasks:${list.id}`, this));
    return list;
  }

  collection(key: string): Collection | undefined {
    if (key === 'events') return this.calendar;
    const [kind, id] = key.split(':');
    if (kind === 'contacts' && id) return this.contacts.get(id);
    if (kind === 'tasks' && id) return this.tasks.get(id);
    return undefined;
  }
}

/** Graph item ids are long URL-safe base64 strings; ours look alike (and never contain '/'). */
export function newId(): string {
  return `AAMk${randomBytes(24).toString('base64url')}`;
}

export function newChangeKey(): string {
  return randomBytes(12).toString('base64');
}

export class GraphStore {
  readonly mailboxes = new Map<string, Mailbox>();
  private readonly listeners: ChangeListener[] = [];

  constructor(addresses: string[]) {
    for (const address of addresses) this.addMailbox(address);
  }

  /** UPNs that differ from the SMTP address, kept across reset(). */
  private readonly upns = new Map<string, string>();

  addMailbox(smtp: string): Mailbox {
    const existing = this.mailboxes.get(smtp.toLowerCase());
    if (existing) return existing;
    const mailbox = new Mailbox(smtp.toLowerCase(), this.upns.get(smtp.toLowerCase()) ?? smtp.toLowerCase());
    this.mailboxes.set(mailbox.smtpAddress, mailbox);
    return mailbox;
  }

  /** Gives a mailbox a user principal name that differs from its SMTP address. */
  setUserPrincipalName(smtp: string, upn: string): void {
    this.upns.set(smtp.toLowerCase(), upn.toLowerCase());
    const mailbox = this.mailboxes.get(smtp.toLowerCase());
    if (mailbox) mailbox.userPrincipalName = upn.toLowerCase();
  }

  /**
   * As Graph's /users/{id | userPrincipalName} ("Get user", learn.microsoft.com/graph/api/user-get):
   * by object id or UPN — an SMTP address that is not the UPN finds nobody.
   */
  find(idOrUpn: string): Mailbox | undefined {
    const key = decodeURIComponent(idOrUpn).toLowerCase();
    return [...this.mailboxes.values()].find((m) => m.id === key || m.userPrincipalName === key);
  }

  /** By primary SMTP address: the emulator's own control API, and `$filter=mail eq '…'`. */
  bySmtp(smtp: string): Mailbox | undefined {
    return this.mailboxes.get(decodeURIComponent(smtp).toLowerCase());
  }

  onChange(listener: ChangeListener): void {
    this.listeners.push(listener);
  }

  emit(mailbox: Mailbox, collection: string, changeType: ChangeType, id: string): void {
    for (const listener of this.listeners) listener(mailbox, collection, changeType, id);
  }

  reset(): void {
    const addresses = [...this.mailboxes.keys()];
    this.mailboxes.clear();
    for (const address of addresses) this.addMailbox(address);
  }
}
