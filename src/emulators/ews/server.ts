import type { IncomingMessage, ServerResponse } from 'node:http';
import { child, childText, path, parseXml, NS, XmlRejected, type XNode } from './xml.js';
import { envelope, faultEnvelope, ItemError, operationResponse, responseMessage, SoapFault } from './soap.js';
import { authenticate, tokenRequestSchema, type AuthConfig, type Principal, type TokenIssuer } from './auth.js';
import type { EwsStore, Mailbox } from './store.js';
import type { PushManager } from './push.js';
import type { Throttle } from './throttling.js';
import type { FaultInjector } from './faults.js';
import type { OpContext } from './context.js';
import type { Logger } from '../common/logger.js';
import { createItem, deleteItem, getItem, updateItem } from './operations/items.js';
import { findItem } from './operations/find-item.js';
import { createFolder, findFolder, getFolder } from './operations/folders.js';
import { createAttachment, deleteAttachment, getAttachment } from './operations/attachments.js';
import { syncFolderItems } from './operations/sync.js';
import { subscribe, unsubscribe } from './operations/subscriptions.js';

/** Request size limit for SOAP and token requests (Exchange Online's EWS limit is in this range). */
export const MAX_REQUEST_BYTES = 10 * 1024 * 1024;

const OPERATIONS: Record<string, (ctx: OpContext) => string> = {
  CreateItem: createItem,
  GetItem: getItem,
  UpdateItem: updateItem,
  DeleteItem: deleteItem,
  FindItem: findItem,
  GetFolder: getFolder,
  FindFolder: findFolder,
  CreateFolder: createFolder,
  CreateAttachment: createAttachment,
  GetAttachment: getAttachment,
  DeleteAttachment: deleteAttachment,
  SyncFolderItems: syncFolderItems,
  Subscribe: subscribe,
  Unsubscribe: unsubscribe,
};

export interface ServerDeps {
  store: EwsStore;
  push: PushManager;
  throttle: Throttle;
  faults: FaultInjector;
  auth: AuthConfig;
  issuer: TokenIssuer;
  log: Logger;
  baseUrl: () => string;
  httpsBaseUrl: () => string;
  admin: (req: IncomingMessage, res: ServerResponse, body: string) => Promise<void>;
  /** Counts of handled operations (inspection). */
  calls: Map<string, number>;
}

class TooLarge extends Error {}

export function readBody(req: IncomingMessage, limit = MAX_REQUEST_BYTES): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > limit) {
      reject(new TooLarge());
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new TooLarge());
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(
  res: ServerResponse,
  status: number,
  body: string,
  type = 'text/xml; charset=utf-8',
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, JSON.stringify(value), 'application/json; charset=utf-8');
}

function sendFault(res: ServerResponse, fault: SoapFault): void {
  send(res, fault.httpStatus, faultEnvelope(fault.code, fault.message, fault.messageXml));
}

export function createRequestHandler(deps: ServerDeps) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://emulator');
    let body = '';
    try {
      if (req.method === 'POST' || req.method === 'PUT' || req.method === 'DELETE') body = await readBody(req);
    } catch (e) {
      if (e instanceof TooLarge) return send(res, 413, 'Request entity too large', 'text/plain');
      return send(res, 400, 'Bad request', 'text/plain');
    }
    try {
      if (url.pathname.startsWith('/_emulator/')) return await deps.admin(req, res, body);
      if (url.pathname.toLowerCase() === '/ews/exchange.asmx') {
        if (req.method !== 'POST') return send(res, 405, 'Method not allowed', 'text/plain', { allow: 'POST' });
        return await handleEws(deps, req, res, body);
      }
      const token = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
      if (token && req.method === 'POST') return await handleToken(deps, res, token[1] ?? '', body);
      const oidc = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(url.pathname);
      if (oidc && req.method === 'GET')
        return sendJson(res, 200, openIdConfiguration(deps.httpsBaseUrl(), oidc[1] ?? ''));
      const keys = /^\/([^/]+)\/discovery\/v2\.0\/keys$/.exec(url.pathname);
      if (keys && req.method === 'GET') return sendJson(res, 200, { keys: [deps.issuer.jwk] });
      return send(res, 404, 'Not found', 'text/plain');
    } catch (e) {
      deps.log.error({ err: e }, 'EWS emulator request failed');
      return send(
        res,
        500,
        faultEnvelope('ErrorInternalServerError', 'An internal server error occurred. The operation failed.'),
      );
    }
  };
}

