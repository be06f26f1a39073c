import { tracingChannel } from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type {
  ErrorRequestHandler,
  Express,
  IRoute,
  NextFunction,
  Request,
  RequestHandler,
  Response,
  Router,
} from 'express';
import finalhandler from 'finalhandler';
import { TandemError } from '../errors/tandem-error.js';

/**
 * A fast dispatch for the ingestion POSTs (POST /s4/events, POST /ews/notifications/{token}).
 *
 * Express finds a request's handlers by walking every layer of the app in order, matching the path
 * of each middleware, router and route against it (path-to-regexp, URL parsing, prefix trimming,
 * parameter processing) — about a tenth of the web's CPU per ingestion request, for answers that
 * always end in the same one route. A hot post runs instead, for the canonical spelling of its
 * path only, exactly what Express would run: the app's leading middleware (request context,
 * security headers), the route's handlers, and on failure the app's error handler, with the same
 * request and response objects (Express's prototypes, `req.route`, `req.params`, `res.locals`)
 * and the same rules for calling them (a returned promise that rejects is a failure). Every other
 * request, and these paths spelled any other way (query string, trailing slash, other case, an
 * escaped or unusual token), go through Express unchanged.
 *
 * A hot post must be the first match for its path in the app (no earlier router or route handles
 * POST on it) and its last handler must answer or fail: a chain that falls through answers 404 as
 * the app's own not-found layer would, without visiting later routers.
 * test/integration/ingestion/hot-routes.test.ts sends the same requests both ways and compares the
 * answers byte for byte.
 */

/** A POST route of a router that createApp may also dispatch directly. */
export interface HotPost {
  /** The route's path: a literal, optionally ending in one `/:name` segment. */
  path: string;
  /** The Route Express itself dispatches to (what handlers read as `req.route`). */
  route: IRoute;
  handlers: RequestHandler[];
}

const HOT_POSTS = Symbol('tandem.hotPosts');
type WithHotPosts = { [HOT_POSTS]?: HotPost[] };

/** `router.post(path, ...handlers)`, and offers the route to createApp's fast dispatch. */
export function hotPost(router: Router, path: string, ...handlers: RequestHandler[]): void {
  if (!/^(\/[A-Za-z0-9_-]+)+(\/:[A-Za-z_][A-Za-z0-9_]*)?$/.test(path))
    throw new TandemError(
      'INTERNAL',
      `A hot post path is literal segments and at most one last parameter, not ${path}`,
    );
  const route = router.route(path);
  route.post(...handlers);
  const owner = router as WithHotPosts;
  (owner[HOT_POSTS] ??= []).push({ path, route, handlers });
}

/** The hot posts registered on these routers, in order. */
export function hotPostsOf(routers: readonly unknown[]): HotPost[] {
  return routers.flatMap((router) => (router as WithHotPosts)[HOT_POSTS] ?? []);
}

/**
 * Express's per-handler tracing (router ≥ 2.3, diagnostics channel `express.router.request`): with
 * a subscriber (an APM agent), every request goes through Express so that its traces are complete.
 */
const routerTracing = tracingChannel('express.router.request');
function routerTraced(): boolean {
  return (
    routerTracing.start.hasSubscribers ||
    routerTracing.end.hasSubscribers ||
    routerTracing.asyncStart.hasSubscribers ||
    routerTracing.asyncEnd.hasSubscribers ||
    routerTracing.error.hasSubscribers
  );
}

/**
 * A parameter value taken as is: unreserved URL characters only, so Express's percent-decoding
 * would not change it (and cannot fail on it). The EWS callback token is base64url.
 */
const PLAIN_SEGMENT = /^[A-Za-z0-9_-]{1,512}$/;

interface Compiled {
  post: HotPost;
  /** Path up to the parameter (with its slash), or the whole path. */
  prefix: string;
  param: string | undefined;
  chain: RequestHandler[];
}

type Handle = (req: IncomingMessage, res: ServerResponse, callback?: NextFunction) => void;

export interface HotDispatchOptions {
  /** The app's middleware that runs before any route (in app.use order). */
  before: RequestHandler[];
  posts: HotPost[];
  /** The app's error handler (the last layer). */
  onError: ErrorRequestHandler;
}

