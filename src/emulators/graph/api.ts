import type { Attachments, AttachmentTarget } from './attachments.js';
import * as contacts from './contacts.js';
import * as events from './events.js';
import { badRequest, GraphError, notFound, parsePrefer, type Ctx, type EmuRequest, type EmuResponse } from './odata.js';
import type { GraphStore, Json, Mailbox } from './store.js';
import type { Subscriptions } from './subscriptions.js';
import type { Throttle } from './throttling.js';
import * as todo from './todo.js';
import { getUser, listUsers } from './users.js';

type Handler = (ctx: Ctx, p: string[]) => EmuResponse | Promise<EmuResponse>;
interface Route {
  method: string;
  pattern: RegExp;
  permission: 'Calendars' | 'Contacts' | 'Tasks';
  handler: Handler;
}

const ID = '([^/]+)';
function route(method: string, path: string, permission: Route['permission'], handler: Handler): Route {
  return { method, pattern: new RegExp(`^/users/${ID}${path.replace(/\{id\}/g, ID)}$`, 'i'), permission, handler };
}

export interface ApiDeps {
  store: GraphStore;
  throttle: Throttle;
  subscriptions: Subscriptions;
  attachments: Attachments;
  /** Fault injection: answer the next calls with this error. */
  takeFault: (mailbox: string | undefined) => GraphError | undefined;
  latencyMs: () => number;
}

/** The Graph v1.0 surface: routes → handlers, with per-mailbox throttling and permission checks. */
export class GraphApi {
  private readonly routes: Route[];

