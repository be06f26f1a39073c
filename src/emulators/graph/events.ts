import { createHash } from 'node:crypto';
import { occurrenceStarts, type GraphRecurrence } from './recurrence.js';
import { dateTimeTimeZone, instantFromDateTimeTimeZone, toIanaZone } from './time-zones.js';
import {
  applyExtendedProperties,
  applySelect,
  badRequest,
  checkIfMatch,
  deltaPage,
  etag,
  expandedExtendedProperties,
  extendedPropertiesJson,
  matchesExtendedFilter,
  notFound,
  pageOf,
  parseExtendedPropertyFilter,
  removedRow,
  type Ctx,
  type EmuResponse,
} from './odata.js';
import type { Entry, Json, Mailbox } from './store.js';

/**
 * Outlook events as Graph v1.0 shows them (learn.microsoft.com/graph/api/resources/event). A
 * series is stored as its master plus stored exceptions; occurrences are computed. An occurrence's
 * id is opaque, as Graph's are (a client cannot read the series or the start out of it): a hash of
 * master id and original start, remembered per mailbox so the emulator can resolve it again. An
 * occurrence keeps its id when it is modified (it then becomes a stored exception with that id).
 * The v1.0 event has no list of cancelled occurrences (`cancelledOccurrences` is on the beta
 * resource only), so a deleted occurrence shows only by its absence from the instances.
 */
const WRITABLE = [
  'subject',
  'body',
  'importance',
  'sensitivity',
  'isAllDay',
  'showAs',
  'location',
  'attendees',
  'categories',
  'reminderMinutesBeforeStart',
  'isReminderOn',
  'recurrence',
  'responseRequested',
  'allowNewTimeProposals',
];
const SENSITIVITY = ['normal', 'personal', 'private', 'confidential'];
const IMPORTANCE = ['low', 'normal', 'high'];

interface EventMeta {
  startMs: number;
  endMs: number;
  zone: string;
  endZone: string;
  type: 'singleInstance' | 'seriesMaster' | 'exception';
  seriesMasterId?: string;
  originalStartMs?: number;
  cancelled: number[];
  /** Earlier versions' times with the change sequence they had: what a delta round that began then saw. */
  history?: Array<{ seq: number; startMs: number; endMs: number }>;
}

function meta(entry: Entry): EventMeta {
  return entry.data._meta as EventMeta;
}

/** Per mailbox: the occurrence ids handed out, to what they name. */
const occurrenceIds = new WeakMap<Mailbox, Map<string, { masterId: string; originalStartMs: number }>>();

export function occurrenceId(mailbox: Mailbox, masterId: string, originalStartMs: number): string {
  const id = `AAMkOc${createHash('sha256').update(`${masterId}\n${originalStartMs}`).digest('base64url').slice(0, 43)}=`;
  let known = occurrenceIds.get(mailbox);
  if (!known) occurrenceIds.set(mailbox, (known = new Map()));
  known.set(id, { masterId, originalStartMs });
  return id;
}

function parseOccurrenceId(mailbox: Mailbox, id: string): { masterId: string; originalStartMs: number } | undefined {
  return occurrenceIds.get(mailbox)?.get(id);
}

/** The original starts of a master's cancelled occurrences (for the portable export, not on the wire). */
export function cancelledStarts(entry: Entry): string[] {
  return meta(entry).cancelled.map((ms) => new Date(ms).toISOString());
}

function validate(body: Json): void {
  if (body.sensitivity !== undefined && !SENSITIVITY.includes(String(body.sensitivity)))
    throw badRequest(`Invalid sensitivity '${String(body.sensitivity)}'`);
  if (body.importance !== undefined && !IMPORTANCE.includes(String(body.importance)))
    throw badRequest(`Invalid importance '${String(body.importance)}'`);
  if (body.categories !== undefined && !Array.isArray(body.categories)) throw badRequest('categories must be an array');
  if (body.attendees !== undefined && !Array.isArray(body.attendees)) throw badRequest('attendees must be an array');
}

