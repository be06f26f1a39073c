import type { Redis } from 'ioredis';
import { createMailboxConnector } from '../connectors/exchange/create-connector.js';
import type { MailboxDirectory } from '../connectors/exchange/graph/index.js';
import type { MailboxConnector } from '../connectors/exchange/mailbox-connector.js';
import type { ItemKind } from '../connectors/exchange/types.js';
import { createS4Client, type S4BusinessPartner, type S4Client } from '../connectors/s4/index.js';
import { environmentConnectorConfig } from '../environments/environment-repository.js';
import { TandemError } from '../errors/tandem-error.js';
import { RedisSemaphore } from '../limits/redis-semaphore.js';
import {
  currentEnvironmentsOf,
  exchangeObjectIdOf,
  listMailboxesForSync,
  rememberExchangeObjectId,
} from '../mailboxes/mailbox-repository.js';
import type { SecretBox } from '../security/secret-box.js';
import type { Pool } from '../store/pool.js';
import { withTenant, type Tx } from '../store/transaction.js';
import { partnerLookup, type PartnerLookup, type TenantSettings } from '../sync/index.js';
import { s4TargetOf } from '../tenants/s4-connection.js';
import { readSettings } from '../tenants/tenant-repository.js';

/** A Tandem user as the reconciliation needs it. */
export interface MailboxInfo {
  id: string;
  smtp: string;
  environmentId: string;
  employeeBp: string | undefined;
  s4User: string | undefined;
  kinds: ItemKind[];
  enabled: boolean;
  /**
   * The user's initial load has finished: from then on every item Tandem wrote to the mailbox has a
   * link (links are committed before the items are created), so an S/4 object without a link has
   * no copy there to look for.
   */
  initialLoadDone: boolean;
  /**
   * Exchange refuses Tandem this mailbox (application access policy, RBAC for Applications or
   * impersonation scope): its work is skipped until the access probe sees it granted
   * (src/mailboxes/access-probe.ts).
   */
  accessDenied: boolean;
}

export interface SyncDeps {
  pool: Pool;
  redis: Redis;
  secretBox: SecretBox;
  /** Redis key prefix for limits shared across workers. */
  keyPrefix: string;
  /** How long tenant settings and the user list are reused before being read again. */
  cacheMs?: number;
}

/**
 * Everything one reconciliation reads about its tenant: settings, users, the S/4 client and the
 * Exchange connectors. Cached briefly per worker process — settings changes apply within seconds
 * — because 300 sync operations a second cannot each reread 10,000 users.
 */
export class TenantContext {
  private readonly partners = new Map<string, { bp: S4BusinessPartner | undefined; until: number }>();
  // Indexes over the user list: a tenant may have 10,000 users and each sync operation asks several times.
  private readonly ids: Map<string, MailboxInfo>;
  private readonly smtps: Map<string, MailboxInfo>;
  private readonly employees: Map<string, MailboxInfo>;
  private readonly smtpById: Map<string, string>;
  private users: PartnerLookup | undefined;

  constructor(
    readonly tenantId: string,
    readonly settings: TenantSettings,
    readonly mailboxes: MailboxInfo[],
    readonly s4: S4Client,
    private readonly connectors: ConnectorCache,
    private readonly locks: RedisSemaphore,
  ) {
    this.ids = new Map(mailboxes.map((m) => [m.id, m]));
    this.smtps = new Map(mailboxes.map((m) => [m.smtp, m]));
    // The first user with an employee BP wins, as a scan of the list would.
    this.employees = new Map(
      mailboxes
        .filter((m) => m.employeeBp)
        .reverse()
        .map((m) => [m.employeeBp!, m]),
    );
    this.smtpById = new Map(mailboxes.map((m) => [m.id, m.smtp]));
  }

  readonly byId = (id: string) => this.ids.get(id);
  readonly bySmtp = (smtp: string) => this.smtps.get(smtp.toLowerCase());
  readonly byEmployee = (bp: string) => this.employees.get(bp);

  /** Mailbox id → SMTP, for turning link rows into the engine's mailbox strings. */
  mailboxMap(): ReadonlyMap<string, string> {
    return this.smtpById;
  }