  constructor(private readonly deps: ApiDeps) {
    const body = (ctx: Ctx): Json => (ctx.req.body ?? {}) as Json;
    const eventTarget = (ctx: Ctx, id: string): AttachmentTarget => {
      const entry = events.findEventEntry(ctx.mailbox, id);
      if (!entry) throw notFound();
      return {
        entry,
        odataType: '#microsoft.graph.fileAttachment',
        changed: () => {
          ctx.mailbox.calendar.touch(entry);
          deps.store.emit(ctx.mailbox, 'events', 'updated', id);
        },
      };
    };
    const taskTarget = (ctx: Ctx, listId: string, id: string): AttachmentTarget => {
      const { collection, entry } = todo.taskEntry(ctx, listId, id);
      return {
        entry,
        odataType: '#microsoft.graph.taskFileAttachment',
        changed: () => {
          collection.touch(entry);
          deps.store.emit(ctx.mailbox, collection.key, 'updated', id);
        },
      };
    };
    const a = deps.attachments;
    this.routes = [
      route('GET', '/events', 'Calendars', (c) => events.listEvents(c)),
      route('POST', '/events', 'Calendars', (c) => events.createEvent(c, body(c))),
      route('GET', '/calendarView', 'Calendars', (c) => events.calendarView(c)),
      route('GET', '/calendarView/delta', 'Calendars', (c) => events.calendarViewDelta(c)),
      route('GET', '/events/{id}', 'Calendars', (c, p) => events.getEvent(c, p[0]!)),
      route('PATCH', '/events/{id}', 'Calendars', (c, p) => events.updateEvent(c, p[0]!, body(c))),
      route('DELETE', '/events/{id}', 'Calendars', (c, p) => events.deleteEvent(c, p[0]!)),
      route('GET', '/events/{id}/instances', 'Calendars', (c, p) => events.instances(c, p[0]!)),
      route('GET', '/events/{id}/attachments', 'Calendars', (c, p) => a.list(c, eventTarget(c, p[0]!))),
      route('POST', '/events/{id}/attachments', 'Calendars', (c, p) => a.add(c, eventTarget(c, p[0]!), body(c))),
      route('POST', '/events/{id}/attachments/createUploadSession', 'Calendars', (c, p) =>
        a.createSession(c.req.origin, eventTarget(c, p[0]!), body(c)),
      ),
      route('GET', '/events/{id}/attachments/{id}', 'Calendars', (c, p) =>
        a.get(c, eventTarget(c, p[0]!), p[1]!, false),
      ),
      route('GET', '/events/{id}/attachments/{id}/\\$value', 'Calendars', (c, p) =>
        a.get(c, eventTarget(c, p[0]!), p[1]!, true),
      ),
      route('DELETE', '/events/{id}/attachments/{id}', 'Calendars', (c, p) => a.remove(eventTarget(c, p[0]!), p[1]!)),

      route('GET', '/contactFolders', 'Contacts', (c) => contacts.listContactFolders(c)),
      route('POST', '/contactFolders', 'Contacts', (c) => contacts.createContactFolder(c, body(c))),
      route('GET', '/contactFolders/{id}', 'Contacts', (c, p) => contacts.getContactFolder(c, p[0]!)),
      route('GET', '/contactFolders/{id}/contacts', 'Contacts', (c, p) => contacts.listContacts(c, p[0]!)),
      route('POST', '/contactFolders/{id}/contacts', 'Contacts', (c, p) => contacts.createContact(c, body(c), p[0]!)),
      route('GET', '/contactFolders/{id}/contacts/delta', 'Contacts', (c, p) => contacts.contactsDelta(c, p[0]!)),
      route('GET', '/contactFolders/{id}/contacts/{id}', 'Contacts', (c, p) => contacts.getContact(c, p[1]!, p[0]!)),
      route('PATCH', '/contactFolders/{id}/contacts/{id}', 'Contacts', (c, p) =>
        contacts.updateContact(c, p[1]!, body(c), p[0]!),
      ),
      route('DELETE', '/contactFolders/{id}/contacts/{id}', 'Contacts', (c, p) =>
        contacts.deleteContact(c, p[1]!, p[0]!),
      ),
      route('GET', '/contacts', 'Contacts', (c) => contacts.listContacts(c)),
      route('POST', '/contacts', 'Contacts', (c) => contacts.createContact(c, body(c))),
      route('GET', '/contacts/delta', 'Contacts', (c) => contacts.contactsDelta(c)),
      route('GET', '/contacts/{id}', 'Contacts', (c, p) => contacts.getContact(c, p[0]!)),
      route('PATCH', '/contacts/{id}', 'Contacts', (c, p) => contacts.updateContact(c, p[0]!, body(c))),
      route('DELETE', '/contacts/{id}', 'Contacts', (c, p) => contacts.deleteContact(c, p[0]!)),

      route('GET', '/todo/lists', 'Tasks', (c) => todo.listLists(c)),
      route('POST', '/todo/lists', 'Tasks', (c) => todo.createList(c, body(c))),
      route('GET', '/todo/lists/{id}', 'Tasks', (c, p) => todo.getList(c, p[0]!)),
      route('GET', '/todo/lists/{id}/tasks', 'Tasks', (c, p) => todo.listTasks(c, p[0]!)),
      route('POST', '/todo/lists/{id}/tasks', 'Tasks', (c, p) => todo.createTask(c, p[0]!, body(c))),
      route('GET', '/todo/lists/{id}/tasks/delta', 'Tasks', (c, p) => todo.tasksDelta(c, p[0]!)),
      route('GET', '/todo/lists/{id}/tasks/{id}', 'Tasks', (c, p) => todo.getTask(c, p[0]!, p[1]!)),
      route('PATCH', '/todo/lists/{id}/tasks/{id}', 'Tasks', (c, p) => todo.updateTask(c, p[0]!, p[1]!, body(c))),
      route('DELETE', '/todo/lists/{id}/tasks/{id}', 'Tasks', (c, p) => todo.deleteTask(c, p[0]!, p[1]!)),
      route('GET', '/todo/lists/{id}/tasks/{id}/extensions', 'Tasks', (c, p) => todo.listExtensions(c, p[0]!, p[1]!)),
      route('POST', '/todo/lists/{id}/tasks/{id}/extensions', 'Tasks', (c, p) =>
        todo.createExtension(c, p[0]!, p[1]!, body(c)),
      ),
      route('GET', '/todo/lists/{id}/tasks/{id}/extensions/{id}', 'Tasks', (c, p) =>
        todo.getExtension(c, p[0]!, p[1]!, p[2]!),
      ),
      route('PATCH', '/todo/lists/{id}/tasks/{id}/extensions/{id}', 'Tasks', (c, p) =>
        todo.updateExtension(c, p[0]!, p[1]!, p[2]!, body(c)),
      ),
      route('DELETE', '/todo/lists/{id}/tasks/{id}/extensions/{id}', 'Tasks', (c, p) =>
        todo.deleteExtension(c, p[0]!, p[1]!, p[2]!),
      ),
      route('GET', '/todo/lists/{id}/tasks/{id}/attachments', 'Tasks', (c, p) =>
        a.list(c, taskTarget(c, p[0]!, p[1]!)),
      ),
      route('POST', '/todo/lists/{id}/tasks/{id}/attachments', 'Tasks', (c, p) =>
        a.add(c, taskTarget(c, p[0]!, p[1]!), body(c)),
      ),
      route('POST', '/todo/lists/{id}/tasks/{id}/attachments/createUploadSession', 'Tasks', (c, p) =>
        a.createSession(c.req.origin, taskTarget(c, p[0]!, p[1]!), body(c)),
      ),
      route('GET', '/todo/lists/{id}/tasks/{id}/attachments/{id}', 'Tasks', (c, p) =>
        a.get(c, taskTarget(c, p[0]!, p[1]!), p[2]!, false),
      ),
      route('GET', '/todo/lists/{id}/tasks/{id}/attachments/{id}/\\$value', 'Tasks', (c, p) =>
        a.get(c, taskTarget(c, p[0]!, p[1]!), p[2]!, true),
      ),
    ];
  }

