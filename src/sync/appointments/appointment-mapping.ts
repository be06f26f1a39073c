import type { Appointment, AppointmentDraft, Attendee } from '../model/exchange-items.js';
import type { S4Appointment, S4Partner, S4Text } from '../model/s4-objects.js';
import { isPartnerToken, partnerToken, type PartnerLookup } from '../directory.js';
import { normalizeBody, normalizeInstant, normalizeLine, normalizeSet } from '../canonical/normalize.js';
import { statusCodeFor, type AppointmentSettings } from '../settings.js';
import { dateInZone, startOfDateInZone, wallTimeAt } from '../time/zone.js';
import type { AppointmentField, CanonicalAppointment } from './canonical-appointment.js';

/**
 * The line that opens the contact-person block Tandem appends to Outlook bodies
 * (contactPersonsAs = 'body'). Everything from it on is Tandem's, not the user's text.
 */
export const CONTACT_BLOCK_MARKER = '— Contact persons (S/4HANA) —';

/** Start/end of an item as canonical values: minute instants, or dates in the zone when all-day. */
export function canonicalTimes(
  start: string,
  end: string,
  zone: string,
  isAllDay: boolean,
): { start: string; end: string } {
  if (!isAllDay) return { start: normalizeInstant(start), end: normalizeInstant(end) };
  const startDate = dateInZone(start, zone);
  // End is exclusive; an end that is not local midnight (S/4 often stores 23:59) still covers its day.
  const w = wallTimeAt(Date.parse(end), zone);
  let endDate = dateInZone(end, zone);
  if (w.hour !== 0 || w.minute !== 0) endDate = addDays(endDate, 1);
  if (endDate <= startDate) endDate = addDays(startDate, 1);
  return { start: startDate, end: endDate };
}

export function addDays(date: string, days: number): string {
  const ms = Date.parse(`${date}T00:00:00Z`) + days * 86_400_000;
  return new Date(ms).toISOString().slice(0, 10);
}

/** The text of a given type (S/4 may split long texts into several entries of one type). */
export function textOfType(texts: S4Text[], textType: string | undefined): string {
  if (!textType) return '';
  return texts
    .filter((t) => t.textType === textType)
    .map((t) => t.text)
    .join('\n');
}

function partnersOf(partners: S4Partner[], fn: string): string[] {
  return partners.filter((p) => p.partnerFunction === fn).map((p) => p.businessPartner);
}

function attendeeToken(id: string, lookup: PartnerLookup): string {
  const info = lookup.byId(id);
  const email = info?.email ?? info?.user?.mailbox;
  return email ? email : partnerToken(id);
}

/**
 * `self`: the mailbox the canonical form is meant for. Its owner is never one of its own attendees
 * (Exchange lists the mailbox owner as organizer), on either side, so the forms compare equal.
 */
export function s4AppointmentToCanonical(
  a: S4Appointment,
  settings: AppointmentSettings,
  lookup: PartnerLookup,
  self?: string,
): CanonicalAppointment {
  const pf = settings.partnerFunctions;
  const textType = settings.processTypes.find((p) => p.processType === a.processType)?.textType;
  const attendeeIds = partnersOf(a.partners, pf.attendee);
  const contactIds = partnersOf(a.partners, pf.contactPerson);
  const attendees = [...attendeeIds, ...(settings.contactPersonsAs === 'attendees' ? contactIds : [])];
  const contactPersons =
    settings.contactPersonsAs === 'body'
      ? contactIds
          .map((id) => {
            const p = lookup.byId(id);
            return normalizeLine([p?.name ?? id, p?.email ? `<${p.email}>` : ''].join(' '));
          })
          .sort()
      : [];
  return {
    subject: normalizeLine(a.subject),
    body: normalizeBody(textOfType(a.texts, textType)),
    ...canonicalTimes(a.start, a.end, a.timeZone, a.isAllDay),
    timeZone: a.timeZone,
    isAllDay: a.isAllDay,
    location: normalizeLine(a.location),
    isPrivate: a.isPrivate,
    attendees: normalizeAttendees(attendees.map((id) => attendeeToken(id, lookup))).filter(
      (e) => e !== self?.toLowerCase(),
    ),
    status: settings.statusMap[a.status],
    importance: settings.priorityMap[a.priority] ?? 'normal',
    contactPersons,
  };
}

/** E-mail addresses case-folded, partner tokens kept as they are (BP numbers are case-sensitive keys); sorted set. */
export function normalizeAttendees(values: readonly string[]): string[] {
  const emails = normalizeSet(values.filter((v) => !isPartnerToken(v)));
  const tokens = [...new Set(values.filter(isPartnerToken).map((v) => v.trim()))];
  return [...emails, ...tokens].sort();
}

