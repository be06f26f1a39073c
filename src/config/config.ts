import { z } from 'zod';
import { TandemError } from '../errors/tandem-error.js';
import { readVcapServices, type VcapBindings } from './vcap.js';
import { parseAllowedTargets, type AllowedTarget, type OutboundPolicy } from '../security/outbound.js';
import type { SecretKeyring } from '../security/secret-box.js';

/**
 * All configuration, parsed once at start-up. Locally it comes from the environment with the
 * defaults in the README's configuration table; on Cloud Foundry the service bindings in VCAP_SERVICES take precedence.
 */
const envSchema = z.object({
  DATABASE_URL: z.string().url().default('postgres://127.0.0.1:5432/tandem'),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .default('redis://127.0.0.1:6379'),
  PORT: z.coerce.number().int().min(1).max(65535).default(8080),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TANDEM_SECRET_KEY: z.string().optional(),
  AUTH_MODE: z.enum(['xsuaa', 'dev']).optional(),
  /** Public base URL of `web`, used for callback URLs handed to Exchange and Graph. */
  PUBLIC_URL: z.string().url().optional(),
  /** Redis key prefix; tests give each run its own so runs cannot disturb each other. */
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]+$/)
    .default('tandem'),
  /** Events per second one tenant may post to /s4/events per web instance (bursts up to 5×). */
  TENANT_EVENTS_PER_SECOND: z.coerce.number().int().min(1).default(5_000),
  /**
   * Jobs of one tenant's S/4 events and Exchange changes in the inbox queue at once, across all
   * workers (and so at most running at once); the tenant's further jobs wait their turn (docs/operations.md "Fairness between tenants").
   */
  TENANT_JOB_CONCURRENCY: z.coerce.number().int().min(1).max(1_000).default(8),
  /** The same for a tenant's bulk work: initial loads, the series pass, drift repairs. */
  TENANT_BULK_CONCURRENCY: z.coerce.number().int().min(1).max(1_000).default(2),
  /** How often the worker compares each tenant's recently changed S/4 activities with their links (the drift check). */
  DRIFT_CHECK_SECONDS: z.coerce.number().int().min(5).max(3_600).default(300),
  /**
   * S/4 keys per kind and tenant whose existence each drift check confirms (the deletion sweep, for
   * lost delete events); 0 turns the sweep off. 500 = 10 S/4 reads per kind and run.
   */
  DRIFT_SWEEP_PAGE: z.coerce.number().int().min(0).max(10_000).default(500),
  /** Plans (objects to compare or copy) per initial-load job; the next job resumes from a checkpoint. */
  INITIAL_LOAD_CHUNK: z.coerce.number().int().min(1).max(10_000).default(200),
  /** Days a handled inbox row is kept (for duplicate detection of re-delivered events and support) before retention removes it. */
  INBOX_DONE_RETENTION_DAYS: z.coerce.number().min(0.001).max(365).default(7),
  /** Journal retention of a tenant without its own setting, in days. */
  JOURNAL_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  /** Signing secret of dev tokens (AUTH_MODE=dev only, where web listens on 127.0.0.1 alone). */
  DEV_TOKEN_SECRET: z.string().min(16).default('tandem-local-dev-token-secret'),
  /**
   * Private targets tenants may configure outside AUTH_MODE=dev (e.g. an on-premise Exchange
   * reached without the connectivity proxy): comma-separated `host[:port]` or CIDR ranges.
   */
  TANDEM_ALLOWED_TARGETS: z.string().optional(),
  /**
   * Proxies in front of `web` that append to X-Forwarded-For, whose entries are believed for the
   * caller's address (rate limits): 1 on Cloud Foundry (the gorouter), 0 elsewhere.
   */
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).optional(),
  /**
   * How long a worker's hold on a job lasts without renewal: BullMQ's job lock and the subject
   * lease (both renewed while the job runs). A killed worker's jobs go to another worker after at
   * most this long plus the stalled-job check; unset: 60 s job lock, 30 s subject lease.
   */
  JOB_LEASE_SECONDS: z.coerce.number().int().min(5).max(600).optional(),
  /** Seconds between polls of a Graph user's To Do list (Graph sends apps no To Do notifications). */
  TODO_POLL_SECONDS: z.coerce.number().int().min(5).max(3_600).default(120),
  /**
   * Seconds between two asks whether a mailbox Exchange refused (user status accessDenied) may be
   * read now; one cheap request per refused user and interval (src/mailboxes/access-probe.ts).
   */
  ACCESS_PROBE_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
  /**
   * `off` behind a pooler in transaction mode (PgBouncer before 1.21 or without
   * max_prepared_statements): a named prepared statement lives in one server connection, which
   * such a pooler does not keep for the client (src/store/prepared-client.ts).
   */
  DATABASE_PREPARED_STATEMENTS: z.enum(['on', 'off']).default('on'),
});

export interface RedisConnectionConfig {
  url: string;
  /** True for rediss:// (BTP redis-cache requires TLS). */
  tls: boolean;
}

