/**
 * A real worker process (src/runtime/worker.ts, as `tandem worker` starts it) whose heap a test
 * samples during subscription maintenance: each round, a page of subscriptions goes silent (as
 * after an Exchange restart, which ends push subscriptions), the worker's maintenance renews them
 * and catches their folders up; then two forced garbage collections and a heap sample. Run with
 * --expose-gc. Prints one JSON line: { samples: [heapUsed bytes per round] }.
 */
import { loadConfig } from '../../src/config/config.js';
import { startWorkerProcess } from '../../src/runtime/worker.js';
import { createPool } from '../../src/store/pool.js';
import { withSystemScope } from '../../src/store/transaction.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const rounds = Number(process.env.ROUNDS ?? 4);
const perRound = Number(process.env.PER_ROUND ?? 100);
const config = loadConfig();
const worker = await startWorkerProcess(config, {
  maintenanceEveryMs: 500,
  sweepIntervalMs: 1_000,
  subscriptions: { statusFrequencyMinutes: 1, timeScale: 1 },
});
const pool = createPool(config.databaseUrl, { max: 2 });
const query = async <T extends Record<string, unknown>>(sql: string, params: unknown[] = []) =>
  withSystemScope(async (tx) => (await tx.query<T>(sql, params)).rows, pool);

async function until(probe: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (!(await probe())) {
    debug(`waiting for ${what}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const debug = (text: string) => {
  if (process.env.CHILD_DEBUG) process.stderr.write(`${new Date().toISOString()} ${text}\n`);
};
debug('worker started');
const samples: number[] = [];
try {
  for (let round = 0; round < rounds; round++) {
    // Every other subscription has just been heard from (web records heartbeats); one page has not.
    await query(`UPDATE subscriptions SET last_notification_at = now() WHERE state = 'active'`);
    const silent = await query<{ id: string }>(
      `UPDATE subscriptions SET last_notification_at = now() - interval '1 hour'
        WHERE id IN (SELECT id FROM subscriptions WHERE state = 'active' ORDER BY random() LIMIT $1) RETURNING id`,
      [perRound],
    );
    const ids = silent.map((row) => row.id);
    debug(`round ${round}: ${ids.length} silent`);
    await until(
      async () =>
        (
          await query<{ n: number }>(
            `SELECT count(*)::int AS n FROM subscriptions WHERE id = ANY($1) AND state <> 'retired'`,
            [ids],
          )
        )[0]!.n === 0,
      'the silent page to be renewed',
    );
    await until(
      async () =>
        (await query<{ n: number }>(`SELECT count(*)::int AS n FROM inbox WHERE status NOT IN ('done', 'dead')`))[0]!
          .n === 0,
      'the catch-ups to finish',
    );
    gc();
    gc();
    samples.push(process.memoryUsage().heapUsed);
  }
  process.stdout.write(`${JSON.stringify({ samples })}\n`);
} finally {
  await worker.stopAll();
  await pool.end();
  // As `tandem worker` does after its stop (src/runtime/signals.ts): leftover keep-alive sockets must not hold the process.
  process.exit(process.exitCode ?? 0);
}
