/* eslint-disable @typescript-eslint/no-explicit-any -- ews-javascript-api's item classes are used through their property bags. */
import { TandemError } from '../../../errors/tandem-error.js';
import { updateOfReadItem } from '../deleted-since-read.js';
import { escapeXml as x } from './xml-escape.js';
import type {
  Appointment,
  DraftsByKind,
  ItemKind,
  ItemsByKind,
  ItemVersion,
  MailboxAddress,
  Stamp,
  TimeWindow,
  AppointmentDraft,
  ContactDraft,
  TaskDraft,
} from '../types.js';
import {
  AffectedTaskOccurrence,
  Appointment as EwsAppointment,
  AppointmentSchema,
  BasePropertySet,
  CalendarView,
  ConflictResolutionMode,
  Contact as EwsContact,
  DeleteMode,
  ItemId,
  ItemView,
  PropertySet,
  SearchFilter,
  SendCancellationsMode,
  SendInvitationsMode,
  SendInvitationsOrCancellationsMode,
  ServiceResponseException,
  ServiceResult,
  Task as EwsTask,
  AppointmentType,
  type ExchangeService,
} from './ews-lib.js';
import { appointmentFromEws, applyAppointmentDraft } from './appointment-mapping.js';
import { contactFromEws, applyContactDraft } from './contact-mapping.js';
import type { EwsContext } from './ews-context.js';
import { normalizeEwsError, responseMessageError } from './normalize-ews-error.js';
import {
  appointmentFromXml,
  calendarFolder,
  createdVersion,
  createItemRequest,
  firstItem,
  getItemBody,
  writableBySoap,
} from './soap-appointments.js';
import { responseMessages, type XmlNode } from './soap-xml.js';
import { S4_KEY_PROPERTY, STAMP_PROPERTIES, writeStamp } from './stamp-property.js';
import { applyTaskDraft, taskFromEws } from './task-mapping.js';
import { toEwsDateTime } from './time-zones.js';

/** GetItem batch size: large enough to save round trips, small enough for Exchange's response size limits. */
export const GET_ITEM_BATCH = 50;
/** FindItem page size (Exchange's default EWSFindCountLimit is 1000; smaller pages stay well inside it). */
const FIND_PAGE = 200;

export function fullPropertySet(kind: ItemKind): any {
  const extra: any[] = [...STAMP_PROPERTIES];
  if (kind === 'appointment') {
    extra.push(
      AppointmentSchema.StartTimeZone,
      AppointmentSchema.EndTimeZone,
      AppointmentSchema.Recurrence,
      AppointmentSchema.DeletedOccurrences,
      AppointmentSchema.OriginalStart,
      AppointmentSchema.AppointmentType,
      AppointmentSchema.ICalUid,
      AppointmentSchema.IsAllDayEvent,
    );
  }
  return new PropertySet(BasePropertySet.FirstClassProperties, extra);
}

function toDomain<K extends ItemKind>(kind: K, item: any, context: { seriesMasterId?: string } = {}): ItemsByKind[K] {
  if (kind === 'appointment') return appointmentFromEws(item, context) as ItemsByKind[K];
  if (kind === 'task') return taskFromEws(item) as ItemsByKind[K];
  return contactFromEws(item) as ItemsByKind[K];
}

export async function getItems<K extends ItemKind>(
  ctx: EwsContext,
  mailbox: MailboxAddress,
  kind: K,
  ids: string[],
  context: { seriesMasterId?: string } = {},
): Promise<Map<string, ItemsByKind[K]>> {
  const result = new Map<string, ItemsByKind[K]>();
  const unique = [...new Set(ids)];
  for (let offset = 0; offset < unique.length; offset += GET_ITEM_BATCH) {
    const batch = unique.slice(offset, offset + GET_ITEM_BATCH);
    if (kind === 'appointment' && ctx.ownSoap) {
      for (const item of await getAppointmentsBySoap(ctx, mailbox, batch, context)) {
        result.set(item.id, item as ItemsByKind[K]);
      }
      continue;
    }
    const items = await ctx.call(mailbox, { operation: 'GetItem', idempotent: true }, async (service) => {
      const responses = await service.BindToItems(
        batch.map((id) => new ItemId(id)),
        fullPropertySet(kind),
      );
      const found: any[] = [];
      for (const response of (responses as any).Responses as any[]) {
        if (response.Result === ServiceResult.Success) {
          found.push(response.Item);
          continue;
        }
        const code = normalizeEwsError(new ServiceResponseException(response));
        // Missing items are simply absent (interface contract); everything else fails the batch so it is retried.
        if (code.code === 'EXCHANGE_ITEM_NOT_FOUND') continue;
        throw new ServiceResponseException(response);
      }
      return found;
    });
    for (const item of items) {
      const mapped = toDomain(kind, item, context);
      result.set(mapped.id, mapped);
    }
  }
  return result;
}

