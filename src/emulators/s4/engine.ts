import { fromJson, initialValue, keyLiteral, toJson, ValueError } from './codec.js';
import { evaluate, ODataSyntaxError, parseFilter, parseKeyPredicateText, validateFilter } from './filter.js';
import { checkTaskServiceList } from './task-service-lists.js';
import { GatewayError, gatewayErrors } from './gateway-error.js';
import { renderMetadata } from './metadata.js';
import {
  entitySetByName,
  findEntitySet,
  keyProperties,
  type EntitySetDef,
  type NavigationDef,
  type ServiceDef,
} from './model.js';
import { beforeCreate, beforeUpdate, dependentsOf, parentOf, type RuleContext } from './rules.js';
import type { Row, S4Store } from './store.js';

/**
 * The OData v2 request processor of one service, independent of HTTP framing so that plain
 * requests and the parts of a $batch run through the same code.
 */

export interface ODataRequest {
  method: string;
  /** Path below the service root, without leading slash, e.g. `A_BusinessPartner('1')/to_BusinessPartnerAddress`. */
  path: string;
  /** Raw query string without '?'. */
  query: string;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: string | undefined;
}

export interface ODataResponse {
  status: number;
  headers: Record<string, string>;
  body?: string;
}

interface Target {
  set: EntitySetDef;
  /** The single entity addressed (Set(keys) or a to-one navigation). */
  row?: Row;
  /** Rows of a collection (Set or a to-many navigation). */
  rows?: Row[];
  /** For a navigation: the parent and the navigation used (to create through it). */
  via?: { parentSet: EntitySetDef; parent: Row; nav: NavigationDef };
  count?: boolean;
}

interface ExpandTree {
  [nav: string]: ExpandTree;
}

export class ODataService {
  constructor(
    readonly service: ServiceDef,
    private readonly store: S4Store,
    /** "EntitySet.Property" names left out of $metadata (a system on an older release; see FaultInjector). */
    private readonly hiddenInMetadata: () => ReadonlySet<string> = () => new Set(),
  ) {}

  /**
   * Handles one request; business writes run inside a store transaction by the caller.
   * `backend`: the browser page acting as the SAP GUI (see RuleContext.backend).
   */
  handle(req: ODataRequest, serviceRoot: string, user: string, backend = false): ODataResponse {
    try {
      return this.dispatch(req, serviceRoot, { store: this.store, user, backend });
    } catch (error) {
      throw toGatewayError(error);
    }
  }

  private dispatch(req: ODataRequest, root: string, ctx: RuleContext): ODataResponse {
    const method = req.method.toUpperCase();
    const path = req.path.replace(/\/+$/, '');
    const params = parseQuery(req.query);
    if (path === '') {
      if (method !== 'GET' && method !== 'HEAD') throw gatewayErrors.methodNotAllowed(method);
      return json(200, { d: { EntitySets: this.service.entitySets.map((s) => s.name) } });
    }
    if (path === '$metadata') {
      const hidden = this.hiddenInMetadata();
      const service =
        hidden.size === 0
          ? this.service
          : {
              ...this.service,
              entitySets: this.service.entitySets.map((set) => ({
                ...set,
                properties: set.properties.filter((p) => !hidden.has(`${set.name}.${p.name}`)),
              })),
            };
      return { status: 200, headers: { 'content-type': 'application/xml' }, body: renderMetadata(service) };
    }
    const target = this.resolve(path);
    switch (method) {
      case 'GET':
      case 'HEAD':
        return this.read(target, params, root);
      case 'POST':
        return this.create(target, req, root, ctx);
      case 'PUT':
      case 'MERGE':
      case 'PATCH':
        return this.update(target, req, method, ctx);
      case 'DELETE':
        return this.remove(target, req, ctx);
      default:
        throw gatewayErrors.methodNotAllowed(method);
    }
  }

