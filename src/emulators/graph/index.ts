import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { logger } from '../common/logger.js';
import { GraphApi } from './api.js';
import { Attachments } from './attachments.js';
import { TokenService } from './auth.js';
import { handleControl, type Fault } from './control.js';
import { GraphError, type EmuResponse } from './odata.js';
import { exportMailbox, importMailbox, type PortableMailbox } from './portable.js';
import { GraphStore } from './store.js';
import { Subscriptions, type DeliveryRecord, type LifecycleEvent } from './subscriptions.js';
import { Throttle, type Budget, type ThrottleStats } from './throttle.js';
import { dualProtocolServer, selfSignedCertificate } from '../common/tls.js';

export { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, GRAPH_SCOPE } from './auth.js';
export type { PortableMailbox } from './portable.js';

export const DEFAULT_GRAPH_EMULATOR_PORT = 8092;
export const DEFAULT_MAILBOXES = ['alice@demo.example', 'bob@demo.example'];
/** Tenant id the emulator puts into tokens and notifications. */
export const EMULATOR_TENANT_ID = '6f1c2a3b-0d4e-4f5a-9b8c-7d6e5f4a3b2c';
/** Largest request body accepted (Graph's own limit for JSON bodies is 4 MB; upload chunks are smaller). */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

export interface GraphEmulatorOptions {
  port?: number;
  host?: string;
  mailboxes?: string[];
  /**
   * Multiplies every wait the emulator schedules (the 10-minute budget window, subscription expiry,
   * retry backoff): 0.01 = 100× faster. The same meaning as the EWS emulator's option.
   */
  timeScale?: number;
  log?: boolean;
  requestBudget?: Partial<Budget>;
  /** Artificial latency per Graph call, so concurrency can be observed. */
  latencyMs?: number;
  /** SMTP address → user principal name, for mailboxes whose UPN is not their SMTP address. */
  userPrincipalNames?: Record<string, string>;
}