async function getAppointmentsBySoap(
  ctx: EwsContext,
  mailbox: MailboxAddress,
  ids: string[],
  context: { seriesMasterId?: string },
): Promise<Appointment[]> {
  const found = await ctx.soap(
    mailbox,
    { operation: 'GetItem', idempotent: true },
    { body: getItemBody(ids) },
    (body) => {
      const items: XmlNode[] = [];
      for (const message of responseMessages(body, 'GetItem')) {
        if (message.success) {
          const item = firstItem(message.element);
          if (item) items.push(item);
          continue;
        }
        const error = responseMessageError(message.code, message.messageText, message.messageXml);
        // Missing items are simply absent (interface contract); everything else fails the batch so it is retried.
        if (error.code === 'EXCHANGE_ITEM_NOT_FOUND') continue;
        throw error;
      }
      return items;
    },
  );
  return found.map((item) => appointmentFromXml(item, context));
}

async function createAppointmentBySoap(
  ctx: EwsContext,
  mailbox: MailboxAddress,
  draft: AppointmentDraft,
  stamp: Stamp,
): Promise<ItemVersion> {
  const folder = calendarFolder(ctx.impersonation ? undefined : mailbox.smtpAddress);
  const request = createItemRequest(folder, draft, stamp);
  return ctx.soap(mailbox, { operation: 'CreateItem', idempotent: false }, request, (answer) => {
    const [message] = responseMessages(answer, 'CreateItem');
    if (!message) throw new TandemError('EXCHANGE_UNAVAILABLE', 'EWS CreateItem answer carries no response message');
    if (!message.success) throw responseMessageError(message.code, message.messageText, message.messageXml);
    return createdVersion(message.element);
  });
}

export async function createItem<K extends ItemKind>(
  ctx: EwsContext,
  mailbox: MailboxAddress,
  kind: K,
  draft: DraftsByKind[K],
  stamp: Stamp,
): Promise<ItemVersion> {
  if (kind === 'appointment' && ctx.ownSoap && writableBySoap(draft as AppointmentDraft)) {
    return createAppointmentBySoap(ctx, mailbox, draft as AppointmentDraft, stamp);
  }
  const created = await ctx.withFolderRetry([kind], async () => {
    const folder = await ctx.folderFor(mailbox, kind);
    return ctx.call(mailbox, { operation: 'CreateItem', idempotent: false }, async (service) => {
      const item = newItem(service, kind);
      applyDraft(kind, item, draft);
      writeStamp(item, stamp);
      if (kind === 'appointment') await (item as any).Save(folder, SendInvitationsMode.SendToNone);
      else await item.Save(folder);
      return { id: item.Id.UniqueId as string, changeKey: item.Id.ChangeKey as string };
    });
  });
  if (kind === 'appointment') {
    const deleted = (draft as AppointmentDraft).deletedOccurrences ?? [];
    if ((draft as AppointmentDraft).recurrence && deleted.length > 0) {
      return deleteOccurrences(ctx, mailbox, created, deleted);
    }
  }
  return created;
}

