import { TandemError } from '../../../errors/tandem-error.js';
import { HASH_PROPERTY_NAME, S4_KEY_PROPERTY_NAME, TANDEM_PROPERTY_SET_ID } from '../stamp-names.js';
import type { Appointment, AppointmentDraft, Attendee, Recurrence, Stamp } from '../types.js';
import { escapeXml } from './xml-escape.js';
import { TimeZoneInfo } from './ews-lib.js';
import {
  attribute,
  childText,
  decodeXml,
  distinguishedFolder,
  node,
  nodes,
  text,
  textOf,
  type XmlNode,
} from './soap-xml.js';
import { timeZoneInfoFor, windowsToIana } from './time-zones.js';
import { DAYS, INDEXES, type Day } from './recurrence-mapping.js';

/**
 * CreateItem and GetItem of appointments as SOAP Tandem writes and reads itself — the two EWS
 * calls of every sync operation. Through ews-javascript-api (its object model, a DOM per answer,
 * moment per DateTime) a create + read cost about twice the client CPU it costs here
 * (docs/benchmarks.md, 2026-12-03). Every other EWS call still goes through the library. What
 * these send and read is what the library's path sends and reads — the requests' element trees
 * and the appointments read from the same answers are compared in
 * test/unit/exchange-ews/soap-appointments.test.ts — except that a dateTime with fractions and
 * an offset is read here, where the library reads it as missing.
 *
 * Element order is the schema's: ItemType then CalendarItemType of Types.xsd, as listed on the
 * EWS reference pages "CalendarItem" and "Item"; CreateItem and GetItem as on their pages
 * ("CreateItem operation (calendar item)", "GetItem operation (calendar item)").
 */

/** The DistinguishedFolderId of the calendar, mailbox-qualified for delegate access. */
export function calendarFolder(delegateMailbox: string | undefined): string {
  return distinguishedFolder('calendar', delegateMailbox);
}

/** Whether createItemRequest can write this draft (recurring series are still written by the library). */
export function writableBySoap(draft: Partial<AppointmentDraft>): boolean {
  return draft.recurrence === undefined;
}

export interface SoapRequest {
  body: string;
  /**
   * The TimeZoneContext header naming the service's zone (UTC), which then stands for the item's
   * zone: written, as the library does, when the item's zone is UTC or not given, and then without
   * StartTimeZone/EndTimeZone ("TimeZoneContext" in the EWS reference).
   */
  timeZoneContext?: string;
}

export function createItemRequest(folderXml: string, draft: Partial<AppointmentDraft>, stamp: Stamp): SoapRequest {
  const { elements, serviceZone } = calendarItemElements(draft, stamp);
  // SendToNone: Tandem never sends invitations; attendees are informational (as on the library path).
  const body =
    '<m:CreateItem SendMeetingInvitations="SendToNone">' +
    `<m:SavedItemFolderId>${folderXml}</m:SavedItemFolderId>` +
    `<m:Items><t:CalendarItem>${elements}</t:CalendarItem></m:Items>` +
    '</m:CreateItem>';
  return serviceZone ? { body, timeZoneContext: zoneFor('UTC').attributes } : { body };
}

const SENSITIVITY = { normal: 'Normal', personal: 'Personal', private: 'Private', confidential: 'Confidential' };
const IMPORTANCE = { low: 'Low', normal: 'Normal', high: 'High' };
const SHOW_AS = {
  free: 'Free',
  tentative: 'Tentative',
  busy: 'Busy',
  oof: 'OOF',
  workingElsewhere: 'WorkingElsewhere',
};

