import type { Redis } from 'ioredis';
import { TandemError } from '../../../errors/tandem-error.js';
import { updateOfReadItem } from '../deleted-since-read.js';
import { logger as rootLogger, type Logger } from '../../../logging/logger.js';
import type { ExchangeEnvironmentConfig, MailboxConnector } from '../mailbox-connector.js';
import type {
  Appointment,
  AttachmentContent,
  AttachmentInfo,
  ChangePage,
  ConnectionTestStep,
  DraftsByKind,
  ItemKind,
  ItemsByKind,
  ItemVersion,
  MailboxAddress,
  RemoteSubscription,
  Stamp,
  SubscriptionRequest,
  TimeWindow,
} from '../types.js';
import { testGraphConnection } from './connection-test.js';
import { DEFAULT_LIMITS, GraphClient, graphError, type GraphCall, type GraphLimits } from './graph-client.js';
import { HttpClient } from './http-client.js';
import {
  appointmentFromGraph,
  appointmentToGraph,
  contactFromGraph,
  contactToGraph,
  stampProperties,
  taskExtension,
  taskFromGraph,
  taskToGraph,
  utcInstant,
  type GraphJson,
} from './mapping.js';
import { decodeDeltaState, encodeDeltaState, windowMoved, type GraphDeltaState } from './delta-state.js';
import { EXPAND_STAMP, stampFilter, TASK_EXTENSION } from './stamp.js';
import { TokenProvider } from './token-provider.js';

type GraphEnv = Extract<ExchangeEnvironmentConfig, { kind: 'graph' }>;

/** Stored Entra object ids of an environment's users, by lower-case SMTP address. */
export interface MailboxDirectory {
  objectIdOf(smtp: string): Promise<string | undefined>;
  remember(smtp: string, objectId: string): Promise<void>;
}

export interface GraphConnectorDeps {
  redis: Redis;
  keyPrefix: string;
  logger?: Logger;
  /** Overrides of Outlook's documented limits (tests use small budgets). */
  limits?: Partial<GraphLimits>;
  /** Subscription lifetime; Outlook allows 4,230 minutes, we stay 30 minutes below to renew in time. */
  subscriptionMinutes?: number;
  /** Delta paging: items per page (Prefer: odata.maxpagesize) and pages followed within one changesSince call. */
  delta?: { pageSize?: number; maxPagesPerCall?: number };
  /** Where the users' Entra object ids are kept (Tandem's database); without it they are resolved per process. */
  directory?: MailboxDirectory;
  /** Window for appointment change tracking when the caller gives none. */
  defaultWindowDays?: { past: number; future: number };
}

const UTC = { prefer: 'outlook.timezone="UTC"' };
/** Outlook takes attachments up to 3 MB inline; larger ones need an upload session (learn.microsoft.com/graph/outlook-large-attachments). */
const INLINE_ATTACHMENT_LIMIT = 3 * 1024 * 1024;
/** Upload chunks must be multiples of 320 KiB and at most 4 MiB. */
const UPLOAD_CHUNK = 10 * 320 * 1024;
const FOLDER_NAME = 'Tandem';
/**
 * changesSince follows nextLinks within one call up to this many pages; beyond, it returns the
 * nextLink as the sync state with moreAvailable, so a huge initial sync is committed in parts.
 */
const MAX_PAGES_PER_CALL = 20;
const DELTA_PAGE_SIZE = 100;

/**
 * calendarView lists occurrences and exceptions of a series, each with its seriesMasterId ("List
 * calendarView", learn.microsoft.com/graph/api/user-list-calendarview); for the engine the series is
 * the master, so a changed instance names its master.
 */
function seriesTarget(item: GraphJson): string {
  return (item.type === 'occurrence' || item.type === 'exception') && item.seriesMasterId
    ? String(item.seriesMasterId)
    : String(item.id);
}

export function createGraphConnector(env: GraphEnv, deps: GraphConnectorDeps): MailboxConnector {
  return new GraphConnector(env, deps);
}

class GraphConnector implements MailboxConnector {
  readonly backend = 'graph' as const;
  private readonly http: HttpClient;
  private readonly tokens: TokenProvider;
  private readonly client: GraphClient;
  private readonly log: Logger;
  private readonly folderIds = new Map<string, Promise<string>>();
  private readonly listIds = new Map<string, Promise<string>>();
  private readonly objectIds = new Map<string, { id: Promise<string>; until: number }>();