export async function updateItem<K extends ItemKind>(
  ctx: EwsContext,
  mailbox: MailboxAddress,
  kind: K,
  version: ItemVersion,
  changes: Partial<DraftsByKind[K]>,
  stamp: Stamp,
): Promise<ItemVersion> {
  const write = () =>
    ctx.call(mailbox, { operation: 'UpdateItem', idempotent: true }, async (service) => {
      // Bind only what the mapping needs (the zone, to re-state it with changed times); then put OUR
      // ChangeKey back, so Exchange (ConflictResolution=NeverOverwrite) refuses the write if the item
      // changed since we read it — ErrorIrresolvableConflict → EXCHANGE_CONFLICT.
      const properties =
        kind === 'appointment'
          ? new PropertySet(BasePropertySet.IdOnly, [AppointmentSchema.StartTimeZone])
          : new PropertySet(BasePropertySet.IdOnly);
      const item = await bindItem(service, kind, version.id, properties);
      item.Id.ChangeKey = version.changeKey;
      const currentZone = kind === 'appointment' ? appointmentFromEws(item).timeZone : undefined;
      applyDraft(kind, item, changes, currentZone ? { timeZone: currentZone } : undefined);
      writeStamp(item, stamp);
      if (kind === 'appointment') {
        await (item as any).Update(
          ConflictResolutionMode.NeverOverwrite,
          SendInvitationsOrCancellationsMode.SendToNone,
        );
      } else {
        await item.Update(ConflictResolutionMode.NeverOverwrite);
      }
      return { id: item.Id.UniqueId as string, changeKey: item.Id.ChangeKey as string };
    });
  const updated = await updateOfReadItem(version.id, write);
  const deleted = kind === 'appointment' ? (changes as Partial<AppointmentDraft>).deletedOccurrences : undefined;
  if (deleted && deleted.length > 0) return deleteOccurrences(ctx, mailbox, updated, deleted);
  return updated;
}

export async function deleteItem(ctx: EwsContext, mailbox: MailboxAddress, id: string): Promise<void> {
  await ctx.call(mailbox, { operation: 'DeleteItem', idempotent: true }, async (service) => {
    // MoveToDeletedItems keeps the user's item recoverable; SendToNone: attendees are never told.
    const responses = await service.DeleteItems(
      [new ItemId(id)],
      DeleteMode.MoveToDeletedItems,
      SendCancellationsMode.SendToNone,
      AffectedTaskOccurrence.AllOccurrences,
    );
    for (const response of (responses as any).Responses as any[]) {
      if (response.Result === ServiceResult.Success) continue;
      if (normalizeEwsError(new ServiceResponseException(response)).code === 'EXCHANGE_ITEM_NOT_FOUND') continue;
      throw new ServiceResponseException(response);
    }
  });
}

export async function findByStamp<K extends ItemKind>(
  ctx: EwsContext,
  mailbox: MailboxAddress,
  kind: K,
  s4Key: string,
): Promise<Array<ItemsByKind[K]>> {
  const ids = await ctx.withFolderRetry([kind], async () => {
    const folder = await ctx.folderFor(mailbox, kind);
    return ctx.call(mailbox, { operation: 'FindItem', idempotent: true }, async (service) => {
      const view = new ItemView(50);
      view.PropertySet = new PropertySet(BasePropertySet.IdOnly);
      const result = await service.FindItems(folder, new SearchFilter.IsEqualTo(S4_KEY_PROPERTY, x(s4Key)), view);
      return result.Items.map((item: any) => item.Id.UniqueId as string);
    });
  });
  return [...(await getItems(ctx, mailbox, kind, ids)).values()];
}

/** Every id in a folder, paging FindItem (shallow traversal: singles and series masters for calendars). */
async function allIds(ctx: EwsContext, mailbox: MailboxAddress, folder: any, filter?: any): Promise<string[]> {
  return (await findEntries(ctx, mailbox, folder, filter)).map((entry) => entry.id);
}

async function findEntries(
  ctx: EwsContext,
  mailbox: MailboxAddress,
  folder: any,
  filter?: any,
  withUid = false,
): Promise<Array<{ id: string; uid?: string }>> {
  const entries: Array<{ id: string; uid?: string }> = [];
  for (let offset = 0; ;) {
    const page = await ctx.call(mailbox, { operation: 'FindItem', idempotent: true }, async (service) => {
      const view = new ItemView(FIND_PAGE, offset);
      view.PropertySet = new PropertySet(BasePropertySet.IdOnly, withUid ? [AppointmentSchema.ICalUid] : []);
      const result = filter ? await service.FindItems(folder, filter, view) : await service.FindItems(folder, view);
      return {
        entries: result.Items.map((item: any) => ({
          id: item.Id.UniqueId as string,
          uid: withUid ? safeRead(() => item.ICalUid as string) : undefined,
        })),
        more: result.MoreAvailable,
        next: result.NextPageOffset,
      };
    });
    entries.push(...page.entries);
    if (!page.more || page.entries.length === 0) return entries;
    offset = typeof page.next === 'number' && page.next > offset ? page.next : offset + page.entries.length;
  }
}

