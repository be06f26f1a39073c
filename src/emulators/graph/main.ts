import { logger } from '../../logging/logger.js';
import { DEFAULT_GRAPH_EMULATOR_PORT, startGraphEmulator } from './index.js';

/**
 * `tsx src/emulators/graph/main.ts [--port N] [--mailboxes a@x,b@x] [--time-scale N]` — the Graph
 * emulator alone (what `tandem emulate graph` runs). Stops on SIGINT/SIGTERM.
 */
function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const emulator = await startGraphEmulator({
  port: Number(arg('port') ?? DEFAULT_GRAPH_EMULATOR_PORT),
  ...(arg('mailboxes') ? { mailboxes: arg('mailboxes')!.split(',').map((m) => m.trim()).filter(Boolean) } : {}),
  ...(arg('time-scale') ? { timeScale: Number(arg('time-scale')) } : {}),
  log: true,
});
logger.info({ url: emulator.url, httpsUrl: emulator.httpsUrl }, 'Graph emulator listening (client demo-client / demo-secret)');
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void emulator.close().then(() => process.exit(0)));
}