/** OpenID configuration as Microsoft identity platform serves it (the fields msal-node validates). */
function openIdConfiguration(base: string, tenant: string): Record<string, unknown> {
  return {
    issuer: `${base}/${tenant}/v2.0`,
    authorization_endpoint: `${base}/${tenant}/oauth2/v2.0/authorize`,
    token_endpoint: `${base}/${tenant}/oauth2/v2.0/token`,
    jwks_uri: `${base}/${tenant}/discovery/v2.0/keys`,
    end_session_endpoint: `${base}/${tenant}/oauth2/v2.0/logout`,
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    tenant_region_scope: 'EU',
    cloud_instance_name: 'microsoftonline.com',
  };
}

/** Client-credentials grant ("Microsoft identity platform and the OAuth 2.0 client credentials flow"). */
async function handleToken(deps: ServerDeps, res: ServerResponse, tenant: string, body: string): Promise<void> {
  const form = Object.fromEntries(new URLSearchParams(body));
  const parsed = tokenRequestSchema.safeParse(form);
  const oauthError = (status: number, error: string, description: string): void =>
    sendJson(res, status, {
      error,
      error_description: description,
      error_codes: [],
      timestamp: new Date().toISOString(),
    });
  if (!parsed.success)
    return oauthError(
      400,
      form.grant_type && form.grant_type !== 'client_credentials' ? 'unsupported_grant_type' : 'invalid_request',
      'AADSTS900144: The request body must contain grant_type, client_id, client_secret and scope.',
    );
  const client = deps.auth.clients.get(parsed.data.client_id);
  if (!client)
    return oauthError(
      400,
      'unauthorized_client',
      `AADSTS700016: Application with identifier '${parsed.data.client_id}' was not found.`,
    );
  if (client.secret !== parsed.data.client_secret)
    return oauthError(401, 'invalid_client', 'AADSTS7000215: Invalid client secret provided.');
  const scopes = parsed.data.scope.split(' ').filter((s) => s.endsWith('/.default'));
  if (scopes.length !== 1)
    return oauthError(
      400,
      'invalid_scope',
      'AADSTS1002012: The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.',
    );
  const audience = scopes[0]!.slice(0, -'/.default'.length);
  const lifetime = 3599;
  const token = await deps.issuer.issue(
    `https://sts.windows.net/${tenant}/`,
    tenant,
    parsed.data.client_id,
    audience,
    lifetime,
  );
  sendJson(res, 200, { token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: token });
}

/** The mailbox a request acts on, and whether it got there by impersonation. */
async function resolveCaller(
  deps: ServerDeps,
  principal: Principal,
  header: XNode | undefined,
): Promise<{ mailbox: Mailbox; impersonating: boolean }> {
  const sid = path(header, 'ExchangeImpersonation', 'ConnectingSID');
  if (path(header, 'ExchangeImpersonation') && !sid)
    throw new SoapFault('ErrorInvalidExchangeImpersonationHeaderData', 'The impersonation header is invalid.');
  if (sid) {
    const smtp =
      childText(sid, 'PrimarySmtpAddress') ?? childText(sid, 'SmtpAddress') ?? childText(sid, 'PrincipalName');
    if (!smtp)
      throw new SoapFault(
        'ErrorInvalidExchangeImpersonationHeaderData',
        'ConnectingSID must name the account to impersonate.',
      );
    const mbx = deps.store.getMailbox(smtp);
    // "Impersonation and EWS in Exchange": unknown account → ErrorNonExistentMailbox, missing
    // ApplicationImpersonation role → ErrorImpersonateUserDenied; both are SOAP faults (HTTP 500).
    if (!mbx) throw new SoapFault('ErrorNonExistentMailbox', 'The SMTP address has no mailbox associated with it.');
    // A role assignment limited by a management scope ("Configure impersonation") refuses the
    // mailboxes outside the scope the same way.
    if (!principal.canImpersonate || mbx.outsideImpersonationScope)
      throw new SoapFault(
        'ErrorImpersonateUserDenied',
        'The account does not have permission to impersonate the requested user.',
      );
    return { mailbox: mbx, impersonating: true };
  }
  if (principal.appOnly)
    throw new SoapFault(
      'ErrorInvalidExchangeImpersonationHeaderData',
      'ExchangeImpersonation SOAP header must be present for this type of OAuth token.',
    );
  const own = deps.store.getMailbox(principal.name);
  if (!own) throw new SoapFault('ErrorNonExistentMailbox', 'The SMTP address has no mailbox associated with it.');
  return { mailbox: own, impersonating: false };
}

