import {
  applySelect,
  badRequest,
  checkIfMatch,
  deltaPage,
  etag,
  GraphError,
  notFound,
  pageOf,
  parseDisplayNameFilter,
  type Ctx,
  type EmuResponse,
} from './odata.js';
import type { Collection, Entry, Json } from './store.js';

/**
 * Microsoft To Do lists and tasks (learn.microsoft.com/graph/api/resources/todotask) with open
 * extensions (learn.microsoft.com/graph/api/resources/opentypeextension). To Do cannot $filter on
 * extensions, so the emulator rejects such filters like Graph does.
 */
const WRITABLE = [
  'title',
  'body',
  'importance',
  'status',
  'categories',
  'startDateTime',
  'dueDateTime',
  'completedDateTime',
  'isReminderOn',
  'reminderDateTime',
  'recurrence',
];
const STATUS = ['notStarted', 'inProgress', 'completed', 'waitingOnOthers', 'deferred'];

function extensionJson(name: string, props: Json): Json {
  return { '@odata.type': '#microsoft.graph.openTypeExtension', id: name, extensionName: name, ...props };
}

export function taskJson(ctx: Ctx, entry: Entry): Json {
  const d = entry.data;
  const json: Json = {
    '@odata.etag': etag(entry),
    id: entry.id,
    title: d.title ?? '',
    importance: d.importance ?? 'normal',
    status: d.status ?? 'notStarted',
    isReminderOn: d.isReminderOn ?? false,
    categories: d.categories ?? [],
    body: d.body ?? { content: '', contentType: 'text' },
    createdDateTime: entry.createdDateTime,
    lastModifiedDateTime: entry.lastModifiedDateTime,
    bodyLastModifiedDateTime: entry.lastModifiedDateTime,
    hasAttachments: entry.attachments.length > 0,
    ...(d.startDateTime ? { startDateTime: d.startDateTime } : {}),
    ...(d.dueDateTime ? { dueDateTime: d.dueDateTime } : {}),
    ...(d.completedDateTime ? { completedDateTime: d.completedDateTime } : {}),
  };
  if (/\bextensions\b/i.test(ctx.req.query.get('$expand') ?? '')) {
    json.extensions = [...entry.extensions.entries()].map(([name, props]) => extensionJson(name, props));
  }
  return applySelect(json, ctx.req.query.get('$select'));
}

function list(ctx: Ctx, listId: string): Collection {
  const collection = ctx.mailbox.tasks.get(listId);
  if (!collection) throw notFound('The requested list was not found.');
  return collection;
}

function task(ctx: Ctx, listId: string, taskId: string): { collection: Collection; entry: Entry } {
  const collection = list(ctx, listId);
  const entry = collection.entries.get(taskId);
  if (!entry) throw notFound('The requested task was not found.');
  return { collection, entry };
}

function apply(entry: Entry, body: Json): void {
  if (body.status !== undefined && !STATUS.includes(String(body.status)))
    throw badRequest(`Invalid status '${String(body.status)}'`);
  for (const key of WRITABLE) if (key in body) entry.data[key] = body[key];
  if (Array.isArray(body.extensions)) {
    for (const ext of body.extensions as Json[]) addExtension(entry, ext);
  }
}

function addExtension(entry: Entry, body: Json): string {
  const name = body.extensionName;
  if (typeof name !== 'string' || !name) throw badRequest('extensionName is required');
  if (
    body['@odata.type'] !== '#microsoft.graph.openTypeExtension' &&
    body['@odata.type'] !== 'microsoft.graph.openTypeExtension'
  ) {
    throw badRequest('@odata.type must be #microsoft.graph.openTypeExtension');
  }
  const props = Object.fromEntries(
    Object.entries(body).filter(([k]) => !['@odata.type', 'extensionName', 'id'].includes(k)),
  );
  entry.extensions.set(name, props);
  return name;
}

export function listLists(ctx: Ctx): EmuResponse {
  const name = parseDisplayNameFilter(ctx.req.query.get('$filter'));
  const lists = [...ctx.mailbox.todoLists.values()].filter((l) => name === undefined || l.displayName === name);
  return {
    status: 200,
    body: pageOf(
      ctx,
      lists.map((l) => ({ ...l })),
    ),
  };
}

export function getList(ctx: Ctx, listId: string): EmuResponse {
  const found = ctx.mailbox.todoLists.get(listId);
  if (!found) throw notFound('The requested list was not found.');
  return { status: 200, body: { ...found } };
}

