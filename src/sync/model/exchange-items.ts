/**
 * Exchange items as the sync engine sees them, shared by the EWS and the Graph backend (which map
 * to and from them). No SOAP or Graph JSON shape appears here: times are ISO-8601 instants in UTC
 * ("2026-03-29T08:00:00.000Z") plus the IANA zone they were planned in; dates without time are
 * "YYYY-MM-DD".
 */

/** The three kinds of object Tandem syncs; each lives in its own folder of a mailbox. */
export type ItemKind = 'appointment' | 'task' | 'contact';

/**
 * Tandem's mark on every item it writes (docs/architecture.md, "stamp"): the S/4 key it mirrors and the hash of
 * the canonical content written. EWS keeps it in a PublicStrings named property, Graph events and
 * contacts in a single-value extended property, To Do tasks in an open extension.
 */
export interface Stamp {
  /** S/4 activity GUID or business partner number; for occurrences of an Outlook series, "seriesKey@originalStart". */
  s4Key: string;
  /** Hash of the canonical form written (sync/canonical hash), to tell our echo from a user edit. */
  hash: string;
}

/** Identity and version of an item; the version is the EWS ChangeKey or the Graph @odata.etag / changeKey. */
export interface ItemVersion {
  id: string;
  changeKey: string;
}

export interface ItemBody {
  type: 'text' | 'html';
  content: string;
}

export type Sensitivity = 'normal' | 'personal' | 'private' | 'confidential';
export type Importance = 'low' | 'normal' | 'high';

export interface Attendee {
  email: string;
  name?: string;
  type: 'required' | 'optional' | 'resource';
  response?: 'none' | 'organizer' | 'tentative' | 'accepted' | 'declined';
}

/** A recurrence pattern in Graph's vocabulary (EWS maps to and from it). */
export interface Recurrence {
  pattern: {
    type: 'daily' | 'weekly' | 'absoluteMonthly' | 'relativeMonthly' | 'absoluteYearly' | 'relativeYearly';
    interval: number;
    daysOfWeek?: Array<'sunday' | 'monday' | 'tuesday' | 'wednesday' | 'thursday' | 'friday' | 'saturday'>;
    dayOfMonth?: number;
    /** 1–12, for yearly patterns. */
    month?: number;
    index?: 'first' | 'second' | 'third' | 'fourth' | 'last';
    firstDayOfWeek?: 'sunday' | 'monday';
  };
  range: {
    type: 'endDate' | 'noEnd' | 'numbered';
    startDate: string;
    endDate?: string;
    numberOfOccurrences?: number;
  };
}

export interface Appointment {
  id: string;
  changeKey: string;
  /** single = not recurring; seriesMaster carries the recurrence; occurrence/exception are instances. */
  type: 'single' | 'seriesMaster' | 'occurrence' | 'exception';
  /** For occurrences and exceptions: the series master's id. */
  seriesMasterId?: string;
  /** For occurrences and exceptions: the start the instance had in the pattern (UTC instant). */
  originalStart?: string;
  subject: string;
  body: ItemBody;
  start: string;
  end: string;
  /** IANA zone the item was planned in, e.g. "Europe/Berlin". */
  timeZone: string;
  isAllDay: boolean;
  location: string;
  categories: string[];
  sensitivity: Sensitivity;
  importance: Importance;
  showAs?: 'free' | 'tentative' | 'busy' | 'oof' | 'workingElsewhere';
  reminderMinutesBeforeStart?: number;
  organizer?: { email: string; name?: string };
  attendees: Attendee[];
  recurrence?: Recurrence;
  /** Series master only: original starts (UTC instants) of deleted occurrences. */
  deletedOccurrences?: string[];
  hasAttachments: boolean;
  stamp?: Stamp;
  lastModified: string;
}

export type TaskStatus = 'notStarted' | 'inProgress' | 'completed' | 'waitingOnOthers' | 'deferred';

export interface Task {
  id: string;
  changeKey: string;
  subject: string;
  body: ItemBody;
  /** Dates, not instants: Outlook tasks and To Do keep days. */
  startDate?: string;
  dueDate?: string;
  status: TaskStatus;
  percentComplete: number;
  importance: Importance;
  categories: string[];
  sensitivity: Sensitivity;
  stamp?: Stamp;
  lastModified: string;
}

export interface PostalAddress {
  street?: string;
  city?: string;
  postalCode?: string;
  state?: string;
  countryOrRegion?: string;
}

export interface Contact {
  id: string;
  changeKey: string;
  givenName?: string;
  surname?: string;
  displayName: string;
  companyName?: string;
  jobTitle?: string;
  emailAddresses: string[];
  businessPhones: string[];
  mobilePhone?: string;
  businessAddress?: PostalAddress;
  categories: string[];
  stamp?: Stamp;
  lastModified: string;
}

export interface ItemsByKind {
  appointment: Appointment;
  task: Task;
  contact: Contact;
}

/** What Tandem writes: the item without server-assigned fields. */
export type AppointmentDraft = Omit<
  Appointment,
  | 'id'
  | 'changeKey'
  | 'type'
  | 'seriesMasterId'
  | 'originalStart'
  | 'organizer'
  | 'hasAttachments'
  | 'lastModified'
  | 'stamp'
>;
export type TaskDraft = Omit<Task, 'id' | 'changeKey' | 'lastModified' | 'stamp'>;
export type ContactDraft = Omit<Contact, 'id' | 'changeKey' | 'lastModified' | 'stamp'>;

export interface DraftsByKind {
  appointment: AppointmentDraft;
  task: TaskDraft;
  contact: ContactDraft;
}

/** A time window, both ends UTC instants; end exclusive. */
export interface TimeWindow {
  start: string;
  end: string;
}

export interface AttachmentInfo {
  id: string;
  name: string;
  contentType: string;
  size: number;
}
