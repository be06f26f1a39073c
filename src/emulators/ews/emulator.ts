import { z } from 'zod';
import { EmulatorConfigError } from '../common/errors.js';
import { clientHost, listen } from '../common/http.js';
import { logger, type Logger } from '../common/logger.js';
import { dualProtocolServer, selfSignedCertificate, type TlsMaterial } from '../common/tls.js';
import { EwsStore, type Mailbox } from './store.js';
import { PushManager, type Subscription } from './push.js';
import { Throttle, type ThrottlingSettings } from './throttling.js';
import { FaultInjector, type FaultRuleInput } from './faults.js';
import { TokenIssuer, defaultAuthConfig } from './auth.js';
import { createRequestHandler } from './server.js';
import { createControlHandler } from './control.js';
import { parseDateTime } from './calendar.js';
import { serialize } from './xml.js';

export const DEFAULT_EWS_EMULATOR_PORT = 8090;
export const SEED_MAILBOXES = [
  'alice@demo.example',
  'bob@demo.example',
  'limited@demo.example',
  'delegate@demo.example',
];
export const EMULATOR_CREDENTIALS = {
  serviceAccount: { username: 'svc@demo.example', password: 'demo-password' },
  limitedAccount: { username: 'limited@demo.example', password: 'demo-password' },
  /** No impersonation right: reaches other mailboxes only where they granted it FullAccess (grantFullAccess). */
  delegateAccount: { username: 'delegate@demo.example', password: 'demo-password' },
  oauthClient: {
    clientId: 'demo-client',
    clientSecret: 'demo-secret',
    scope: 'https://outlook.office365.com/.default',
  },
} as const;

export interface EwsEmulatorOptions {
  port?: number;
  host?: string;
  mailboxes?: string[];
  /** Multiplies every protocol interval (push retries, heartbeats, retention). 0.01 = 100× faster. */
  timeScale?: number;
  /** Watermark retention before scaling (default 30 days). */
  retentionMs?: number;
  log?: boolean;
}

/** A stored item in the JSON form of `/_emulator/mailboxes/{smtp}/items`. */
export interface ItemDump {
  id: string;
  changeKey: string;
  kind: string;
  folder: string;
  subject?: string;
  start?: string;
  end?: string;
  calendarItemType?: string;
  props: Record<string, string>;
  extendedProperties: string[];
  attachments: { name: string; size: number }[];
  exceptions: number[];
  deletedOccurrences: number[];
  meetingMessages: string[];
}

export interface SubscriptionDump {
  id: string;
  mailbox: string;
  url: string;
  statusFrequencyMinutes: number;
  failures: number;
  watermark: string;
  attempts: Subscription['attempts'];
}

export interface EwsEmulator {
  url: string;
  /** https:// on the same port (TLS is detected per connection). */
  httpsUrl: string;
  ewsUrl: string;
  /** The same endpoint over TLS (trust `caPem`). */
  ewsHttpsUrl: string;
  port: number;
  /** PEM of the emulator's self-signed certificate (emulator-only trust anchor). */
  caPem: string;
  timeScale: number;
  /** msal authority for a tenant: https://127.0.0.1:PORT/{tenant}. */
  authority(tenant?: string): string;
  tokenUrl(tenant?: string): string;
  store: EwsStore;
  push: PushManager;
  throttle: Throttle;
  faults: FaultInjector;
  /** Operation name → number of calls received. */
  calls: Map<string, number>;
  mailbox(smtp: string): Mailbox | undefined;
  addMailbox(smtp: string): void;
  /**
   * The FullAccess mailbox permission, as an Exchange admin grants it with
   * `Add-MailboxPermission -Identity <mailbox> -User <account> -AccessRights FullAccess` (and
   * removes it with Remove-MailboxPermission): the account may then open the mailbox as a delegate.
   */
  grantFullAccess(mailbox: string, account: string): void;
  revokeFullAccess(mailbox: string, account: string): void;
  /**
   * Puts a mailbox inside (true) or outside (false) the management scope of the service account's
   * ApplicationImpersonation role assignment; outside it, impersonation fails with
   * ErrorImpersonateUserDenied ("Configure impersonation").
   */
  setImpersonationScope(mailbox: string, included: boolean): void;
  listItems(smtp: string): ItemDump[];
  failNext(rule: FaultRuleInput): void;
  setLatency(ms: number, operation?: string): void;
  setThrottling(
    settings: Partial<Omit<ThrottlingSettings, 'budget'>> & { budget?: ThrottlingSettings['budget'] | null },
  ): void;
  subscriptions(): SubscriptionDump[];
  reset(): void;
  close(): Promise<void>;
}