function instant(value: unknown, field: string): { ms: number; zone: string } {
  const v = value as { dateTime?: unknown; timeZone?: unknown } | undefined;
  if (!v || typeof v.dateTime !== 'string') throw badRequest(`${field} must be a dateTimeTimeZone`);
  const zone = typeof v.timeZone === 'string' ? v.timeZone : 'UTC';
  if (!toIanaZone(zone)) throw badRequest(`Time zone '${zone}' is not supported`, 'TimeZoneNotSupportedException');
  const ms = instantFromDateTimeTimeZone({ dateTime: v.dateTime, timeZone: zone });
  if (ms === undefined) throw badRequest(`${field}.dateTime '${v.dateTime}' is not a valid date-time`);
  return { ms, zone };
}

function applyFields(entry: Entry, body: Json): void {
  validate(body);
  for (const key of WRITABLE) if (key in body) entry.data[key] = body[key];
  const m = meta(entry);
  if (body.start !== undefined) ({ ms: m.startMs, zone: m.zone } = instant(body.start, 'start'));
  if (body.end !== undefined) ({ ms: m.endMs, zone: m.endZone } = instant(body.end, 'end'));
  if (m.endMs < m.startMs)
    throw badRequest('The end of the event is before its start', 'ErrorCalendarEndDateIsEarlierThanStartDate');
  if (m.type !== 'exception') m.type = entry.data.recurrence ? 'seriesMaster' : 'singleInstance';
  applyExtendedProperties(entry, body);
}

/** The event as Graph JSON, times in the zone of `Prefer: outlook.timezone` (UTC without it). */
export function eventJson(
  ctx: Ctx,
  entry: Entry,
  override?: {
    id: string;
    type: 'occurrence';
    startMs: number;
    endMs: number;
    seriesMasterId: string;
    originalStartMs: number;
  },
): Json {
  const m = meta(entry);
  const d = entry.data;
  const startMs = override?.startMs ?? m.startMs;
  const endMs = override?.endMs ?? m.endMs;
  const type = override?.type ?? m.type;
  const seriesMasterId = override?.seriesMasterId ?? m.seriesMasterId;
  const originalStartMs = override?.originalStartMs ?? m.originalStartMs;
  const body = (d.body as Json | undefined) ?? { contentType: 'text', content: '' };
  const json: Json = {
    '@odata.etag': etag(entry),
    id: override?.id ?? entry.id,
    createdDateTime: entry.createdDateTime,
    lastModifiedDateTime: entry.lastModifiedDateTime,
    changeKey: entry.changeKey,
    categories: d.categories ?? [],
    originalStartTimeZone: m.zone,
    originalEndTimeZone: m.endZone,
    reminderMinutesBeforeStart: d.reminderMinutesBeforeStart ?? 15,
    isReminderOn: d.isReminderOn ?? true,
    hasAttachments: entry.attachments.length > 0,
    subject: d.subject ?? '',
    bodyPreview: String(body.content ?? '')
      .replace(/<[^>]*>/g, '')
      .slice(0, 255),
    importance: d.importance ?? 'normal',
    sensitivity: d.sensitivity ?? 'normal',
    isAllDay: d.isAllDay ?? false,
    isCancelled: false,
    isOrganizer: true,
    showAs: d.showAs ?? 'busy',
    type,
    seriesMasterId: seriesMasterId ?? null,
    ...(originalStartMs !== undefined ? { originalStart: new Date(originalStartMs).toISOString() } : {}),
    body,
    start: dateTimeTimeZone(startMs, ctx.timeZone),
    end: dateTimeTimeZone(endMs, ctx.timeZone),
    location: d.location ?? { displayName: '' },
    attendees: d.attendees ?? [],
    organizer: { emailAddress: { name: ctx.mailbox.smtpAddress, address: ctx.mailbox.smtpAddress } },
    recurrence: type === 'seriesMaster' ? (d.recurrence ?? null) : null,
  };
  const expand = expandedExtendedProperties(ctx.req.query.get('$expand'));
  if (expand) json.singleValueExtendedProperties = extendedPropertiesJson(entry, expand);
  return applySelect(json, ctx.req.query.get('$select'));
}

/** Original starts of a master's live (not cancelled) occurrences before `toMs`. */
function liveStarts(master: Entry, toMs: number): number[] {
  const m = meta(master);
  const zone = toIanaZone(m.zone) ?? 'UTC';
  return occurrenceStarts(master.data.recurrence as GraphRecurrence, m.startMs, zone, toMs).filter(
    (s) => !m.cancelled.includes(s),
  );
}

