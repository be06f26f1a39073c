import type {
  Appointment,
  AppointmentDraft,
  Attendee,
  Contact,
  ContactDraft,
  Importance,
  Sensitivity,
  Stamp,
  Task,
  TaskDraft,
  TaskStatus,
} from '../types.js';
import { exchangeZoneToIana } from '../../../sync/time/windows-zones.js';
import { wallTimeAt } from '../../../sync/time/zone.js';
import { HASH_PROPERTY, S4_KEY_PROPERTY, TASK_EXTENSION } from './stamp.js';

/**
 * Domain items ↔ Graph v1.0 JSON. Tandem always asks for times in UTC (`Prefer:
 * outlook.timezone="UTC"`) and writes start/end in the planned IANA zone, so recurring series keep
 * their wall-clock time across DST; the planned zone comes back as originalStartTimeZone.
 */
export type GraphJson = Record<string, unknown>;

/** "2026-03-29T08:00:00.0000000" in UTC (we ask for UTC) → "2026-03-29T08:00:00.000Z". */
export function utcInstant(value: unknown): string {
  const v = value as { dateTime?: string; timeZone?: string } | undefined;
  if (!v?.dateTime) return '';
  const base = v.dateTime.replace(/(\.\d{3})\d*$/, '$1');
  return new Date(/Z$|[+-]\d\d:\d\d$/.test(base) ? base : `${base}Z`).toISOString();
}

