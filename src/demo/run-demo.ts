import { config } from '../config/config.js';
import { startEwsEmulator } from '../emulators/ews/index.js';
import { startGraphEmulator } from '../emulators/graph/index.js';
import { startS4Emulator } from '../emulators/s4/index.js';
import { logger } from '../logging/logger.js';
import { untilSignal } from '../runtime/signals.js';
import { startWeb } from '../runtime/web.js';
import { startWorkerProcess } from '../runtime/worker.js';
import { signDevToken } from '../security/dev-token.js';
import { migrate } from '../store/migrate.js';
import { DEMO, seedDemoTenant } from './seed.js';

const portFromEnv = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

/**
 * `npm run demo`: the whole system in one process tree — migrate, start the emulators, seed the
 * demo tenant, start web and worker, print every URL and what to try. Ctrl-C stops everything.
 */
export async function runDemo(_args: string[]): Promise<void> {
  const settings = config();
  const ports = { web: settings.port, ews: portFromEnv('EWS_EMULATOR_PORT', 8090), s4: portFromEnv('S4_EMULATOR_PORT', 8091), graph: portFromEnv('GRAPH_EMULATOR_PORT', 8092) };
  const webUrl = `http://127.0.0.1:${ports.web}`;
  await migrate(settings.databaseUrl);
  const ews = await startEwsEmulator({ port: ports.ews });
  const graph = await startGraphEmulator({ port: ports.graph });
  const s4 = await startS4Emulator({ port: ports.s4, eventsUrl: `${webUrl}/s4/events`, eventsAuth: DEMO.callback });
  const web = await startWeb(settings);
  await seedDemoTenant(web.pool, settings, { ewsUrl: ews.ewsUrl, s4Url: s4.url });
  // Short maintenance interval: Alice and Bob are subscribed within seconds of the start.
  const worker = await startWorkerProcess(settings, { maintenanceEveryMs: 5_000 });
  const adminToken = await signDevToken(settings.devTokenSecret, { tenantId: DEMO.tenantId, scopes: ['Admin', 'Support'], user: 'demo-admin' });

  process.stdout.write(`
Tandem demo is running — tenant "${DEMO.tenantId}" (users alice@demo.example = EMP001, bob@demo.example = EMP002)

  web            ${webUrl}              /health  /ready  /metrics  /api/v1/openapi.json
  cockpit        ${webUrl}/cockpit/?token=${adminToken}
  S/4 emulator   ${s4.url}/             (the SAP GUI stand-in: create and edit appointments, tasks, partners)
                 OData: ${s4.url}/sap/opu/odata/sap/   user TANDEM_COMM / demo-password, sap-client 100
  EWS emulator   ${ews.ewsUrl}   svc@demo.example / demo-password
                 Alice's calendar: ${ews.url}/_emulator/mailboxes/alice@demo.example/items
  Graph emulator ${graph.url}/v1.0       client demo-client / demo-secret
  S/4 → Tandem   POST ${webUrl}/s4/events   basic ${DEMO.callback.username} / ${DEMO.callback.password}

Try it:
  1. In the S/4 emulator page create an appointment of type ZVIS with EMP001 (Alice) as employee responsible.
  2. Within a second it is in Alice's calendar: ${ews.url}/_emulator/mailboxes/alice@demo.example/items
  3. What happened, per item:   npx tandem journal --tenant ${DEMO.tenantId} --last 10m
  4. Admin API:  curl -H "Authorization: Bearer <admin token above>" ${webUrl}/api/v1/status

Stop with Ctrl-C.
`);
  untilSignal(async () => {
    await worker.stopAll();
    await web.stop();
    await Promise.all([ews.close(), graph.close(), s4.close()]);
    logger.info('demo stopped');
  });
}
