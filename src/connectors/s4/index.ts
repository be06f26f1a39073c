export { createS4Client, S4Client, S4_SERVICES, DEFAULT_PARTNER_FUNCTIONS, type S4ClientOptions } from './client.js';
export type { ChangesetOperation, ChangesetResult } from './batch.js';
export type { S4ResilienceOptions } from './http.js';
export * from './types.js';
export { sapTimeZoneToIana, ianaToSapTimeZone, isMappedIanaZone, SAP_TO_IANA } from './time-zones.js';
export { toS4Error } from './errors.js';
