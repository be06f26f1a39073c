/* eslint-disable @typescript-eslint/no-explicit-any -- ews-javascript-api's property bags are loosely typed; this file is the boundary. */
import { escapeXml as x } from './xml-escape.js';
import type { Appointment, AppointmentDraft, Attendee } from '../types.js';
import { AppointmentType, Attendee as EwsAttendee, LegacyFreeBusyStatus, MeetingResponseType } from './ews-lib.js';
import {
  bodyFromEws,
  bodyToEws,
  categoriesFromEws,
  categoriesToEws,
  idOf,
  importanceFromEws,
  importanceToEws,
  lastModifiedOf,
  safe,
  sensitivityFromEws,
  sensitivityToEws,
} from './item-fields.js';
import { fromEwsRecurrence, toEwsRecurrence } from './recurrence-mapping.js';
import { readStamp } from './stamp-property.js';
import { fromEwsDateTime, timeZoneInfoFor, toScopedEwsDateTime, windowsToIana } from './time-zones.js';

const TYPES: Record<number, Appointment['type']> = {
  [AppointmentType.Single]: 'single',
  [AppointmentType.Occurrence]: 'occurrence',
  [AppointmentType.Exception]: 'exception',
  [AppointmentType.RecurringMaster]: 'seriesMaster',
};
const SHOW_AS: Array<Appointment['showAs']> = ['free', 'tentative', 'busy', 'oof', 'workingElsewhere', undefined];
const RESPONSES: Record<number, Attendee['response']> = {
  [MeetingResponseType.Unknown]: 'none',
  [MeetingResponseType.Organizer]: 'organizer',
  [MeetingResponseType.Tentative]: 'tentative',
  [MeetingResponseType.Accept]: 'accepted',
  [MeetingResponseType.Decline]: 'declined',
  [MeetingResponseType.NoResponseReceived]: 'none',
};

export function appointmentFromEws(item: any, context: { seriesMasterId?: string } = {}): Appointment {
  const type = TYPES[Number(safe(() => item.AppointmentType) ?? AppointmentType.Single)] ?? 'single';
  const startZone = safe(() => item.StartTimeZone);
  const timeZone = windowsToIana(startZone?.Id ?? safe(() => item.TimeZone));
  const appointment: Appointment = {
    ...idOf(item),
    type,
    subject: safe(() => item.Subject) ?? '',
    body: bodyFromEws(item),
    start: fromEwsDateTime(safe(() => item.Start)) ?? new Date(0).toISOString(),
    end: fromEwsDateTime(safe(() => item.End)) ?? new Date(0).toISOString(),
    timeZone,
    isAllDay: Boolean(safe(() => item.IsAllDayEvent)),
    location: safe(() => item.Location) ?? '',
    categories: categoriesFromEws(item),
    sensitivity: sensitivityFromEws(safe(() => item.Sensitivity)),
    importance: importanceFromEws(safe(() => item.Importance)),
    attendees: [
      ...attendeesFromEws(
        safe(() => item.RequiredAttendees),
        'required',
      ),
      ...attendeesFromEws(
        safe(() => item.OptionalAttendees),
        'optional',
      ),
      ...attendeesFromEws(
        safe(() => item.Resources),
        'resource',
      ),
    ],
    hasAttachments: Boolean(safe(() => item.HasAttachments)),
    lastModified: lastModifiedOf(item),
  };
  const showAs = SHOW_AS[Number(safe(() => item.LegacyFreeBusyStatus))];
  if (showAs) appointment.showAs = showAs;
  if (safe(() => item.IsReminderSet)) {
    const minutes = safe(() => item.ReminderMinutesBeforeStart);
    if (typeof minutes === 'number') appointment.reminderMinutesBeforeStart = minutes;
  }
  const organizer = safe(() => item.Organizer);
  if (organizer?.Address)
    appointment.organizer = { email: organizer.Address, ...(organizer.Name ? { name: organizer.Name } : {}) };
  if (type === 'seriesMaster') {
    const recurrence = safe(() => item.Recurrence);
    if (recurrence) appointment.recurrence = fromEwsRecurrence(recurrence);
    const deleted = safe(() => item.DeletedOccurrences);
    const deletedStarts =
      deleted && typeof deleted.GetEnumerator === 'function'
        ? (deleted
            .GetEnumerator()
            .map((info: any) => fromEwsDateTime(info.OriginalStart))
            .filter(Boolean) as string[])
        : [];
    appointment.deletedOccurrences = deletedStarts;
  }
  if (type === 'occurrence' || type === 'exception') {
    const originalStart = fromEwsDateTime(safe(() => item.OriginalStart));
    if (originalStart) appointment.originalStart = originalStart;
    if (context.seriesMasterId) appointment.seriesMasterId = context.seriesMasterId;
  }
  const stamp = readStamp(item);
  if (stamp) appointment.stamp = stamp;
  return appointment;
}

