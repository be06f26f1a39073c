import { listen } from '../common/http.js';
import { logger } from '../common/logger.js';
import { dualProtocolServer, selfSignedCertificate } from '../common/tls.js';
import { GraphApi } from './api.js';
import { Attachments } from './attachments.js';
import { TokenService } from './auth.js';
import { setAccessPolicyDenial, type ControlDeps } from './control.js';
import { FaultQueue, type Fault } from './faults.js';
import { exportMailbox, importMailbox, type PortableMailbox } from './portable.js';
import { createRequestHandler } from './server.js';
import { GraphStore } from './store.js';
import { Subscriptions, type DeliveryRecord, type LifecycleEvent } from './subscriptions.js';
import { Throttle, type Budget, type ThrottleStats } from './throttling.js';

export const DEFAULT_GRAPH_EMULATOR_PORT = 8092;
export const DEFAULT_MAILBOXES = ['alice@demo.example', 'bob@demo.example'];
/** Tenant id the emulator puts into tokens and notifications. */
export const EMULATOR_TENANT_ID = '6f1c2a3b-0d4e-4f5a-9b8c-7d6e5f4a3b2c';

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

/** The emulated tenant: mailboxes, throttling, subscriptions, tokens, uploads, faults and latency. */
interface GraphSystem {
  store: GraphStore;
  throttle: Throttle;
  subscriptions: Subscriptions;
  tokens: TokenService;
  attachments: Attachments;
  faults: FaultQueue;
  /** Added to every Graph call (settable while running). */
  latency: { ms: number };
  reset(): void;
}

export async function startGraphEmulator(options: GraphEmulatorOptions = {}): Promise<GraphEmulator> {
  const host = options.host ?? '127.0.0.1';
  const endpoint = { port: 0 };
  const origin = (secure: boolean): string => `${secure ? 'https' : 'http'}://${host}:${endpoint.port}`;
  const system = await createSystem(options, () => origin(true));
  const handler = createRequestHandler({
    api: createApi(system),
    tokens: system.tokens,
    attachments: system.attachments,
    control: controlDeps(system),
    log: logger.child({ module: 'graph-emulator' }),
    logRequests: options.log === true,
    origin,
  });
  const tls = await selfSignedCertificate();
  const dual = dualProtocolServer((req, res) => void handler(req, res), tls);
  endpoint.port = await listen(dual.server, options.port ?? DEFAULT_GRAPH_EMULATOR_PORT, host);
  return {
    ...createControls(system),
    url: origin(false),
    httpsUrl: origin(true),
    port: endpoint.port,
    caCertificatePem: tls.cert,
    tenantId: EMULATOR_TENANT_ID,
    close: async () => {
      system.subscriptions.close();
      await dual.close();
    },
  };
}

async function createSystem(options: GraphEmulatorOptions, issuerBase: () => string): Promise<GraphSystem> {
  // Internally waits are divided by a speed-up factor.
  const timeScale = 1 / (options.timeScale ?? 1);
  const store = new GraphStore(options.mailboxes ?? DEFAULT_MAILBOXES);
  for (const m of DEFAULT_MAILBOXES) store.addMailbox(m);
  for (const [smtp, upn] of Object.entries(options.userPrincipalNames ?? {})) store.setUserPrincipalName(smtp, upn);
  const throttle = new Throttle(
    {
      perMailboxPer10Min: options.requestBudget?.perMailboxPer10Min ?? 10_000,
      concurrentPerMailbox: options.requestBudget?.concurrentPerMailbox ?? 4,
    },
    timeScale,
  );
  const subscriptions = new Subscriptions(store, EMULATOR_TENANT_ID, timeScale);
  const tokens = new TokenService(issuerBase);
  await tokens.init();
  const attachments = new Attachments();
  const faults = new FaultQueue();
  const reset = (): void => {
    store.reset();
    throttle.reset();
    subscriptions.reset();
    attachments.reset();
    faults.clear();
  };
  return {
    store,
    throttle,
    subscriptions,
    tokens,
    attachments,
    faults,
    latency: { ms: options.latencyMs ?? 0 },
    reset,
  };
}

function createApi(system: GraphSystem): GraphApi {
  const { store, throttle, subscriptions, attachments, faults, latency } = system;
  return new GraphApi({
    store,
    throttle,
    subscriptions,
    attachments,
    takeFault: (mailbox) => faults.take(mailbox),
    latencyMs: () => latency.ms,
  });
}

function controlDeps(system: GraphSystem): ControlDeps {
  const { store, throttle, subscriptions, tokens, faults } = system;
  return {
    store,
    throttle,
    subscriptions,
    tokens,
    faults,
    setLatency: (ms) => {
      system.latency.ms = ms;
    },
    resetAll: system.reset,
  };
}

/** The emulator's typed controls (the control API's counterparts, for tests in the same process). */
function createControls(
  system: GraphSystem,
): Omit<GraphEmulator, 'url' | 'httpsUrl' | 'port' | 'caCertificatePem' | 'tenantId' | 'close'> {
  const { store, throttle, subscriptions, tokens, faults } = system;
  return {
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
      faults.add({ count: 1, status: 503, code: 'ServiceUnavailable', message: 'Injected fault', ...fault }),
    setBudget: (budget) => {
      throttle.budget = { ...throttle.budget, ...budget };
    },
    setLatency: (ms) => {
      system.latency.ms = ms;
    },
    setRoles: (roles) => {
      tokens.roles = roles;
    },
    denyMailbox: (smtp, reason) => {
      const mailbox = store.bySmtp(smtp);
      if (mailbox) setAccessPolicyDenial(mailbox, reason === 'policy');
    },
    setUserPrincipalName: (smtp, upn) => store.setUserPrincipalName(smtp, upn),
    objectIdOf: (smtp) => store.bySmtp(smtp)?.id,
    exportMailbox: (smtp) => exportMailbox(store, smtp),
    importMailbox: (smtp, items) => importMailbox(store, smtp, items),
    reset: system.reset,
  };
}
