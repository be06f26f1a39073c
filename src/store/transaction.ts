import pg from 'pg';
import { TandemError, coerceError } from '../errors/tandem-error.js';
import { currentFence, type Fence, type JobCompletion } from './fence.js';
import { hasStalePlan } from './prepared-client.js';
import { pool as sharedPool, type Pool, type PoolClient } from './pool.js';

/** The tenant a transaction runs for; policies compare rows against it. */
export type TenantId = string;

/** A client inside a transaction whose row-level-security context is already set. */
export type Tx = PoolClient;

const TENANT_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Whether transactions must drop to the `tandem_app` role: needed when the connecting user is a
 * superuser or has BYPASSRLS (a local Postgres with trust auth), where policies would not apply.
 * Decided once per pool.
 */
const roleDecisions = new WeakMap<Pool, Promise<boolean>>();

async function needsRoleSwitch(pool: Pool): Promise<boolean> {
  let decision = roleDecisions.get(pool);
  if (!decision) {
    decision = (async () => {
      const { rows } = await pool.query<{ bypasses: boolean; app_role: boolean }>(
        `SELECT (rolsuper OR rolbypassrls) AS bypasses,
                EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tandem_app') AS app_role
           FROM pg_roles WHERE rolname = current_user`,
      );
      const row = rows[0]!;
      if (row.bypasses && !row.app_role) {
        throw new TandemError(
          'CONFIG_INVALID',
          'The database user bypasses row-level security and role tandem_app is missing; run `tandem migrate` first',
        );
      }
      return row.bypasses;
    })();
    decision.catch(() => roleDecisions.delete(pool));
    roleDecisions.set(pool, decision);
  }
  return decision;
}

async function runInTransaction<T>(
  pool: Pool,
  settings: Record<string, string>,
  fn: (tx: Tx) => Promise<T>,
  fence?: Fence,
  completion?: JobCompletion,
): Promise<T> {
  const opening = openingStatements(await needsRoleSwitch(pool), settings, fence);
  return withConnection(async (client, discard) => {
    try {
      const result = await behindOpening(client, opening, fn);
      // A job's completion goes with the COMMIT in one round trip (its statement has literals only).
      await client.query(completion ? `${completion.statement}; COMMIT` : 'COMMIT');
      if (completion) completion.committed = true;
      return result;
    } catch (error) {
      // A failed ROLLBACK means the connection itself is gone: don't hand it to the next caller.
      await client.query('ROLLBACK').catch(discard);
      throw error;
    }
  }, pool);
}

/**
 * Sends the opening and runs `fn` without waiting for the opening's answer: on a pipelining pool
 * (createPool) `fn`'s first statement leaves right behind it, so the pair costs one round trip
 * instead of two — one per transaction, three per sync operation (docs/benchmarks.md,
 * 2026-12-05). Postgres runs them in order, so `fn` still sees the context. Should the opening
 * fail (a stale fence, SYNC_FENCED), `fn`'s statements fail only because the transaction is
 * aborted; the opening's error is the one thrown, whether `fn` threw or swallowed its own.
 */
async function behindOpening<T>(client: Tx, opening: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const opened = client.query(opening);
  // Read below, once fn has settled; until then a rejection must not count as unhandled.
  opened.catch(() => undefined);
  let result: T;
  try {
    result = await fn(client);
  } catch (error) {
    await opened;
    throw error;
  }
  await opened;
  return result;
}

/**
 * One round trip opens the transaction and sets its context (ingestion latency depends on it).
 * The role goes in the same SELECT as the context (set_config('role') is SET LOCAL ROLE): one
 * statement fewer for the server to parse in every transaction. With a fence, the same round trip
 * checks it, taking a share lock on the subject's fence row until commit.
 */
function openingStatements(switchRole: boolean, settings: Record<string, string>, fence: Fence | undefined): string {
  const statements = ['BEGIN'];
  const assignments = Object.entries({ ...(switchRole ? { role: 'tandem_app' } : {}), ...settings }).map(
    ([key, value]) => `set_config(${pg.escapeLiteral(key)}, ${pg.escapeLiteral(value)}, true)`,
  );
  if (assignments.length) statements.push(`SELECT ${assignments.join(', ')}`);
  if (fence) {
    statements.push(
      `SELECT tandem_check_fence(${pg.escapeLiteral(fence.tenantId)}, ${pg.escapeLiteral(fence.subject)}, ${Number(fence.token)})`,
    );
  }
  return statements.join('; ');
}