const optionsSchema = z.object({
  port: z.number().int().min(0).max(65_535).optional(),
  host: z.string().min(1).optional(),
  mailboxes: z.array(z.string().email()).optional(),
  timeScale: z.number().positive().max(1000).optional(),
  retentionMs: z.number().int().positive().optional(),
  log: z.boolean().optional(),
});

/** What the control API works on: the emulator before it listens (no URLs yet). */
export type EwsEmulatorControls = Omit<
  EwsEmulator,
  'url' | 'httpsUrl' | 'ewsUrl' | 'ewsHttpsUrl' | 'port' | 'caPem' | 'timeScale' | 'authority' | 'tokenUrl' | 'close'
>;

type ParsedOptions = z.output<typeof optionsSchema>;

/** The emulated Exchange: mailboxes, push subscriptions, throttling, faults, the token issuer. */
interface EwsSystem {
  store: EwsStore;
  push: PushManager;
  throttle: Throttle;
  faults: FaultInjector;
  issuer: TokenIssuer;
  calls: Map<string, number>;
  /** The mailboxes a reset goes back to. */
  seed: string[];
  timeScale: number;
  log: Logger;
}

/**
 * Starts the EWS emulator (HTTP and HTTPS on one port). Resolves once it listens; `close()` stops
 * it and its push deliveries.
 */
export async function startEwsEmulator(input: EwsEmulatorOptions = {}): Promise<EwsEmulator> {
  const options = parseOptions(input);
  const tls = await selfSignedCertificate();
  const system = await createSystem(options, tls);
  const controls = createControls(system);
  const host = options.host ?? '127.0.0.1';
  const endpoint = { host: clientHost(host), port: 0 };
  const handler = requestHandler(system, controls, endpoint);
  const dual = dualProtocolServer((req, res) => void handler(req, res), tls);
  endpoint.port = await listen(dual.server, options.port ?? 0, host);
  const emulator: EwsEmulator = {
    ...controls,
    ...endpoints(endpoint.host, endpoint.port, tls.cert),
    timeScale: system.timeScale,
    close: async () => {
      system.push.close();
      await dual.close();
    },
  };
  system.log.info({ url: emulator.url, ewsUrl: emulator.ewsUrl }, 'EWS emulator listening');
  return emulator;
}

function parseOptions(input: EwsEmulatorOptions): ParsedOptions {
  const parsed = optionsSchema.safeParse(input);
  if (!parsed.success) {
    throw new EmulatorConfigError(
      `Invalid EWS emulator options: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}

async function createSystem(options: ParsedOptions, tls: TlsMaterial): Promise<EwsSystem> {
  const timeScale = options.timeScale ?? 1;
  const log = logger.child({ module: 'ews-emulator' });
  if (options.log === false) log.level = 'silent';
  const seed = [...SEED_MAILBOXES, ...(options.mailboxes ?? [])];
  const store = new EwsStore((options.retentionMs ?? 30 * 86_400_000) * timeScale);
  for (const m of seed) store.ensureMailbox(m);
  const push = new PushManager({ timeScale, responseTimeoutMs: 100_000 * timeScale, ca: tls.cert }, log);
  store.onEvent((mbx) => push.onEvent(mbx));
  const issuer = await TokenIssuer.create();
  return {
    store,
    push,
    throttle: new Throttle(),
    faults: new FaultInjector(),
    issuer,
    calls: new Map(),
    seed,
    timeScale,
    log,
  };
}

function requestHandler(
  system: EwsSystem,
  controls: EwsEmulatorControls,
  endpoint: { host: string; port: number },
): ReturnType<typeof createRequestHandler> {
  const { store, push, throttle, faults, issuer, log, calls } = system;
  return createRequestHandler({
    store,
    push,
    throttle,
    faults,
    auth: defaultAuthConfig(),
    issuer,
    log,
    calls,
    baseUrl: () => `http://${endpoint.host}:${endpoint.port}`,
    httpsBaseUrl: () => `https://${endpoint.host}:${endpoint.port}`,
    admin: createControlHandler(controls),
  });
}

/** The emulator's URLs on its one port (plain http and TLS), and the certificate to trust. */
function endpoints(
  host: string,
  port: number,
  caPem: string,
): Pick<EwsEmulator, 'url' | 'httpsUrl' | 'ewsUrl' | 'ewsHttpsUrl' | 'port' | 'caPem' | 'authority' | 'tokenUrl'> {
  const url = `http://${host}:${port}`;
  const httpsUrl = `https://${host}:${port}`;
  return {
    url,
    httpsUrl,
    ewsUrl: `${url}/EWS/Exchange.asmx`,
    ewsHttpsUrl: `${httpsUrl}/EWS/Exchange.asmx`,
    port,
    caPem,
    authority: (tenant = 'demo') => `${httpsUrl}/${tenant}`,
    tokenUrl: (tenant = 'demo') => `${httpsUrl}/${tenant}/oauth2/v2.0/token`,
  };
}