  constructor(
    private readonly env: GraphEnv,
    private readonly deps: GraphConnectorDeps,
  ) {
    this.log = (deps.logger ?? rootLogger).child({ module: 'graph-connector', environmentId: env.id });
    this.http = new HttpClient({
      ...(env.graph.caCertificate ? { caCertificate: env.graph.caCertificate } : {}),
      maxSockets: Math.max(4, env.maxConcurrency),
    });
    this.tokens = new TokenProvider(env.graph, this.http);
    this.client = new GraphClient({
      baseUrl: env.graph.baseUrl || 'https://graph.microsoft.com/v1.0',
      tenantId: env.tenantId,
      envId: env.id,
      clientId: env.graph.clientId,
      envConcurrency: Math.max(1, env.maxConcurrency),
      http: this.http,
      tokens: this.tokens,
      redis: deps.redis,
      keyPrefix: deps.keyPrefix,
      limits: { ...DEFAULT_LIMITS, ...deps.limits },
      log: this.log,
    });
  }

  /**
   * The Graph path of a mailbox. Graph addresses users by object id or user principal name ("Get
   * user", learn.microsoft.com/graph/api/user-get), and a mailbox's SMTP address is often not its
   * UPN. The object id is resolved once per user and kept in Tandem's database (deps.directory);
   * without User.Read.All the SMTP address is used, which works where it equals the UPN.
   */
  private async user(mailbox: MailboxAddress): Promise<string> {
    return `/users/${encodeURIComponent(await this.objectId(mailbox))}`;
  }

  private objectId(mailbox: MailboxAddress): Promise<string> {
    const key = mailbox.smtpAddress.toLowerCase();
    const cached = this.objectIds.get(key);
    if (cached && cached.until > Date.now()) return cached.id;
    const id = (async () => {
      const stored = await this.deps.directory?.objectIdOf(key);
      if (stored) return stored;
      const resolved = await this.resolveObjectId(key);
      if (!resolved) {
        // Not resolvable now (no User.Read.All): the SMTP address, and another try in a few minutes.
        this.objectIds.set(key, { id: Promise.resolve(key), until: Date.now() + 300_000 });
        return key;
      }
      await this.deps.directory?.remember(key, resolved);
      return resolved;
    })();
    this.objectIds.set(key, { id, until: Number.POSITIVE_INFINITY });
    id.catch(() => this.objectIds.delete(key));
    return id;
  }

  /**
   * The user's object id: `GET /users/{smtp}` finds users whose UPN is the SMTP address; else
   * `$filter=mail eq '…'` finds them by primary SMTP address ("List users", learn.microsoft.com/graph/api/user-list).
   * Needs User.Read.All (application); a 403 leaves the caller with the SMTP address.
   */
  async resolveObjectId(smtp: string): Promise<string | undefined> {
    const select = '$select=id,userPrincipalName,mail';
    const direct = await this.client.call(
      smtp,
      { method: 'GET', url: `/users/${encodeURIComponent(smtp)}?${select}` },
      [403, 404],
    );
    if (direct.status === 403) {
      this.log.warn(
        { mailbox: smtp },
        'cannot read the directory (User.Read.All not granted); addressing the mailbox by its SMTP address',
      );
      return undefined;
    }
    if (direct.status === 200 && typeof direct.json?.id === 'string') return direct.json.id;
    const filter = encodeURIComponent(`mail eq '${smtp.replace(/'/g, "''")}'`);
    const found = await this.client.call(smtp, { method: 'GET', url: `/users?$filter=${filter}&${select}` });
    const match = (found.json?.value as GraphJson[] | undefined)?.[0];
    if (typeof match?.id === 'string') return match.id;
    throw new TandemError(
      'EXCHANGE_MAILBOX_NOT_FOUND',
      `ErrorInvalidUser: no user with the address ${smtp} in the directory (neither as user principal name nor as mail)`,
    );
  }