export function createList(ctx: Ctx, body: Json): EmuResponse {
  if (typeof body.displayName !== 'string' || !body.displayName) throw badRequest('displayName is required');
  return { status: 201, body: { ...ctx.mailbox.addTodoList(body.displayName) } };
}

export function listTasks(ctx: Ctx, listId: string): EmuResponse {
  if (ctx.req.query.get('$filter')?.includes('extensions')) {
    throw badRequest('Filtering on extensions is not supported for todoTask.', 'invalidRequest');
  }
  const items = [...list(ctx, listId).entries.values()].map((e) => taskJson(ctx, e));
  return { status: 200, body: pageOf(ctx, items) };
}

export function createTask(ctx: Ctx, listId: string, body: Json): EmuResponse {
  const collection = list(ctx, listId);
  const entry = collection.create({});
  try {
    apply(entry, body);
  } catch (error) {
    collection.entries.delete(entry.id);
    throw error;
  }
  ctx.store.emit(ctx.mailbox, collection.key, 'created', entry.id);
  return { status: 201, body: taskJson(ctx, entry) };
}

export function getTask(ctx: Ctx, listId: string, taskId: string): EmuResponse {
  return { status: 200, body: taskJson(ctx, task(ctx, listId, taskId).entry) };
}

export function updateTask(ctx: Ctx, listId: string, taskId: string, body: Json): EmuResponse {
  const { collection, entry } = task(ctx, listId, taskId);
  checkIfMatch(ctx.req, entry);
  apply(entry, body);
  collection.touch(entry);
  ctx.store.emit(ctx.mailbox, collection.key, 'updated', taskId);
  return { status: 200, body: taskJson(ctx, entry) };
}

export function deleteTask(ctx: Ctx, listId: string, taskId: string): EmuResponse {
  const { collection } = task(ctx, listId, taskId);
  collection.remove(taskId);
  ctx.store.emit(ctx.mailbox, collection.key, 'deleted', taskId);
  return { status: 204 };
}

export function tasksDelta(ctx: Ctx, listId: string): EmuResponse {
  return { status: 200, body: deltaPage(ctx, list(ctx, listId), { toJson: (e) => taskJson(ctx, e) }) };
}

export function listExtensions(ctx: Ctx, listId: string, taskId: string): EmuResponse {
  const { entry } = task(ctx, listId, taskId);
  return { status: 200, body: { value: [...entry.extensions.entries()].map(([n, p]) => extensionJson(n, p)) } };
}

export function getExtension(ctx: Ctx, listId: string, taskId: string, name: string): EmuResponse {
  const props = task(ctx, listId, taskId).entry.extensions.get(name);
  if (!props) throw notFound('The extension was not found.');
  return { status: 200, body: extensionJson(name, props) };
}

export function createExtension(ctx: Ctx, listId: string, taskId: string, body: Json): EmuResponse {
  const { collection, entry } = task(ctx, listId, taskId);
  if (typeof body.extensionName === 'string' && entry.extensions.has(body.extensionName)) {
    throw new GraphError(409, 'NameAlreadyExists', 'An extension with this name already exists.');
  }
  const name = addExtension(entry, body);
  collection.touch(entry);
  ctx.store.emit(ctx.mailbox, collection.key, 'updated', taskId);
  return { status: 201, body: extensionJson(name, entry.extensions.get(name) ?? {}) };
}

export function updateExtension(ctx: Ctx, listId: string, taskId: string, name: string, body: Json): EmuResponse {
  const { collection, entry } = task(ctx, listId, taskId);
  const props = entry.extensions.get(name);
  if (!props) throw notFound('The extension was not found.');
  for (const [k, v] of Object.entries(body)) if (!['@odata.type', 'extensionName', 'id'].includes(k)) props[k] = v;
  collection.touch(entry);
  ctx.store.emit(ctx.mailbox, collection.key, 'updated', taskId);
  return { status: 204 };
}

export function deleteExtension(ctx: Ctx, listId: string, taskId: string, name: string): EmuResponse {
  const { collection, entry } = task(ctx, listId, taskId);
  if (entry.extensions.delete(name)) collection.touch(entry);
  return { status: 204 };
}

export function taskEntry(ctx: Ctx, listId: string, taskId: string): { collection: Collection; entry: Entry } {
  return task(ctx, listId, taskId);
}