function attendeesFromEws(collection: any, type: Attendee['type']): Attendee[] {
  if (!collection || typeof collection.GetEnumerator !== 'function') return [];
  return collection.GetEnumerator().map((attendee: any) => {
    const result: Attendee = { email: attendee.Address, type };
    if (attendee.Name) result.name = attendee.Name;
    const response = safe(() => RESPONSES[Number(attendee.ResponseType)]);
    if (response && attendee.ResponseType !== null && attendee.ResponseType !== undefined) result.response = response;
    return result;
  });
}

/**
 * Writes the given fields onto an EWS appointment. Start and end always travel with explicit
 * StartTimeZone/EndTimeZone: Exchange then stores the wall-clock time in that zone, so a weekly
 * 09:00 Berlin series stays at 09:00 across the DST change (and so do its exceptions), instead of
 * being pinned to a UTC offset.
 */
export function applyAppointmentDraft(
  item: any,
  changes: Partial<AppointmentDraft>,
  current?: { timeZone: string },
): void {
  if (changes.subject !== undefined) item.Subject = x(changes.subject);
  if (changes.body !== undefined) item.Body = bodyToEws(changes.body);
  const zoneName = changes.timeZone ?? current?.timeZone;
  const timesChange =
    changes.start !== undefined ||
    changes.end !== undefined ||
    changes.timeZone !== undefined ||
    changes.recurrence !== undefined;
  if (timesChange && zoneName) {
    const zone = timeZoneInfoFor(zoneName);
    item.StartTimeZone = zone;
    item.EndTimeZone = zone;
  }
  if (changes.start !== undefined) item.Start = toScopedEwsDateTime(changes.start);
  if (changes.end !== undefined) item.End = toScopedEwsDateTime(changes.end);
  if (changes.isAllDay !== undefined) item.IsAllDayEvent = changes.isAllDay;
  if (changes.location !== undefined) item.Location = x(changes.location);
  if (changes.categories !== undefined) item.Categories = categoriesToEws(changes.categories);
  if (changes.sensitivity !== undefined) item.Sensitivity = sensitivityToEws(changes.sensitivity);
  if (changes.importance !== undefined) item.Importance = importanceToEws(changes.importance);
  if (changes.showAs !== undefined) {
    item.LegacyFreeBusyStatus =
      LegacyFreeBusyStatus[
        (
          {
            free: 'Free',
            tentative: 'Tentative',
            busy: 'Busy',
            oof: 'OOF',
            workingElsewhere: 'WorkingElsewhere',
          } as const
        )[changes.showAs]
      ];
  }
  if ('reminderMinutesBeforeStart' in changes) {
    if (changes.reminderMinutesBeforeStart === undefined) {
      item.IsReminderSet = false;
    } else {
      item.IsReminderSet = true;
      item.ReminderMinutesBeforeStart = changes.reminderMinutesBeforeStart;
    }
  }
  if (changes.attendees !== undefined) {
    const groups = { required: item.RequiredAttendees, optional: item.OptionalAttendees, resource: item.Resources };
    for (const group of Object.values(groups)) group.Clear();
    for (const attendee of changes.attendees) {
      groups[attendee.type].Add(
        attendee.name ? new EwsAttendee(x(attendee.name), x(attendee.email)) : new EwsAttendee(x(attendee.email)),
      );
    }
  }
  if (changes.recurrence !== undefined) item.Recurrence = toEwsRecurrence(changes.recurrence);
}