  /** The dedicated "Tandem" contact folder / To Do list: found by name or created, id cached per mailbox. */
  private container(cache: Map<string, Promise<string>>, mailbox: MailboxAddress, path: string): Promise<string> {
    const key = mailbox.smtpAddress.toLowerCase();
    let id = cache.get(key);
    if (!id) {
      id = (async () => {
        const found = await this.client.call(key, {
          method: 'GET',
          url: `${await this.user(mailbox)}${path}?$filter=${encodeURIComponent(`displayName eq '${FOLDER_NAME}'`)}`,
        });
        const existing = (found.json?.value as GraphJson[] | undefined)?.[0];
        if (existing?.id) return String(existing.id);
        const created = await this.client.call(key, {
          method: 'POST',
          url: `${await this.user(mailbox)}${path}`,
          body: { displayName: FOLDER_NAME },
        });
        return String(created.json?.id);
      })();
      id.catch(() => cache.delete(key));
      cache.set(key, id);
    }
    return id;
  }

  private contactFolder(mailbox: MailboxAddress): Promise<string> {
    return this.container(this.folderIds, mailbox, '/contactFolders');
  }

  private todoList(mailbox: MailboxAddress): Promise<string> {
    return this.container(this.listIds, mailbox, '/todo/lists');
  }

  /** Collection path of a kind, and item path builder. */
  private async paths(
    mailbox: MailboxAddress,
    kind: ItemKind,
  ): Promise<{ collection: string; item: (id: string) => string; expand: string }> {
    const u = await this.user(mailbox);
    if (kind === 'appointment')
      return { collection: `${u}/events`, item: (id) => `${u}/events/${encodeURIComponent(id)}`, expand: EXPAND_STAMP };
    if (kind === 'contact') {
      const f = await this.contactFolder(mailbox);
      return {
        collection: `${u}/contactFolders/${f}/contacts`,
        item: (id) => `${u}/contactFolders/${f}/contacts/${encodeURIComponent(id)}`,
        expand: EXPAND_STAMP,
      };
    }
    const l = await this.todoList(mailbox);
    return {
      collection: `${u}/todo/lists/${l}/tasks`,
      item: (id) => `${u}/todo/lists/${l}/tasks/${encodeURIComponent(id)}`,
      expand: 'extensions',
    };
  }

  private fromGraph<K extends ItemKind>(kind: K, json: GraphJson): ItemsByKind[K] {
    const item =
      kind === 'appointment'
        ? appointmentFromGraph(json)
        : kind === 'task'
          ? taskFromGraph(json)
          : contactFromGraph(json);
    return item as ItemsByKind[K];
  }

  async getItem<K extends ItemKind>(mailbox: MailboxAddress, kind: K, id: string): Promise<ItemsByKind[K] | undefined> {
    const p = await this.paths(mailbox, kind);
    const res = await this.client.call(
      mailbox.smtpAddress,
      { method: 'GET', url: `${p.item(id)}?$expand=${encodeURIComponent(p.expand)}`, headers: UTC },
      [404],
    );
    return res.status === 404 || !res.json ? undefined : this.fromGraph(kind, res.json);
  }

  async getItems<K extends ItemKind>(
    mailbox: MailboxAddress,
    kind: K,
    ids: string[],
  ): Promise<Map<string, ItemsByKind[K]>> {
    const p = await this.paths(mailbox, kind);
    const calls: GraphCall[] = ids.map((id) => ({
      method: 'GET',
      url: `${p.item(id)}?$expand=${encodeURIComponent(p.expand)}`,
      headers: UTC,
    }));
    const results = await this.client.batch(mailbox.smtpAddress, calls);
    const map = new Map<string, ItemsByKind[K]>();
    results.forEach((r, i) => {
      if (r.status === 200 && r.json) map.set(ids[i]!, this.fromGraph(kind, r.json));
      else if (r.status !== 404) throw graphError(r.status, r.json);
    });
    return map;
  }

  async createItem<K extends ItemKind>(
    mailbox: MailboxAddress,
    kind: K,
    draft: DraftsByKind[K],
    stamp: Stamp,
  ): Promise<ItemVersion> {
    const p = await this.paths(mailbox, kind);
    let body: GraphJson;
    if (kind === 'appointment')
      body = {
        ...appointmentToGraph(draft as DraftsByKind['appointment']),
        singleValueExtendedProperties: stampProperties(stamp),
      };
    else if (kind === 'contact')
      body = {
        ...contactToGraph(draft as DraftsByKind['contact']),
        singleValueExtendedProperties: stampProperties(stamp),
      };
    // To Do creates the task and its open extension in one request
    // (learn.microsoft.com/graph/api/opentypeextension-post-opentypeextension lists todoTask).
    else
      body = {
        ...taskToGraph(draft as DraftsByKind['task']),
        extensions: [taskExtension(stamp, draft as DraftsByKind['task'])],
      };
    const res = await this.client.call(mailbox.smtpAddress, { method: 'POST', url: p.collection, body, headers: UTC });
    return this.version(res.json);
  }

