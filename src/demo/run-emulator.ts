import { parseArgs } from 'node:util';
import { DEMO } from './seed.js';
import { logger } from '../logging/logger.js';
import { untilSignal } from '../runtime/signals.js';
import { DEFAULT_BTP_EMULATOR_PORT, startBtpEmulator } from '../emulators/btp/index.js';
import { DEFAULT_EWS_EMULATOR_PORT, startEwsEmulator } from '../emulators/ews/index.js';
import { DEFAULT_GRAPH_EMULATOR_PORT, startGraphEmulator } from '../emulators/graph/index.js';
import { DEFAULT_S4_EMULATOR_PORT, startS4Emulator } from '../emulators/s4/index.js';

const USAGE = `tandem emulate ews|graph|s4|btp [--port N] [--mailboxes a@x,b@x] [--time-scale F] [--events-url URL --events-user U --events-password P]`;

/** `tandem emulate <which>`: one emulator alone, seeded with the demo mailboxes / business partners (docs/emulators.md). */
export async function runEmulator(args: string[]): Promise<void> {
  const [which, ...rest] = args;
  const { values } = parseArgs({
    args: rest,
    options: {
      port: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      mailboxes: { type: 'string' },
      'time-scale': { type: 'string' },
      'events-url': { type: 'string' },
      'events-user': { type: 'string' },
      'events-password': { type: 'string' },
    },
  });
  const mailboxes = values.mailboxes
    ?.split(',')
    .map((m) => m.trim())
    .filter(Boolean);
  const timeScale = values['time-scale'] ? Number(values['time-scale']) : undefined;
  const common = {
    host: values.host,
    ...(mailboxes ? { mailboxes } : {}),
    ...(timeScale ? { timeScale } : {}),
    log: true,
  };
  switch (which) {
    case 'ews': {
      const emulator = await startEwsEmulator({ ...common, port: Number(values.port ?? DEFAULT_EWS_EMULATOR_PORT) });
      process.stdout.write(
        `EWS emulator: ${emulator.ewsUrl}  (basic svc@demo.example / demo-password; OAuth demo-client / demo-secret at ${emulator.tokenUrl('demo')})\n`,
      );
      untilSignal(() => emulator.close());
      return;
    }
    case 'graph': {
      const emulator = await startGraphEmulator({
        ...common,
        port: Number(values.port ?? DEFAULT_GRAPH_EMULATOR_PORT),
      });
      process.stdout.write(
        `Graph emulator: ${emulator.url}/v1.0  (OAuth demo-client / demo-secret at ${emulator.httpsUrl}/${emulator.tenantId}/oauth2/v2.0/token)\n`,
      );
      untilSignal(() => emulator.close());
      return;
    }
    case 's4': {
      // Without explicit credentials the emulator signs in with the demo tenant's callback credential.
      const eventsAuth =
        values['events-user'] && values['events-password']
          ? { username: values['events-user'], password: values['events-password'] }
          : DEMO.callback;
      const emulator = await startS4Emulator({
        host: values.host,
        port: Number(values.port ?? DEFAULT_S4_EMULATOR_PORT),
        log: true,
        ...(values['events-url'] ? { eventsUrl: values['events-url'], heartbeatMs: 5 * 60_000 } : {}),
        ...(eventsAuth ? { eventsAuth } : {}),
      });
      process.stdout.write(
        `S/4 emulator: ${emulator.url}/sap/opu/odata/sap/  (TANDEM_COMM / demo-password, sap-client 100); GUI: ${emulator.url}/\n`,
      );
      untilSignal(() => emulator.close());
      return;
    }
    case 'btp': {
      const emulator = await startBtpEmulator({
        host: values.host,
        port: Number(values.port ?? DEFAULT_BTP_EMULATOR_PORT),
      });
      process.stdout
        .write(`BTP emulator: destination service and connectivity proxy ${emulator.url}, XSUAA ${emulator.uaaUrl}
  provider subaccount ${emulator.provider.id} (subdomain ${emulator.provider.subdomain}); control API ${emulator.url}/_emulator/
  VCAP_SERVICES for the app: curl ${emulator.url}/_emulator/bindings   (see docs/emulators-btp.md)
`);
      untilSignal(() => emulator.close());
      return;
    }
    default:
      logger.error(USAGE);
      throw new Error(`unknown emulator "${which ?? ''}"; ${USAGE}`);
  }
}
