/**
 * The pure sync engine's public surface, for workers and the admin API. See docs/sync-engine.md.
 */
export * from './actions.js';
export { tenantSettingsSchema, defaultTenantSettings, parseTenantSettings, statusCodeFor } from './settings.js';
export type { TenantSettings, AppointmentSettings, TaskSettings, ContactSettings, ParseResult } from './settings.js';
export { canonicalHash, stableJson } from './canonical/hash.js';
export { layeredLookup, partnerLookup, type PartnerInfo, type PartnerLookup } from './directory.js';
export { syncWindow, exchangeItemQualifies, hasSyncTag } from './scope.js';
export { threeWayMerge, mergeSets } from './merge.js';
export {
  appointmentCandidates,
  appointmentTargets,
  appointmentScopeFor,
  appointmentQualifies,
  type MailboxTarget,
} from './appointments/appointment-scope.js';
export {
  decideAppointment,
  type AppointmentAction,
  type AppointmentDecisionInput,
} from './appointments/decide-appointment.js';
export type { CanonicalAppointment } from './appointments/canonical-appointment.js';
export type { S4AppointmentWrite } from './appointments/appointment-mapping.js';
export { decideTask, taskScopeFor, type TaskAction, type TaskDecisionInput } from './tasks/decide-task.js';
export type { CanonicalTask } from './tasks/canonical-task.js';
export type { S4TaskWrite } from './tasks/task-mapping.js';
export { decideContact, type ContactAction, type ContactDecisionInput } from './contacts/decide-contact.js';
export { contactsForEmployee, diffContacts, type DesiredContact } from './contacts/contact-scope.js';
export type { CanonicalContact } from './contacts/canonical-contact.js';
export { expandSeriesToOccurrences, parseOccurrenceKey, type Occurrence } from './recurrence/expand-series.js';
export { decideSeries, type LinkedOccurrence, type SeriesDecisionInput } from './recurrence/decide-series.js';
export {
  instanceWindow,
  occurrencesMissingFromInstances,
  withDeletedFromInstances,
} from './recurrence/series-instances.js';
export {
  matchForInitialLoad,
  type InitialLoadMatch,
  type S4Candidate,
  type ExchangeCandidate,
} from './initial-load.js';
export { applySafetyValve, checkSafetyValve, type SafetyValveLimits, type ValveCounters } from './safety-valve.js';
export { selectAttachments } from './attachments.js';