/** The CalendarItem's children for the fields given, in schema order (what applyAppointmentDraft sets). */
function calendarItemElements(
  draft: Partial<AppointmentDraft>,
  stamp: Stamp,
): { elements: string; serviceZone: boolean } {
  const parts: string[] = [];
  if (draft.subject !== undefined) parts.push(text('Subject', draft.subject));
  if (draft.sensitivity !== undefined) parts.push(text('Sensitivity', SENSITIVITY[draft.sensitivity]));
  if (draft.body !== undefined) {
    const type = draft.body.type === 'html' ? 'HTML' : 'Text';
    parts.push(`<t:Body BodyType="${type}">${escapeXml(draft.body.content)}</t:Body>`);
  }
  if (draft.categories !== undefined)
    parts.push(`<t:Categories>${draft.categories.map((name) => text('String', name)).join('')}</t:Categories>`);
  if (draft.importance !== undefined) parts.push(text('Importance', IMPORTANCE[draft.importance]));
  if ('reminderMinutesBeforeStart' in draft) {
    const minutes = draft.reminderMinutesBeforeStart;
    parts.push(text('ReminderIsSet', String(minutes !== undefined)));
    if (minutes !== undefined) parts.push(text('ReminderMinutesBeforeStart', String(minutes)));
  }
  parts.push(stampProperty(S4_KEY_PROPERTY_NAME, stamp.s4Key), stampProperty(HASH_PROPERTY_NAME, stamp.hash));
  if (draft.start !== undefined) parts.push(text('Start', ewsInstant(draft.start)));
  if (draft.end !== undefined) parts.push(text('End', ewsInstant(draft.end)));
  if (draft.isAllDay !== undefined) parts.push(text('IsAllDayEvent', String(draft.isAllDay)));
  if (draft.showAs !== undefined) parts.push(text('LegacyFreeBusyStatus', SHOW_AS[draft.showAs]));
  if (draft.location !== undefined) parts.push(text('Location', draft.location));
  if (draft.attendees !== undefined) {
    for (const [element, type] of [
      ['RequiredAttendees', 'required'],
      ['OptionalAttendees', 'optional'],
      ['Resources', 'resource'],
    ] as const) {
      const group = draft.attendees.filter((attendee) => attendee.type === type);
      if (group.length > 0) parts.push(`<t:${element}>${group.map(attendeeXml).join('')}</t:${element}>`);
    }
  }
  // Start and end travel with their zone: Exchange keeps the wall-clock time in it across DST.
  const zoneName = draft.timeZone;
  const timesChange = draft.start !== undefined || draft.end !== undefined || draft.timeZone !== undefined;
  const zone = timesChange && zoneName ? zoneFor(zoneName) : undefined;
  if (zone && !zone.utc) parts.push(`<t:StartTimeZone ${zone.attributes}/>`, `<t:EndTimeZone ${zone.attributes}/>`);
  return { elements: parts.join(''), serviceZone: !zone || zone.utc };
}

function attendeeXml(attendee: Attendee): string {
  const name = attendee.name ? text('Name', attendee.name) : '';
  return `<t:Attendee><t:Mailbox>${name}${text('EmailAddress', attendee.email)}</t:Mailbox></t:Attendee>`;
}

function stampProperty(name: string, value: string): string {
  return (
    `<t:ExtendedProperty><t:ExtendedFieldURI PropertySetId="${TANDEM_PROPERTY_SET_ID}" PropertyName="${name}" PropertyType="String"/>` +
    `${text('Value', value)}</t:ExtendedProperty>`
  );
}

/**
 * Name and Id of a zone's TimeZoneDefinition (the Id is enough for Exchange, which knows the
 * rules), from the library's zone table as on its path; whether it is the service's zone, UTC.
 * The table holds some names entity-escaped already ("US &amp; Canada"): decoded, then escaped once.
 */
const zoneCache = new Map<string, { attributes: string; utc: boolean }>();
function zoneFor(iana: string): { attributes: string; utc: boolean } {
  let zone = zoneCache.get(iana);
  if (zone === undefined) {
    const info = timeZoneInfoFor(iana) as unknown as { Id: string; DisplayName?: string };
    const name = escapeXml(decodeXml(info.DisplayName ?? ''));
    zone = {
      attributes: `Name="${name}" Id="${escapeXml(decodeXml(info.Id))}"`,
      utc: info === (TimeZoneInfo.Utc as unknown),
    };
    zoneCache.set(iana, zone);
  }
  return zone;
}

/** An instant as EWS dateTime, in UTC (the wall-clock zone is StartTimeZone's business). */
function ewsInstant(instant: string): string {
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) throw new TandemError('VALIDATION_FAILED', `Not an ISO instant: ${instant}`);
  return new Date(ms).toISOString().replace('Z', '+00:00');
}

/**
 * GetItem for appointments with the property set fullPropertySet('appointment') asks for:
 * AllProperties, the two stamp properties and the calendar properties AllProperties leaves out.
 */
