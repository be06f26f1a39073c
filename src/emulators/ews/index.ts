import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { z } from 'zod';
import { EmulatorConfigError } from '../common/errors.js';
import { logger } from '../common/logger.js';
import { EwsStore, type Mailbox } from './store.js';
import { PushManager, type Subscription } from './push.js';
import { Throttle, type ThrottlingSettings } from './throttling.js';
import { FaultInjector, type FaultRuleInput } from './faults.js';
import { TokenIssuer, defaultAuthConfig } from './auth.js';
import { selfSignedCertificate } from '../common/tls.js';
import { createRequestHandler } from './server.js';
import { createAdminHandler } from './admin.js';
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

/**
 * Starts the EWS emulator (HTTP and HTTPS on one port). Resolves once it listens; `close()` stops
 * it and its push deliveries.
 */
export async function startEwsEmulator(input: EwsEmulatorOptions = {}): Promise<EwsEmulator> {
  const parsed = optionsSchema.safeParse(input);
  if (!parsed.success) {
    throw new EmulatorConfigError(
      `Invalid EWS emulator options: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  const options = parsed.data;
  const timeScale = options.timeScale ?? 1;
  const log = logger.child({ module: 'ews-emulator' });
  if (options.log === false) log.level = 'silent';
  const seed = [...SEED_MAILBOXES, ...(options.mailboxes ?? [])];
  const store = new EwsStore((options.retentionMs ?? 30 * 86_400_000) * timeScale);
  for (const m of seed) store.ensureMailbox(m);
  const tls = await selfSignedCertificate();
  const push = new PushManager({ timeScale, responseTimeoutMs: 100_000 * timeScale, ca: tls.cert }, log);
  store.onEvent((mbx) => push.onEvent(mbx));
  const throttle = new Throttle();
  const faults = new FaultInjector();
  const issuer = await TokenIssuer.create();
  const calls = new Map<string, number>();
  let port = 0;
  const host = options.host ?? '127.0.0.1';
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;

  // Assigned once below; the admin handler closes over it before then, so it cannot be a const here.
  // eslint-disable-next-line prefer-const
  let emulator!: EwsEmulator;
  const handler = createRequestHandler({
    store,
    push,
    throttle,
    faults,
    auth: defaultAuthConfig(),
    issuer,
    log,
    calls,
    baseUrl: () => `http://${urlHost}:${port}`,
    httpsBaseUrl: () => `https://${urlHost}:${port}`,
    admin: createAdminHandler(() => emulator),
  });
  const httpServer = createHttpServer((req, res) => void handler(req, res));
  const httpsServer = createHttpsServer({ cert: tls.cert, key: tls.key }, (req, res) => void handler(req, res));
  const sockets = new Set<Socket>();
  // One port, two protocols: a TLS connection starts with a handshake record (first byte 0x16).
  const net = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.once('data', (first: Buffer) => {
      socket.pause();
      socket.unshift(first);
      (first[0] === 0x16 ? httpsServer : httpServer).emit('connection', socket);
      process.nextTick(() => socket.resume());
    });
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    net.once('error', reject);
    net.listen(options.port ?? 0, host, () => resolve());
  });
  port = (net.address() as AddressInfo).port;
  const url = `http://${urlHost}:${port}`;
  const httpsUrl = `https://${urlHost}:${port}`;

  emulator = {
    url,
    httpsUrl,
    ewsUrl: `${url}/EWS/Exchange.asmx`,
    ewsHttpsUrl: `${httpsUrl}/EWS/Exchange.asmx`,
    port,
    caPem: tls.cert,
    timeScale,
    authority: (tenant = 'demo') => `${httpsUrl}/${tenant}`,
    tokenUrl: (tenant = 'demo') => `${httpsUrl}/${tenant}/oauth2/v2.0/token`,
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
    setThrottling: (s) => {
      const { budget, ...rest } = s;
      const next: ThrottlingSettings = { ...throttle.settings };
      if (rest.maxConcurrency !== undefined) next.maxConcurrency = rest.maxConcurrency;
      if (rest.backOffMs !== undefined) next.backOffMs = rest.backOffMs;
      if (budget === null) delete next.budget;
      else if (budget) next.budget = budget;
      throttle.settings = next;
    },
    subscriptions: () =>
      [...push.subscriptions.values()].map((s) => ({
        id: s.id,
        mailbox: s.mailbox.smtp,
        url: s.url,
        statusFrequencyMinutes: s.statusFrequencyMin,
        failures: s.failures,
        watermark: s.lastWatermark,
        attempts: [...s.attempts],
      })),
    reset: () => {
      for (const id of [...push.subscriptions.keys()]) push.unsubscribe(id);
      push.dropped.length = 0;
      push.paused = false;
      push.dropNext = 0;
      faults.reset();
      throttle.reset();
      calls.clear();
      store.reset(seed);
    },
    close: async () => {
      push.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => net.close(() => resolve()));
    },
  };
  log.info({ url, ewsUrl: emulator.ewsUrl }, 'EWS emulator listening');
  return emulator;
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

export { msalNetworkModule } from './msal-network.js';
