import type { Collection, Entry, GraphStore, Json, Mailbox } from './store.js';

/** A request as the emulator's handlers see it (from the socket or from a $batch item). */
export interface EmuRequest {
  method: string;
  /** Path below /v1.0, e.g. "/users/alice@demo.example/events". */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: unknown;
  /** "https://127.0.0.1:8092" — the scheme and host the client used, for links the response contains. */
  origin: string;
}

export interface EmuResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/** A Graph error response: `{ error: { code, message } }` with the given status. */
export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toResponse(): EmuResponse {
    return {
      status: this.status,
      headers: { 'content-type': 'application/json', ...this.headers },
      body: {
        error: {
          code: this.code,
          message: this.message,
          innerError: { date: new Date().toISOString(), 'request-id': crypto.randomUUID() },
        },
      },
    };
  }
}

export interface Ctx {
  store: GraphStore;
  mailbox: Mailbox;
  req: EmuRequest;
  /** "https://127.0.0.1:8092/v1.0" — for @odata.nextLink / deltaLink. */
  apiBase: string;
  timeZone: string;
  maxPageSize?: number;
}

export function notFound(what = 'The specified object was not found in the store.'): GraphError {
  return new GraphError(404, 'ErrorItemNotFound', what);
}

export function badRequest(message: string, code = 'ErrorInvalidRequest'): GraphError {
  return new GraphError(400, code, message);
}

/** `Prefer: outlook.timezone="…", odata.maxpagesize=N` (several Prefer headers arrive comma-joined). */
export function parsePrefer(header: string | undefined): { timeZone?: string; maxPageSize?: number } {
  const result: { timeZone?: string; maxPageSize?: number } = {};
  if (!header) return result;
  const tz = /outlook\.timezone\s*=\s*"([^"]+)"/i.exec(header);
  if (tz?.[1]) result.timeZone = tz[1];
  const size = /odata\.maxpagesize\s*=\s*(\d+)/i.exec(header);
  if (size?.[1]) result.maxPageSize = Number(size[1]);
  return result;
}

export function etag(entry: Entry): string {
  return `W/"${entry.changeKey}"`;
}

/** If-Match with a stale ETag → 412 (optimistic concurrency, like Outlook's changeKey check). */
export function checkIfMatch(req: EmuRequest, entry: Entry): void {
  const ifMatch = req.headers['if-match'];
  if (!ifMatch || ifMatch === '*') return;
  const wanted = ifMatch.replace(/^W\//, '').replace(/"/g, '');
  if (wanted !== entry.changeKey) {
    throw new GraphError(
      412,
      'ErrorIrresolvableConflict',
      'The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item.',
    );
  }
}

/** `singleValueExtendedProperties/Any(ep: ep/id eq '…' and ep/value eq '…')` — the one filter Tandem needs. */
export function parseExtendedPropertyFilter(filter: string | null): { id: string; value?: string } | undefined {
  if (!filter) return undefined;
  const m =
    /^singleValueExtendedProperties\/any\(\s*(\w+)\s*:\s*\1\/id\s+eq\s+'((?:[^']|'')*)'(?:\s+and\s+\1\/value\s+eq\s+'((?:[^']|'')*)')?\s*\)$/i.exec(
      filter.trim(),
    );
  if (!m) return undefined;
  return { id: (m[2] ?? '').replace(/''/g, "'"), ...(m[3] !== undefined ? { value: m[3].replace(/''/g, "'") } : {}) };
}

/** `$filter=displayName eq '…'` on folders and lists. */
export function parseDisplayNameFilter(filter: string | null): string | undefined {
  const m = filter ? /^displayName\s+eq\s+'((?:[^']|'')*)'$/i.exec(filter.trim()) : null;
  return m?.[1]?.replace(/''/g, "'");
}

/** Which extended properties `$expand=singleValueExtendedProperties($filter=id eq '…' or id eq '…')` asks for. */
export function expandedExtendedProperties(expand: string | null): { all: boolean; ids: string[] } | undefined {
  if (!expand || !/singleValueExtendedProperties/i.test(expand)) return undefined;
  const ids = [...expand.matchAll(/id\s+eq\s+'((?:[^']|'')*)'/gi)].map((m) =>
    (m[1] ?? '').replace(/''/g, "'").toLowerCase(),
  );
  return { all: ids.length === 0, ids };
}

export function extendedPropertiesJson(entry: Entry, expand: { all: boolean; ids: string[] }): Json[] {
  return [...entry.extended.entries()]
    .filter(([key]) => expand.all || expand.ids.includes(key))
    .map(([, p]) => ({ id: p.id, value: p.value }));
}

/** Stores `singleValueExtendedProperties: [{ id, value }]` from a create or PATCH body. */
export function applyExtendedProperties(entry: Entry, body: Json): void {
  const props = body.singleValueExtendedProperties;
  if (props === undefined) return;
  if (!Array.isArray(props)) throw badRequest('singleValueExtendedProperties must be an array');
  for (const p of props as Array<{ id?: unknown; value?: unknown }>) {
    if (
      typeof p.id !== 'string' ||
      !/^(String|Integer|Boolean|SystemTime|Guid|Binary|Long|Double)\s+\{[0-9a-f-]{36}\}\s+(Name|Id)\s+\S+/i.test(p.id)
    ) {
      throw badRequest(`Invalid extended property id '${String(p.id)}'`, 'ErrorInvalidProperty');
    }
    if (p.value === null) entry.extended.delete(p.id.toLowerCase());
    else entry.extended.set(p.id.toLowerCase(), { id: p.id, value: String(p.value) });
  }
}