const ITEM_SHAPE =
  '<m:ItemShape><t:BaseShape>AllProperties</t:BaseShape><t:AdditionalProperties>' +
  `<t:ExtendedFieldURI PropertySetId="${TANDEM_PROPERTY_SET_ID}" PropertyName="${S4_KEY_PROPERTY_NAME}" PropertyType="String"/>` +
  `<t:ExtendedFieldURI PropertySetId="${TANDEM_PROPERTY_SET_ID}" PropertyName="${HASH_PROPERTY_NAME}" PropertyType="String"/>` +
  [
    'StartTimeZone',
    'EndTimeZone',
    'Recurrence',
    'DeletedOccurrences',
    'OriginalStart',
    'CalendarItemType',
    'UID',
    'IsAllDayEvent',
  ]
    .map((name) => `<t:FieldURI FieldURI="calendar:${name}"/>`)
    .join('') +
  '</t:AdditionalProperties></m:ItemShape>';

export function getItemBody(ids: string[]): string {
  const items = ids.map((id) => `<t:ItemId Id="${escapeXml(id)}"/>`).join('');
  return `<m:GetItem>${ITEM_SHAPE}<m:ItemIds>${items}</m:ItemIds></m:GetItem>`;
}

/** The created item's id from a successful CreateItemResponseMessage. */
export function createdVersion(message: XmlNode): { id: string; changeKey: string } {
  const id = node(firstItem(message), 'ItemId');
  const itemId = attribute(id, 'Id');
  if (!itemId) throw new TandemError('EXCHANGE_UNAVAILABLE', 'EWS CreateItem answer carries no ItemId');
  return { id: itemId, changeKey: attribute(id, 'ChangeKey') ?? '' };
}

/** The one item of a response message (`<m:Items><t:CalendarItem>`), whatever its element name. */
export function firstItem(message: XmlNode): XmlNode | undefined {
  const items = node(message, 'Items');
  if (!items) return undefined;
  for (const [name, value] of Object.entries(items)) {
    if (name.startsWith('@') || name.startsWith('#')) continue;
    return node({ [name]: value }, name);
  }
  return undefined;
}

const TYPES: Record<string, Appointment['type']> = {
  Single: 'single',
  Occurrence: 'occurrence',
  Exception: 'exception',
  RecurringMaster: 'seriesMaster',
};
const SENSITIVITY_IN: Record<string, Appointment['sensitivity']> = {
  Normal: 'normal',
  Personal: 'personal',
  Private: 'private',
  Confidential: 'confidential',
};
const IMPORTANCE_IN: Record<string, Appointment['importance']> = { Low: 'low', Normal: 'normal', High: 'high' };
const SHOW_AS_IN: Record<string, Appointment['showAs']> = {
  Free: 'free',
  Tentative: 'tentative',
  Busy: 'busy',
  OOF: 'oof',
  WorkingElsewhere: 'workingElsewhere',
};
const RESPONSES: Record<string, Attendee['response']> = {
  Unknown: 'none',
  Organizer: 'organizer',
  Tentative: 'tentative',
  Accept: 'accepted',
  Decline: 'declined',
  NoResponseReceived: 'none',
};

