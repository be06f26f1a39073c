import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../common/logger.js';
import type { GraphApi } from './api.js';
import type { Attachments } from './attachments.js';
import type { TokenService } from './auth.js';
import { handleControl, type ControlDeps } from './control.js';
import { GraphError, type EmuResponse } from './odata.js';

/** Largest request body accepted (Graph's own limit for JSON bodies is 4 MB; upload chunks are smaller). */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

export interface GraphServerDeps {
  api: GraphApi;
  tokens: TokenService;
  attachments: Attachments;
  control: ControlDeps;
  log: Logger;
  logRequests: boolean;
  /** http://host:port or https://host:port, as the request came in. */
  origin: (secure: boolean) => string;
}

/** One request as the routes see it: path, query, the raw body and its JSON (parsed when asked for). */
interface Incoming {
  req: IncomingMessage;
  url: URL;
  raw: Buffer;
  json: () => unknown;
  origin: string;
}

/**
 * The emulator's HTTP side on both protocols: the identity platform's endpoints (OpenID
 * configuration, keys, token), upload sessions, the control API and Graph v1.0.
 */
export function createRequestHandler(
  deps: GraphServerDeps,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const secure = (req.socket as { encrypted?: boolean }).encrypted === true;
    const url = new URL(req.url ?? '/', deps.origin(secure));
    try {
      const raw = await readBody(req);
      if (deps.logRequests) deps.log.info({ method: req.method, path: url.pathname }, 'graph emulator request');
      send(res, await route(deps, { req, url, raw, json: () => parseJson(raw), origin: deps.origin(secure) }));
    } catch (error) {
      send(res, errorResponse(deps.log, error));
    }
  };
}

async function route(deps: GraphServerDeps, incoming: Incoming): Promise<EmuResponse> {
  const { req, url, raw } = incoming;
  const path = url.pathname;
  const identity = await identityRoute(deps.tokens, req, path, raw);
  if (identity) return identity;
  let m: RegExpExecArray | null;
  if ((m = /^\/_upload\/([^/]+)$/.exec(path)) && req.method === 'PUT')
    return deps.attachments.put(m[1] ?? '', req.headers['content-range'], raw);
  if (path.startsWith('/_emulator')) return handleControl(deps.control, req.method ?? 'GET', path, incoming.json());
  if (path.startsWith('/v1.0/')) return graphCall(deps, incoming);
  return new GraphError(404, 'NotFound', `No route for ${path}`).toResponse();
}

/** The Microsoft identity platform's endpoints msal-node calls: OpenID configuration, keys, token. */
async function identityRoute(
  tokens: TokenService,
  req: IncomingMessage,
  path: string,
  raw: Buffer,
): Promise<EmuResponse | undefined> {
  let m: RegExpExecArray | null;
  if ((m = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(path)))
    return tokens.openIdConfiguration(m[1] ?? '');
  if ((m = /^\/([^/]+)\/discovery\/v2\.0\/keys$/.exec(path))) return tokens.jwks();
  if ((m = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(path)) && req.method === 'POST') {
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const [id, secret] = basic ? Buffer.from(basic, 'base64').toString().split(':').map(decodeURIComponent) : [];
    return tokens.token(
      m[1] ?? '',
      new URLSearchParams(raw.toString('utf8')),
      id !== undefined ? { id, secret: secret ?? '' } : undefined,
    );
  }
  return undefined;
}

/** A Graph v1.0 call: the bearer token's roles, then the API. */
async function graphCall(deps: GraphServerDeps, incoming: Incoming): Promise<EmuResponse> {
  const { req, url } = incoming;
  const roles = await deps.tokens.verify(req.headers.authorization);
  const headers = Object.fromEntries(
    Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v ?? '')]),
  );
  return deps.api.handle(
    {
      method: req.method ?? 'GET',
      path: decodeURI(url.pathname.slice('/v1.0'.length)),
      query: url.searchParams,
      headers,
      body: incoming.json(),
      origin: incoming.origin,
    },
    roles,
  );
}

function parseJson(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new GraphError(400, 'BadRequest', 'Unable to read JSON request payload.');
  }
}

/** Graph's error body for a failure: GraphError as thrown, validation as 400, anything else 500 (logged). */
function errorResponse(log: Logger, error: unknown): EmuResponse {
  if (error instanceof GraphError) return error.toResponse();
  if (error instanceof Error && error.name === 'ZodError')
    return new GraphError(400, 'BadRequest', error.message).toResponse();
  log.error({ err: error }, 'graph emulator failure');
  return new GraphError(500, 'InternalServerError', (error as Error).message).toResponse();
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new GraphError(413, 'RequestEntityTooLarge', 'Request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, r: EmuResponse): void {
  const headers: Record<string, string> = { ...(r.headers ?? {}) };
  let payload: Buffer | undefined;
  if (Buffer.isBuffer(r.body)) payload = r.body;
  else if (typeof r.body === 'string') {
    payload = Buffer.from(r.body);
    headers['content-type'] ??= 'text/plain';
  } else if (r.body !== undefined) {
    payload = Buffer.from(JSON.stringify(r.body));
    headers['content-type'] ??= 'application/json; odata.metadata=minimal';
  }
  res.writeHead(r.status, { ...headers, ...(payload ? { 'content-length': String(payload.length) } : {}) });
  res.end(payload);
}
