import { randomBytes, timingSafeEqual } from 'node:crypto';
import express, { type Request, type Response } from 'express';
import { logger } from '../common/logger.js';
import { ATTACHMENT_SERVICE } from './attachments.js';
import { handleBatch } from './batch.js';
import type { ODataResponse, ODataService } from './engine.js';
import { createControlRouter } from './control.js';
import type { S4EmulatorControls, S4System } from './emulator.js';
import { GatewayError, gatewayErrorBody } from './gateway-error.js';
import { findService, type ServiceDef } from './model.js';
import { createUiRouter } from './ui.js';

const log = logger.child({ module: 'emulator.s4' });

export const S4_EMULATOR_USER = 'TANDEM_COMM';
export const S4_EMULATOR_PASSWORD = 'demo-password';
export const S4_EMULATOR_CLIENT = '100';
/** System id of the emulated system (appears in cookies, event source, realm). */
export const S4_EMULATOR_SID = 'S4D';
/** Request bodies above this are refused with 413 (Gateway's ICM limit is configurable; ours is fixed). */
const MAX_BODY = '5mb';
/** CSRF sessions kept; older ones expire (Gateway sessions time out too). */
const MAX_SESSIONS = 5000;

/** A CSRF session: the token fetched with the session cookie. */
export interface Session {
  token: string;
  created: number;
}

/** The emulator's HTTP side: control API, GUI, and the Gateway's OData services. */
export function createS4App(system: S4System, controls: S4EmulatorControls, logRequests: boolean): express.Express {
  const app = express();
  app.disable('x-powered-by');
  if (logRequests)
    app.use((req, _res, next) => {
      log.info({ method: req.method, url: req.originalUrl }, 's4 emulator request');
      next();
    });
  app.use('/_emulator', express.json({ limit: '100kb' }), createControlRouter(controls));
  app.use(
    '/ui',
    express.urlencoded({ extended: false, limit: '100kb' }),
    createUiRouter(system.services, system.store),
  );
  app.get('/', (_req, res) => {
    res.redirect('/ui');
  });
  app.use('/sap/opu/odata/sap', express.raw({ type: () => true, limit: MAX_BODY }), gatewayHandler(system));
  // Body parser errors (413 too large, malformed) end up here.
  app.use((error: Error & { status?: number }, _req: Request, res: Response, _next: express.NextFunction) => {
    void _next;
    sendError(res, new GatewayError(error.status ?? 500, '/IWFND/CM_BEC/000', error.message), undefined);
  });
  return app;
}

/**
 * What a request to /sap/opu/odata/sap/<service>/... passes through, in Gateway's order: injected
 * faults, the ICF logon (user, client), CSRF, then the service.
 */