/** RequestServerVersion values of the EWS schema ("RequestServerVersion", EWS reference). */
const SERVER_VERSIONS = new Set([
  'Exchange2007',
  'Exchange2007_SP1',
  'Exchange2010',
  'Exchange2010_SP1',
  'Exchange2010_SP2',
  'Exchange2013',
  'Exchange2013_SP1',
  'Exchange2015',
  'Exchange2016',
  'V2015_10_05',
  'V2016_01_06',
  'V2016_04_13',
  'V2016_07_13',
  'V2016_10_10',
  'V2017_01_07',
  'V2017_04_14',
  'V2017_07_11',
  'V2017_10_09',
  'V2018_01_08',
]);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function handleEws(deps: ServerDeps, req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
  const principal = await authenticate(req.headers.authorization, deps.auth, deps.issuer);
  if (!principal) {
    return send(res, 401, '', 'text/plain', {
      'www-authenticate': req.headers.authorization?.toLowerCase().startsWith('bearer')
        ? 'Bearer error="invalid_token"'
        : 'Basic realm="EWS emulator"',
    });
  }
  let doc: XNode;
  try {
    doc = parseXml(body);
  } catch (e) {
    if (e instanceof XmlRejected && e.kind === 'dtd') return send(res, 400, 'DTDs are not allowed', 'text/plain');
    return sendFault(
      res,
      new SoapFault('ErrorSchemaValidation', `The request failed schema validation: ${(e as Error).message}`),
    );
  }
  const soapBody = child(doc, 'Body');
  const op = soapBody?.children[0];
  if (doc.name !== 'Envelope' || doc.ns !== NS.soap || !op) {
    return sendFault(
      res,
      new SoapFault(
        'ErrorSchemaValidation',
        'The request failed schema validation: expected a SOAP 1.1 Envelope with an operation in its Body.',
      ),
    );
  }
  const requested = child(child(doc, 'Header'), 'RequestServerVersion')?.attrs.Version;
  if (requested !== undefined && !SERVER_VERSIONS.has(requested)) {
    return sendFault(res, new SoapFault('ErrorInvalidServerVersion', 'The specified server version is invalid.'));
  }
  const opName = op.name;
  deps.calls.set(opName, (deps.calls.get(opName) ?? 0) + 1);
  const injected = deps.faults.take(opName);
  if (injected) {
    if (injected.httpStatus)
      return send(res, injected.httpStatus, injected.message ?? `Injected HTTP ${injected.httpStatus}`, 'text/plain');
    const code = injected.responseCode ?? 'ErrorInternalServerError';
    const message =
      injected.message ??
      (code === 'ErrorServerBusy'
        ? 'The server cannot service this request right now. Try again later.'
        : `Injected ${code}`);
    const mx =
      injected.backOffMilliseconds !== undefined
        ? { BackOffMilliseconds: String(injected.backOffMilliseconds) }
        : code === 'ErrorServerBusy'
          ? { BackOffMilliseconds: '1000' }
          : undefined;
    if (injected.asResponseMessage)
      return send(
        res,
        200,
        envelope(
          operationResponse(opName, responseMessage(opName, { code, message, ...(mx ? { messageXml: mx } : {}) })),
        ),
      );
    return sendFault(res, new SoapFault(code, message, 500, mx));
  }
  if (!OPERATIONS[opName])
    return sendFault(
      res,
      new SoapFault(
        'ErrorInvalidRequest',
        `The request is invalid: operation ${opName} is not supported by the Tandem EWS emulator.`,
      ),
    );
  let mailbox: Mailbox;
  let impersonating: boolean;
  try {
    ({ mailbox, impersonating } = await resolveCaller(deps, principal, child(doc, 'Header')));
  } catch (e) {
    if (e instanceof SoapFault) return sendFault(res, e);
    throw e;
  }
  const backOff = deps.throttle.acquire(mailbox.smtp);
  if (backOff !== undefined) {
    // "EWS throttling in Exchange": ErrorServerBusy carries BackOffMilliseconds in MessageXml.
    return sendFault(
      res,
      new SoapFault('ErrorServerBusy', 'The server cannot service this request right now. Try again later.', 500, {
        BackOffMilliseconds: String(backOff),
      }),
    );
  }
  try {
    const latency = deps.faults.latencyFor(opName);
    if (latency > 0) await sleep(latency);
    const ctx: OpContext = {
      store: deps.store,
      push: deps.push,
      caller: { principal: principal.name, canImpersonate: principal.canImpersonate, impersonating, mailbox },
      log: deps.log,
      op,
    };
    const xml = OPERATIONS[opName]!(ctx);
    // Wire trace for debugging client interop; off unless explicitly enabled.
    if (process.env.TANDEM_EWS_EMULATOR_TRACE === '1') deps.log.info({ request: body, response: xml }, 'EWS trace');
    send(res, 200, envelope(xml));
  } catch (e) {
    if (e instanceof SoapFault) return sendFault(res, e);
    if (e instanceof ItemError) return sendFault(res, new SoapFault(e.code, e.message, 500, e.messageXml));
    throw e;
  } finally {
    deps.throttle.release(mailbox.smtp);
  }
}

export { sendJson, send };