  private resolve(path: string): Target {
    const segments = splitPath(path);
    const first = segments[0] as string;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:\((.*)\))?$/.exec(first);
    const set = match ? findEntitySet(this.service, match[1] as string) : undefined;
    if (!match || !set) throw gatewayErrors.notFound(first);
    // Set(keys) is one lookup; only a collection lists the table.
    let target: Target =
      match[2] !== undefined ? { set, row: this.byKey(set, match[2]) } : { set, rows: this.store.list(set.name) };
    for (const segment of segments.slice(1)) {
      if (segment === '$count' && target.rows) {
        target = { ...target, count: true };
        continue;
      }
      const nav = target.set.navigations.find((n) => n.name === segment);
      if (!nav || !target.row) throw gatewayErrors.notFound(segment);
      const targetSet = entitySetByName(nav.target)?.set as EntitySetDef;
      const related = this.related(target.row, nav);
      const via = { parentSet: target.set, parent: target.row, nav };
      target = nav.many ? { set: targetSet, rows: related, via } : { set: targetSet, row: related[0], via };
      if (!nav.many && !target.row) throw gatewayErrors.notFound(segment);
    }
    return target;
  }

  private byKey(set: EntitySetDef, predicate: string): Row {
    const keys = keyProperties(set);
    let values: Record<string, unknown>;
    try {
      values = parseKeyPredicateText(predicate);
    } catch (error) {
      throw gatewayErrors.badRequest(
        `Invalid key predicate in '${set.name}(${predicate})': ${(error as Error).message}`,
      );
    }
    if ('' in values) {
      if (keys.length !== 1) throw gatewayErrors.badRequest(`Entity set ${set.name} has ${keys.length} key properties`);
      values = { [(keys[0] as { name: string }).name]: values[''] };
    }
    for (const prop of keys) {
      if (!(prop.name in values))
        throw gatewayErrors.badRequest(`Key property ${prop.name} missing in '${set.name}(${predicate})'`);
    }
    const row = this.store.get(set.name, values);
    if (!row) throw gatewayErrors.notFound(`${set.name}(${predicate})`);
    return row;
  }

  private related(row: Row, nav: NavigationDef): Row[] {
    const [first, ...rest] = nav.join;
    const conditions = [...rest.map(([from, to]) => [to, row[from]] as const), ...Object.entries(nav.where ?? {})];
    // The first join field through the store's index, the rest checked on its (few) rows.
    const candidates = first ? this.store.where(nav.target, first[1], row[first[0]]) : this.store.list(nav.target);
    return conditions.length === 0
      ? candidates
      : candidates.filter((candidate) => conditions.every(([k, v]) => candidate[k] === v));
  }

  // ---------- reads ----------

  private read(target: Target, params: Map<string, string>, root: string): ODataResponse {
    const expand = parseExpand(params.get('$expand'), target.set);
    const select = params.get('$select');
    if (target.row) {
      const entity = this.serialize(target.set, target.row, root, expand, select);
      const etag = this.etagOf(target.set, target.row);
      return json(200, { d: entity }, etag ? { etag } : {});
    }
    let rows = target.rows ?? [];
    const filter = params.get('$filter');
    const expr = filter !== undefined && filter.trim() !== '' ? parseFilter(filter) : undefined;
    if (expr) validateFilter(expr, target.set);
    // Tandem's ZTANDEM_TASK_SRV refuses lists its ABAP data provider would refuse (task-service-lists.ts).
    if (!target.via)
      checkTaskServiceList(
        target.set.name,
        expr,
        nonNegative(params.get('$top'), '$top'),
        nonNegative(params.get('$skip'), '$skip') ?? 0,
      );
    if (expr) rows = rows.filter((row) => evaluate(expr, row) === true);
    if (target.count) return { status: 200, headers: { 'content-type': 'text/plain' }, body: String(rows.length) };
    const total = rows.length;
    rows = orderRows(rows, params.get('$orderby'), target.set);
    const skip = nonNegative(params.get('$skip'), '$skip') ?? 0;
    const top = nonNegative(params.get('$top'), '$top');
    rows = rows.slice(skip, top === undefined ? undefined : skip + top);
    const d: Record<string, unknown> = {};
    if (params.get('$inlinecount') === 'allpages') d.__count = String(total);
    d.results = rows.map((row) => this.serialize(target.set, row, root, expand, select));
    return json(200, { d });
  }

  private serialize(
    set: EntitySetDef,
    row: Row,
    root: string,
    expand: ExpandTree,
    select: string | undefined,
  ): Record<string, unknown> {
    const uri = `${root}/${this.entityPath(set, row)}`;
    const etag = this.etagOf(set, row);
    const service = entitySetByName(set.name)?.service as ServiceDef;
    const out: Record<string, unknown> = {
      __metadata: { id: uri, uri, type: `${service.namespace}.${set.typeName}`, ...(etag ? { etag } : {}) },
    };
    const selected = select ? new Set(select.split(',').map((s) => s.trim().split('/')[0] as string)) : undefined;
    if (selected) {
      for (const name of selected) {
        if (
          name !== '*' &&
          !set.properties.some((p) => p.name === name) &&
          !set.navigations.some((n) => n.name === name)
        ) {
          throw gatewayErrors.badRequest(`Property ${name} not found in type ${set.typeName}`);
        }
      }
    }
    const wants = (name: string): boolean => !selected || selected.has('*') || selected.has(name);
    for (const prop of set.properties) {
      if (wants(prop.name)) out[prop.name] = toJson(prop, row[prop.name], row.ActivityTimeZone);
    }
    for (const nav of set.navigations) {
      if (expand[nav.name]) {
        const targetSet = entitySetByName(nav.target)?.set as EntitySetDef;
        const related = this.related(row, nav).map((r) =>
          this.serialize(targetSet, r, root, expand[nav.name] as ExpandTree, undefined),
        );
        out[nav.name] = nav.many ? { results: related } : (related[0] ?? null);
      } else if (wants(nav.name)) {
        out[nav.name] = { __deferred: { uri: `${uri}/${nav.name}` } };
      }
    }
    return out;
  }

  entityPath(set: EntitySetDef, row: Record<string, unknown>): string {
    const keys = keyProperties(set);
    if (keys.length === 1)
      return `${set.name}(${keyLiteral(keys[0] as never, row[(keys[0] as { name: string }).name])})`;
    return `${set.name}(${keys.map((k) => `${k.name}=${keyLiteral(k, row[k.name])}`).join(',')})`;
  }

  /** Gateway-style weak ETag from the change timestamp, e.g. W/"datetimeoffset'2026-11-22T05%3A10%3A03.1230000Z'". */
  etagOf(set: EntitySetDef, row: Row): string | undefined {
    if (!set.changedAtProperty) return undefined;
    const stamp = (row[set.changedAtProperty] as number | null | undefined) ?? row.__changed;
    const iso = new Date(stamp).toISOString().replace('Z', '0000Z');
    return `W/"datetimeoffset'${encodeURIComponent(iso)}'"`;
  }

  // ---------- writes ----------

  private create(target: Target, req: ODataRequest, root: string, ctx: RuleContext): ODataResponse {
    if (target.row && !target.via) throw gatewayErrors.methodNotAllowed('POST');
    if (target.count) throw gatewayErrors.methodNotAllowed('POST');
    const body = parseBody(req.body);
    const inherited: Record<string, unknown> = {};
    if (target.via) {
      if (!target.via.nav.many) throw gatewayErrors.methodNotAllowed('POST');
      for (const [from, to] of target.via.nav.join) inherited[to] = target.via.parent[from];
      Object.assign(inherited, target.via.nav.where ?? {});
    }
    const created = this.store.transaction(() => this.insertDeep(target.set, body, inherited, ctx));
    const expandAll: ExpandTree = {};
    for (const nav of target.set.navigations) if (nav.name in body) expandAll[nav.name] = {};
    const entity = this.serialize(target.set, created, root, expandAll, undefined);
    const etag = this.etagOf(target.set, created);
    return json(
      201,
      { d: entity },
      { location: (entity.__metadata as { uri: string }).uri, ...(etag ? { etag } : {}) },
    );
  }

  private insertDeep(
    set: EntitySetDef,
    body: Record<string, unknown>,
    inherited: Record<string, unknown>,
    ctx: RuleContext,
  ): Row {
    if (!set.writable && !ctx.backend) throw gatewayErrors.methodNotAllowed('POST');
    const row: Record<string, unknown> = {};
    const navBodies: [NavigationDef, unknown][] = [];
    for (const [name, value] of Object.entries(body)) {
      if (name === '__metadata') continue;
      const nav = set.navigations.find((n) => n.name === name);
      if (nav) {
        navBodies.push([nav, value]);
        continue;
      }
      const prop = set.properties.find((p) => p.name === name);
      if (!prop)
        throw gatewayErrors.badRequest(
          `Property '${name}' is invalid for type ${set.typeName}`,
          '/IWBEP/CM_MGW_RT/009',
        );
      if (prop.computed) continue;
      row[name] = fromJson(prop, value);
    }
    for (const prop of set.properties) if (!(prop.name in row)) row[prop.name] = initialValue(prop);
    Object.assign(row, inherited);
    beforeCreate(set.name, row, ctx);
    if (this.store.get(set.name, row))
      throw gatewayErrors.conflict(`An entity with this key already exists in ${set.name}`);
    const stored = this.store.insert(set.name, row);
    for (const [nav, value] of navBodies) {
      const items = Array.isArray(value)
        ? value
        : ((value as { results?: unknown[] } | null)?.results ?? (value ? [value] : []));
      const targetSet = entitySetByName(nav.target)?.set as EntitySetDef;
      const childInherited: Record<string, unknown> = { ...(nav.where ?? {}) };
      for (const [from, to] of nav.join) childInherited[to] = stored[from];
      for (const item of items) {
        if (typeof item !== 'object' || item === null)
          throw gatewayErrors.badRequest(`Invalid inline entity in ${nav.name}`);
        this.insertDeep(targetSet, item as Record<string, unknown>, childInherited, ctx);
      }
    }
    const parent = parentOf(set.name, stored, this.store);
    if (parent) this.touch(parent.set, parent.row, ctx);
    return this.store.get(set.name, stored) ?? stored;
  }

  private update(target: Target, req: ODataRequest, method: string, ctx: RuleContext): ODataResponse {
    const row = target.row;
    if (!row) throw gatewayErrors.methodNotAllowed(method);
    if (!target.set.writable && !ctx.backend) throw gatewayErrors.methodNotAllowed(method);
    this.checkIfMatch(target.set, row, req.headers['if-match']);
    const body = parseBody(req.body);
    const next: Record<string, unknown> =
      method === 'PUT'
        ? Object.fromEntries(
            target.set.properties.map((p) => [
              p.name,
              p.key || p.computed || p.createOnly ? row[p.name] : initialValue(p),
            ]),
          )
        : { ...row };
    for (const [name, value] of Object.entries(body)) {
      if (name === '__metadata') continue;
      if (target.set.navigations.some((n) => n.name === name)) {
        throw gatewayErrors.badRequest(
          `Deep update is not supported ('${name}'); change dependents through their own entity set`,
        );
      }
      const prop = target.set.properties.find((p) => p.name === name);
      if (!prop)
        throw gatewayErrors.badRequest(
          `Property '${name}' is invalid for type ${target.set.typeName}`,
          '/IWBEP/CM_MGW_RT/009',
        );
      if (prop.key || prop.computed || prop.createOnly) {
        // Gateway ignores read-only fields that are sent unchanged, and rejects changes to them.
        const incoming = fromJson(prop, value);
        if (incoming !== row[prop.name] && !prop.computed) {
          throw gatewayErrors.badRequest(`Property '${name}' cannot be changed`, '/IWBEP/CM_MGW_RT/010');
        }
        continue;
      }
      next[name] = fromJson(prop, value);
    }
    const updated = this.store.transaction(() => {
      beforeUpdate(target.set.name, next, ctx);
      const stored = this.store.replace(target.set.name, row, next);
      const parent = parentOf(target.set.name, stored, this.store);
      if (parent) this.touch(parent.set, parent.row, ctx);
      return stored;
    });
    const etag = this.etagOf(target.set, updated);
    return { status: 204, headers: etag ? { etag } : {} };
  }

  private remove(target: Target, req: ODataRequest, ctx: RuleContext): ODataResponse {
    const row = target.row;
    if (!row || (!target.set.writable && !ctx.backend)) throw gatewayErrors.methodNotAllowed('DELETE');
    this.checkIfMatch(target.set, row, req.headers['if-match']);
    this.store.transaction(() => {
      this.deleteCascade(target.set.name, row);
      const parent = parentOf(target.set.name, row, this.store);
      if (parent) this.touch(parent.set, parent.row, ctx);
    });
    return { status: 204, headers: {} };
  }

  private deleteCascade(set: string, row: Row): void {
    for (const dependents of dependentsOf(set, row, this.store)) {
      for (const dependent of dependents.rows) this.deleteCascade(dependents.set, dependent);
    }
    this.store.remove(set, row);
  }

  /** A dependent changed: the header's change stamp (and so its ETag) moves. */
  private touch(setName: string, row: Row, ctx: RuleContext): void {
    const set = entitySetByName(setName)?.set as EntitySetDef;
    const next = { ...row };
    beforeUpdateStampOnly(set, next, ctx);
    this.store.replace(setName, row, next);
  }

  private checkIfMatch(set: EntitySetDef, row: Row, ifMatch: string | undefined): void {
    const etag = this.etagOf(set, row);
    if (!etag) return;
    if (ifMatch === undefined || ifMatch.trim() === '') throw gatewayErrors.preconditionRequired();
    if (ifMatch.trim() === '*') return;
    const candidates = ifMatch.split(/,(?=\s*(?:W\/)?")/).map((t) => t.trim());
    if (!candidates.includes(etag)) throw gatewayErrors.preconditionFailed();
  }
}

function beforeUpdateStampOnly(set: EntitySetDef, row: Record<string, unknown>, ctx: RuleContext): void {
  const now = ctx.store.nextStamp();
  if (set.properties.some((p) => p.name === 'LastChangeDateTime')) row.LastChangeDateTime = now;
  if (set.properties.some((p) => p.name === 'LastChangedByUser')) row.LastChangedByUser = ctx.user;
  if (set.properties.some((p) => p.name === 'LastChangeDate')) row.LastChangeDate = now - (now % 86_400_000);
  if (set.properties.some((p) => p.name === 'LastChangeTime'))
    row.LastChangeTime = Math.floor((now % 86_400_000) / 1000);
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): ODataResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(body),
  };
}