function gatewayHandler(system: S4System) {
  return async (req: Request, res: Response): Promise<void> => {
    const method = effectiveMethod(req);
    const [servicePart = '', ...restParts] = req.path.replace(/^\//, '').split('/');
    const service = findService(servicePart);
    if (await injectedFault(system, req, res, method, service)) return;
    const user = logon(req, res);
    if (!user || !csrfPassed(req, res, method, system.sessions)) return;
    const subPath = restParts.join('/');
    if (servicePart === ATTACHMENT_SERVICE) return serveAttachments(system, req, res, method, subPath, user);
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
    if (format !== undefined && format !== 'json' && subPath !== '$metadata') {
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
    serveOData(system, req, res, { method, service, subPath, user });
  };
}

/** The method Gateway acts on: POST with X-HTTP-Method tunnels MERGE, PUT and DELETE. */
function effectiveMethod(req: Request): string {
  return (
    req.method === 'POST' && typeof req.headers['x-http-method'] === 'string'
      ? req.headers['x-http-method']
      : req.method
  ).toUpperCase();
}

/** Waits the injected latency, then answers with an injected fault if one matches (true: answered). */
async function injectedFault(
  system: S4System,
  req: Request,
  res: Response,
  method: string,
  service: ServiceDef | undefined,
): Promise<boolean> {
  const { faults } = system;
  if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
  const fault = faults.take(method, req.path, decodedQuery(req.originalUrl));
  if (!fault) return false;
  const headers: Record<string, string> =
    fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {};
  sendError(res, new GatewayError(fault.status, fault.code, fault.message, headers), service);
  return true;
}

/** The ICF logon: Basic credentials and an existing client, else 401 (answered; undefined). */
function logon(req: Request, res: Response): string | undefined {
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
    return undefined;
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
    return undefined;
  }
  return user;
}

/**
 * CSRF (SAP Gateway): a token is fetched with "x-csrf-token: Fetch" on GET/HEAD and bound to the
 * session cookie; modifying requests must send both back, or get 403 "Required". False when the
 * request is answered here (a HEAD fetch, a refused write).
 */
function csrfPassed(req: Request, res: Response, method: string, sessions: Map<string, Session>): boolean {
  const csrfHeader = headerValue(req, 'x-csrf-token');
  if ((method === 'GET' || method === 'HEAD') && csrfHeader?.toLowerCase() === 'fetch') {
    issueCsrfToken(res, sessions);
    if (method === 'HEAD') {
      res.status(200).end();
      return false;
    }
  }
  if (!['GET', 'HEAD'].includes(method) && !validCsrf(req, csrfHeader, sessions)) {
    res.status(403).set('x-csrf-token', 'Required').type('text/plain').send('CSRF token validation failed');
    return false;
  }
  return true;
}

function issueCsrfToken(res: Response, sessions: Map<string, Session>): void {
  const sessionId = randomBytes(24).toString('base64url');
  const token = randomBytes(18).toString('base64');
  sessions.set(sessionId, { token, created: Date.now() });
  // The Cloud SDK fetches a token per write; keep the newest sessions only (a Map iterates oldest first).
  while (sessions.size > MAX_SESSIONS) sessions.delete(sessions.keys().next().value as string);
  res.set('x-csrf-token', token);
  res.append('set-cookie', `SAP_SESSIONID_${S4_EMULATOR_SID}_${S4_EMULATOR_CLIENT}=${sessionId}; path=/; HttpOnly`);
  res.append('set-cookie', `sap-usercontext=sap-client=${S4_EMULATOR_CLIENT}; path=/`);
}

/** A media-entity service: binary bodies, handled apart from the JSON entity engine. */
function serveAttachments(
  system: S4System,
  req: Request,
  res: Response,
  method: string,
  subPath: string,
  user: string,
): void {
  try {
    const response = system.attachments.handle({
      method,
      path: subPath,
      query: new URLSearchParams(rawQuery(req)),
      headers: lowerHeaders(req),
      body: Buffer.isBuffer(req.body) ? req.body : undefined,
      root: `${req.protocol}://${req.headers.host ?? 'localhost'}/sap/opu/odata/sap/${ATTACHMENT_SERVICE}`,
      user,
    });
    res.status(response.status).set(response.headers);
    if (method === 'HEAD' || response.body === undefined) res.end();
    else res.send(response.body);
  } catch (error) {
    sendFailure(res, error, undefined);
  }
}

/** An entity service: $batch or one request through the service's OData engine. */
function serveOData(
  system: S4System,
  req: Request,
  res: Response,
  call: { method: string; service: ServiceDef; subPath: string; user: string },
): void {
  const { method, service, subPath, user } = call;
  const root = `${req.protocol}://${req.headers.host ?? 'localhost'}/sap/opu/odata/sap/${service.name}`;
  const body = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : undefined;
  const engine = system.services.get(service.name) as ODataService;
  try {
    const response: ODataResponse =
      subPath === '$batch' && method === 'POST'
        ? handleBatch(engine, system.store, headerValue(req, 'content-type'), body ?? '', root, user)
        : engine.handle({ method, path: subPath, query: rawQuery(req), headers: lowerHeaders(req), body }, root, user);
    res.status(response.status).set(response.headers);
    if (method === 'HEAD' || response.body === undefined) res.end();
    else res.send(response.body);
  } catch (error) {
    sendFailure(res, error, service);
  }
}

/** A Gateway error as Gateway sends it; anything else is logged and answered as an internal error. */
function sendFailure(res: Response, error: unknown, service: ServiceDef | undefined): void {
  if (error instanceof GatewayError) return sendError(res, error, service);
  log.error({ err: error }, 's4 emulator failed');
  sendError(res, new GatewayError(500, '/IWBEP/CM_MGW_RT/000', 'Internal emulator error'), service);
}

/** The request's query string as sent (not decoded). */
function rawQuery(req: Request): string {
  return req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '';
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