/** Wall-clock time of a UTC instant in a zone, Graph style without offset. */
export function wallTime(instant: string, zone: string): string {
  const w = wallTimeAt(Date.parse(instant), zone);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${String(w.year).padStart(4, '0')}-${two(w.month)}-${two(w.day)}T${two(w.hour)}:${two(w.minute)}:${two(w.second)}`;
}

export function stampFromExtendedProperties(json: GraphJson): Stamp | undefined {
  const props = (json.singleValueExtendedProperties as Array<{ id: string; value: string }> | undefined) ?? [];
  const find = (id: string): string | undefined => props.find((p) => p.id.toLowerCase() === id.toLowerCase())?.value;
  const s4Key = find(S4_KEY_PROPERTY);
  return s4Key === undefined ? undefined : { s4Key, hash: find(HASH_PROPERTY) ?? '' };
}

export function stampProperties(stamp: Stamp): Array<{ id: string; value: string }> {
  return [
    { id: S4_KEY_PROPERTY, value: stamp.s4Key },
    { id: HASH_PROPERTY, value: stamp.hash },
  ];
}

function changeKeyOf(json: GraphJson): string {
  return typeof json.changeKey === 'string'
    ? json.changeKey
    : String(json['@odata.etag'] ?? '')
        .replace(/^W\//, '')
        .replace(/"/g, '');
}

const TYPES: Record<string, Appointment['type']> = {
  singleInstance: 'single',
  seriesMaster: 'seriesMaster',
  occurrence: 'occurrence',
  exception: 'exception',
};

export function appointmentFromGraph(json: GraphJson): Appointment {
  const body = json.body as { contentType?: string; content?: string } | undefined;
  const organizer = (json.organizer as { emailAddress?: { address?: string; name?: string } } | undefined)
    ?.emailAddress;
  const stamp = stampFromExtendedProperties(json);
  const recurrence = json.recurrence as Appointment['recurrence'] | null | undefined;
  return {
    id: String(json.id),
    changeKey: changeKeyOf(json),
    type: TYPES[String(json.type)] ?? 'single',
    ...(json.seriesMasterId ? { seriesMasterId: String(json.seriesMasterId) } : {}),
    ...(json.originalStart ? { originalStart: new Date(String(json.originalStart)).toISOString() } : {}),
    subject: String(json.subject ?? ''),
    body: { type: body?.contentType?.toLowerCase() === 'html' ? 'html' : 'text', content: body?.content ?? '' },
    start: utcInstant(json.start),
    end: utcInstant(json.end),
    timeZone: exchangeZoneToIana(json.originalStartTimeZone),
    isAllDay: json.isAllDay === true,
    location: String((json.location as { displayName?: string } | undefined)?.displayName ?? ''),
    categories: (json.categories as string[] | undefined) ?? [],
    sensitivity: (json.sensitivity as Sensitivity | undefined) ?? 'normal',
    importance: (json.importance as Importance | undefined) ?? 'normal',
    ...(json.showAs ? { showAs: json.showAs as NonNullable<Appointment['showAs']> } : {}),
    ...(typeof json.reminderMinutesBeforeStart === 'number' && json.isReminderOn !== false
      ? { reminderMinutesBeforeStart: json.reminderMinutesBeforeStart }
      : {}),
    ...(organizer?.address
      ? { organizer: { email: organizer.address, ...(organizer.name ? { name: organizer.name } : {}) } }
      : {}),
    attendees: (
      (json.attendees as
        | Array<{ type?: string; emailAddress?: { address?: string; name?: string }; status?: { response?: string } }>
        | undefined) ?? []
    ).map((a): Attendee => ({
      email: a.emailAddress?.address ?? '',
      ...(a.emailAddress?.name ? { name: a.emailAddress.name } : {}),
      type: (a.type as Attendee['type'] | undefined) ?? 'required',
      ...(a.status?.response
        ? {
            response:
              a.status.response === 'tentativelyAccepted'
                ? 'tentative'
                : a.status.response === 'notResponded'
                  ? 'none'
                  : (a.status.response as Attendee['response']),
          }
        : {}),
    })),
    ...(recurrence
      ? {
          recurrence: {
            pattern: recurrence.pattern,
            range: {
              type: recurrence.range.type,
              startDate: recurrence.range.startDate,
              ...(recurrence.range.endDate && recurrence.range.endDate !== '0001-01-01'
                ? { endDate: recurrence.range.endDate }
                : {}),
              ...(recurrence.range.numberOfOccurrences
                ? { numberOfOccurrences: recurrence.range.numberOfOccurrences }
                : {}),
            },
          },
        }
      : {}),
    hasAttachments: json.hasAttachments === true,
    ...(stamp ? { stamp } : {}),
    lastModified: String(json.lastModifiedDateTime ?? ''),
  };
}

/** Draft fields → Graph event JSON (only the fields present, for PATCH). */
export function appointmentToGraph(draft: Partial<AppointmentDraft>): GraphJson {
  const out: GraphJson = {};
  const zone = draft.timeZone ?? 'UTC';
  if (draft.subject !== undefined) out.subject = draft.subject;
  if (draft.body !== undefined)
    out.body = { contentType: draft.body.type === 'html' ? 'html' : 'text', content: draft.body.content };
  if (draft.start !== undefined) out.start = { dateTime: wallTime(draft.start, zone), timeZone: zone };
  if (draft.end !== undefined) out.end = { dateTime: wallTime(draft.end, zone), timeZone: zone };
  if (draft.isAllDay !== undefined) out.isAllDay = draft.isAllDay;
  if (draft.location !== undefined) out.location = { displayName: draft.location };
  if (draft.categories !== undefined) out.categories = draft.categories;
  if (draft.sensitivity !== undefined) out.sensitivity = draft.sensitivity;
  if (draft.importance !== undefined) out.importance = draft.importance;
  if (draft.showAs !== undefined) out.showAs = draft.showAs;
  if (draft.reminderMinutesBeforeStart !== undefined) {
    out.reminderMinutesBeforeStart = draft.reminderMinutesBeforeStart;
    out.isReminderOn = true;
  }
  if (draft.attendees !== undefined) {
    out.attendees = draft.attendees.map((a) => ({
      type: a.type,
      emailAddress: { address: a.email, ...(a.name ? { name: a.name } : {}) },
    }));
  }
  if (draft.recurrence !== undefined)
    out.recurrence = {
      pattern: draft.recurrence.pattern,
      range: { ...draft.recurrence.range, recurrenceTimeZone: zone },
    };
  return out;
}

const PERCENT: Record<TaskStatus, number> = {
  notStarted: 0,
  inProgress: 50,
  completed: 100,
  waitingOnOthers: 25,
  deferred: 0,
};

/**
 * To Do tasks have no sensitivity or percentComplete; the stamp extension carries both so they
 * survive a round trip (To Do shows neither to the user, so nothing is lost in its UI).
 */
export function taskFromGraph(json: GraphJson): Task {
  const body = json.body as { contentType?: string; content?: string } | undefined;
  const ext = ((json.extensions as GraphJson[] | undefined) ?? []).find(
    (e) => e.extensionName === TASK_EXTENSION || e.id === TASK_EXTENSION,
  );
  const status = (json.status as TaskStatus | undefined) ?? 'notStarted';
  const day = (v: unknown): string | undefined => {
    const d = (v as { dateTime?: string } | undefined)?.dateTime;
    return d ? d.slice(0, 10) : undefined;
  };
  const startDate = day(json.startDateTime);
  const dueDate = day(json.dueDateTime);
  return {
    id: String(json.id),
    changeKey: changeKeyOf(json),
    subject: String(json.title ?? ''),
    body: { type: body?.contentType?.toLowerCase() === 'html' ? 'html' : 'text', content: body?.content ?? '' },
    ...(startDate ? { startDate } : {}),
    ...(dueDate ? { dueDate } : {}),
    status,
    percentComplete: typeof ext?.percentComplete === 'number' ? ext.percentComplete : PERCENT[status],
    importance: (json.importance as Importance | undefined) ?? 'normal',
    categories: (json.categories as string[] | undefined) ?? [],
    sensitivity: (ext?.sensitivity as Sensitivity | undefined) ?? 'normal',
    ...(ext && typeof ext.s4Key === 'string' ? { stamp: { s4Key: ext.s4Key, hash: String(ext.hash ?? '') } } : {}),
    lastModified: String(json.lastModifiedDateTime ?? ''),
  };
}

export function taskToGraph(draft: Partial<TaskDraft>): GraphJson {
  const out: GraphJson = {};
  if (draft.subject !== undefined) out.title = draft.subject;
  if (draft.body !== undefined)
    out.body = { contentType: draft.body.type === 'html' ? 'html' : 'text', content: draft.body.content };
  if ('startDate' in draft)
    out.startDateTime = draft.startDate ? { dateTime: `${draft.startDate}T00:00:00.0000000`, timeZone: 'UTC' } : null;
  if ('dueDate' in draft)
    out.dueDateTime = draft.dueDate ? { dateTime: `${draft.dueDate}T00:00:00.0000000`, timeZone: 'UTC' } : null;
  if (draft.status !== undefined) out.status = draft.status;
  if (draft.importance !== undefined) out.importance = draft.importance;
  if (draft.categories !== undefined) out.categories = draft.categories;
  return out;
}

export function taskExtension(stamp: Stamp, draft: Partial<TaskDraft>, previous?: GraphJson): GraphJson {
  return {
    '@odata.type': '#microsoft.graph.openTypeExtension',
    extensionName: TASK_EXTENSION,
    s4Key: stamp.s4Key,
    hash: stamp.hash,
    sensitivity: draft.sensitivity ?? previous?.sensitivity ?? 'normal',
    percentComplete: draft.percentComplete ?? previous?.percentComplete ?? 0,
  };
}

export function contactFromGraph(json: GraphJson): Contact {
  const stamp = stampFromExtendedProperties(json);
  const addr = json.businessAddress as Contact['businessAddress'] | undefined;
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  const opt = <T>(key: string, v: T | undefined): Record<string, T> => (v === undefined ? {} : { [key]: v });
  const address =
    addr && Object.values(addr).some((v) => v)
      ? Object.fromEntries(Object.entries(addr).filter(([, v]) => v))
      : undefined;
  return {
    id: String(json.id),
    changeKey: changeKeyOf(json),
    ...opt('givenName', str(json.givenName)),
    ...opt('surname', str(json.surname)),
    displayName: String(json.displayName ?? ''),
    ...opt('companyName', str(json.companyName)),
    ...opt('jobTitle', str(json.jobTitle)),
    emailAddresses: ((json.emailAddresses as Array<{ address?: string }> | undefined) ?? [])
      .map((e) => e.address ?? '')
      .filter(Boolean),
    businessPhones: (json.businessPhones as string[] | undefined) ?? [],
    ...opt('mobilePhone', str(json.mobilePhone)),
    ...(address ? { businessAddress: address } : {}),
    categories: (json.categories as string[] | undefined) ?? [],
    ...(stamp ? { stamp } : {}),
    lastModified: String(json.lastModifiedDateTime ?? ''),
  };
}

export function contactToGraph(draft: Partial<ContactDraft>): GraphJson {
  const out: GraphJson = {};
  for (const key of [
    'givenName',
    'surname',
    'displayName',
    'companyName',
    'jobTitle',
    'businessPhones',
    'mobilePhone',
    'categories',
  ] as const) {
    if (key in draft) out[key] = draft[key] ?? null;
  }
  if (draft.emailAddresses !== undefined)
    out.emailAddresses = draft.emailAddresses.map((address) => ({ address, name: address }));
  if ('businessAddress' in draft) out.businessAddress = draft.businessAddress ?? {};
  return out;
}
