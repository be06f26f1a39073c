import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express, { type Request, type Response } from 'express';
import { logger } from '../common/logger.js';
import { ATTACHMENT_SERVICE, AttachmentService } from './attachments.js';
import { handleBatch } from './batch.js';
import { ODataService, type ODataResponse } from './engine.js';
import { EventOutbox, type OutboxEntry, type RetrySchedule } from './event-outbox.js';
import { FaultInjector, type Fault, type FaultInput } from './faults.js';
import { GatewayError, gatewayErrorBody } from './gateway-error.js';
import { entitySetByName, findService, SERVICES, type ServiceDef } from './model.js';
import { parentOf } from './rules.js';
import { seedDemoData } from './seed.js';
import { S4Store, type Row } from './store.js';
import { createControlRouter } from './control-api.js';
import { createUiRouter } from './ui.js';

const log = logger.child({ module: 'emulator.s4' });

export const DEFAULT_S4_EMULATOR_PORT = 8091;
export const S4_EMULATOR_USER = 'TANDEM_COMM';
export const S4_EMULATOR_PASSWORD = 'demo-password';
export const S4_EMULATOR_CLIENT = '100';
/** System id of the emulated system (appears in cookies, event source, realm). */
export const S4_EMULATOR_SID = 'S4D';
/** Request bodies above this are refused with 413 (Gateway's ICM limit is configurable; ours is fixed). */
const MAX_BODY = '5mb';
/** CSRF sessions kept; older ones expire (Gateway sessions time out too). */
const MAX_SESSIONS = 5000;

export interface S4EmulatorOptions {
  port?: number;
  host?: string;
  /** Where CloudEvents go (Tandem's POST /s4/events); no events are sent without it. */
  eventsUrl?: string;
  eventsAuth?: { username: string; password: string };
  /** Backoff of event delivery while the receiver is down (tests make it fast). */
  eventRetry?: Partial<RetrySchedule>;
  /** Seed the demo tenant's data (default true). */
  seed?: boolean;
  /**
   * Post a heartbeat now and then every this many ms, as Tandem's sender job does (default: none;
   * the control API's POST /_emulator/events/heartbeat sends one on demand).
   */
  heartbeatMs?: number;
  log?: boolean;
}

export interface S4Emulator {
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  /** Service roots, e.g. `${url}/sap/opu/odata/sap/API_BUSINESS_PARTNER`. */
  serviceUrl(
    service: 'API_BUSINESS_PARTNER' | 'OP_API_ACTIVITY_APPOINTMENT_SRV_0001' | 'ZTANDEM_TASK_SRV' | 'ZTANDEM_BP_SRV',
  ): string;
  store: S4Store;
  /** API_CV_ATTACHMENT_SRV's attachments (media entities linked to activities). */
  attachments: AttachmentService;
  outbox: EventOutbox;
  faults: FaultInjector;
  /** Entity rows of a set (internal values: dates as epoch ms). */
  list(set: string): Row[];
  /** Changes a row as if a user did it in S/4 (events are emitted). */
  modify(set: string, keys: Record<string, unknown>, changes: Record<string, unknown>): Row;
  injectFault(fault: FaultInput): Fault;
  events(): readonly OutboxEntry[];
  /** Resolves when `predicate` holds for the outbox, polling (generous default timeout). */
  waitForEvents(
    predicate: (entries: readonly OutboxEntry[]) => boolean,
    timeoutMs?: number,
  ): Promise<readonly OutboxEntry[]>;
  setEventsUrl(url: string | undefined): void;
  /** Back to the seeded state: data, faults, events, sessions. */
  reset(): void;
  close(): Promise<void>;
}

interface Session {
  token: string;
  created: number;
}