function exceptionsOf(mailbox: Mailbox, masterId: string): Entry[] {
  return [...mailbox.calendar.entries.values()].filter((e) => meta(e).seriesMasterId === masterId);
}

/** Occurrences and exceptions of a series overlapping [fromMs, toMs). */
export function instancesOf(ctx: Ctx, master: Entry, fromMs: number, toMs: number): Json[] {
  const m = meta(master);
  const duration = m.endMs - m.startMs;
  const exceptions = new Map(exceptionsOf(ctx.mailbox, master.id).map((e) => [meta(e).originalStartMs, e]));
  const result: Array<{ at: number; json: Json }> = [];
  for (const original of liveStarts(master, toMs + 366 * 86_400_000)) {
    const exception = exceptions.get(original);
    const start = exception ? meta(exception).startMs : original;
    const end = exception ? meta(exception).endMs : original + duration;
    if (start >= toMs || end <= fromMs) continue;
    result.push({
      at: start,
      json: exception
        ? eventJson(ctx, exception)
        : eventJson(ctx, master, {
            id: occurrenceId(ctx.mailbox, master.id, original),
            type: 'occurrence',
            startMs: original,
            endMs: original + duration,
            seriesMasterId: master.id,
            originalStartMs: original,
          }),
    });
  }
  return result.sort((a, b) => a.at - b.at).map((r) => r.json);
}

function windowParams(ctx: Ctx, required: boolean): { ws: number; we: number } | undefined {
  const s = ctx.req.query.get('startDateTime');
  const e = ctx.req.query.get('endDateTime');
  if (!s || !e) {
    if (required)
      throw badRequest(
        'This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.',
        'ErrorInvalidParameter',
      );
    return undefined;
  }
  const ws = Date.parse(s.endsWith('Z') || /[+-]\d\d:\d\d$/.test(s) ? s : `${s}Z`);
  const we = Date.parse(e.endsWith('Z') || /[+-]\d\d:\d\d$/.test(e) ? e : `${e}Z`);
  if (Number.isNaN(ws) || Number.isNaN(we))
    throw badRequest('Invalid startDateTime or endDateTime', 'ErrorInvalidParameter');
  return { ws, we };
}

/** Resolves an id to a stored event or a computed occurrence. */
function resolve(ctx: Ctx, id: string): { entry: Entry; occurrence?: { masterId: string; originalStartMs: number } } {
  const stored = ctx.mailbox.calendar.entries.get(id);
  if (stored) return { entry: stored };
  const occ = parseOccurrenceId(ctx.mailbox, id);
  const master = occ ? ctx.mailbox.calendar.entries.get(occ.masterId) : undefined;
  if (
    occ &&
    master &&
    meta(master).type === 'seriesMaster' &&
    liveStarts(master, occ.originalStartMs + 1).includes(occ.originalStartMs)
  ) {
    return { entry: master, occurrence: occ };
  }
  throw notFound();
}

export function getEvent(ctx: Ctx, id: string): EmuResponse {
  const { entry, occurrence } = resolve(ctx, id);
  if (!occurrence) return { status: 200, body: eventJson(ctx, entry) };
  const m = meta(entry);
  return {
    status: 200,
    body: eventJson(ctx, entry, {
      id,
      type: 'occurrence',
      startMs: occurrence.originalStartMs,
      endMs: occurrence.originalStartMs + m.endMs - m.startMs,
      seriesMasterId: entry.id,
      originalStartMs: occurrence.originalStartMs,
    }),
  };
}

export function createEvent(ctx: Ctx, body: Json): EmuResponse {
  if (body.start === undefined || body.end === undefined) throw badRequest('start and end are required');
  const entry = ctx.mailbox.calendar.create({
    _meta: { startMs: 0, endMs: 0, zone: 'UTC', endZone: 'UTC', type: 'singleInstance', cancelled: [] },
  });
  try {
    applyFields(entry, body);
    meta(entry).history = [{ seq: entry.seq, startMs: meta(entry).startMs, endMs: meta(entry).endMs }];
  } catch (error) {
    ctx.mailbox.calendar.entries.delete(entry.id);
    throw error;
  }
  ctx.store.emit(ctx.mailbox, 'events', 'created', entry.id);
  return { status: 201, body: eventJson(ctx, entry) };
}