/** The user's part of an Outlook body: Tandem's contact-person block removed. */
export function stripContactBlock(body: string): string {
  const i = body.indexOf(CONTACT_BLOCK_MARKER);
  return i < 0 ? body : body.slice(0, i).trim();
}

/**
 * Exchange appointment → canonical. Fields Exchange cannot express (status, contact-person block,
 * partners without e-mail) are carried over from `base` (the snapshot), so they never look edited.
 * `self` is the mailbox's own address: it is never one of its own attendees.
 */
export function exchangeAppointmentToCanonical(
  item: Appointment,
  base?: CanonicalAppointment,
  self?: string,
): CanonicalAppointment {
  const organizer = item.organizer?.email.toLowerCase();
  const me = self?.toLowerCase();
  const emails = item.attendees.map((x) => x.email.toLowerCase()).filter((e) => e !== organizer && e !== me);
  const carried = (base?.attendees ?? []).filter(isPartnerToken);
  return {
    subject: normalizeLine(item.subject),
    body: stripContactBlock(normalizeBody(item.body.content, item.body.type)),
    ...canonicalTimes(item.start, item.end, item.timeZone, item.isAllDay),
    timeZone: item.timeZone,
    isAllDay: item.isAllDay,
    location: normalizeLine(item.location),
    isPrivate: item.sensitivity === 'private' || item.sensitivity === 'confidential',
    attendees: normalizeAttendees([...emails, ...carried]),
    // A new Outlook item becomes an open activity (canonicalToS4AppointmentCreate writes that status).
    status: base ? base.status : 'open',
    importance: item.importance,
    contactPersons: base?.contactPersons ?? [],
  };
}

/**
 * Timed items keep the organiser's zone (metadata; the instants are the truth). All-day items are
 * days, not instants: they are written at midnight of `allDayZone` (the mailbox's zone) so Outlook
 * shows them on the same days as S/4, instead of straddling two days for a user in another zone.
 */
function draftTimes(
  c: CanonicalAppointment,
  allDayZone?: string,
): Pick<AppointmentDraft, 'start' | 'end' | 'timeZone' | 'isAllDay'> {
  if (!c.isAllDay) return { start: c.start, end: c.end, timeZone: c.timeZone, isAllDay: false };
  const zone = allDayZone ?? c.timeZone;
  return {
    start: startOfDateInZone(c.start, zone),
    end: startOfDateInZone(c.end, zone),
    timeZone: zone,
    isAllDay: true,
  };
}

function draftBody(c: CanonicalAppointment): AppointmentDraft['body'] {
  const block = c.contactPersons.length > 0 ? `\n\n${CONTACT_BLOCK_MARKER}\n${c.contactPersons.join('\n')}` : '';
  return { type: 'text', content: `${c.body}${block}`.trim() };
}

function draftAttendees(c: CanonicalAppointment, lookup: PartnerLookup): Attendee[] {
  return c.attendees
    .filter((a) => !isPartnerToken(a))
    .map((email) => {
      const name = lookup.byEmail(email)?.name;
      return name ? { email, name, type: 'required' as const } : { email, type: 'required' as const };
    });
}

/**
 * Canonical → a new Outlook appointment. Sensitivity private keeps private items private; the sync
 * category is stamped when configured. Attendees are data only: the connector contract writes
 * without sending invitations (mailbox-connector.ts).
 */
export function canonicalToAppointmentDraft(
  c: CanonicalAppointment,
  settings: AppointmentSettings,
  lookup: PartnerLookup,
  mailboxZone?: string,
): AppointmentDraft {
  return {
    subject: c.subject,
    body: draftBody(c),
    ...draftTimes(c, mailboxZone),
    location: c.location,
    categories: settings.stampCategory ? [settings.category] : [],
    sensitivity: c.isPrivate ? 'private' : 'normal',
    importance: c.importance,
    attendees: draftAttendees(c, lookup),
    showAs: 'busy',
  };
}

/** Only the draft members that express the changed canonical fields (categories are never touched on update). */
export function appointmentDraftChanges(
  c: CanonicalAppointment,
  changed: readonly AppointmentField[],
  lookup: PartnerLookup,
  mailboxZone?: string,
): Partial<AppointmentDraft> {
  const out: Partial<AppointmentDraft> = {};
  const has = (f: AppointmentField) => changed.includes(f);
  if (has('subject')) out.subject = c.subject;
  if (has('body') || has('contactPersons')) out.body = draftBody(c);
  if (has('start') || has('end') || has('isAllDay') || has('timeZone')) Object.assign(out, draftTimes(c, mailboxZone));
  if (has('location')) out.location = c.location;
  if (has('isPrivate')) out.sensitivity = c.isPrivate ? 'private' : 'normal';
  if (has('importance')) out.importance = c.importance;
  if (has('attendees')) out.attendees = draftAttendees(c, lookup);
  return out;
}