  private version(json: GraphJson | undefined): ItemVersion {
    const etag = String(json?.['@odata.etag'] ?? '');
    return {
      id: String(json?.id),
      changeKey: typeof json?.changeKey === 'string' ? json.changeKey : etag.replace(/^W\//, '').replace(/"/g, ''),
    };
  }

  async updateItem<K extends ItemKind>(
    mailbox: MailboxAddress,
    kind: K,
    version: ItemVersion,
    changes: Partial<DraftsByKind[K]>,
    stamp: Stamp,
  ): Promise<ItemVersion> {
    return updateOfReadItem(version.id, () => this.writeItem(mailbox, kind, version, changes, stamp));
  }

  private async writeItem<K extends ItemKind>(
    mailbox: MailboxAddress,
    kind: K,
    version: ItemVersion,
    changes: Partial<DraftsByKind[K]>,
    stamp: Stamp,
  ): Promise<ItemVersion> {
    const p = await this.paths(mailbox, kind);
    const ifMatch = { 'if-match': `W/"${version.changeKey}"`, ...UTC };
    if (kind === 'task') {
      const current = await this.client.call(
        mailbox.smtpAddress,
        { method: 'GET', url: `${p.item(version.id)}?$expand=extensions` },
        [404],
      );
      if (current.status === 404)
        throw new TandemError('EXCHANGE_ITEM_NOT_FOUND', `Task ${version.id} no longer exists`);
      const previous = ((current.json?.extensions as GraphJson[] | undefined) ?? []).find(
        (e) => e.extensionName === TASK_EXTENSION || e.id === TASK_EXTENSION,
      );
      const ext = taskExtension(stamp, changes as Partial<DraftsByKind['task']>, previous);
      // The extension first: the task's final etag (returned below) then covers both writes.
      if (previous)
        await this.client.call(mailbox.smtpAddress, {
          method: 'PATCH',
          url: `${p.item(version.id)}/extensions/${TASK_EXTENSION}`,
          body: ext,
        });
      else
        await this.client.call(mailbox.smtpAddress, {
          method: 'POST',
          url: `${p.item(version.id)}/extensions`,
          body: ext,
        });
      const res = await this.client.call(mailbox.smtpAddress, {
        method: 'PATCH',
        url: p.item(version.id),
        body: taskToGraph(changes as Partial<DraftsByKind['task']>),
      });
      return this.version(res.json);
    }
    const body =
      kind === 'appointment'
        ? {
            ...appointmentToGraph(changes as Partial<DraftsByKind['appointment']>),
            singleValueExtendedProperties: stampProperties(stamp),
          }
        : {
            ...contactToGraph(changes as Partial<DraftsByKind['contact']>),
            singleValueExtendedProperties: stampProperties(stamp),
          };
    if (
      kind === 'appointment' &&
      (changes as Partial<Appointment>).start !== undefined &&
      (changes as Partial<Appointment>).timeZone === undefined
    ) {
      // Start/end are written as wall time in a zone; without the zone in `changes` keep the item's own.
      const current = await this.getItem(mailbox, 'appointment', version.id);
      Object.assign(
        body,
        appointmentToGraph({
          ...(changes as Partial<DraftsByKind['appointment']>),
          timeZone: current?.timeZone ?? 'UTC',
        }),
      );
    }
    const res = await this.client.call(mailbox.smtpAddress, {
      method: 'PATCH',
      url: p.item(version.id),
      body,
      headers: ifMatch,
    });
    return this.version(res.json);
  }

  async deleteItem(mailbox: MailboxAddress, kind: ItemKind, id: string): Promise<void> {
    const p = await this.paths(mailbox, kind);
    await this.client.call(mailbox.smtpAddress, { method: 'DELETE', url: p.item(id) }, [404]);
  }

  async findByStamp<K extends ItemKind>(
    mailbox: MailboxAddress,
    kind: K,
    s4Key: string,
  ): Promise<Array<ItemsByKind[K]>> {
    const p = await this.paths(mailbox, kind);
    if (kind === 'task') {
      // To Do cannot $filter on open extensions (learn.microsoft.com/graph/api/todotasklist-list-tasks
      // supports $filter on task properties only), so the list is read with its extensions and filtered here.
      const all = await this.pages(mailbox, `${p.collection}?$expand=extensions&$top=100`);
      return all.map((j) => this.fromGraph(kind, j)).filter((t) => t.stamp?.s4Key === s4Key);
    }
    const url = `${p.collection}?$filter=${encodeURIComponent(stampFilter(s4Key))}&$expand=${encodeURIComponent(p.expand)}`;
    return (await this.pages(mailbox, url)).map((j) => this.fromGraph(kind, j));
  }

  /** Follows @odata.nextLink to the end. */
  private async pages(
    mailbox: MailboxAddress,
    url: string,
    headers: Record<string, string> = UTC,
  ): Promise<GraphJson[]> {
    const items: GraphJson[] = [];
    for (let next: string | undefined = url; next;) {
      const res = await this.client.call(mailbox.smtpAddress, { method: 'GET', url: next, headers });
      items.push(...((res.json?.value as GraphJson[] | undefined) ?? []));
      next = res.json?.['@odata.nextLink'] as string | undefined;
    }
    return items;
  }

  private window(window?: TimeWindow): TimeWindow {
    if (window) return window;
    const days = this.deps.defaultWindowDays ?? { past: 30, future: 365 };
    return {
      start: new Date(Date.now() - days.past * 86_400_000).toISOString(),
      end: new Date(Date.now() + days.future * 86_400_000).toISOString(),
    };
  }

  async listItems<K extends ItemKind>(
    mailbox: MailboxAddress,
    kind: K,
    window?: TimeWindow,
  ): Promise<Array<ItemsByKind[K]>> {
    const p = await this.paths(mailbox, kind);
    if (kind !== 'appointment')
      return (await this.pages(mailbox, `${p.collection}?$expand=${encodeURIComponent(p.expand)}&$top=100`)).map((j) =>
        this.fromGraph(kind, j),
      );
    if (!window)
      return (await this.pages(mailbox, `${p.collection}?$expand=${encodeURIComponent(p.expand)}&$top=100`)).map((j) =>
        this.fromGraph(kind, j),
      );
    // calendarView gives singles, occurrences and exceptions in the window; masters are fetched by id.
    const view = (
      await this.pages(
        mailbox,
        `${await this.user(mailbox)}/calendarView?startDateTime=${encodeURIComponent(window.start)}&endDateTime=${encodeURIComponent(window.end)}&$expand=${encodeURIComponent(EXPAND_STAMP)}&$top=100`,
      )
    ).map(appointmentFromGraph);
    const masters = [...new Set(view.filter((a) => a.seriesMasterId).map((a) => a.seriesMasterId!))];
    const masterItems = await this.getItems(mailbox, 'appointment', masters);
    return [...view.filter((a) => a.type === 'single' || a.type === 'exception'), ...masterItems.values()] as Array<
      ItemsByKind[K]
    >;
  }

  async expandSeries(mailbox: MailboxAddress, seriesMasterId: string, window: TimeWindow): Promise<Appointment[]> {
    const url = `${await this.user(mailbox)}/events/${encodeURIComponent(seriesMasterId)}/instances?startDateTime=${encodeURIComponent(window.start)}&endDateTime=${encodeURIComponent(window.end)}&$expand=${encodeURIComponent(EXPAND_STAMP)}&$top=100`;
    return (await this.pages(mailbox, url)).map(appointmentFromGraph);
  }

  private async attachmentBase(
    mailbox: MailboxAddress,
    kind: ItemKind,
    itemId: string,
  ): Promise<{ url: string; odataType: string }> {
    if (kind === 'contact')
      throw new TandemError('EXCHANGE_BAD_REQUEST', 'Graph contacts cannot carry file attachments');
    const p = await this.paths(mailbox, kind);
    return {
      url: `${p.item(itemId)}/attachments`,
      odataType: kind === 'task' ? '#microsoft.graph.taskFileAttachment' : '#microsoft.graph.fileAttachment',
    };
  }

  async listAttachments(mailbox: MailboxAddress, kind: ItemKind, itemId: string): Promise<AttachmentInfo[]> {
    const { url } = await this.attachmentBase(mailbox, kind, itemId);
    const items = await this.pages(mailbox, `${url}?$select=id,name,contentType,size`);
    return items.map((a) => ({
      id: String(a.id),
      name: String(a.name),
      contentType: String(a.contentType ?? 'application/octet-stream'),
      size: Number(a.size ?? 0),
    }));
  }

  async getAttachment(
    mailbox: MailboxAddress,
    kind: ItemKind,
    itemId: string,
    attachmentId: string,
  ): Promise<AttachmentContent> {
    const { url } = await this.attachmentBase(mailbox, kind, itemId);
    const res = await this.client.call(mailbox.smtpAddress, {
      method: 'GET',
      url: `${url}/${encodeURIComponent(attachmentId)}`,
    });
    const a = res.json ?? {};
    const content = Buffer.from(String(a.contentBytes ?? ''), 'base64');
    return {
      id: String(a.id),
      name: String(a.name),
      contentType: String(a.contentType ?? 'application/octet-stream'),
      size: content.length,
      content,
    };
  }

  async addAttachment(
    mailbox: MailboxAddress,
    kind: ItemKind,
    itemId: string,
    attachment: { name: string; contentType: string; content: Buffer },
  ): Promise<AttachmentInfo> {
    const { url, odataType } = await this.attachmentBase(mailbox, kind, itemId);
    const info = { name: attachment.name, contentType: attachment.contentType, size: attachment.content.length };
    if (attachment.content.length <= INLINE_ATTACHMENT_LIMIT) {
      const res = await this.client.call(mailbox.smtpAddress, {
        method: 'POST',
        url,
        body: { '@odata.type': odataType, ...info, contentBytes: attachment.content.toString('base64') },
      });
      return { id: String(res.json?.id), ...info };
    }
    // Outlook items name the body AttachmentItem (learn.microsoft.com/graph/api/attachment-createuploadsession),
    // To Do tasks attachmentInfo (learn.microsoft.com/graph/api/taskfileattachment-createuploadsession).
    const described = { attachmentType: 'file', ...info };
    const session = await this.client.call(mailbox.smtpAddress, {
      method: 'POST',
      url: `${url}/createUploadSession`,
      body: kind === 'task' ? { attachmentInfo: described } : { AttachmentItem: described },
    });
    const uploadUrl = String(session.json?.uploadUrl ?? '');
    let location = '';
    for (let start = 0; start < attachment.content.length; start += UPLOAD_CHUNK) {
      const chunk = attachment.content.subarray(start, start + UPLOAD_CHUNK);
      // The upload URL carries its own credential; sending our bearer token there is refused by Outlook.
      const res = await this.http.request({
        method: 'PUT',
        url: uploadUrl,
        body: chunk,
        timeoutMs: 120_000,
        headers: {
          'content-type': 'application/octet-stream',
          'content-range': `bytes ${start}-${start + chunk.length - 1}/${attachment.content.length}`,
        },
      });
      if (res.status >= 400)
        throw new TandemError('EXCHANGE_UNAVAILABLE', `Attachment upload failed with ${res.status}`, {
          details: { status: res.status },
        });
      location = res.headers.location ?? location;
    }
    const id = /attachments\('([^']+)'\)/i.exec(location)?.[1];
    if (id) return { id, ...info };
    const listed = await this.listAttachments(mailbox, kind, itemId);
    return listed.find((a) => a.name === attachment.name && a.size === info.size) ?? { id: '', ...info };
  }

