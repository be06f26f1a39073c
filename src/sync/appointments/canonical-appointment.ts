import type { Importance } from '../model/exchange-items.js';
import type { AppointmentStatus } from '../settings.js';

/**
 * The side-neutral appointment (the form both sides are compared in), always normalised. Timed items carry
 * UTC instants truncated to the minute; all-day items carry dates ("YYYY-MM-DD", end exclusive)
 * in their zone, so an all-day item does not move when the S/4 user's zone and the mailbox's zone
 * differ. Instants are the truth; `timeZone` is metadata travelling with `start`.
 */
export interface CanonicalAppointment {
  subject: string;
  body: string;
  start: string;
  end: string;
  timeZone: string;
  isAllDay: boolean;
  location: string;
  isPrivate: boolean;
  /** Attendees as lower-case e-mail addresses, or `bp:<id>` for partners without one; sorted. */
  attendees: string[];
  /** S/4 only (Exchange appointments have no status). */
  status?: AppointmentStatus;
  importance: Importance;
  /** S/4 only: contact persons rendered into the body when contactPersonsAs = 'body'. */
  contactPersons: string[];
}

export type AppointmentField = keyof CanonicalAppointment;

/** Fields compared and merged, in journal order. `timeZone` travels with `start`. */
export const APPOINTMENT_FIELDS: readonly AppointmentField[] = [
  'subject',
  'body',
  'start',
  'end',
  'isAllDay',
  'location',
  'isPrivate',
  'attendees',
  'status',
  'importance',
  'contactPersons',
];

/** Fields an Exchange appointment can express; the rest are carried over from the snapshot. */
export const APPOINTMENT_EXCHANGE_FIELDS: readonly AppointmentField[] = [
  'subject',
  'body',
  'start',
  'end',
  'isAllDay',
  'location',
  'isPrivate',
  'attendees',
  'importance',
];
