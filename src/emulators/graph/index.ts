export {
  startGraphEmulator,
  DEFAULT_GRAPH_EMULATOR_PORT,
  DEFAULT_MAILBOXES,
  EMULATOR_TENANT_ID,
  type GraphEmulator,
  type GraphEmulatorOptions,
} from './emulator.js';
export { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, GRAPH_SCOPE } from './auth.js';
export type { PortableMailbox } from './portable.js';
export type { Fault } from './faults.js';
