/**
 * A worker process (src/runtime/worker.ts, as `tandem worker` starts it) that starts, stops with
 * stopAll() and then prints which handles it still holds — without exiting on purpose, so a
 * connection stopAll forgot shows up here. Prints one JSON line: { sockets: number }.
 */
import { loadConfig } from '../../src/config/config.js';
import { startWorkerProcess } from '../../src/runtime/worker.js';

const worker = await startWorkerProcess(loadConfig(), {
  maintenanceEveryMs: 500,
  sweepIntervalMs: 1_000,
  subscriptions: { statusFrequencyMinutes: 1, timeScale: 1 },
});
// Let every worker connect and take its first jobs (maintenance every 500 ms).
await new Promise((resolve) => setTimeout(resolve, 1_500));
await worker.stopAll();
// Sockets closing by quit()/disconnect() are released on the next turns of the loop.
await new Promise((resolve) => setTimeout(resolve, 500));
const sockets = process.getActiveResourcesInfo().filter((kind) => kind === 'TCPSocketWrap').length;
process.stdout.write(`${JSON.stringify({ sockets })}\n`);
process.exit(0);