  async changesSince(
    mailbox: MailboxAddress,
    kind: ItemKind,
    syncState: string | undefined,
    window?: TimeWindow,
  ): Promise<ChangePage> {
    const current = kind === 'appointment' ? this.window(window) : undefined;
    let state: GraphDeltaState;
    if (syncState) {
      state = decodeDeltaState(syncState);
      if (state.mode === 'restart')
        state = {
          mode: 'i',
          url: await this.calendarViewDelta(mailbox, current!),
          window: current!,
          ...(state.newerThan ? { newerThan: state.newerThan } : {}),
        };
    } else if (kind === 'appointment') {
      state = { mode: 'i', url: await this.calendarViewDelta(mailbox, current!), window: current! };
    } else {
      state = { mode: 'i', url: `${(await this.paths(mailbox, kind)).collection}/delta` };
    }
    const initial = state.mode === 'i';
    const created = new Set<string>();
    const updated = new Set<string>();
    const removed = new Set<string>();
    const pageSize = this.deps.delta?.pageSize ?? DELTA_PAGE_SIZE;
    let url = state.url;
    for (let page = 0; page < (this.deps.delta?.maxPagesPerCall ?? MAX_PAGES_PER_CALL); page++) {
      const res = await this.client.call(mailbox.smtpAddress, {
        method: 'GET',
        url,
        headers: { prefer: `outlook.timezone="UTC", odata.maxpagesize=${pageSize}` },
      });
      for (const item of (res.json?.value as GraphJson[] | undefined) ?? []) {
        const id = String(item.id);
        if (item['@removed']) {
          removed.add(id);
          continue;
        }
        // A restarted calendarView round lists the whole new window; what ends before the previous
        // window's end was tracked by the previous round already.
        if (state.newerThan && utcInstant(item.end) && utcInstant(item.end) <= state.newerThan) continue;
        (initial ? created : updated).add(seriesTarget(item));
      }
      const delta = res.json?.['@odata.deltaLink'] as string | undefined;
      const next = res.json?.['@odata.nextLink'] as string | undefined;
      if (delta) {
        // The round is complete. A calendarView round whose window is stale restarts over the
        // current window (learn.microsoft.com/graph/delta-query-events keeps the first window).
        if (current && windowMoved(state.window, current)) {
          const restart: GraphDeltaState = {
            mode: 'restart',
            url: '',
            ...(state.window ? { newerThan: state.window.end } : {}),
          };
          return this.changePage(mailbox, kind, created, updated, removed, restart, true);
        }
        return this.changePage(mailbox, kind, created, updated, removed, { ...state, mode: 'd', url: delta }, false);
      }
      if (!next) throw new TandemError('EXCHANGE_BAD_REQUEST', 'Delta response without nextLink or deltaLink');
      url = next;
    }
    return this.changePage(mailbox, kind, created, updated, removed, { ...state, url }, true);
  }

