import { createHash } from 'node:crypto';
import pg from 'pg';

/**
 * A pg client that runs every parameterised statement as a named prepared statement, so Postgres
 * plans it once per connection instead of on every execution.
 *
 * Why: measured on the sync bench (docs/benchmarks.md, 2026-12-03), the backends spent most of a
 * statement's CPU planning it — under row-level security a lookup of one link by its S/4 key took
 * 0.26–1.1 ms to plan and 0.05 ms to run — and a sync operation runs about twenty statements.
 * A named statement is parsed and planned on first use; later executions only bind and execute,
 * and after five runs Postgres may switch to a generic plan (plan_cache_mode = auto). The policy's
 * `current_setting('tandem.tenant_id')` is evaluated when the statement runs, so a cached plan
 * never carries one tenant's id into another's transaction.
 *
 * Only statements with parameters are named: those are the fixed texts of the repositories. A
 * text built with literals inside (BEGIN with set_config, migrations) stays an unnamed statement.
 * Distinct texts are capped per process so a caller that builds texts on the fly cannot grow
 * every connection's set of prepared statements without bound.
 *
 * A table altered under a live connection (a migration in a rolling deploy adding a column)
 * makes Postgres refuse the cached plan of `SELECT *` on it ("cached plan must not change result
 * type", 0A000). Such a client is marked; transaction code and the pool then discard it instead
 * of reusing it, so the failed job's retry runs on a fresh connection.
 */

/** Most distinct statement texts that get a name; later ones run unnamed. */
export const MAX_PREPARED_TEXTS = 1_000;

const names = new Map<string, string>();

function nameOf(text: string): string | undefined {
  let name = names.get(text);
  if (name === undefined && names.size < MAX_PREPARED_TEXTS) {
    // The same text always gets the same name, in every connection of every pool of the process.
    name = `tandem_${createHash('sha1').update(text).digest('base64url').slice(0, 20)}`;
    names.set(text, name);
  }
  return name;
}

const staleClients = new WeakSet<object>();

/** Whether a client hit a cached plan that a schema change invalidated; it must not be reused. */
export function hasStalePlan(client: object): boolean {
  return staleClients.has(client);
}

function isStalePlanError(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | undefined;
  return e?.code === '0A000' && /cached plan must not change result type/.test(e.message ?? '');
}

type QueryArgs = [unknown, unknown?, unknown?];

/** The query config with a statement name, or undefined when this call should stay unnamed. */
function named(config: unknown, values: unknown): pg.QueryConfig | undefined {
  if (typeof config === 'string') {
    if (!Array.isArray(values) || values.length === 0) return undefined;
    const name = nameOf(config);
    return name ? { name, text: config, values } : undefined;
  }
  if (!config || typeof config !== 'object') return undefined;
  const query = config as pg.QueryConfig & { submit?: unknown };
  // A Submittable (cursor, stream) or an already named statement is left as the caller made it.
  if (query.name || typeof query.submit === 'function' || typeof query.text !== 'string') return undefined;
  const parameters = query.values ?? values;
  if (!Array.isArray(parameters) || parameters.length === 0) return undefined;
  const name = nameOf(query.text);
  return name ? { ...query, name, values: parameters } : undefined;
}

export class PreparingClient extends pg.Client {
  // pg's overloads cannot be restated one by one in a subclass; the arguments pass through unchanged.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(...args: any[]): any {
    const [config, values, callback] = args as QueryArgs;
    const prepared = named(config, values);
    if (!prepared) return (super.query as (...a: unknown[]) => unknown)(...args);
    const onError = (error: unknown) => {
      if (isStalePlanError(error)) staleClients.add(this);
    };
    if (typeof callback === 'function' || typeof values === 'function') {
      const cb = (typeof values === 'function' ? values : callback) as (error: unknown, result: unknown) => void;
      return (super.query as (...a: unknown[]) => unknown)(prepared, (error: unknown, result: unknown) => {
        if (error) onError(error);
        cb(error, result);
      });
    }
    const result = (super.query as (...a: unknown[]) => Promise<unknown>)(prepared);
    result.catch(onError);
    return result;
  }
}
