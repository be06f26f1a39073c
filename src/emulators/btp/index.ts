export { startBtpEmulator, DEFAULT_BTP_EMULATOR_PORT, type BtpEmulator, type BtpEmulatorOptions } from './emulator.js';
export type { Destination, CloudConnector, Subaccount, ProxyRequestRecord } from './model.js';