  /** One Graph call (already authenticated; `roles` are the token's application permissions). */
  async handle(req: EmuRequest, roles: string[]): Promise<EmuResponse> {
    try {
      if (req.path === '/$batch' && req.method === 'POST') return await this.batch(req, roles);
      if (/^\/subscriptions(\/|$)/i.test(req.path)) return await this.subscription(req);
      const user = /^\/users\/([^/]+)$/i.exec(req.path)?.[1];
      if (user && req.method === 'GET') return getUser(this.deps.store, req, user, roles);
      if (/^\/users$/i.test(req.path) && req.method === 'GET') return listUsers(this.deps.store, req, roles);
      return await this.mailboxCall(req, roles);
    } catch (error) {
      if (error instanceof GraphError) return error.toResponse();
      return new GraphError(500, 'InternalServerError', (error as Error).message).toResponse();
    }
  }

  private async subscription(req: EmuRequest): Promise<EmuResponse> {
    const subs = this.deps.subscriptions;
    const id = /^\/subscriptions\/([^/]+)/i.exec(req.path)?.[1];
    const reauth = /^\/subscriptions\/([^/]+)\/reauthorize$/i.exec(req.path)?.[1];
    if (reauth && req.method === 'POST') return subs.reauthorize(reauth);
    if (!id && req.method === 'POST') return subs.create(req.body);
    if (!id && req.method === 'GET') return subs.list();
    if (id && req.method === 'GET') return subs.get(id);
    if (id && req.method === 'PATCH') return subs.update(id, req.body);
    if (id && req.method === 'DELETE') return subs.delete(id);
    throw badRequest(`Unsupported ${req.method} ${req.path}`);
  }

  private async mailboxCall(req: EmuRequest, roles: string[]): Promise<EmuResponse> {
    const match = this.routes
      .map((r) => ({ r, m: r.method === req.method ? r.pattern.exec(req.path) : null }))
      .find((x) => x.m);
    if (!match?.m) {
      if (this.routes.some((r) => r.pattern.test(req.path)))
        throw new GraphError(405, 'Request_BadRequest', `Method ${req.method} is not allowed here`);
      throw new GraphError(400, 'BadRequest', `Resource not found for the segment '${req.path}'.`);
    }
    const [, user, ...params] = match.m;
    const mailbox: Mailbox | undefined = this.deps.store.find(user ?? '');
    const fault = this.deps.takeFault(mailbox?.smtpAddress);
    if (fault) throw fault;
    if (!mailbox)
      throw new GraphError(
        404,
        'ErrorInvalidUser',
        `The requested user '${decodeURIComponent(user ?? '')}' is invalid.`,
      );
    const release = this.deps.throttle.enter(mailbox.smtpAddress);
    try {
      const latency = this.deps.latencyMs();
      if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
      if (!roles.some((role) => role.startsWith(`${match.r.permission}.`))) {
        throw new GraphError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
      }
      if (mailbox.denied) throw new GraphError(403, mailbox.denied.code, mailbox.denied.message);
      const prefer = parsePrefer(req.headers.prefer);
      const ctx: Ctx = {
        store: this.deps.store,
        mailbox,
        req,
        apiBase: `${req.origin}/v1.0`,
        timeZone: prefer.timeZone ?? 'UTC',
        ...(prefer.maxPageSize ? { maxPageSize: prefer.maxPageSize } : {}),
      };
      const res = await match.r.handler(
        ctx,
        params.map((p) => decodeURIComponent(p)),
      );
      const applied = [
        prefer.timeZone ? `outlook.timezone="${prefer.timeZone}"` : '',
        prefer.maxPageSize ? `odata.maxpagesize=${prefer.maxPageSize}` : '',
      ]
        .filter(Boolean)
        .join(', ');
      return applied ? { ...res, headers: { ...res.headers, 'preference-applied': applied } } : res;
    } finally {
      release();
    }
  }