export async function startS4Emulator(options: S4EmulatorOptions = {}): Promise<S4Emulator> {
  const store = new S4Store();
  const faults = new FaultInjector();
  const outbox = new EventOutbox({
    eventsUrl: options.eventsUrl,
    eventsAuth: options.eventsAuth,
    source: `/default/sap.s4.beh/${S4_EMULATOR_SID}/${S4_EMULATOR_CLIENT}`,
    retry: options.eventRetry,
  });
  const sessions = new Map<string, Session>();
  const services = new Map(SERVICES.map((s) => [s.name, new ODataService(s, store, () => faults.hiddenProperties)]));
  const attachments = new AttachmentService(store);
  let muted = false;
  store.onCommit((changes) => {
    if (!muted) outbox.publish(changes);
  });
  const reseed = (): void => {
    muted = true;
    try {
      store.clear();
      attachments.clear();
      if (options.seed !== false) seedDemoData(store);
    } finally {
      muted = false;
    }
  };
  reseed();

  const app = express();
  app.disable('x-powered-by');
  if (options.log)
    app.use((req, _res, next) => {
      log.info({ method: req.method, url: req.originalUrl }, 's4 emulator request');
      next();
    });

  const emulator: Omit<S4Emulator, 'url' | 'port' | 'close' | 'serviceUrl'> = {
    store,
    attachments,
    outbox,
    faults,
    list: (set) => store.list(set),
    modify: (set, keys, changes) =>
      store.transaction(() => {
        const found = store.get(set, keys);
        if (!found) throw new Error(`No ${set} row with keys ${JSON.stringify(keys)}`);
        // A change moves the row's change stamp as S/4 does: an activity's LastChangeDateTime, a
        // business partner's LastChangeDate + LastChangeTime (and the internal stamp its ETag comes from).
        const stamp = (setName: string, row: Row): Row => {
          const set = entitySetByName(setName)?.set;
          if (!set?.changedAtProperty) return row;
          const now = store.nextStamp();
          const has = (name: string): boolean => set.properties.some((p) => p.name === name);
          return {
            ...row,
            [set.changedAtProperty]: now,
            ...(has('LastChangedByUser') ? { LastChangedByUser: 'EMULATOR' } : {}),
            ...(has('LastChangeDate') ? { LastChangeDate: now - (now % 86_400_000) } : {}),
            ...(has('LastChangeTime') ? { LastChangeTime: Math.floor((now % 86_400_000) / 1000) } : {}),
          };
        };
        const updated = store.replace(set, found, stamp(set, { ...found, ...changes } as Row));
        // Like an edit in the SAP GUI, a dependent's change also changes its header (ETag, event).
        const parent = parentOf(set, updated, store);
        if (parent) store.replace(parent.set, parent.row, stamp(parent.set, parent.row));
        return updated;
      }),
    injectFault: (fault) => faults.add(fault),
    events: () => outbox.list(),
    waitForEvents: async (predicate, timeoutMs = 20_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(outbox.list())) {
        if (Date.now() > deadline)
          throw new Error(
            `Timed out waiting for S/4 emulator events: ${JSON.stringify(outbox.list().map((e) => [e.event.type, e.state]))}`,
          );
        await new Promise((r) => setTimeout(r, 25));
      }
      return outbox.list();
    },
    setEventsUrl: (url) => outbox.setEventsUrl(url),
    reset: () => {
      reseed();
      faults.clear();
      outbox.clear();
      sessions.clear();
    },
  };

  app.use('/_emulator', express.json({ limit: '100kb' }), createControlRouter(emulator as S4Emulator));
  app.use('/ui', express.urlencoded({ extended: false, limit: '100kb' }), createUiRouter(services, store));
  app.get('/', (_req, res) => {
    res.redirect('/ui');
  });

  app.use(
    '/sap/opu/odata/sap',
    express.raw({ type: () => true, limit: MAX_BODY }),
    async (req: Request, res: Response) => {
      const method = (
        req.method === 'POST' && typeof req.headers['x-http-method'] === 'string'
          ? req.headers['x-http-method']
          : req.method
      ).toUpperCase();
      const [servicePart = '', ...restParts] = req.path.replace(/^\//, '').split('/');
      const service = findService(servicePart);
      if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
      const fault = faults.take(method, req.path, decodedQuery(req.originalUrl));
      if (fault)
        return sendError(
          res,
          new GatewayError(
            fault.status,
            fault.code,
            fault.message,
            fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {},
          ),
          service,
        );

      const user = authenticate(req);
      if (!user) {
        res
          .status(401)
          .set(
            'www-authenticate',
            `Basic realm="SAP NetWeaver Application Server [${S4_EMULATOR_SID}/${S4_EMULATOR_CLIENT}]"`,
          )
          .type('text/html')
          .send('<html><body><h1>Logon failed</h1></body></html>');
        return;
      }
      const client =
        (typeof req.query['sap-client'] === 'string' ? req.query['sap-client'] : undefined) ??
        headerValue(req, 'sap-client');
      if (client !== undefined && client !== S4_EMULATOR_CLIENT) {
        // A logon to a client that does not exist fails at the ICF logon, before Gateway: 401.
        res
          .status(401)
          .type('text/html')
          .send(
            `<html><body><h1>Logon failed</h1><p>Client ${escapeHtml(client)} is not available in this system</p></body></html>`,
          );
        return;
      }

      // CSRF (SAP Gateway): a token is fetched with "x-csrf-token: Fetch" on GET/HEAD and bound to
      // the session cookie; modifying requests must send both back, or get 403 "Required".
      const csrfHeader = headerValue(req, 'x-csrf-token');
      if ((method === 'GET' || method === 'HEAD') && csrfHeader?.toLowerCase() === 'fetch') {
        const sessionId = randomBytes(24).toString('base64url');
        const token = randomBytes(18).toString('base64');
        sessions.set(sessionId, { token, created: Date.now() });
        // The Cloud SDK fetches a token per write; keep the newest sessions only (a Map iterates oldest first).
        while (sessions.size > MAX_SESSIONS) sessions.delete(sessions.keys().next().value as string);
        res.set('x-csrf-token', token);
        res.append(
          'set-cookie',
          `SAP_SESSIONID_${S4_EMULATOR_SID}_${S4_EMULATOR_CLIENT}=${sessionId}; path=/; HttpOnly`,
        );
        res.append('set-cookie', `sap-usercontext=sap-client=${S4_EMULATOR_CLIENT}; path=/`);
        if (method === 'HEAD') {
          res.status(200).end();
          return;
        }
      }
      if (!['GET', 'HEAD'].includes(method) && !validCsrf(req, csrfHeader, sessions)) {
        res.status(403).set('x-csrf-token', 'Required').type('text/plain').send('CSRF token validation failed');
        return;
      }
      if (servicePart === ATTACHMENT_SERVICE) {
        // A media-entity service: binary bodies, handled apart from the JSON entity engine.
        const rawQuery = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '';
        try {
          const response = attachments.handle({
            method,
            path: restParts.join('/'),
            query: new URLSearchParams(rawQuery),
            headers: lowerHeaders(req),
            body: Buffer.isBuffer(req.body) ? req.body : undefined,
            root: `${req.protocol}://${req.headers.host ?? 'localhost'}/sap/opu/odata/sap/${ATTACHMENT_SERVICE}`,
            user,
          });
          res.status(response.status).set(response.headers);
          if (method === 'HEAD' || response.body === undefined) res.end();
          else res.send(response.body);
        } catch (error) {
          if (error instanceof GatewayError) return sendError(res, error, undefined);
          log.error({ err: error }, 's4 emulator failed');
          return sendError(res, new GatewayError(500, '/IWBEP/CM_MGW_RT/000', 'Internal emulator error'), undefined);
        }
        return;
      }
      if (!service) {
        return sendError(
          res,
          new GatewayError(
            404,
            '/IWFND/MED/170',
            `No service found for namespace '/SAP/', name '${servicePart}', version '0001'`,
          ),
          undefined,
        );
      }
      const format = typeof req.query.$format === 'string' ? req.query.$format : undefined;
      if (format !== undefined && format !== 'json' && restParts.join('/') !== '$metadata') {
        return sendError(
          res,
          new GatewayError(
            415,
            '/IWBEP/CM_MGW_RT/051',
            `Format '${format}' is not supported by the emulator; use $format=json`,
          ),
          service,
        );
      }
      const root = `${req.protocol}://${req.headers.host ?? 'localhost'}/sap/opu/odata/sap/${service.name}`;
      const rawQuery = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '';
      const body = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : undefined;
      const engine = services.get(service.name) as ODataService;
      try {
        const subPath = restParts.join('/');
        const response: ODataResponse =
          subPath === '$batch' && method === 'POST'
            ? handleBatch(engine, store, headerValue(req, 'content-type'), body ?? '', root, user)
            : engine.handle({ method, path: subPath, query: rawQuery, headers: lowerHeaders(req), body }, root, user);
        res.status(response.status).set(response.headers);
        if (method === 'HEAD' || response.body === undefined) res.end();
        else res.send(response.body);
      } catch (error) {
        if (error instanceof GatewayError) return sendError(res, error, service);
        log.error({ err: error }, 's4 emulator failed');
        return sendError(res, new GatewayError(500, '/IWBEP/CM_MGW_RT/000', 'Internal emulator error'), service);
      }
    },
  );

  // Body parser errors (413 too large, malformed) end up here.
  app.use((error: Error & { status?: number }, _req: Request, res: Response, _next: express.NextFunction) => {
    void _next;
    sendError(res, new GatewayError(error.status ?? 500, '/IWFND/CM_BEC/000', error.message), undefined);
  });

  const host = options.host ?? '127.0.0.1';
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(options.port ?? DEFAULT_S4_EMULATOR_PORT, host, (error?: Error) =>
      error ? reject(error) : resolve(s),
    );
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  const heartbeats = options.heartbeatMs ? setInterval(() => outbox.heartbeat(), options.heartbeatMs) : undefined;
  heartbeats?.unref();
  if (heartbeats) outbox.heartbeat();
  return {
    ...emulator,
    url,
    port,
    serviceUrl: (name) => `${url}/sap/opu/odata/sap/${name}`,
    close: async () => {
      clearInterval(heartbeats);
      await outbox.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  } as S4Emulator;
}

function authenticate(req: Request): string | undefined {
  const header = req.headers.authorization;
  if (!header?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const [user, password] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
  // SAP user names are case-insensitive (stored upper case); passwords are not.
  const ok = user.toUpperCase() === S4_EMULATOR_USER && safeEqual(password, S4_EMULATOR_PASSWORD);
  return ok ? S4_EMULATOR_USER : undefined;
}

function validCsrf(req: Request, token: string | undefined, sessions: Map<string, Session>): boolean {
  if (!token || token.toLowerCase() === 'fetch') return false;
  const cookies = parseCookies(req.headers.cookie);
  const sessionId = cookies[`SAP_SESSIONID_${S4_EMULATOR_SID}_${S4_EMULATOR_CLIENT}`];
  const session = sessionId ? sessions.get(sessionId) : undefined;
  return session !== undefined && safeEqual(session.token, token);
}

function parseCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) cookies[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return cookies;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function headerValue(req: Request, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function lowerHeaders(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers))
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function sendError(res: Response, error: GatewayError, service: ServiceDef | undefined): void {
  res
    .status(error.status)
    .set(error.headers)
    .type('application/json')
    .send(JSON.stringify(gatewayErrorBody(error, service)));
}

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** The request's query string, percent-decoded (as written, for fault matching); raw if it does not decode. */
function decodedQuery(url: string): string {
  const query = url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
  try {
    return decodeURIComponent(query);
  } catch {
    return query;
  }
}