  private async calendarViewDelta(mailbox: MailboxAddress, w: TimeWindow): Promise<string> {
    return `${await this.user(mailbox)}/calendarView/delta?startDateTime=${encodeURIComponent(w.start)}&endDateTime=${encodeURIComponent(w.end)}`;
  }

  /**
   * `@removed` in a delta response means "left this result set", not "deleted": for events it also
   * names those moved out of the calendarView window ("event: delta", learn.microsoft.com/graph/api/event-delta).
   * Each removed item is read: 404 ErrorItemNotFound is a deletion; an item still there changed and is
   * reconciled as such (its link decides whether it keeps syncing), never deleted.
   */
  private async confirmRemoved(
    mailbox: MailboxAddress,
    kind: ItemKind,
    ids: string[],
  ): Promise<{ deleted: string[]; changed: string[] }> {
    if (ids.length === 0) return { deleted: [], changed: [] };
    const p = await this.paths(mailbox, kind);
    const select = kind === 'appointment' ? '?$select=id,type,seriesMasterId' : '';
    const results = await this.client.batch(
      mailbox.smtpAddress,
      ids.map((id) => ({ method: 'GET', url: `${p.item(id)}${select}` })),
    );
    const deleted: string[] = [];
    const changed: string[] = [];
    results.forEach((r, i) => {
      if (r.status === 200 && r.json) changed.push(kind === 'appointment' ? seriesTarget(r.json) : ids[i]!);
      else if (r.status === 404 && graphError(r.status, r.json).code === 'EXCHANGE_ITEM_NOT_FOUND')
        deleted.push(ids[i]!);
      else throw graphError(r.status, r.json);
    });
    return { deleted, changed };
  }