  /**
   * JSON batching (learn.microsoft.com/graph/json-batching): up to 20 requests; each is throttled
   * on its own (so items beyond a mailbox's 4 concurrent slots get their own 429). Items without
   * dependsOn run concurrently; a failed dependency answers 424.
   */
  private async batch(req: EmuRequest, roles: string[]): Promise<EmuResponse> {
    const items = (req.body as { requests?: unknown })?.requests;
    if (!Array.isArray(items) || items.length === 0)
      throw badRequest('Batch request must contain requests', 'BadRequest');
    if (items.length > 20)
      throw badRequest('The number of batch requests in a JSON batch request must not exceed 20.', 'BadRequest');
    const results = new Map<string, Promise<EmuResponse>>();
    const run = async (item: {
      id: string;
      method: string;
      url: string;
      headers?: Record<string, string>;
      body?: unknown;
      dependsOn?: string[];
    }): Promise<EmuResponse> => {
      for (const dep of item.dependsOn ?? []) {
        const r = await results.get(dep);
        if (!r || r.status >= 400)
          return { status: 424, body: { error: { code: 'FailedDependency', message: `Dependency ${dep} failed` } } };
      }
      const url = new URL(item.url.replace(/^\/?(v1\.0\/)?/, '/'), 'http://batch');
      const headers = Object.fromEntries(
        Object.entries({ ...req.headers, ...(item.headers ?? {}) }).map(([k, v]) => [k.toLowerCase(), String(v)]),
      );
      return this.handle(
        {
          method: item.method.toUpperCase(),
          path: decodeURI(url.pathname),
          query: url.searchParams,
          headers,
          body: item.body,
          origin: req.origin,
        },
        roles,
      );
    };
    for (const item of items as Array<{ id: string; method: string; url: string }>) {
      if (typeof item.id !== 'string' || typeof item.method !== 'string' || typeof item.url !== 'string')
        throw badRequest('Each batch request needs id, method and url', 'BadRequest');
      results.set(item.id, run(item));
    }
    const responses = await Promise.all(
      [...results].map(async ([id, p]) => {
        const r = await p;
        return {
          id,
          status: r.status,
          headers: batchHeaders({ 'content-type': 'application/json', ...(r.headers ?? {}) }),
          ...(r.body !== undefined ? { body: Buffer.isBuffer(r.body) ? r.body.toString('base64') : r.body } : {}),
        };
      }),
    );
    return { status: 200, body: { responses } };
  }
}

/**
 * Header names inside a JSON batch response are JSON keys, so their case is visible: Graph writes them
 * as HTTP spells them ("Content-Type", "Retry-After", "Location"; see the response examples in
 * "Combine multiple requests in one HTTP call using JSON batching", learn.microsoft.com/graph/json-batching).
 * Microsoft's JavaScript client (BatchResponseContent) looks up "Content-Type" exactly to decide whether
 * a body is JSON, so lower-case names there would turn every JSON body into "[object Object]".
 */
function batchHeaders(headers: Record<string, string>): Record<string, string> {
  const spelled: Record<string, string> = { etag: 'ETag', 'odata-version': 'OData-Version' };
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [
      spelled[name.toLowerCase()] ??
        name.toLowerCase().replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase()),
      value,
    ]),
  );
}