export interface Config {
  databaseUrl: string;
  /** Extra pg options from a postgresql-db binding (TLS with the service's CA). */
  databaseSsl: { ca?: string; rejectUnauthorized: boolean } | undefined;
  redis: RedisConnectionConfig;
  port: number;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  authMode: 'xsuaa' | 'dev';
  /** Keyring for stored secrets: key id → 32-byte key. The first entry encrypts. */
  secretKeys: SecretKeyring;
  publicUrl: string;
  queuePrefix: string;
  devTokenSecret: string;
  tenantEventsPerSecond: number;
  /** TENANT_JOB_CONCURRENCY and TENANT_BULK_CONCURRENCY: a tenant's slots per lane. */
  laneCaps: { events: number; bulk: number };
  /** Drift check interval in seconds (DRIFT_CHECK_SECONDS). */
  driftCheckSeconds: number;
  /** Keys per kind the deletion sweep checks per drift check (DRIFT_SWEEP_PAGE). */
  driftSweepPage: number;
  initialLoadChunk: number;
  inboxDoneRetentionDays: number;
  journalRetentionDays: number;
  onCloudFoundry: boolean;
  services: VcapBindings;
  /** How many X-Forwarded-For entries (from the right) to believe; see TRUST_PROXY_HOPS. */
  trustProxyHops: number;
  /** TANDEM_ALLOWED_TARGETS, parsed. */
  allowedTargets: AllowedTarget[];
  /** TODO_POLL_SECONDS. */
  todoPollSeconds: number;
  /** JOB_LEASE_SECONDS (undefined: the worker's defaults). */
  jobLeaseSeconds: number | undefined;
  /** ACCESS_PROBE_SECONDS. */
  accessProbeSeconds: number;
  /** DATABASE_PREPARED_STATEMENTS=on: parameterised statements are prepared once per connection. */
  databasePreparedStatements: boolean;
}

/** The key used with AUTH_MODE=dev when none is configured; any other mode requires a real one. */
const LOCAL_DEV_SECRET_KEY = 'local:' + Buffer.alloc(32, 7).toString('base64');

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    throw new TandemError('CONFIG_INVALID', `Invalid configuration: ${String(first.path[0])}: ${first.message}`, {
      details: { key: String(first.path[0]) },
      fieldErrors: parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
    });
  }
  const values = parsed.data;
  const onCloudFoundry = env.VCAP_APPLICATION !== undefined;
  const services = readVcapServices(env.VCAP_SERVICES, env.VCAP_APPLICATION);

  const authMode = resolveAuthMode(values.AUTH_MODE, onCloudFoundry, services);
  // Like every binding, the tandem-secrets service takes precedence over the environment.
  const secretKey = services.secrets?.TANDEM_SECRET_KEY ?? values.TANDEM_SECRET_KEY;
  if (!secretKey && authMode !== 'dev') {
    throw new TandemError(
      'CONFIG_INVALID',
      'Invalid configuration: TANDEM_SECRET_KEY: missing — bind the tandem-secrets service (Cloud Foundry) or set TANDEM_SECRET_KEY; ' +
        'only AUTH_MODE=dev falls back to a local key',
      { details: { key: 'TANDEM_SECRET_KEY' } },
    );
  }
  const redisUrl = services.redis?.uri ?? values.REDIS_URL;
  return {
    databaseUrl: services.postgres?.uri ?? values.DATABASE_URL,
    databaseSsl: services.postgres?.sslRootCert
      ? { ca: services.postgres.sslRootCert, rejectUnauthorized: true }
      : undefined,
    redis: { url: redisUrl, tls: redisUrl.startsWith('rediss://') },
    port: values.PORT,
    logLevel: values.LOG_LEVEL,
    authMode,
    secretKeys: parseSecretKeyring(secretKey ?? LOCAL_DEV_SECRET_KEY),
    publicUrl: resolvePublicUrl(values.PUBLIC_URL, onCloudFoundry, values.PORT),
    queuePrefix: values.QUEUE_PREFIX,
    devTokenSecret: values.DEV_TOKEN_SECRET,
    tenantEventsPerSecond: values.TENANT_EVENTS_PER_SECOND,
    laneCaps: { events: values.TENANT_JOB_CONCURRENCY, bulk: values.TENANT_BULK_CONCURRENCY },
    driftCheckSeconds: values.DRIFT_CHECK_SECONDS,
    driftSweepPage: values.DRIFT_SWEEP_PAGE,
    initialLoadChunk: values.INITIAL_LOAD_CHUNK,
    inboxDoneRetentionDays: values.INBOX_DONE_RETENTION_DAYS,
    journalRetentionDays: values.JOURNAL_RETENTION_DAYS,
    onCloudFoundry,
    services,
    allowedTargets: parseAllowedTargets(values.TANDEM_ALLOWED_TARGETS),
    trustProxyHops: values.TRUST_PROXY_HOPS ?? (onCloudFoundry ? 1 : 0),
    todoPollSeconds: values.TODO_POLL_SECONDS,
    jobLeaseSeconds: values.JOB_LEASE_SECONDS,
    accessProbeSeconds: values.ACCESS_PROBE_SECONDS,
    databasePreparedStatements: values.DATABASE_PREPARED_STATEMENTS === 'on',
  };
}

