/**
 * Inbox subjects and the event types Tandem raises itself: the one place that spells them.
 *
 * A subject names what an inbox event is about; the worker serialises work per subject (a lock)
 * and coalesces the events of one subject into one run. Subjects are stored in the inbox table and
 * shown to support, so their text form is stable:
 *
 *   s4:appointment:<uuid>        an S/4 appointment activity (ActivityUUID, lowercase, hyphenated)
 *   s4:task:<uuid>               an S/4 task activity
 *   s4:bp:<number>               an S/4 business partner
 *   s4:bp-relationships:<number> the relationships of one partner (the BusinessPartner1 side)
 *   mailbox:<id>:<folder>        a user's calendar, tasks or contacts folder in Exchange
 *   mailbox:<id>:initial-load    a user's initial load
 *   mailbox:<id>:series-window   a user's daily roll of the window recurring series are synced in
 */

/** Event types Tandem raises itself (S/4 event types are in s4-event.ts). */
export const INBOX_EVENT_TYPES = {
  /** An Exchange folder changed (push notification, or the subscription manager's catch-up). */
  folderChanged: 'exchange.folder.changed',
  /** A user's initial load was asked for. */
  initialLoad: 'tandem.mailbox.initial-load',
  /** Expand a user's Outlook series against today's sync window (it moves on every day). */
  seriesWindow: 'tandem.mailbox.series-window',
} as const;

/** The Exchange folders Tandem syncs, one per item kind. */
export const MAILBOX_FOLDERS = ['calendar', 'tasks', 'contacts'] as const;
export type Folder = (typeof MAILBOX_FOLDERS)[number];
export type FolderKind = 'appointment' | 'task' | 'contact';
export const FOLDER_OF_KIND: Record<FolderKind, Folder> = {
  appointment: 'calendar',
  task: 'tasks',
  contact: 'contacts',
};
export const KIND_OF_FOLDER: Record<Folder, FolderKind> = {
  calendar: 'appointment',
  tasks: 'task',
  contacts: 'contact',
};

export type InboxSubject =
  | { kind: 's4Activity'; object: 'appointment' | 'task'; uuid: string }
  | { kind: 's4BusinessPartner'; partner: string }
  | { kind: 's4Relationships'; partner: string }
  | { kind: 'mailboxFolder'; mailboxId: string; folder: Folder }
  | { kind: 'initialLoad'; mailboxId: string }
  | { kind: 'seriesWindow'; mailboxId: string };

export const subjects = {
  activity: (object: 'appointment' | 'task', uuid: string): string => `s4:${object}:${uuid.toLowerCase()}`,
  businessPartner: (partner: string): string => `s4:bp:${partner}`,
  relationships: (partner: string): string => `s4:bp-relationships:${partner}`,
  folder: (mailboxId: string, folder: Folder): string => `mailbox:${mailboxId}:${folder}`,
  initialLoad: (mailboxId: string): string => `mailbox:${mailboxId}:initial-load`,
  seriesWindow: (mailboxId: string): string => `mailbox:${mailboxId}:series-window`,
};

export function formatSubject(subject: InboxSubject): string {
  switch (subject.kind) {
    case 's4Activity':
      return subjects.activity(subject.object, subject.uuid);
    case 's4BusinessPartner':
      return subjects.businessPartner(subject.partner);
    case 's4Relationships':
      return subjects.relationships(subject.partner);
    case 'mailboxFolder':
      return subjects.folder(subject.mailboxId, subject.folder);
    case 'initialLoad':
      return subjects.initialLoad(subject.mailboxId);
    case 'seriesWindow':
      return subjects.seriesWindow(subject.mailboxId);
  }
}

const MAILBOX_ID = /^[0-9a-f-]{36}$/;

/** The subject's parts, or undefined for text that is no subject Tandem writes. */
export function parseSubject(text: string): InboxSubject | undefined {
  const [head, part, ...rest] = text.split(':');
  const key = rest.join(':');
  if (head === 's4') {
    if (!key) return undefined;
    if (part === 'appointment' || part === 'task') return { kind: 's4Activity', object: part, uuid: key };
    if (part === 'bp') return { kind: 's4BusinessPartner', partner: key };
    if (part === 'bp-relationships') return { kind: 's4Relationships', partner: key };
    return undefined;
  }
  if (head === 'mailbox' && part && MAILBOX_ID.test(part)) {
    if (key === 'initial-load') return { kind: 'initialLoad', mailboxId: part };
    if (key === 'series-window') return { kind: 'seriesWindow', mailboxId: part };
    if ((MAILBOX_FOLDERS as readonly string[]).includes(key))
      return { kind: 'mailboxFolder', mailboxId: part, folder: key as Folder };
  }
  return undefined;
}

/** Where the journal files an event about this subject: an S/4 object or a user's mailbox. */
export interface SubjectScope {
  objectKind?: 'appointment' | 'task' | 'contact' | 'mailbox';
  s4Key?: string;
  mailboxId?: string;
}

export function subjectScope(text: string): SubjectScope {
  const subject = parseSubject(text);
  switch (subject?.kind) {
    case 's4Activity':
      return { objectKind: subject.object, s4Key: subject.uuid };
    case 's4BusinessPartner':
    case 's4Relationships':
      return { objectKind: 'contact', s4Key: subject.partner };
    case 'mailboxFolder':
    case 'initialLoad':
    case 'seriesWindow':
      return { objectKind: 'mailbox', mailboxId: subject.mailboxId };
    default:
      return {};
  }
}