export function updateEvent(ctx: Ctx, id: string, body: Json): EmuResponse {
  const { entry, occurrence } = resolve(ctx, id);
  checkIfMatch(ctx.req, entry);
  let target = entry;
  if (occurrence) {
    // Modifying an occurrence turns it into an exception that keeps the occurrence's id.
    const m = meta(entry);
    target = ctx.mailbox.calendar.create(
      {
        ...Object.fromEntries(Object.entries(entry.data).filter(([k]) => k !== 'recurrence' && k !== '_meta')),
        _meta: {
          startMs: occurrence.originalStartMs,
          endMs: occurrence.originalStartMs + m.endMs - m.startMs,
          zone: m.zone,
          endZone: m.endZone,
          type: 'exception',
          seriesMasterId: entry.id,
          originalStartMs: occurrence.originalStartMs,
          cancelled: [],
        },
      },
      id,
    );
    for (const [k, v] of entry.extended) target.extended.set(k, { ...v });
  }
  const before = meta(target).startMs;
  // A new exception was visible as its occurrence from the start; a stored item as its last version.
  const tm = meta(target);
  tm.history = [
    ...(tm.history ?? []),
    { seq: occurrence ? 0 : target.seq, startMs: tm.startMs, endMs: tm.endMs },
  ].slice(-20);
  applyFields(target, body);
  if (!occurrence) ctx.mailbox.calendar.touch(target);
  if (meta(target).type === 'seriesMaster' && (body.recurrence !== undefined || meta(target).startMs !== before)) {
    // A changed pattern or series start drops the exceptions, as Outlook does.
    for (const ex of exceptionsOf(ctx.mailbox, target.id)) ctx.mailbox.calendar.remove(ex.id);
    meta(target).cancelled = [];
  }
  ctx.store.emit(ctx.mailbox, 'events', 'updated', target.id);
  return { status: 200, body: eventJson(ctx, target) };
}

export function deleteEvent(ctx: Ctx, id: string): EmuResponse {
  const { entry, occurrence } = resolve(ctx, id);
  const m = meta(entry);
  if (occurrence || m.type === 'exception') {
    const masterId = occurrence?.masterId ?? m.seriesMasterId ?? '';
    const master = ctx.mailbox.calendar.entries.get(masterId);
    const original = occurrence?.originalStartMs ?? m.originalStartMs ?? 0;
    if (!occurrence) ctx.mailbox.calendar.remove(entry.id);
    if (master) {
      meta(master).cancelled.push(original);
      ctx.mailbox.calendar.touch(master);
      ctx.store.emit(ctx.mailbox, 'events', 'updated', master.id);
    }
    ctx.store.emit(ctx.mailbox, 'events', 'deleted', id);
    return { status: 204 };
  }
  for (const ex of exceptionsOf(ctx.mailbox, entry.id)) ctx.mailbox.calendar.remove(ex.id);
  ctx.mailbox.calendar.remove(entry.id);
  ctx.store.emit(ctx.mailbox, 'events', 'deleted', id);
  return { status: 204 };
}

/** GET /users/{id}/events — singles and series masters (Graph leaves occurrences to calendarView). */
export function listEvents(ctx: Ctx): EmuResponse {
  const filter = ctx.req.query.get('$filter');
  const ext = parseExtendedPropertyFilter(filter);
  if (filter && !ext) throw badRequest(`The emulator does not support $filter '${filter}'`);
  const items = [...ctx.mailbox.calendar.entries.values()]
    .filter((e) => meta(e).type !== 'exception' && (!ext || matchesExtendedFilter(e, ext)))
    .sort((a, b) => meta(a).startMs - meta(b).startMs)
    .map((e) => eventJson(ctx, e));
  return { status: 200, body: pageOf(ctx, items) };
}

/** GET /users/{id}/calendarView — singles, occurrences and exceptions in the window. */
export function calendarView(ctx: Ctx): EmuResponse {
  const w = windowParams(ctx, true)!;
  const items: Array<{ at: number; json: Json }> = [];
  for (const e of ctx.mailbox.calendar.entries.values()) {
    const m = meta(e);
    if (m.type === 'singleInstance' && m.startMs < w.we && m.endMs > w.ws)
      items.push({ at: m.startMs, json: eventJson(ctx, e) });
    if (m.type === 'seriesMaster')
      for (const json of instancesOf(ctx, e, w.ws, w.we))
        items.push({ at: Date.parse(`${(json.start as { dateTime: string }).dateTime.slice(0, 19)}Z`), json });
  }
  return {
    status: 200,
    body: pageOf(
      ctx,
      items.sort((a, b) => a.at - b.at).map((i) => i.json),
    ),
  };
}

