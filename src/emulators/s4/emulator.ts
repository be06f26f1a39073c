import { createServer, type Server } from 'node:http';
import { clientHost, listen } from '../common/http.js';
import { AttachmentService } from './attachments.js';
import { ODataService } from './engine.js';
import { EventOutbox, type OutboxEntry, type RetrySchedule } from './event-outbox.js';
import { FaultInjector, type Fault, type FaultInput } from './faults.js';
import { entitySetByName, SERVICES } from './model.js';
import { parentOf } from './rules.js';
import { seedDemoData } from './seed.js';
import { createS4App, S4_EMULATOR_CLIENT, S4_EMULATOR_SID, type Session } from './server.js';
import { S4Store, type Row } from './store.js';

export const DEFAULT_S4_EMULATOR_PORT = 8091;

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

/** What the control API and the GUI work on: the emulator before it listens (no URL yet). */
export type S4EmulatorControls = Omit<S4Emulator, 'url' | 'port' | 'close' | 'serviceUrl'>;

/** The emulated system's state: data, services over it, faults, the event outbox and CSRF sessions. */
export interface S4System {
  store: S4Store;
  attachments: AttachmentService;
  services: Map<string, ODataService>;
  faults: FaultInjector;
  outbox: EventOutbox;
  sessions: Map<string, Session>;
  /** Back to the seeded data, without events for it. */
  reseed(): void;
}

export async function startS4Emulator(options: S4EmulatorOptions = {}): Promise<S4Emulator> {
  const system = createSystem(options);
  const controls = createControls(system);
  const server = createServer(createS4App(system, controls, options.log === true));
  const host = options.host ?? '127.0.0.1';
  const port = await listen(server, options.port ?? DEFAULT_S4_EMULATOR_PORT, host);
  const url = `http://${clientHost(host)}:${port}`;
  const stopHeartbeats = startHeartbeats(system.outbox, options.heartbeatMs);
  return {
    ...controls,
    url,
    port,
    serviceUrl: (name) => `${url}/sap/opu/odata/sap/${name}`,
    close: async () => {
      stopHeartbeats();
      await system.outbox.close();
      await closeServer(server);
    },
  };
}

function createSystem(options: S4EmulatorOptions): S4System {
  const store = new S4Store();
  const faults = new FaultInjector();
  const outbox = new EventOutbox({
    eventsUrl: options.eventsUrl,
    eventsAuth: options.eventsAuth,
    source: `/default/sap.s4.beh/${S4_EMULATOR_SID}/${S4_EMULATOR_CLIENT}`,
    retry: options.eventRetry,
  });
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
  return { store, attachments, services, faults, outbox, sessions: new Map(), reseed };
}

function createControls(system: S4System): S4EmulatorControls {
  const { store, attachments, outbox, faults, sessions } = system;
  return {
    store,
    attachments,
    outbox,
    faults,
    list: (set) => store.list(set),
    modify: (set, keys, changes) => modifyAsUser(store, set, keys, changes),
    injectFault: (fault) => faults.add(fault),
    events: () => outbox.list(),
    waitForEvents: (predicate, timeoutMs = 20_000) => waitForOutbox(outbox, predicate, timeoutMs),
    setEventsUrl: (url) => outbox.setEventsUrl(url),
    reset: () => {
      system.reseed();
      faults.clear();
      outbox.clear();
      sessions.clear();
    },
  };
}

function modifyAsUser(
  store: S4Store,
  set: string,
  keys: Record<string, unknown>,
  changes: Record<string, unknown>,
): Row {
  return store.transaction(() => {
    const found = store.get(set, keys);
    if (!found) throw new Error(`No ${set} row with keys ${JSON.stringify(keys)}`);
    const updated = store.replace(set, found, stamped(store, set, { ...found, ...changes } as Row));
    // Like an edit in the SAP GUI, a dependent's change also changes its header (ETag, event).
    const parent = parentOf(set, updated, store);
    if (parent) store.replace(parent.set, parent.row, stamped(store, parent.set, parent.row));
    return updated;
  });
}

/**
 * The row with its change stamp moved as S/4 moves it: an activity's LastChangeDateTime, a business
 * partner's LastChangeDate + LastChangeTime (and the internal stamp its ETag comes from).
 */
function stamped(store: S4Store, setName: string, row: Row): Row {
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
}

async function waitForOutbox(
  outbox: EventOutbox,
  predicate: (entries: readonly OutboxEntry[]) => boolean,
  timeoutMs: number,
): Promise<readonly OutboxEntry[]> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate(outbox.list())) {
    if (Date.now() > deadline)
      throw new Error(
        `Timed out waiting for S/4 emulator events: ${JSON.stringify(outbox.list().map((e) => [e.event.type, e.state]))}`,
      );
    await new Promise((r) => setTimeout(r, 25));
  }
  return outbox.list();
}

/** A heartbeat now and every `intervalMs`, as Tandem's sender job posts them; returns the stop. */
function startHeartbeats(outbox: EventOutbox, intervalMs: number | undefined): () => void {
  if (!intervalMs) return () => undefined;
  const timer = setInterval(() => outbox.heartbeat(), intervalMs);
  timer.unref();
  outbox.heartbeat();
  return () => clearInterval(timer);
}

/** Stops listening and ends open connections, so close() never waits for a client's keep-alive. */
function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
}
