import { userInfo } from 'node:os';
import pg from 'pg';
import { config } from '../config/config.js';
import { logger } from '../logging/logger.js';
import { PreparingClient } from './prepared-client.js';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

// Postgres bigint (int8) and numeric come back as strings by default; our counters fit in a
// JS number, and ids stay strings where they are declared as text.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/**
 * Connection settings for a URL. A URL without a user (the default DATABASE_URL,
 * postgres://127.0.0.1:5432/tandem) means the operating-system user, as psql does; node-postgres
 * would otherwise read $USER, which services and CI shells often leave unset.
 */
export function connectionOptions(databaseUrl: string): pg.ClientConfig {
  const url = new URL(databaseUrl);
  // pg parses the connection string after the explicit options, so the user goes into the URL.
  if (!url.username) url.username = encodeURIComponent(process.env.PGUSER || process.env.USER || userInfo().username);
  return { connectionString: url.toString() };
}

export interface PoolOptions extends pg.PoolConfig {
  /** Prepare parameterised statements once per connection (default: DATABASE_PREPARED_STATEMENTS). */
  preparedStatements?: boolean;
}

export function createPool(
  databaseUrl: string = config().databaseUrl,
  { preparedStatements = config().databasePreparedStatements, ...options }: PoolOptions = {},
): Pool {
  const ssl = databaseUrl === config().databaseUrl ? config().databaseSsl : undefined;
  const pool = new pg.Pool({
    ...connectionOptions(databaseUrl),
    max: 10,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 5_000,
    // A statement that runs this long is a bug or a lock pile-up; fail it rather than hang a job.
    statement_timeout: 30_000,
    application_name: 'tandem',
    // Parameterised statements are prepared once per connection (planning was most of their cost).
    // Pipelining: a statement queued while another is on the wire is sent at once instead of after
    // its answer, which lets a transaction's opening and first statement share a round trip
    // (behindOpening in transaction.ts). Callers that await each statement see no difference.
    pipeline: true,
    ...(preparedStatements ? { Client: PreparingClient } : {}),
    ...(ssl ? { ssl } : {}),
    ...options,
  });
  // An idle client losing its connection (Postgres restart) must not crash the process.
  pool.on('error', (error) => logger.warn({ err: error }, 'postgres idle client error'));
  // Nor a checked-out one: node-postgres emits 'error' on a client whose connection ends while it
  // is lent out, and a client with no listener at that moment (between statements of a caller
  // that added none) takes the process down. Every client gets one listener for its lifetime; the
  // caller still sees the failure on its next query, and the pool drops the broken client.
  pool.on('connect', (client) =>
    client.on('error', (error) => logger.warn({ err: error }, 'postgres connection lost while in use')),
  );
  return pool;
}

let shared: Pool | undefined;
/** The process-wide pool, created on first use. */
export function pool(): Pool {
  shared ??= createPool();
  return shared;
}
