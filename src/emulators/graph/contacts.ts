import {
  applyExtendedProperties,
  applySelect,
  badRequest,
  checkIfMatch,
  deltaPage,
  etag,
  expandedExtendedProperties,
  extendedPropertiesJson,
  GraphError,
  matchesExtendedFilter,
  notFound,
  pageOf,
  parseDisplayNameFilter,
  parseExtendedPropertyFilter,
  type Ctx,
  type EmuResponse,
} from './odata.js';
import type { Collection, Entry, Json } from './store.js';

/** Contacts and contact folders (learn.microsoft.com/graph/api/resources/contact). */
const WRITABLE = [
  'givenName',
  'surname',
  'displayName',
  'companyName',
  'jobTitle',
  'emailAddresses',
  'businessPhones',
  'mobilePhone',
  'businessAddress',
  'homeAddress',
  'categories',
  'middleName',
  'nickName',
  'personalNotes',
  'department',
];

export function contactJson(ctx: Ctx, entry: Entry, folderId: string): Json {
  const d = entry.data;
  const json: Json = {
    '@odata.etag': etag(entry),
    id: entry.id,
    createdDateTime: entry.createdDateTime,
    lastModifiedDateTime: entry.lastModifiedDateTime,
    changeKey: entry.changeKey,
    categories: d.categories ?? [],
    parentFolderId: folderId,
    givenName: d.givenName ?? null,
    surname: d.surname ?? null,
    displayName: d.displayName ?? '',
    companyName: d.companyName ?? null,
    jobTitle: d.jobTitle ?? null,
    emailAddresses: d.emailAddresses ?? [],
    businessPhones: d.businessPhones ?? [],
    mobilePhone: d.mobilePhone ?? null,
    businessAddress: d.businessAddress ?? {},
    homeAddress: d.homeAddress ?? {},
  };
  const expand = expandedExtendedProperties(ctx.req.query.get('$expand'));
  if (expand) json.singleValueExtendedProperties = extendedPropertiesJson(entry, expand);
  return applySelect(json, ctx.req.query.get('$select'));
}

function folderCollection(ctx: Ctx, folderId: string | undefined): { id: string; collection: Collection } {
  const id = folderId ?? ctx.mailbox.defaultContactFolderId;
  const collection = ctx.mailbox.contacts.get(id);
  if (!collection) throw notFound('The specified folder could not be found in the store.');
  return { id, collection };
}

function locate(
  ctx: Ctx,
  contactId: string,
  folderId?: string,
): { folderId: string; collection: Collection; entry: Entry } {
  for (const [id, collection] of ctx.mailbox.contacts) {
    if (folderId && folderId !== id) continue;
    const entry = collection.entries.get(contactId);
    if (entry) return { folderId: id, collection, entry };
  }
  throw notFound();
}

function apply(entry: Entry, body: Json): void {
  if (body.emailAddresses !== undefined && !Array.isArray(body.emailAddresses))
    throw badRequest('emailAddresses must be an array');
  for (const key of WRITABLE) if (key in body) entry.data[key] = body[key];
  applyExtendedProperties(entry, body);
}

export function listContactFolders(ctx: Ctx): EmuResponse {
  const name = parseDisplayNameFilter(ctx.req.query.get('$filter'));
  const folders = [...ctx.mailbox.contactFolders.values()].filter((f) => name === undefined || f.displayName === name);
  return {
    status: 200,
    body: pageOf(
      ctx,
      folders.map((f) => ({ ...f })),
    ),
  };
}

export function getContactFolder(ctx: Ctx, id: string): EmuResponse {
  const folder = ctx.mailbox.contactFolders.get(id);
  if (!folder) throw notFound('The specified folder could not be found in the store.');
  return { status: 200, body: { ...folder } };
}

export function createContactFolder(ctx: Ctx, body: Json): EmuResponse {
  if (typeof body.displayName !== 'string' || !body.displayName) throw badRequest('displayName is required');
  if ([...ctx.mailbox.contactFolders.values()].some((f) => f.displayName === body.displayName)) {
    throw new GraphError(409, 'ErrorFolderExists', 'A folder with the specified name already exists.');
  }
  return { status: 201, body: { ...ctx.mailbox.addContactFolder(body.displayName) } };
}

export function listContacts(ctx: Ctx, folderId?: string): EmuResponse {
  const { id, collection } = folderCollection(ctx, folderId);
  const filter = ctx.req.query.get('$filter');
  const ext = parseExtendedPropertyFilter(filter);
  if (filter && !ext) throw badRequest(`The emulator does not support $filter '${filter}'`);
  const items = [...collection.entries.values()]
    .filter((e) => !ext || matchesExtendedFilter(e, ext))
    .map((e) => contactJson(ctx, e, id));
  return { status: 200, body: pageOf(ctx, items) };
}

export function createContact(ctx: Ctx, body: Json, folderId?: string): EmuResponse {
  const { id, collection } = folderCollection(ctx, folderId);
  const entry = collection.create({});
  apply(entry, body);
  ctx.store.emit(ctx.mailbox, collection.key, 'created', entry.id);
  return { status: 201, body: contactJson(ctx, entry, id) };
}

export function getContact(ctx: Ctx, contactId: string, folderId?: string): EmuResponse {
  const found = locate(ctx, contactId, folderId);
  return { status: 200, body: contactJson(ctx, found.entry, found.folderId) };
}

export function updateContact(ctx: Ctx, contactId: string, body: Json, folderId?: string): EmuResponse {
  const found = locate(ctx, contactId, folderId);
  checkIfMatch(ctx.req, found.entry);
  apply(found.entry, body);
  found.collection.touch(found.entry);
  ctx.store.emit(ctx.mailbox, found.collection.key, 'updated', contactId);
  return { status: 200, body: contactJson(ctx, found.entry, found.folderId) };
}

export function deleteContact(ctx: Ctx, contactId: string, folderId?: string): EmuResponse {
  const found = locate(ctx, contactId, folderId);
  found.collection.remove(contactId);
  ctx.store.emit(ctx.mailbox, found.collection.key, 'deleted', contactId);
  return { status: 204 };
}

export function contactsDelta(ctx: Ctx, folderId?: string): EmuResponse {
  const { id, collection } = folderCollection(ctx, folderId);
  return { status: 200, body: deltaPage(ctx, collection, { toJson: (e) => contactJson(ctx, e, id) }) };
}