/** A CalendarItem element as the domain Appointment (the same result appointmentFromEws gives). */
export function appointmentFromXml(item: XmlNode, context: { seriesMasterId?: string } = {}): Appointment {
  const id = node(item, 'ItemId');
  const type = TYPES[childText(item, 'CalendarItemType') ?? 'Single'] ?? 'single';
  const body = node(item, 'Body');
  const appointment: Appointment = {
    id: attribute(id, 'Id') ?? '',
    changeKey: attribute(id, 'ChangeKey') ?? '',
    type,
    subject: childText(item, 'Subject') ?? '',
    body: body
      ? { type: attribute(body, 'BodyType') === 'HTML' ? 'html' : 'text', content: textOf(body) }
      : { type: 'text', content: '' },
    start: instantOf(childText(item, 'Start')) ?? new Date(0).toISOString(),
    end: instantOf(childText(item, 'End')) ?? new Date(0).toISOString(),
    timeZone: windowsToIana(attribute(node(item, 'StartTimeZone'), 'Id') ?? childText(item, 'TimeZone')),
    isAllDay: isTrue(childText(item, 'IsAllDayEvent')),
    location: childText(item, 'Location') ?? '',
    categories: nodes(node(item, 'Categories'), 'String').map(textOf),
    sensitivity: SENSITIVITY_IN[childText(item, 'Sensitivity') ?? ''] ?? 'normal',
    importance: IMPORTANCE_IN[childText(item, 'Importance') ?? ''] ?? 'normal',
    attendees: [
      ...attendeesFromXml(node(item, 'RequiredAttendees'), 'required'),
      ...attendeesFromXml(node(item, 'OptionalAttendees'), 'optional'),
      ...attendeesFromXml(node(item, 'Resources'), 'resource'),
    ],
    hasAttachments: isTrue(childText(item, 'HasAttachments')),
    lastModified: instantOf(childText(item, 'LastModifiedTime')) ?? new Date(0).toISOString(),
  };
  const showAs = SHOW_AS_IN[childText(item, 'LegacyFreeBusyStatus') ?? ''];
  if (showAs) appointment.showAs = showAs;
  if (isTrue(childText(item, 'ReminderIsSet'))) {
    const minutes = integerOf(childText(item, 'ReminderMinutesBeforeStart'));
    if (minutes !== undefined) appointment.reminderMinutesBeforeStart = minutes;
  }
  const organizer = node(node(item, 'Organizer'), 'Mailbox');
  const organizerEmail = childText(organizer, 'EmailAddress');
  if (organizerEmail) {
    const name = childText(organizer, 'Name');
    appointment.organizer = { email: organizerEmail, ...(name ? { name } : {}) };
  }
  if (type === 'seriesMaster') {
    const recurrence = node(item, 'Recurrence');
    if (recurrence) appointment.recurrence = recurrenceFromXml(recurrence);
    appointment.deletedOccurrences = nodes(node(item, 'DeletedOccurrences'), 'DeletedOccurrence')
      .map((deleted) => instantOf(childText(deleted, 'Start')))
      .filter((start): start is string => start !== undefined);
  }
  if (type === 'occurrence' || type === 'exception') {
    const originalStart = instantOf(childText(item, 'OriginalStart'));
    if (originalStart) appointment.originalStart = originalStart;
    if (context.seriesMasterId) appointment.seriesMasterId = context.seriesMasterId;
  }
  const stamp = stampFromXml(item);
  if (stamp) appointment.stamp = stamp;
  return appointment;
}

function attendeesFromXml(group: XmlNode | undefined, type: Attendee['type']): Attendee[] {
  return nodes(group, 'Attendee').map((attendee) => {
    const mailbox = node(attendee, 'Mailbox');
    const result = { email: childText(mailbox, 'EmailAddress'), type } as Attendee;
    const name = childText(mailbox, 'Name');
    if (name) result.name = name;
    const response = RESPONSES[childText(attendee, 'ResponseType') ?? ''];
    if (response) result.response = response;
    return result;
  });
}

function stampFromXml(item: XmlNode): Stamp | undefined {
  let s4Key: string | undefined;
  let hash: string | undefined;
  for (const property of nodes(item, 'ExtendedProperty')) {
    const uri = node(property, 'ExtendedFieldURI');
    if ((attribute(uri, 'PropertySetId') ?? '').toLowerCase() !== TANDEM_PROPERTY_SET_ID) continue;
    const name = attribute(uri, 'PropertyName');
    const value = childText(property, 'Value') ?? '';
    if (name === S4_KEY_PROPERTY_NAME) s4Key = value;
    if (name === HASH_PROPERTY_NAME) hash = value;
  }
  return s4Key !== undefined ? { s4Key, hash: hash ?? '' } : undefined;
}

/** An EWS day or week index name ("Monday", "Last") in Graph's vocabulary, if it is one of `names`. */
function lowered<T extends string>(names: readonly T[], value: string | undefined): T | undefined {
  const name = value?.toLowerCase();
  return names.find((candidate) => candidate === name);
}
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/**
 * A RecurrenceType element (one pattern, one range; "Recurrence (RecurrenceType)" in the EWS
 * reference) in Graph's vocabulary, as fromEwsRecurrence reads it: the generic day names (Day,
 * Weekday, WeekendDay) read as Monday, an absent FirstDayOfWeek as Sunday.
 */