export function instances(ctx: Ctx, id: string): EmuResponse {
  const w = windowParams(ctx, true)!;
  const master = ctx.mailbox.calendar.entries.get(id);
  if (!master) throw notFound();
  if (meta(master).type !== 'seriesMaster') return { status: 200, body: { value: [] } };
  return { status: 200, body: pageOf(ctx, instancesOf(ctx, master, w.ws, w.we)) };
}

/**
 * GET /users/{id}/calendarView/delta, as "event: delta" and "Get incremental changes to events in a
 * calendar view" (learn.microsoft.com/graph/api/event-delta, learn.microsoft.com/graph/delta-query-events)
 * describe it:
 * - the window comes from the first request and stays in the tokens (a later round never widens it);
 * - like "List calendarView" (learn.microsoft.com/graph/api/user-list-calendarview) it reports single
 *   instances, occurrences and exceptions — each instance with `type` and `seriesMasterId` — never the
 *   series master itself; a changed series reports its instances in the window;
 * - `@removed` names an instance that left the result set: deleted, cancelled, or moved out of the
 *   window. Graph gives the same `{ "reason": "deleted" }` in each case, so only a GET of the item tells
 *   a deletion from a move — which is why the emulator does not tell them apart either.
 */
export function calendarViewDelta(ctx: Ctx): EmuResponse {
  const hasToken = ctx.req.query.has('$skiptoken') || ctx.req.query.has('$deltatoken');
  const w = hasToken ? undefined : windowParams(ctx, true);
  return {
    status: 200,
    body: deltaPage(ctx, ctx.mailbox.calendar, {
      ...(w ? { window: w } : {}),
      toJson: (e) => eventJson(ctx, e),
      rows: (change, window, since) => deltaRows(ctx, change.entry, change.removed, window, since),
    }),
  };
}

/**
 * Whether a delta round that began at change sequence `since` listed the event: it existed then,
 * and the version it had then overlapped the window. Only what a client saw can leave its view.
 */
function visibleAt(entry: Entry, since: number, ws: number, we: number): boolean {
  const m = meta(entry);
  const earlier = (m.history ?? []).filter((h) => h.seq <= since);
  const version = earlier.at(-1);
  if (!version) return false;
  return m.type === 'seriesMaster' || (version.startMs < we && version.endMs > ws);
}

function deltaRows(
  ctx: Ctx,
  entry: Entry,
  removed: boolean,
  window: { ws: number; we: number } | undefined,
  since: number | undefined,
): Json[] {
  const ws = window?.ws ?? Number.NEGATIVE_INFINITY;
  const we = window?.we ?? Number.POSITIVE_INFINITY;
  const m = meta(entry);
  const tracked = since !== undefined && (removed || visibleAt(entry, since, ws, we));
  const gone = (ids: string[]): Json[] => (tracked ? ids.map(removedRow) : []);
  if (m.type === 'seriesMaster') {
    const zone = toIanaZone(m.zone) ?? 'UTC';
    const duration = m.endMs - m.startMs;
    // Occurrence ids in the window by the pattern (live or cancelled), to name the ones that left.
    const pattern = occurrenceStarts(entry.data.recurrence as GraphRecurrence, m.startMs, zone, we)
      .filter((s) => s < we && s + duration > ws)
      .map((s) => occurrenceId(ctx.mailbox, entry.id, s));
    if (removed) return gone(pattern);
    const live = window ? instancesOf(ctx, entry, ws, we) : [];
    const liveIds = new Set(live.map((j) => String(j.id)));
    return [
      ...live,
      ...gone(
        [...pattern, ...m.cancelled.map((s) => occurrenceId(ctx.mailbox, entry.id, s))].filter(
          (id) => !liveIds.has(id),
        ),
      ),
    ];
  }
  if (removed) return gone([entry.id]);
  const inside = m.startMs < we && m.endMs > ws;
  if (inside) return [eventJson(ctx, entry)];
  return gone([entry.id]);
}

export function findEventEntry(mailbox: Mailbox, id: string): Entry | undefined {
  return mailbox.calendar.entries.get(id);
}