  /** Every Tandem user as a partner of the engine (employee BP ↔ mailbox), built once per context. */
  userLookup(): PartnerLookup {
    this.users ??= partnerLookup(
      this.mailboxes
        .filter((m) => m.employeeBp)
        .map((m) => ({
          id: m.employeeBp!,
          email: m.smtp,
          isEmployee: true,
          user: { mailbox: m.smtp, kinds: m.kinds },
        })),
    );
    return this.users;
  }

  /**
   * The tenant's safety-valve lock, across all workers: held from reading the valve's counters
   * until a destructive decision is committed (valve-gate.ts). Tenant-wide, not per mailbox: the
   * tenant limit counts every mailbox's deletions, and with a lock per mailbox two mailboxes'
   * deletions read the same tenant count at once and both passed it (seen in the tenant-limit
   * E2E: four deletions in two mailboxes against a limit of three, none held). A lease, so a
   * killed worker frees it.
   */
  lockDestructive(): Promise<() => Promise<void>> {
    return this.locks.acquire(`valve:${this.tenantId}`, { limit: 1, leaseMs: 120_000, maxWaitMs: 30_000 });
  }

  /**
   * The connector of the environment the user is in *now*: read fresh, not from the cached user
   * list, so a user moved to another environment (EWS → Graph) is never written through the old one.
   * `current` is that environment when the caller has just read it (currentEnvironments) in a
   * transaction of its own, which saves the read here.
   */
  connectorFor(mailbox: MailboxInfo, current?: EnvironmentRef): Promise<MailboxConnector> {
    return current
      ? this.connectors.forEnvironment(this.tenantId, current)
      : this.connectors.forMailbox(this.tenantId, mailbox.id);
  }

  /** The environments these users are in now, read in the caller's transaction (see connectorFor). */
  currentEnvironments(tx: Tx, mailboxIds: string[]): Promise<Map<string, EnvironmentRef>> {
    return currentEnvironments(tx, mailboxIds);
  }

  /**
   * One appointment's attachment copy at a time, across workers: an S/4 event and the Outlook
   * folder's change tracking may reconcile the same appointment at once, and both would copy a
   * file the other side lacks.
   */
  lockAttachments(mailboxId: string, s4Key: string): Promise<() => Promise<void>> {
    return this.locks.acquire(`attachments:${this.tenantId}:${mailboxId}:${s4Key}`, {
      limit: 1,
      leaseMs: 120_000,
      maxWaitMs: 60_000,
    });
  }

  /** The person (employee or contact person) with this e-mail address in S/4, cached like partners. */
  async personByEmail(email: string): Promise<S4BusinessPartner | undefined> {
    const key = `email:${email.toLowerCase()}`;
    const cached = this.partners.get(key);
    if (cached && cached.until > Date.now()) return cached.bp;
    const bp = await this.s4.findPersonByEmail(email);
    this.partners.set(key, { bp, until: Date.now() + 60_000 });
    return bp;
  }

  /** A business partner, cached for a minute (partner lists repeat across activities). */
  async partner(id: string): Promise<S4BusinessPartner | undefined> {
    const cached = this.partners.get(id);
    if (cached && cached.until > Date.now()) return cached.bp;
    const bp = await this.s4.getBusinessPartner(id);
    this.partners.set(id, { bp, until: Date.now() + 60_000 });
    return bp;
  }
}

/** A user's Exchange environment as read now: its id and the version of its settings. */
export interface EnvironmentRef {
  environmentId: string;
  version: string;
}

async function currentEnvironments(tx: Tx, mailboxIds: string[]): Promise<Map<string, EnvironmentRef>> {
  const rows = await currentEnvironmentsOf(tx, mailboxIds);
  return new Map(rows.map((r) => [r.id, { environmentId: r.environmentId, version: r.version }]));
}

/** Connectors per Exchange environment, rebuilt when the environment's settings change. */
export class ConnectorCache {
  private readonly cache = new Map<string, { version: string; connector: Promise<MailboxConnector> }>();
  constructor(private readonly deps: SyncDeps) {}

  /** The connector for a user's current environment (one query for both the user's environment and its version). */
  async forMailbox(tenantId: string, mailboxId: string): Promise<MailboxConnector> {
    const current = (await withTenant(tenantId, (tx) => currentEnvironments(tx, [mailboxId]), this.deps.pool)).get(
      mailboxId,
    );
    if (!current) throw new TandemError('NOT_FOUND', `User ${mailboxId} or its Exchange environment not found`);
    return this.forEnvironment(tenantId, current);
  }