  private async changePage(
    mailbox: MailboxAddress,
    kind: ItemKind,
    created: Set<string>,
    updated: Set<string>,
    removed: Set<string>,
    state: GraphDeltaState,
    moreAvailable: boolean,
  ): Promise<ChangePage> {
    const { deleted, changed } = await this.confirmRemoved(mailbox, kind, [...removed]);
    for (const id of changed) if (!created.has(id)) updated.add(id);
    for (const id of deleted) {
      created.delete(id);
      updated.delete(id);
    }
    return { created: [...created], updated: [...updated], deleted, syncState: encodeDeltaState(state), moreAvailable };
  }

  private async resource(mailbox: MailboxAddress, kind: ItemKind): Promise<string> {
    const u = await this.user(mailbox);
    if (kind === 'appointment') return `${u}/events`;
    if (kind === 'contact') return `${u}/contactFolders/${await this.contactFolder(mailbox)}/contacts`;
    return `${u}/todo/lists/${await this.todoList(mailbox)}/tasks`;
  }

  private expiry(): string {
    return new Date(Date.now() + (this.deps.subscriptionMinutes ?? 4_200) * 60_000).toISOString();
  }

  /**
   * One Graph subscription per kind (Graph subscribes one resource at a time). The remote id is
   * the comma-joined list of Graph subscription ids, in `request.kinds` order; a notification's
   * subscriptionId matches when it is one of them.
   */
  async subscribe(request: SubscriptionRequest): Promise<RemoteSubscription> {
    const ids: string[] = [];
    let expiresAt = '';
    try {
      for (const kind of request.kinds) {
        const sub = await this.createSubscription(request, kind);
        ids.push(sub.id);
        expiresAt = !expiresAt || sub.expiresAt < expiresAt ? sub.expiresAt : expiresAt;
      }
    } catch (error) {
      await this.unsubscribe(request.mailbox, { remoteId: ids.join(',') }).catch(() => undefined);
      throw error;
    }
    return { remoteId: ids.join(','), expiresAt };
  }