export function recurrenceFromXml(recurrence: XmlNode): Recurrence {
  const day = (value: string | undefined): Day => lowered(DAYS, value) ?? 'monday';
  const index = (value: string | undefined) => lowered(INDEXES, value) ?? 'first';
  const month = (value: XmlNode) => MONTHS.indexOf(childText(value, 'Month') ?? '') + 1;
  const interval = (value: XmlNode) => integerOf(childText(value, 'Interval')) ?? 1;
  let pattern: Recurrence['pattern'];
  let found: XmlNode | undefined;
  if ((found = node(recurrence, 'DailyRecurrence'))) {
    pattern = { type: 'daily', interval: interval(found) };
  } else if ((found = node(recurrence, 'WeeklyRecurrence'))) {
    const days = (childText(found, 'DaysOfWeek') ?? '').split(/\s+/).filter(Boolean);
    pattern = {
      type: 'weekly',
      interval: interval(found),
      daysOfWeek: days.map(day),
      firstDayOfWeek: childText(found, 'FirstDayOfWeek') === 'Monday' ? 'monday' : 'sunday',
    };
  } else if ((found = node(recurrence, 'AbsoluteMonthlyRecurrence'))) {
    pattern = {
      type: 'absoluteMonthly',
      interval: interval(found),
      dayOfMonth: Number(childText(found, 'DayOfMonth')),
    };
  } else if ((found = node(recurrence, 'RelativeMonthlyRecurrence'))) {
    pattern = {
      type: 'relativeMonthly',
      interval: interval(found),
      daysOfWeek: [day(childText(found, 'DaysOfWeek'))],
      index: index(childText(found, 'DayOfWeekIndex')),
    };
  } else if ((found = node(recurrence, 'AbsoluteYearlyRecurrence'))) {
    pattern = {
      type: 'absoluteYearly',
      interval: 1,
      month: month(found),
      dayOfMonth: Number(childText(found, 'DayOfMonth')),
    };
  } else if ((found = node(recurrence, 'RelativeYearlyRecurrence'))) {
    pattern = {
      type: 'relativeYearly',
      interval: 1,
      month: month(found),
      daysOfWeek: [day(childText(found, 'DaysOfWeek'))],
      index: index(childText(found, 'DayOfWeekIndex')),
    };
  } else {
    const name = Object.keys(recurrence).find((key) => !key.startsWith('@') && !key.startsWith('#')) ?? 'none';
    throw new TandemError('EXCHANGE_BAD_REQUEST', `Unsupported EWS recurrence ${name}`);
  }
  const numbered = node(recurrence, 'NumberedRecurrence');
  const ended = node(recurrence, 'EndDateRecurrence');
  const range = numbered ?? ended ?? node(recurrence, 'NoEndRecurrence');
  const startDate = dateOf(childText(range, 'StartDate')) ?? '1970-01-01';
  const count = integerOf(childText(numbered, 'NumberOfOccurrences'));
  const endDate = dateOf(childText(ended, 'EndDate'));
  return {
    pattern,
    range:
      count !== undefined && count > 0
        ? { type: 'numbered', startDate, numberOfOccurrences: count }
        : endDate
          ? { type: 'endDate', startDate, endDate }
          : { type: 'noEnd', startDate },
  };
}

/** xs:boolean: "true" or "1". */
function isTrue(value: string | undefined): boolean {
  return value === 'true' || value === '1';
}

function integerOf(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const number = Number(value);
  return Number.isInteger(number) ? number : undefined;
}

/** An xs:dateTime as an ISO instant; without an offset it is UTC (the service's zone). */
export function instantOf(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  const zoned = /(Z|[+-]\d\d:\d\d)$/.test(trimmed) ? trimmed : `${trimmed}Z`;
  const ms = Date.parse(zoned);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

/** An xs:date ("2026-03-02", "2026-03-02Z", "2026-03-02+01:00"): the calendar date as written. */
function dateOf(value: string | undefined): string | undefined {
  const match = value ? /^\s*(\d{4}-\d{2}-\d{2})/.exec(value) : null;
  return match ? match[1] : undefined;
}