  forEnvironment(tenantId: string, { environmentId, version }: EnvironmentRef): Promise<MailboxConnector> {
    const cached = this.cache.get(environmentId);
    if (cached && cached.version === version) return cached.connector;
    const connector = withTenant(
      tenantId,
      (tx) => environmentConnectorConfig(tx, this.deps.secretBox, environmentId),
      this.deps.pool,
    ).then((env) => {
      const limits = { redis: this.deps.redis, keyPrefix: `${this.deps.keyPrefix}:exchange` };
      return createMailboxConnector(
        env,
        env.kind === 'graph' ? { ...limits, directory: this.directory(tenantId, environmentId) } : limits,
      );
    });
    this.cache.set(environmentId, { version, connector });
    if (cached) void cached.connector.then((old) => old.close()).catch(() => undefined);
    return connector;
  }

  /** The environment's users' Entra object ids, stored on the users (resolved once by the Graph connector). */
  private directory(tenantId: string, environmentId: string): MailboxDirectory {
    const { pool } = this.deps;
    return {
      objectIdOf: (smtp) => withTenant(tenantId, (tx) => exchangeObjectIdOf(tx, environmentId, smtp), pool),
      remember: async (smtp, objectId) => {
        await withTenant(tenantId, (tx) => rememberExchangeObjectId(tx, environmentId, smtp, objectId), pool);
      },
    };
  }

  async closeAll(): Promise<void> {
    await Promise.all(
      [...this.cache.values()].map(async (entry) => (await entry.connector.catch(() => undefined))?.close()),
    );
    this.cache.clear();
  }
}

/** Builds TenantContexts, reusing each for `cacheMs`. */
export class TenantContexts {
  private readonly cache = new Map<string, { context: Promise<TenantContext>; until: number }>();
  private readonly s4Clients = new Map<string, { key: string; client: S4Client }>();
  readonly connectors: ConnectorCache;
  private readonly locks: RedisSemaphore;

  constructor(private readonly deps: SyncDeps) {
    this.connectors = new ConnectorCache(deps);
    this.locks = new RedisSemaphore(deps.redis, deps.keyPrefix);
  }

  get(tenantId: string): Promise<TenantContext> {
    const cached = this.cache.get(tenantId);
    if (cached && cached.until > Date.now()) return cached.context;
    const context = this.load(tenantId);
    this.cache.set(tenantId, { context, until: Date.now() + (this.deps.cacheMs ?? 5_000) });
    context.catch(() => this.cache.delete(tenantId));
    return context;
  }

  /** Drops the cached context (after a settings or user change made in this process). */
  invalidate(tenantId: string): void {
    this.cache.delete(tenantId);
  }

  private async load(tenantId: string): Promise<TenantContext> {
    const { settings, mailboxes, target } = await withTenant(
      tenantId,
      async (tx) => {
        const stored = await readSettings(tx);
        const rows = await listMailboxesForSync(tx);
        return {
          settings: stored.settings,
          target: await s4TargetOf(tx, tenantId, this.deps.secretBox).catch(() => undefined),
          mailboxes: rows.map((r) => ({
            id: r.id,
            smtp: r.smtp_address.toLowerCase(),
            environmentId: r.environment_id,
            employeeBp: r.employee_bp ?? undefined,
            s4User: r.s4_user ?? undefined,
            enabled: r.enabled,
            initialLoadDone: r.initial_load_done,
            accessDenied: r.access_denied,
            kinds: r.enabled
              ? ([r.sync_appointments && 'appointment', r.sync_tasks && 'task', r.sync_contacts && 'contact'].filter(
                  Boolean,
                ) as ItemKind[])
              : [],
          })),
        };
      },
      this.deps.pool,
    );
    if (!target)
      throw new TandemError('S4_DESTINATION_NOT_FOUND', 'No S/4HANA connection is configured for this tenant');
    const key = JSON.stringify(target);
    let s4 = this.s4Clients.get(tenantId);
    if (!s4 || s4.key !== key) {
      s4 = {
        key,
        client: createS4Client(target, {
          employeeResponsibleFunction: settings.appointments.partnerFunctions.responsible,
        }),
      };
      this.s4Clients.set(tenantId, s4);
    }
    return new TenantContext(tenantId, settings, mailboxes, s4.client, this.connectors, this.locks);
  }
}