/** What Tandem writes to an S/4 appointment; on update only the changed members are present. */
export interface S4AppointmentWrite {
  processType?: string;
  subject?: string;
  start?: string;
  end?: string;
  timeZone?: string;
  isAllDay?: boolean;
  location?: string;
  isPrivate?: boolean;
  status?: string;
  priority?: string;
  /** Replaces the text of this type. */
  text?: S4Text;
  /** Partner changes: attendees/contact persons added and removed, responsible on create. */
  partners?: { add: S4Partner[]; remove: S4Partner[] };
  /** Exactly-once marker: the Exchange item's immutable id (or series key@original start). */
  externalReference?: string;
  /** Attendee addresses that are no business partner and so cannot be written (for the journal). */
  unresolvedAttendees?: string[];
}

function s4Times(c: CanonicalAppointment): Pick<S4AppointmentWrite, 'start' | 'end' | 'timeZone' | 'isAllDay'> {
  const t = draftTimes(c);
  return { start: t.start, end: t.end, timeZone: t.timeZone, isAllDay: t.isAllDay };
}

function partnerFor(token: string, settings: AppointmentSettings, lookup: PartnerLookup): S4Partner | undefined {
  const info = isPartnerToken(token) ? lookup.byId(token.slice(3)) : lookup.byEmail(token);
  if (!info) return undefined;
  const fn = info.isEmployee ? settings.partnerFunctions.attendee : settings.partnerFunctions.contactPerson;
  return { partnerFunction: fn, businessPartner: info.id };
}

function partnerDiff(before: string[], after: string[], settings: AppointmentSettings, lookup: PartnerLookup) {
  const add: S4Partner[] = [];
  const remove: S4Partner[] = [];
  const unresolved: string[] = [];
  for (const a of after.filter((x) => !before.includes(x))) {
    const p = partnerFor(a, settings, lookup);
    if (p) add.push(p);
    else unresolved.push(a);
  }
  for (const r of before.filter((x) => !after.includes(x))) {
    const p = partnerFor(r, settings, lookup);
    if (p) remove.push(p);
  }
  return { add, remove, unresolved };
}

export interface S4CreateContext {
  processType: string;
  responsible: string;
  marker: string;
}

/** Canonical → a new S/4 appointment of the default process type, responsible = the mailbox's employee. */
export function canonicalToS4AppointmentCreate(
  c: CanonicalAppointment,
  settings: AppointmentSettings,
  lookup: PartnerLookup,
  ctx: S4CreateContext,
): S4AppointmentWrite {
  const textType = settings.processTypes.find((p) => p.processType === ctx.processType)?.textType;
  const { add, unresolved } = partnerDiff([], c.attendees, settings, lookup);
  const write: S4AppointmentWrite = {
    processType: ctx.processType,
    subject: c.subject,
    ...s4Times(c),
    location: c.location,
    isPrivate: c.isPrivate,
    status: statusCodeFor(settings.statusMap, c.status ?? 'open'),
    priority: settings.importanceToPriority[c.importance],
    partners: {
      add: [
        { partnerFunction: settings.partnerFunctions.responsible, businessPartner: ctx.responsible, isMain: true },
        ...add,
      ],
      remove: [],
    },
    externalReference: ctx.marker,
  };
  if (textType && c.body !== '') write.text = { textType, text: c.body };
  if (unresolved.length > 0) write.unresolvedAttendees = unresolved;
  return write;
}

/** Canonical changes → an S/4 update carrying only the changed fields. */
export function canonicalToS4AppointmentUpdate(
  before: CanonicalAppointment,
  after: CanonicalAppointment,
  changed: readonly AppointmentField[],
  processType: string,
  settings: AppointmentSettings,
  lookup: PartnerLookup,
): S4AppointmentWrite {
  const w: S4AppointmentWrite = {};
  const has = (f: AppointmentField) => changed.includes(f);
  if (has('subject')) w.subject = after.subject;
  if (has('start') || has('end') || has('isAllDay')) Object.assign(w, s4Times(after));
  if (has('location')) w.location = after.location;
  if (has('isPrivate')) w.isPrivate = after.isPrivate;
  if (has('importance')) w.priority = settings.importanceToPriority[after.importance];
  if (has('status') && after.status) w.status = statusCodeFor(settings.statusMap, after.status);
  if (has('body')) {
    const textType = settings.processTypes.find((p) => p.processType === processType)?.textType;
    if (textType) w.text = { textType, text: after.body };
  }
  if (has('attendees')) {
    const { add, remove, unresolved } = partnerDiff(before.attendees, after.attendees, settings, lookup);
    w.partners = { add, remove };
    if (unresolved.length > 0) w.unresolvedAttendees = unresolved;
  }
  return w;
}