/** Makes `app` dispatch the canonical requests of `posts` directly (see the module comment). */
export function dispatchHotPosts(app: Express, options: HotDispatchOptions): void {
  if (options.posts.length === 0) return;
  const exact = new Map<string, Compiled>();
  const byPrefix: Compiled[] = [];
  for (const post of options.posts) {
    const colon = post.path.lastIndexOf('/:');
    const compiled: Compiled = {
      post,
      prefix: colon < 0 ? post.path : post.path.slice(0, colon + 1),
      param: colon < 0 ? undefined : post.path.slice(colon + 2),
      chain: [...options.before, ...post.handlers],
    };
    if (compiled.param === undefined) exact.set(compiled.prefix, compiled);
    else byPrefix.push(compiled);
  }

  function find(url: string): { target: Compiled; params: Record<string, string> } | undefined {
    const literal = exact.get(url);
    if (literal) return { target: literal, params: {} };
    for (const target of byPrefix) {
      if (!url.startsWith(target.prefix)) continue;
      const value = url.slice(target.prefix.length);
      if (PLAIN_SEGMENT.test(value)) return { target, params: { [target.param!]: value } };
    }
    return undefined;
  }

  const owner = app as unknown as { handle: Handle };
  const expressHandle = owner.handle;
  owner.handle = function handle(this: Express, req, res, callback) {
    // Only the app as the server's listener (no callback: it is not mounted inside another app).
    const found = callback === undefined && req.method === 'POST' && !routerTraced() ? find(req.url ?? '') : undefined;
    if (!found) {
      expressHandle.call(this, req, res, callback);
      return;
    }
    run(this, found.target, found.params, req as Request, res as Response, options.onError);
  };
}

/** What app.handle and the router set up before the first handler runs, then the chain. */
function run(
  app: Express,
  target: Compiled,
  params: Record<string, string>,
  req: Request,
  res: Response,
  onError: ErrorRequestHandler,
): void {
  if (app.enabled('x-powered-by')) res.setHeader('X-Powered-By', 'Express');
  req.res = res;
  res.req = req;
  Object.setPrototypeOf(req, app.request);
  Object.setPrototypeOf(res, app.response);
  // As app.handle does (a mounting app may have set them).
  if (!res.locals) res.locals = Object.create(null) as Record<string, unknown>;
  req.baseUrl = '';
  req.originalUrl = req.originalUrl || req.url;
  req.params = params;
  req.route = target.post.route;

  const chain = target.chain;
  let index = 0;
  const next: NextFunction = (error?: unknown) => {
    const routing = error === 'route' || error === 'router';
    if (error !== undefined && error !== null && !routing) {
      fail(app, req, res, error, onError);
      return;
    }
    const handler = !routing && index < chain.length ? chain[index++]! : undefined;
    if (!handler) {
      // Falls through (a programming error; so does next('route') or next('router')): answered as
      // the app's not-found layer answers, without visiting the app's later routers.
      fail(app, req, res, new TandemError('NOT_FOUND', `No route for ${req.method} ${req.path}`), onError);
      return;
    }
    invoke(() => handler(req, res, next), next);
  };
  req.next = next;
  next();
}

/** The error handler, then Express's final handler for what it passes on (as the router does). */
function fail(app: Express, req: Request, res: Response, error: unknown, onError: ErrorRequestHandler): void {
  const done = (after?: unknown) =>
    finalhandler(req, res, {
      env: app.get('env') as string,
      // Express's own logerror.
      onerror: (err: unknown) => {
        if (app.get('env') !== 'test') console.error(err);
      },
    })(after === 'route' || after === 'router' ? undefined : after);
  invoke(
    () => onError(error, req, res, done),
    (thrown) => done(thrown),
  );
}

/** Calls a handler as the router's Layer does: a throw or a rejected promise becomes next(error). */
function invoke(call: () => unknown, next: (error: unknown) => void): void {
  try {
    const returned = call();
    if (isPromise(returned)) returned.then(undefined, (error: unknown) => next(error || new Error('Rejected promise')));
  } catch (error) {
    next(error);
  }
}

function isPromise(value: unknown): value is PromiseLike<unknown> {
  return (
    !!value &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
