/**
 * A real worker process for crash tests: the production worker loop with a handler that records
 * its effect per inbox event (idempotently, as real reconciliations are) and takes a little time,
 * so a test can kill -9 it mid-job. Configured through env by the test.
 */
import { Redis } from 'ioredis';
import { untilSignal } from '../../src/runtime/signals.js';
import { createPool } from '../../src/store/pool.js';
import { InboxHandlerRegistry, startWorker } from '../../src/worker/run-worker.js';

const pool = createPool(process.env.DATABASE_URL!, { max: 8 });
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
const handlers = new InboxHandlerRegistry()
  .register('sap.s4.beh.', async (work) => {
    await new Promise((resolve) => setTimeout(resolve, Number(process.env.HANDLER_DELAY_MS ?? 20)));
    await pool.query(
      `INSERT INTO test_effects (event_id, worker_pid) SELECT unnest($1::text[]), $2 ON CONFLICT (event_id) DO NOTHING`,
      [work.rows.map((row) => row.eventId), process.pid],
    );
    await pool.query(`UPDATE test_effect_runs SET runs = runs + 1`);
  })
  .register('test.poison', async () => {
    // An event whose processing kills the process (as an out-of-memory crash would).
    process.kill(process.pid, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 10_000));
  });
const running = startWorker({
  pool,
  redis,
  queuePrefix: process.env.QUEUE_PREFIX!,
  handlers,
  concurrency: 8,
  jobTimeoutMs: 4_000,
  lockDurationMs: 3_000,
  sweepIntervalMs: 500,
  sweep: { graceMs: 1_000, processingLeaseMs: 5_000, batchSize: 1_000 },
});
// As in production (src/cli.ts): SIGTERM stops taking jobs and hands unfinished ones back.
untilSignal(async () => {
  await running.stop();
  await pool.end();
  redis.disconnect();
});
process.stdout.write('worker ready\n');