export async function listItems<K extends ItemKind>(
  ctx: EwsContext,
  mailbox: MailboxAddress,
  kind: K,
  window?: TimeWindow,
): Promise<Array<ItemsByKind[K]>> {
  if (kind !== 'appointment' || !window) {
    const ids = await ctx.withFolderRetry([kind], async () => allIds(ctx, mailbox, await ctx.folderFor(mailbox, kind)));
    return [...(await getItems(ctx, mailbox, kind, ids)).values()];
  }
  const folder = await ctx.folderFor(mailbox, kind);
  // Appointments in a window: the CalendarView gives singles and exceptions in it (occurrences are
  // left to expandSeries); masters come from a plain FindItem, kept when their range overlaps.
  const viewed = await calendarView(ctx, mailbox, folder, window);
  const singlesAndExceptions = viewed.filter(
    (entry) => entry.type === AppointmentType.Single || entry.type === AppointmentType.Exception,
  );
  const masterEntries = await findEntries(
    ctx,
    mailbox,
    folder,
    new SearchFilter.IsEqualTo(AppointmentSchema.AppointmentType, 'RecurringMaster'),
    true,
  );
  const masterIdByUid = new Map(masterEntries.filter((entry) => entry.uid).map((entry) => [entry.uid!, entry.id]));
  const masters = [
    ...(
      await getItems(
        ctx,
        mailbox,
        'appointment',
        masterEntries.map((entry) => entry.id),
      )
    ).values(),
  ].filter((master) => master.type === 'seriesMaster' && seriesOverlaps(master, window));
  const details = await getItems(
    ctx,
    mailbox,
    'appointment',
    singlesAndExceptions.map((entry) => entry.id),
  );
  const result: Appointment[] = [...masters];
  for (const entry of singlesAndExceptions) {
    const item = details.get(entry.id);
    if (!item) continue;
    // Exceptions share the series' iCalendar UID; that ties them to their master.
    const masterId = entry.uid ? masterIdByUid.get(entry.uid) : undefined;
    if (item.type === 'exception' && masterId) item.seriesMasterId = masterId;
    result.push(item);
  }
  return result as Array<ItemsByKind[K]>;
}

function seriesOverlaps(master: Appointment, window: TimeWindow): boolean {
  const range = master.recurrence?.range;
  if (!range) return true;
  if (range.startDate > window.end.slice(0, 10)) return false;
  if (range.type === 'endDate' && range.endDate && range.endDate < window.start.slice(0, 10)) return false;
  return true;
}

interface ViewEntry {
  id: string;
  type: number;
  uid?: string;
  originalStart?: string;
}

/**
 * CalendarView rows (singles, occurrences, exceptions) in a window. Exchange caps a CalendarView at
 * two years and answers too many rows with an error instead of a page (no paging for calendar
 * views, "CalendarView element" in the EWS reference), so the window is read in slices of 31 days.
 */
const CALENDAR_VIEW_SLICE_MS = 31 * 86_400_000;

async function calendarView(
  ctx: EwsContext,
  mailbox: MailboxAddress,
  folder: any,
  window: TimeWindow,
): Promise<ViewEntry[]> {
  const seen = new Map<string, ViewEntry>();
  const end = Date.parse(window.end);
  for (let from = Date.parse(window.start); from < end; from += CALENDAR_VIEW_SLICE_MS) {
    const slice = {
      start: new Date(from).toISOString(),
      end: new Date(Math.min(end, from + CALENDAR_VIEW_SLICE_MS)).toISOString(),
    };
    const rows = await ctx.call(mailbox, { operation: 'FindItem', idempotent: true }, async (service) => {
      const view = new CalendarView(toEwsDateTime(slice.start), toEwsDateTime(slice.end));
      view.PropertySet = new PropertySet(BasePropertySet.IdOnly, [
        AppointmentSchema.AppointmentType,
        AppointmentSchema.ICalUid,
        AppointmentSchema.Start,
      ]);
      const result = await service.FindAppointments(folder, view);
      return result.Items.map((item: any) => ({
        id: item.Id.UniqueId as string,
        type: Number(item.AppointmentType),
        uid: safeRead(() => item.ICalUid as string),
      }));
    });
    // An item spanning two slices appears in both; keep it once.
    for (const row of rows) seen.set(row.id, row);
  }
  return [...seen.values()];
}