/** Runs `fn` in one transaction that sees and writes only `tenantId`'s rows. */
export async function withTenant<T>(
  tenantId: TenantId,
  fn: (tx: Tx) => Promise<T>,
  pool: Pool = sharedPool(),
): Promise<T> {
  if (!TENANT_ID_PATTERN.test(tenantId)) {
    throw new TandemError('TENANT_CONTEXT_MISSING', 'A tenant transaction needs a valid tenant id', {
      details: { tenantId },
    });
  }
  return runInTransaction(pool, { 'tandem.tenant_id': tenantId }, fn);
}

/**
 * Runs `fn` as withTenant does, for a write of sync state (links, folder sync states, initial-load
 * progress): inside a job that holds a subject, the transaction first checks that the job's
 * fencing token is still the subject's current one, and fails with SYNC_FENCED when another job
 * has claimed the subject since (this job's lease ran out). Outside a job it is withTenant.
 * `fn` starts before the check has answered (behindOpening): it must only use `tx` — a remote call
 * inside it could act for a job whose fence is already stale. Every caller writes rows only.
 *
 * `completesJob`: the caller's promise that this is the job's last write and that nothing follows
 * it — no remote write, no other write — before the handler returns. The transaction then also
 * marks the job's inbox rows done (the fence's JobCompletion), so the result and the completion
 * commit together or not at all: a crash before the commit leaves the rows to be claimed again
 * and the result to be redone, as before; a stale holder's transaction is refused whole.
 */
export async function withSyncWrite<T>(
  tenantId: TenantId,
  fn: (tx: Tx) => Promise<T>,
  pool: Pool = sharedPool(),
  options: { completesJob?: boolean } = {},
): Promise<T> {
  const fence = currentFence();
  if (!fence || fence.tenantId !== tenantId) return withTenant(tenantId, fn, pool);
  if (!TENANT_ID_PATTERN.test(tenantId)) {
    throw new TandemError('TENANT_CONTEXT_MISSING', 'A tenant transaction needs a valid tenant id', {
      details: { tenantId },
    });
  }
  const completion = options.completesJob && !fence.completion?.committed ? fence.completion : undefined;
  return runInTransaction(pool, { 'tandem.tenant_id': tenantId }, fn, fence, completion);
}

/**
 * Runs `fn` across all tenants. Only for housekeeping that takes no tenant input from a caller:
 * the inbox sweeper, provisioning, and resolving a notification token or callback user to its
 * tenant. Everything else uses withTenant.
 */
export async function withSystemScope<T>(fn: (tx: Tx) => Promise<T>, pool: Pool = sharedPool()): Promise<T> {
  return runInTransaction(pool, { 'tandem.scope': 'system' }, fn);
}

/**
 * Runs `fn` on one pooled connection, outside any transaction unless `fn` opens one: every
 * transaction (runInTransaction) checks out its connection here, and so does a statement that is
 * its own transaction and sets its tenant context itself (tandem_claim_subject,
 * tandem_complete_inbox — one round trip where a tenant transaction takes three or more). A
 * failure to connect is DB_UNAVAILABLE. A connection dropped while checked out (database restart,
 * failover) emits 'error' on the client, which without a listener would crash the process: it is
 * noted and the connection discarded, as is one `fn` calls `discard` for, or one whose cached plan
 * a schema change invalidated.
 */
export async function withConnection<T>(
  fn: (client: PoolClient, discard: () => void) => Promise<T>,
  pool: Pool = sharedPool(),
): Promise<T> {
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw coerceError(error, 'DB_UNAVAILABLE');
  }
  let broken = false;
  const discard = () => {
    broken = true;
  };
  client.on('error', discard);
  try {
    return await fn(client, discard);
  } catch (error) {
    throw coerceError(error);
  } finally {
    client.off('error', discard);
    client.release(broken || hasStalePlan(client));
  }
}

/** What a savepoint's work came to: its value, or the error that rolled it back. */
export type SavepointOutcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * Runs `fn` inside a savepoint of the caller's transaction: when `fn` throws, only its own writes
 * are rolled back and the transaction stays usable, so one bad row of a batch (a user import) does
 * not void the others. The error is returned, not thrown; a failing rollback is thrown, since the
 * transaction is then unusable.
 */
export async function withSavepoint<T>(tx: Tx, fn: () => Promise<T>): Promise<SavepointOutcome<T>> {
  await tx.query('SAVEPOINT tandem_savepoint');
  try {
    const value = await fn();
    await tx.query('RELEASE SAVEPOINT tandem_savepoint');
    return { ok: true, value };
  } catch (error) {
    await tx.query('ROLLBACK TO SAVEPOINT tandem_savepoint');
    return { ok: false, error };
  }
}