export function matchesExtendedFilter(entry: Entry, filter: { id: string; value?: string }): boolean {
  const prop = entry.extended.get(filter.id.toLowerCase());
  return prop !== undefined && (filter.value === undefined || prop.value === filter.value);
}

/** `$select=a,b` — keeps id and etag, like Graph does. */
export function applySelect(obj: Json, select: string | null): Json {
  if (!select) return obj;
  const keep = new Set(
    select
      .split(',')
      .map((s) => s.trim())
      .concat(['id', '@odata.etag', '@odata.type', 'singleValueExtendedProperties', 'extensions']),
  );
  return Object.fromEntries(Object.entries(obj).filter(([k]) => keep.has(k)));
}

/** A page of a plain collection with `$top`/`$skip` and `@odata.nextLink`. */
export function pageOf(ctx: Ctx, items: Json[]): Json {
  const top = Math.min(Number(ctx.req.query.get('$top') ?? ctx.maxPageSize ?? 10), 1000);
  const skip = Number(ctx.req.query.get('$skip') ?? 0);
  const value = items.slice(skip, skip + top);
  const result: Json = { value };
  if (skip + top < items.length) {
    const q = new URLSearchParams(ctx.req.query);
    q.set('$skip', String(skip + top));
    q.set('$top', String(top));
    result['@odata.nextLink'] = `${ctx.apiBase}${ctx.req.path}?${q.toString()}`;
  }
  return result;
}

interface DeltaState {
  k: string;
  lo: number;
  hi: number;
  after: number;
  ws?: number;
  we?: number;
  e: number;
}

function encodeState(state: object): string {
  return Buffer.from(JSON.stringify(state)).toString('base64url');
}

function decodeState(token: string, mailbox: Mailbox, key: string): DeltaState {
  let state: DeltaState;
  try {
    state = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as DeltaState;
  } catch {
    state = { k: '', lo: 0, hi: 0, after: 0, e: -1 };
  }
  if (state.k !== key || state.e !== mailbox.tokenEpoch) {
    // Graph answers an expired or foreign state token with 410 Gone, code syncStateNotFound
    // (learn.microsoft.com/graph/delta-query-overview, "Synchronization reset").
    throw new GraphError(
      410,
      'syncStateNotFound',
      'The sync state generation is not found. Restart the synchronization without a token.',
    );
  }
  return state;
}

/** One change a delta round reports: a live entry (created or changed) or a deleted one. */
export type DeltaChange = { seq: number; entry: Entry; removed: boolean };

/** `{ id, "@removed": { reason } }` — how a delta response names an item that left the result set. */
export function removedRow(id: string): Json {
  return { id, '@removed': { reason: 'deleted' } };
}

/**
 * Delta query over a collection: pages (`@odata.nextLink` with `$skiptoken`) up to the change
 * sequence seen when the round started, then `@odata.deltaLink` with a `$deltatoken` that starts
 * the next round there. Items changed mid-round fall into the next round, never out of both.
 * `rows` turns one change into the rows it reports (an event series reports its instances);
 * `since` is the change sequence the round started from (undefined in the initial round, which
 * reports no removals).
 */
export function deltaPage(
  ctx: Ctx,
  collection: Collection,
  opts: {
    rows?: (change: DeltaChange, window: { ws: number; we: number } | undefined, since: number | undefined) => Json[];
    toJson: (entry: Entry) => Json;
    window?: { ws: number; we: number };
  },
): Json {
  const q = ctx.req.query;
  const skip = q.get('$skiptoken');
  const delta = q.get('$deltatoken');
  let state: DeltaState;
  if (skip) state = decodeState(skip, ctx.mailbox, collection.key);
  else if (delta) {
    const d = decodeState(delta, ctx.mailbox, collection.key);
    state = { ...d, hi: ctx.mailbox.currentSeq, after: d.lo };
  } else {
    state = {
      k: collection.key,
      lo: 0,
      hi: ctx.mailbox.currentSeq,
      after: 0,
      e: ctx.mailbox.tokenEpoch,
      ...(opts.window ?? {}),
    };
  }
  const size = Math.max(1, Math.min(ctx.maxPageSize ?? 100, 1000));
  const tracked = state.lo > 0;
  const changes: DeltaChange[] = [];
  for (const entry of collection.entries.values())
    if (entry.seq > state.after && entry.seq <= state.hi) changes.push({ seq: entry.seq, entry, removed: false });
  if (tracked) {
    for (const t of collection.tombstones)
      if (t.seq > state.after && t.seq <= state.hi) changes.push({ seq: t.seq, entry: t.entry, removed: true });
  }
  changes.sort((a, b) => a.seq - b.seq);
  const pageChanges = changes.slice(0, size);
  const window = state.ws !== undefined && state.we !== undefined ? { ws: state.ws, we: state.we } : undefined;
  const rows =
    opts.rows ?? ((c: DeltaChange): Json[] => (c.removed ? [removedRow(c.entry.id)] : [opts.toJson(c.entry)]));
  const value: Json[] = [];
  const seen = new Set<string>();
  for (const c of pageChanges) {
    for (const row of rows(c, window, tracked ? state.lo : undefined)) {
      if (seen.has(String(row.id))) continue;
      seen.add(String(row.id));
      value.push(row);
    }
  }
  const link = `${ctx.apiBase}${ctx.req.path}`;
  if (changes.length > size) {
    const next = { ...state, after: pageChanges.at(-1)?.seq ?? state.after };
    return { value, '@odata.nextLink': `${link}?$skiptoken=${encodeState(next)}` };
  }
  const nextRound = { k: state.k, lo: state.hi || 0.5, ws: state.ws, we: state.we, e: state.e };
  return { value, '@odata.deltaLink': `${link}?$deltatoken=${encodeState(nextRound)}` };
}
