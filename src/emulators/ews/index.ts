export {
  startEwsEmulator,
  DEFAULT_EWS_EMULATOR_PORT,
  SEED_MAILBOXES,
  EMULATOR_CREDENTIALS,
  type EwsEmulator,
  type EwsEmulatorOptions,
  type ItemDump,
  type SubscriptionDump,
} from './emulator.js';
export { msalNetworkModule } from './msal-network.js';
