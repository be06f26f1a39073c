import { config } from '../config/config.js';
import { logger } from '../logging/logger.js';
import { untilSignal } from '../runtime/signals.js';
import { startWeb } from '../runtime/web.js';
import { startWorkerProcess } from '../runtime/worker.js';
import { signDevToken } from '../security/dev-token.js';
import { migrate } from '../store/migrate.js';
import { DEMO, seedDemoTenant } from './seed.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

/**
 * `npm run demo`: the whole system in one process tree — migrate, seed the demo tenant, start web
 * and worker (and the emulators), print every URL and what to try. Ctrl-C stops everything.
 */
export async function runDemo(_args: string[]): Promise<void> {
  const settings = config();
  const ports = { web: settings.port, ews: env('EWS_EMULATOR_PORT', 8090), s4: env('S4_EMULATOR_PORT', 8091), graph: env('GRAPH_EMULATOR_PORT', 8092) };
  await migrate(settings.databaseUrl);
  const web = await startWeb(settings);
  await seedDemoTenant(web.pool, settings, { ewsUrl: `http://127.0.0.1:${ports.ews}/EWS/Exchange.asmx` });
  const worker = await startWorkerProcess(settings);
  const adminToken = await signDevToken(settings.devTokenSecret, { tenantId: DEMO.tenantId, scopes: ['Admin', 'Support'], user: 'demo-admin' });

  process.stdout.write(`
Tandem demo is running (tenant "${DEMO.tenantId}")

  web          http://127.0.0.1:${ports.web}      health: /health  ready: /ready  metrics: /metrics
  S/4 events   POST http://127.0.0.1:${ports.web}/s4/events  (basic auth ${DEMO.callback.username} / ${DEMO.callback.password})
  admin token  ${adminToken}

Stop with Ctrl-C.
`);
  untilSignal(async () => {
    await worker.stopAll();
    await web.stop();
    logger.info('demo stopped');
  });
}