export async function expandSeries(
  ctx: EwsContext,
  mailbox: MailboxAddress,
  seriesMasterId: string,
  window: TimeWindow,
): Promise<Appointment[]> {
  const folder = await ctx.folderFor(mailbox, 'appointment');
  const masterUid = await ctx.call(mailbox, { operation: 'GetItem', idempotent: true }, async (service) => {
    const master = await EwsAppointment.Bind(
      service,
      new ItemId(seriesMasterId),
      new PropertySet(BasePropertySet.IdOnly, [AppointmentSchema.ICalUid, AppointmentSchema.AppointmentType]),
    );
    return safeRead(() => (master as any).ICalUid as string);
  });
  // Occurrences share the master's iCalendar UID; that is how a CalendarView row is tied to its series.
  const entries = (await calendarView(ctx, mailbox, folder, window)).filter(
    (entry) =>
      entry.uid === masterUid &&
      (entry.type === AppointmentType.Occurrence || entry.type === AppointmentType.Exception),
  );
  const items = await getItems(
    ctx,
    mailbox,
    'appointment',
    entries.map((entry) => entry.id),
    { seriesMasterId },
  );
  return entries
    .map((entry) => items.get(entry.id))
    .filter((item): item is Appointment => !!item)
    .sort((a, b) => (a.originalStart ?? a.start).localeCompare(b.originalStart ?? b.start));
}

/**
 * Deleted occurrences cannot be written as a property: each one is deleted as an occurrence item.
 * The occurrence is found through a CalendarView around its original start; already-deleted ones are skipped.
 */
async function deleteOccurrences(
  ctx: EwsContext,
  mailbox: MailboxAddress,
  master: ItemVersion,
  originalStarts: string[],
): Promise<ItemVersion> {
  const day = 86_400_000;
  for (const originalStart of originalStarts) {
    const at = Date.parse(originalStart);
    const window = { start: new Date(at - day).toISOString(), end: new Date(at + day).toISOString() };
    const occurrences = await expandSeries(ctx, mailbox, master.id, window);
    const target = occurrences.find(
      (occurrence) => occurrence.originalStart && Date.parse(occurrence.originalStart) === at,
    );
    if (target) await deleteItem(ctx, mailbox, target.id);
  }
  // Deleting occurrences changes the master's ChangeKey; report the current one.
  return ctx.call(mailbox, { operation: 'GetItem', idempotent: true }, async (service) => {
    const item = await EwsAppointment.Bind(service, new ItemId(master.id), new PropertySet(BasePropertySet.IdOnly));
    return { id: (item as any).Id.UniqueId, changeKey: (item as any).Id.ChangeKey };
  });
}

function newItem(service: ExchangeService, kind: ItemKind): any {
  if (kind === 'appointment') return new EwsAppointment(service);
  if (kind === 'task') return new EwsTask(service);
  return new EwsContact(service);
}

async function bindItem(service: ExchangeService, kind: ItemKind, id: string, properties: any): Promise<any> {
  if (kind === 'appointment') return EwsAppointment.Bind(service, new ItemId(id), properties);
  if (kind === 'task') return EwsTask.Bind(service, new ItemId(id), properties);
  return EwsContact.Bind(service, new ItemId(id), properties);
}

function applyDraft(kind: ItemKind, item: any, changes: unknown, current?: { timeZone: string }): void {
  if (kind === 'appointment') applyAppointmentDraft(item, changes as Partial<AppointmentDraft>, current);
  else if (kind === 'task') applyTaskDraft(item, changes as Partial<TaskDraft>);
  else applyContactDraft(item, changes as Partial<ContactDraft>);
}

function safeRead<T>(read: () => T): T | undefined {
  try {
    return read() ?? undefined;
  } catch {
    return undefined;
  }
}
