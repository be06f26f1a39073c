import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Pool } from '../../src/store/pool.js';

/** Spawning test/support/worker-child.ts, the crash tests' worker process, and the tables it records its effects in. */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** test_effects: one row per inbox event a child handled; test_effect_runs: how many handler runs there were. */
export async function createEffectTables(pool: Pool): Promise<void> {
  await pool.query(`CREATE TABLE test_effects (event_id text PRIMARY KEY, worker_pid int, at timestamptz DEFAULT now());
    CREATE TABLE test_effect_runs (runs int NOT NULL); INSERT INTO test_effect_runs VALUES (0);`);
}

export interface WorkerChild {
  child: ChildProcess;
  /** Resolves once the child's worker loop runs; rejects if it exits before. */
  ready: Promise<ChildProcess>;
  /** The exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

/**
 * A worker child over `service`'s database and queue prefix, its handler taking `handlerDelayMs`
 * per run. It is added to `children` at once, so the test's clean-up kills it even if it never
 * gets ready.
 */
export function spawnWorkerChild(
  service: { db: { url: string }; prefix: string },
  children: ChildProcess[],
  handlerDelayMs = 20,
): WorkerChild {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/worker-child.ts'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      ...process.env,
      DATABASE_URL: service.db.url,
      QUEUE_PREFIX: service.prefix,
      HANDLER_DELAY_MS: String(handlerDelayMs),
      LOG_LEVEL: 'silent',
    },
  });
  children.push(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<ChildProcess>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('worker ready')) resolve(child);
    });
    void exited.then((code) => reject(new Error(`worker exited early (${code})`)));
  });
  // A child meant to die (a poison event) is never awaited as ready: its rejection is not an error then.
  ready.catch(() => undefined);
  return { child, ready, exited };
}