/**
 * Fails closed: dev tokens (signed with a secret anyone can read in this repository) only when
 * AUTH_MODE=dev is set explicitly, and never on Cloud Foundry. Everything else is xsuaa, which
 * needs its binding — a Kyma or VM deployment that forgot a variable stops here instead of
 * accepting forged Admin tokens.
 */
function resolveAuthMode(
  requested: 'xsuaa' | 'dev' | undefined,
  onCloudFoundry: boolean,
  services: VcapBindings,
): 'xsuaa' | 'dev' {
  if (requested === 'dev') {
    if (onCloudFoundry) {
      throw new TandemError(
        'CONFIG_INVALID',
        'Invalid configuration: AUTH_MODE: dev tokens are refused on Cloud Foundry',
        {
          details: { key: 'AUTH_MODE' },
        },
      );
    }
    return 'dev';
  }
  if (!services.xsuaa) {
    const message =
      requested === 'xsuaa'
        ? 'Invalid configuration: VCAP_SERVICES.xsuaa: AUTH_MODE=xsuaa needs an xsuaa binding'
        : 'Invalid configuration: AUTH_MODE / VCAP_SERVICES.xsuaa: no xsuaa binding and AUTH_MODE is not set — bind an xsuaa ' +
          'instance, or set AUTH_MODE=dev for a local run (dev tokens, web on 127.0.0.1 only)';
    throw new TandemError('CONFIG_INVALID', message, {
      details: { key: requested === 'xsuaa' ? 'VCAP_SERVICES.xsuaa' : 'AUTH_MODE' },
    });
  }
  return 'xsuaa';
}

const LOOPBACK_HOSTS = new Set(['localhost', '0.0.0.0', '[::1]', '[::]']);
const isLoopback = (host: string) => LOOPBACK_HOSTS.has(host) || host.startsWith('127.') || host.endsWith('.localhost');

/**
 * The base URL Exchange and Graph post notifications to (and the SaaS registry shows). On Cloud
 * Foundry it must be the web route over https: the worker has no route of its own, a loopback URL
 * would be handed to Exchange, and Graph refuses plain http. mta.yaml sets it from the web route.
 */
function resolvePublicUrl(value: string | undefined, onCloudFoundry: boolean, port: number): string {
  if (onCloudFoundry) {
    const problem =
      value === undefined
        ? 'missing'
        : new URL(value).protocol !== 'https:'
          ? `"${value}" is not https`
          : isLoopback(new URL(value).hostname)
            ? `"${value}" is a loopback address`
            : undefined;
    if (problem) {
      throw new TandemError(
        'CONFIG_INVALID',
        `Invalid configuration: PUBLIC_URL: ${problem} — on Cloud Foundry it must be the https route of tandem-web ` +
          '(mta.yaml sets it from srv-api), since Exchange and Graph post notifications there',
        { details: { key: 'PUBLIC_URL' } },
      );
    }
  }
  return (value ?? `http://127.0.0.1:${port}`).replace(/\/$/, '');
}

/**
 * Where tenant-configured URLs may lead (see src/security/outbound.ts): anywhere in AUTH_MODE=dev
 * (emulators on 127.0.0.1), else https to public addresses and the allow-list; on Cloud Foundry
 * S/4 only through destinations.
 */
export function outboundPolicyOf(
  config: Pick<Config, 'authMode' | 'allowedTargets' | 'onCloudFoundry'>,
): OutboundPolicy {
  return {
    mode: config.authMode === 'dev' ? 'dev' : 'public',
    allowed: config.allowedTargets,
    destinationsOnly: config.onCloudFoundry,
  };
}

/**
 * TANDEM_SECRET_KEY holds one or more keys, comma-separated, each `keyId:base64(32 bytes)`.
 * The first encrypts; all decrypt. Rotation = put the new key first, re-encrypt, drop the old.
 */
export function parseSecretKeyring(value: string): SecretKeyring {
  const keys = new Map<string, Buffer>();
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const entry of entries) {
    const separator = entry.indexOf(':');
    const keyId = separator > 0 ? entry.slice(0, separator) : '';
    const key = Buffer.from(entry.slice(separator + 1), 'base64');
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(keyId) || key.length !== 32) {
      throw new TandemError(
        'CONFIG_INVALID',
        'Invalid configuration: TANDEM_SECRET_KEY: expected comma-separated "keyId:base64" entries with 32-byte keys',
        {
          details: { key: 'TANDEM_SECRET_KEY' },
        },
      );
    }
    keys.set(keyId, key);
  }
  const activeKeyId = entries[0]?.split(':')[0];
  if (activeKeyId === undefined) {
    throw new TandemError('CONFIG_INVALID', 'Invalid configuration: TANDEM_SECRET_KEY: empty', {
      details: { key: 'TANDEM_SECRET_KEY' },
    });
  }
  return { activeKeyId, keys };
}

let loaded: Config | undefined;
/** The process's configuration, parsed on first use. */
export function config(): Config {
  loaded ??= loadConfig();
  return loaded;
}