  private async createSubscription(
    request: SubscriptionRequest,
    kind: ItemKind,
  ): Promise<{ id: string; expiresAt: string }> {
    const res = await this.client.call(request.mailbox.smtpAddress, {
      method: 'POST',
      url: '/subscriptions',
      body: {
        changeType: 'created,updated,deleted',
        notificationUrl: request.callbackUrl,
        resource: await this.resource(request.mailbox, kind),
        expirationDateTime: this.expiry(),
        ...(request.clientState ? { clientState: request.clientState } : {}),
        ...(request.lifecycleUrl ? { lifecycleNotificationUrl: request.lifecycleUrl } : {}),
        latestSupportedTlsVersion: 'v1_2',
      },
    });
    return { id: String(res.json?.id), expiresAt: String(res.json?.expirationDateTime) };
  }

  async renewSubscription(request: SubscriptionRequest, current: RemoteSubscription): Promise<RemoteSubscription> {
    const ids = current.remoteId ? current.remoteId.split(',') : [];
    const renewed: string[] = [];
    let expiresAt = '';
    for (const [i, kind] of request.kinds.entries()) {
      const id = ids[i];
      let result: { id: string; expiresAt: string } | undefined;
      if (id) {
        const res = await this.client.call(
          request.mailbox.smtpAddress,
          {
            method: 'PATCH',
            url: `/subscriptions/${encodeURIComponent(id)}`,
            body: { expirationDateTime: this.expiry() },
          },
          [404],
        );
        if (res.status !== 404) result = { id, expiresAt: String(res.json?.expirationDateTime) };
      }
      // Gone (expired, or removed by Graph): create it anew; the caller resyncs via delta anyway.
      result ??= await this.createSubscription(request, kind);
      renewed.push(result.id);
      expiresAt = !expiresAt || result.expiresAt < expiresAt ? result.expiresAt : expiresAt;
    }
    return { remoteId: renewed.join(','), expiresAt };
  }

  async unsubscribe(mailbox: MailboxAddress, subscription: RemoteSubscription): Promise<void> {
    for (const id of subscription.remoteId.split(',').filter(Boolean)) {
      await this.client.call(
        mailbox.smtpAddress,
        { method: 'DELETE', url: `/subscriptions/${encodeURIComponent(id)}` },
        [404],
      );
    }
  }

  testConnection(mailbox: MailboxAddress): Promise<ConnectionTestStep[]> {
    return testGraphConnection({
      token: () => this.tokens.token(),
      call: async (url) => {
        await this.client.call(mailbox.smtpAddress, { method: 'GET', url: `${await this.user(mailbox)}${url}` });
      },
    });
  }

  async close(): Promise<void> {
    this.http.close();
  }
}