/** Splits a resource path at '/' outside parentheses and quotes (keys may contain '/'). */
function splitPath(path: string): string[] {
  const segments: string[] = [];
  let depth = 0;
  let inString = false;
  let current = '';
  for (const ch of path) {
    if (ch === "'") inString = !inString;
    if (!inString && ch === '(') depth++;
    if (!inString && ch === ')') depth--;
    if (ch === '/' && depth === 0 && !inString) {
      segments.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  segments.push(current);
  return segments.map((s) => safeDecode(s));
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw gatewayErrors.badRequest(`Malformed URI segment '${value}'`);
  }
}

/**
 * Query options, percent-decoded. A raw '+' is a space (form encoding, as ICF decodes it) except
 * where it is the sign of a time-zone offset in datetimeoffset'…+01:00' that a client left
 * unencoded; an encoded %2B is always a plus.
 */
export function parseQuery(query: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const plusAsSpace = (raw: string): string => raw.replace(/\+(?!\d{2}(?::|%3A)\d{2}(?:'|%27))/gi, ' ');
    const name = safeDecode(plusAsSpace(eq < 0 ? part : part.slice(0, eq)));
    params.set(name, eq < 0 ? '' : safeDecode(plusAsSpace(part.slice(eq + 1))));
  }
  return params;
}

function parseBody(body: string | undefined): Record<string, unknown> {
  if (body === undefined || body.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw gatewayErrors.badRequest('Malformed JSON in request body', '/IWBEP/CM_MGW_RT/004');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw gatewayErrors.badRequest('Request body must be a JSON object', '/IWBEP/CM_MGW_RT/004');
  }
  // OData v2 verbose JSON may wrap the entity in "d".
  const d = (parsed as { d?: unknown }).d;
  return (typeof d === 'object' && d !== null ? d : parsed) as Record<string, unknown>;
}

function parseExpand(value: string | undefined, set: EntitySetDef): ExpandTree {
  const tree: ExpandTree = {};
  if (!value) return tree;
  for (const path of value
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    let node = tree;
    let current: EntitySetDef = set;
    for (const segment of path.split('/')) {
      const nav = current.navigations.find((n) => n.name === segment);
      if (!nav) throw gatewayErrors.badRequest(`Navigation property ${segment} not found in type ${current.typeName}`);
      node[segment] ??= {};
      node = node[segment] as ExpandTree;
      current = entitySetByName(nav.target)?.set as EntitySetDef;
    }
  }
  return tree;
}

function orderRows(rows: Row[], orderby: string | undefined, set: EntitySetDef): Row[] {
  if (!orderby) return rows;
  const clauses = orderby.split(',').map((c) => {
    const [name, dir] = c.trim().split(/\s+/);
    if (!set.properties.some((p) => p.name === name))
      throw gatewayErrors.badRequest(`Property ${String(name)} not found in type ${set.typeName}`);
    if (dir !== undefined && dir !== 'asc' && dir !== 'desc')
      throw gatewayErrors.badRequest(`Invalid sort order '${dir}'`);
    return { name: name as string, desc: dir === 'desc' };
  });
  return [...rows].sort((a, b) => {
    for (const { name, desc } of clauses) {
      const x = a[name] as never;
      const y = b[name] as never;
      if (x === y) continue;
      const cmp = x === null ? -1 : y === null ? 1 : x < y ? -1 : 1;
      return desc ? -cmp : cmp;
    }
    return 0;
  });
}

function nonNegative(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw gatewayErrors.badRequest(`Invalid value '${value}' for ${name}`);
  return Number(value);
}

function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  if (error instanceof ODataSyntaxError) return gatewayErrors.badRequest(error.message, '/IWBEP/CM_MGW_RT/005');
  if (error instanceof ValueError) return gatewayErrors.badRequest(error.message, '/IWBEP/CM_MGW_RT/009');
  return new GatewayError(500, '/IWBEP/CM_MGW_RT/000', `Internal error: ${(error as Error)?.message ?? String(error)}`);
}