function createControls(system: EwsSystem): EwsEmulatorControls {
  const { store, push, throttle, faults, calls } = system;
  return {
    store,
    push,
    throttle,
    faults,
    calls,
    mailbox: (smtp) => store.getMailbox(smtp),
    addMailbox: (smtp) => void store.ensureMailbox(smtp),
    grantFullAccess: (mailbox, account) => void store.ensureMailbox(mailbox).fullAccess.add(account.toLowerCase()),
    revokeFullAccess: (mailbox, account) => void store.getMailbox(mailbox)?.fullAccess.delete(account.toLowerCase()),
    setImpersonationScope: (mailbox, included) => {
      const mbx = store.getMailbox(mailbox);
      if (mbx) mbx.outsideImpersonationScope = !included;
    },
    listItems: (smtp) => listItems(store, smtp),
    failNext: (rule) => faults.add(rule),
    setLatency: (ms, operation) => {
      faults.latency = faults.latency.filter((l) => l.operation !== operation);
      if (ms > 0) faults.latency.push({ ms, ...(operation ? { operation } : {}) });
    },
    setThrottling: (settings) => {
      throttle.settings = nextThrottling(throttle.settings, settings);
    },
    subscriptions: () => subscriptionDumps(push),
    reset: () => reset(system),
  };
}

/** New throttling settings: given fields replace the current ones; `budget: null` removes the budget. */
function nextThrottling(
  current: ThrottlingSettings,
  settings: Parameters<EwsEmulator['setThrottling']>[0],
): ThrottlingSettings {
  const { budget, ...rest } = settings;
  const next: ThrottlingSettings = { ...current };
  if (rest.maxConcurrency !== undefined) next.maxConcurrency = rest.maxConcurrency;
  if (rest.backOffMs !== undefined) next.backOffMs = rest.backOffMs;
  if (budget === null) delete next.budget;
  else if (budget) next.budget = budget;
  return next;
}

function subscriptionDumps(push: PushManager): SubscriptionDump[] {
  return [...push.subscriptions.values()].map((s) => ({
    id: s.id,
    mailbox: s.mailbox.smtp,
    url: s.url,
    statusFrequencyMinutes: s.statusFrequencyMin,
    failures: s.failures,
    watermark: s.lastWatermark,
    attempts: [...s.attempts],
  }));
}

/** Back to the seeded mailboxes: no subscriptions, faults, throttling changes or call counts. */
function reset(system: EwsSystem): void {
  const { push } = system;
  for (const id of [...push.subscriptions.keys()]) push.unsubscribe(id);
  push.dropped.length = 0;
  push.paused = false;
  push.dropNext = 0;
  system.faults.reset();
  system.throttle.reset();
  system.calls.clear();
  system.store.reset(system.seed);
}

function listItems(store: EwsStore, smtp: string): ItemDump[] {
  const mbx = store.getMailbox(smtp);
  if (!mbx) return [];
  return [...mbx.items.values()].map((i) => {
    const props: Record<string, string> = {};
    for (const [k, v] of i.props) props[k] = v.children.length ? serialize(v) : v.text;
    const start = i.props.get('Start')?.text;
    const end = i.props.get('End')?.text;
    return {
      id: i.id,
      changeKey: i.changeKey,
      kind: i.kind,
      folder: mbx.folders.get(i.folderId)?.distinguished ?? mbx.folders.get(i.folderId)?.displayName ?? i.folderId,
      ...(i.props.get('Subject') ? { subject: i.props.get('Subject')!.text } : {}),
      ...(start && parseDateTime(start) !== undefined ? { start: new Date(parseDateTime(start)!).toISOString() } : {}),
      ...(end && parseDateTime(end) !== undefined ? { end: new Date(parseDateTime(end)!).toISOString() } : {}),
      ...(i.kind === 'CalendarItem'
        ? { calendarItemType: i.props.has('Recurrence') ? 'RecurringMaster' : 'Single' }
        : {}),
      props,
      extendedProperties: [...i.extended.values()].map((e) => serialize(e)),
      attachments: i.attachments.map((a) => ({ name: a.name, size: a.content.length })),
      exceptions: [...i.exceptions.keys()],
      deletedOccurrences: [...i.deletedOccurrences],
      meetingMessages: [...i.meetingMessages],
    };
  });
}
