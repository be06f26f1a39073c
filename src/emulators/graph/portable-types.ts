/**
 * The portable mailbox vocabulary: items as plain JSON, times as ISO-8601 instants in UTC plus the
 * IANA zone they were planned in, dates without time as "YYYY-MM-DD", recurrence in Graph's
 * pattern/range terms. It matches the item shape Tandem's Exchange connector exports, so a test can
 * carry a mailbox from EWS (through Tandem) into this emulator; the emulator keeps its own
 * definition because it imports nothing from the service.
 */

export interface Stamp {
  /** S/4 activity GUID or business partner number; for occurrences of an Outlook series, "seriesKey@originalStart". */
  s4Key: string;
  /** Hash of the content Tandem wrote, to tell its own echo from a user edit. */
  hash: string;
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

export interface PortableAppointment {
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

export interface PortableTask {
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

export interface PortableContact {
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

/** What an import carries: the item without server-assigned fields. */
export type PortableAppointmentDraft = Omit<
  PortableAppointment,
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
export type PortableTaskDraft = Omit<PortableTask, 'id' | 'changeKey' | 'lastModified' | 'stamp'>;
export type PortableContactDraft = Omit<PortableContact, 'id' | 'changeKey' | 'lastModified' | 'stamp'>;