export interface GraphEmulator {
  /** http://127.0.0.1:PORT (the same port also speaks https, see httpsUrl). */
  url: string;
  httpsUrl: string;
  port: number;
  caCertificatePem: string;
  tenantId: string;
  close(): Promise<void>;
  stats(): Record<string, ThrottleStats>;
  deliveries(): DeliveryRecord[];
  subscriptions(): Array<{ id: string; resource: string; expirationDateTime: string; clientState?: string }>;
  expireDeltaTokens(smtp: string): void;
  lifecycle(subscriptionId: string, event: LifecycleEvent): DeliveryRecord;
  failNext(fault: Partial<Fault>): void;
  setBudget(budget: Partial<Budget>): void;
  setLatency(ms: number): void;
  setRoles(roles: string[]): void;
  denyMailbox(smtp: string, reason: 'policy' | undefined): void;
  setUserPrincipalName(smtp: string, upn: string): void;
  /** The mailbox's object id (what Graph calls the user's id). */
  objectIdOf(smtp: string): string | undefined;
  exportMailbox(smtp: string): PortableMailbox;
  importMailbox(smtp: string, items: Omit<PortableMailbox, 'smtpAddress'>): void;
  reset(): void;
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

export async function startGraphEmulator(options: GraphEmulatorOptions = {}): Promise<GraphEmulator> {
  const log = logger.child({ module: 'graph-emulator' });
  // Internally waits are divided by a speed-up factor.
  const timeScale = 1 / (options.timeScale ?? 1);
  const store = new GraphStore(options.mailboxes ?? DEFAULT_MAILBOXES);
  for (const m of DEFAULT_MAILBOXES) store.addMailbox(m);
  for (const [smtp, upn] of Object.entries(options.userPrincipalNames ?? {})) store.setUserPrincipalName(smtp, upn);
  let port = 0;
  const host = options.host ?? '127.0.0.1';
  const base = (secure: boolean): string => `${secure ? 'https' : 'http'}://${host}:${port}`;
  let latencyMs = options.latencyMs ?? 0;
  const faults: Fault[] = [];
  const throttle = new Throttle(
    {
      perMailboxPer10Min: options.requestBudget?.perMailboxPer10Min ?? 10_000,
      concurrentPerMailbox: options.requestBudget?.concurrentPerMailbox ?? 4,
    },
    timeScale,
  );
  const subscriptions = new Subscriptions(store, EMULATOR_TENANT_ID, timeScale);
  const tokens = new TokenService(() => base(true));
  await tokens.init();
  const attachments = new Attachments();
  const takeFault = (mailbox: string | undefined): GraphError | undefined => {
    const i = faults.findIndex((f) => !f.mailbox || f.mailbox.toLowerCase() === mailbox);
    const f = faults[i];
    if (!f) return undefined;
    if (--f.count <= 0) faults.splice(i, 1);
    return new GraphError(
      f.status,
      f.code,
      f.message,
      f.retryAfterSeconds !== undefined ? { 'retry-after': String(f.retryAfterSeconds) } : {},
    );
  };
  const api = new GraphApi({ store, throttle, subscriptions, attachments, takeFault, latencyMs: () => latencyMs });
  const resetAll = (): void => {
    store.reset();
    throttle.reset();
    subscriptions.reset();
    attachments.reset();
    faults.length = 0;
  };

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const secure = (req.socket as { encrypted?: boolean }).encrypted === true;
    const url = new URL(req.url ?? '/', base(secure));
    try {
      const raw = await readBody(req);
      const path = url.pathname;
      if (options.log) log.info({ method: req.method, path }, 'graph emulator request');
      const json = (): unknown => {
        if (raw.length === 0) return undefined;
        try {
          return JSON.parse(raw.toString('utf8'));
        } catch {
          throw new GraphError(400, 'BadRequest', 'Unable to read JSON request payload.');
        }
      };
      let m: RegExpExecArray | null;
      if ((m = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(path)))
        return send(res, tokens.openIdConfiguration(m[1] ?? ''));
      if ((m = /^\/([^/]+)\/discovery\/v2\.0\/keys$/.exec(path))) return send(res, tokens.jwks());
      if ((m = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(path)) && req.method === 'POST') {
        const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
        const [id, secret] = basic ? Buffer.from(basic, 'base64').toString().split(':').map(decodeURIComponent) : [];
        return send(
          res,
          await tokens.token(
            m[1] ?? '',
            new URLSearchParams(raw.toString('utf8')),
            id !== undefined ? { id, secret: secret ?? '' } : undefined,
          ),
        );
      }
      if ((m = /^\/_upload\/([^/]+)$/.exec(path)) && req.method === 'PUT')
        return send(res, attachments.put(m[1] ?? '', req.headers['content-range'], raw));
      if (path.startsWith('/_emulator'))
        return send(
          res,
          await handleControl(
            {
              store,
              throttle,
              subscriptions,
              tokens,
              faults,
              setLatency: (ms) => {
                latencyMs = ms;
              },
              resetAll,
            },
            req.method ?? 'GET',
            path,
            json(),
          ),
        );
      if (path.startsWith('/v1.0/')) {
        const roles = await tokens.verify(req.headers.authorization);
        const headers = Object.fromEntries(
          Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v ?? '')]),
        );
        return send(
          res,
          await api.handle(
            {
              method: req.method ?? 'GET',
              path: decodeURI(path.slice('/v1.0'.length)),
              query: url.searchParams,
              headers,
              body: json(),
              origin: base(secure),
            },
            roles,
          ),
        );
      }
      send(res, new GraphError(404, 'NotFound', `No route for ${path}`).toResponse());
    } catch (error) {
      if (error instanceof GraphError) return send(res, error.toResponse());
      if (error instanceof Error && error.name === 'ZodError')
        return send(res, new GraphError(400, 'BadRequest', error.message).toResponse());
      log.error({ err: error }, 'graph emulator failure');
      send(res, new GraphError(500, 'InternalServerError', (error as Error).message).toResponse());
    }
  };

  const tls = await selfSignedCertificate();
  const dual = dualProtocolServer((req, res) => void handler(req, res), tls);
  await new Promise<void>((resolve, reject) => {
    dual.server.once('error', reject);
    dual.server.listen(options.port ?? DEFAULT_GRAPH_EMULATOR_PORT, host, () => resolve());
  });
  port = (dual.server.address() as AddressInfo).port;

  return {
    url: base(false),
    httpsUrl: base(true),
    port,
    caCertificatePem: tls.cert,
    tenantId: EMULATOR_TENANT_ID,
    close: async () => {
      subscriptions.close();
      await dual.close();
    },
    stats: () => throttle.stats(),
    deliveries: () => [...subscriptions.deliveries],
    subscriptions: () =>
      [...subscriptions.active.values()].map((s) => ({
        id: s.id,
        resource: s.resource,
        expirationDateTime: new Date(s.expirationMs).toISOString(),
        ...(s.clientState ? { clientState: s.clientState } : {}),
      })),
    expireDeltaTokens: (smtp) => {
      const mailbox = store.bySmtp(smtp);
      if (mailbox) mailbox.tokenEpoch++;
    },
    lifecycle: (id, event) => subscriptions.lifecycle(id, event),
    failNext: (fault) =>
      faults.push({ count: 1, status: 503, code: 'ServiceUnavailable', message: 'Injected fault', ...fault }),
    setBudget: (budget) => {
      throttle.budget = { ...throttle.budget, ...budget };
    },
    setLatency: (ms) => {
      latencyMs = ms;
    },
    setRoles: (roles) => {
      tokens.roles = roles;
    },
    denyMailbox: (smtp, reason) => {
      const mailbox = store.bySmtp(smtp);
      if (!mailbox) return;
      if (reason === 'policy')
        mailbox.denied = {
          code: 'ErrorAccessDenied',
          message: 'Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly AccessPolicy settings.',
        };
      else delete mailbox.denied;
    },
    setUserPrincipalName: (smtp, upn) => store.setUserPrincipalName(smtp, upn),
    objectIdOf: (smtp) => store.bySmtp(smtp)?.id,
    exportMailbox: (smtp) => exportMailbox(store, smtp),
    importMailbox: (smtp, items) => importMailbox(store, smtp, items),
    reset: resetAll,
  };
}
