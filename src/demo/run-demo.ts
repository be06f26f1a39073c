import { config } from '../config/config.js';
import { logger } from '../logging/logger.js';
import { untilSignal } from '../runtime/signals.js';
import { signDevToken } from '../security/dev-token.js';
import { ensureCockpitBuilt } from './ensure-cockpit.js';
import { startLocalSystem } from './local-system.js';
import { DEMO } from './seed.js';

const portFromEnv = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

/**
 * `npm run demo`: the whole system in one process tree — migrate, start the emulators, seed the
 * demo tenant, start web and worker, print every URL and what to try. Ctrl-C stops everything.
 */
export async function runDemo(_args: string[]): Promise<void> {
  ensureCockpitBuilt();
  const system = await startLocalSystem({
    ports: {
      ews: portFromEnv('EWS_EMULATOR_PORT', 8090),
      s4: portFromEnv('S4_EMULATOR_PORT', 8091),
      graph: portFromEnv('GRAPH_EMULATOR_PORT', 8092),
    },
    graph: true,
    // As the ABAP sender job (every 5 minutes), so the S/4 connection Test shows a live heartbeat.
    s4HeartbeatMs: 5 * 60_000,
    // Alice and Bob are subscribed within seconds of the start.
    maintenanceEveryMs: 5_000,
  });
  const { ews, s4Emulator, graph } = system;
  const webUrl = `http://127.0.0.1:${config().port}`;
  const adminToken = await signDevToken(config().devTokenSecret, {
    tenantId: DEMO.tenantId,
    scopes: ['Admin', 'Support'],
    user: 'demo-admin',
  });

  process.stdout.write(`
Tandem demo is running — tenant "${DEMO.tenantId}" (users alice@demo.example = EMP001, bob@demo.example = EMP002)

  web            ${webUrl}              /health  /ready  /metrics  /api/v1/openapi.json
  cockpit        ${webUrl}/cockpit/?token=${adminToken}
  S/4 emulator   ${s4Emulator.url}/             (the SAP GUI stand-in: create and edit appointments, tasks, partners)
                 OData: ${s4Emulator.url}/sap/opu/odata/sap/   user TANDEM_COMM / demo-password, sap-client 100
  EWS emulator   ${ews.ewsUrl}   svc@demo.example / demo-password
                 Alice's calendar: ${ews.url}/_emulator/mailboxes/alice@demo.example/items
  Graph emulator ${graph!.url}/v1.0       client demo-client / demo-secret
  S/4 → Tandem   POST ${webUrl}/s4/events   basic ${DEMO.callback.username} / ${DEMO.callback.password}

Try it:
  1. In the S/4 emulator page create an appointment of type ZVIS with EMP001 (Alice) as employee responsible.
  2. Within a second it is in Alice's calendar: ${ews.url}/_emulator/mailboxes/alice@demo.example/items
  3. What happened, per item:   AUTH_MODE=dev npx tandem journal --tenant ${DEMO.tenantId} --last 10m
  4. Admin API:  curl -H "Authorization: Bearer <admin token above>" ${webUrl}/api/v1/status

Stop with Ctrl-C.
`);
  untilSignal(async () => {
    await system.stop();
    logger.info('demo stopped');
  });
}
