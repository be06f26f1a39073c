export { startS4Emulator, DEFAULT_S4_EMULATOR_PORT, type S4Emulator, type S4EmulatorOptions } from './emulator.js';
export { S4_EMULATOR_USER, S4_EMULATOR_PASSWORD, S4_EMULATOR_CLIENT, S4_EMULATOR_SID } from './server.js';
export { DEMO, seedDemoData, nextEuropeanDstChange } from './seed.js';
export type { OutboxEntry, RetrySchedule, DeliveryState } from './event-outbox.js';
export type { Fault, FaultInput } from './faults.js';
export type { Row, ChangeRecord } from './store.js';
