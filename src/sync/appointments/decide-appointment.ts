import type { Appointment, AppointmentDraft } from '../model/exchange-items.js';
import type { S4Appointment } from '../model/s4-objects.js';
import type { SyncAction, SyncLink } from '../actions.js';
import { activityDecideInput, activityDecideSettings } from '../activity-decision.js';
import { decide, type KindSpec } from '../decide.js';
import type { PartnerLookup } from '../directory.js';
import { syncWindow } from '../scope.js';
import type { TenantSettings } from '../settings.js';
import { appointmentQualifies, appointmentScopeFor } from './appointment-scope.js';
import {
  appointmentDraftChanges,
  canonicalToAppointmentDraft,
  canonicalToS4AppointmentCreate,
  canonicalToS4AppointmentUpdate,
  exchangeAppointmentToCanonical,
  s4AppointmentToCanonical,
  type S4AppointmentWrite,
} from './appointment-mapping.js';
import { APPOINTMENT_EXCHANGE_FIELDS, APPOINTMENT_FIELDS, type CanonicalAppointment } from './canonical-appointment.js';

export type AppointmentAction = SyncAction<CanonicalAppointment, AppointmentDraft, S4AppointmentWrite>;

export interface AppointmentDecisionInput {
  settings: TenantSettings;
  lookup: PartnerLookup;
  /** ISO instant; decisions never read the clock. */
  now: string;
  mailbox: string;
  /** The mailbox owner's employee BP (responsible of activities created from this mailbox). */
  mailboxPartnerId: string;
  /** The mailbox's IANA zone: all-day items are written at its midnights. */
  mailboxTimeZone?: string;
  /** Fresh S/4 state, or undefined when it does not exist (deleted / not created yet). */
  s4?: S4Appointment;
  s4SearchedByMarker?: boolean;
  exchange?: Appointment;
  exchangeSearchedByMarker?: boolean;
  link?: SyncLink<CanonicalAppointment>;
}

export function appointmentSpec(
  settings: TenantSettings,
  lookup: PartnerLookup,
  ctx: { processType: string; responsible: string; mailboxTimeZone?: string },
): KindSpec<CanonicalAppointment, AppointmentDraft, S4AppointmentWrite> {
  const s = settings.appointments;
  return {
    kind: 'appointment',
    fields: APPOINTMENT_FIELDS,
    exchangeFields: APPOINTMENT_EXCHANGE_FIELDS,
    setFields: ['attendees'],
    companions: { start: ['timeZone'] },
    toDraft: (c) => canonicalToAppointmentDraft(c, s, lookup, ctx.mailboxTimeZone),
    draftChanges: (c, changed) => appointmentDraftChanges(c, changed, lookup, ctx.mailboxTimeZone),
    toS4Create: (c, marker) => canonicalToS4AppointmentCreate(c, s, lookup, { ...ctx, marker }),
    toS4Update: (before, after, changed) =>
      canonicalToS4AppointmentUpdate(before, after, changed, ctx.processType, s, lookup),
  };
}

/** One reconciliation decision (docs/sync-engine.md, "The decision table as implemented") for an appointment in one mailbox. */
export function decideAppointment(input: AppointmentDecisionInput): AppointmentAction[] {
  const { settings, lookup, mailbox, link } = input;
  const s = settings.appointments;
  const s4c = input.s4 ? s4AppointmentToCanonical(input.s4, s, lookup, mailbox) : undefined;
  // The window only bounds what is newly brought in; linked items do not vanish as they age.
  const window = link ? undefined : syncWindow(settings, input.now);
  const scope = input.s4 ? appointmentScopeFor(input.s4, mailbox, s, lookup, window) : undefined;
  const base = link?.snapshot ?? s4c;
  const exc = input.exchange ? exchangeAppointmentToCanonical(input.exchange, base, mailbox) : undefined;
  const qualifies = input.exchange ? appointmentQualifies(input.exchange, s) : undefined;
  // Copies in attendees' mailboxes are read-only mirrors; the role follows the current partner list.
  const effectiveLink = link && scope?.role ? { ...link, role: scope.role } : link;
  const spec = appointmentSpec(settings, lookup, {
    processType: input.s4?.processType ?? s.defaultProcessType ?? '',
    responsible: input.mailboxPartnerId,
    ...(input.mailboxTimeZone ? { mailboxTimeZone: input.mailboxTimeZone } : {}),
  });
  return decide(
    spec,
    activityDecideSettings(s, settings.conflicts),
    activityDecideInput({
      mailbox,
      settings: s,
      ...(input.s4 && s4c && scope ? { s4: { uuid: input.s4.uuid, etag: input.s4.etag, canonical: s4c, scope } } : {}),
      ...(input.exchange && exc && qualifies
        ? {
            exchange: {
              id: input.exchange.id,
              changeKey: input.exchange.changeKey,
              ...(input.exchange.stamp ? { stamp: input.exchange.stamp } : {}),
              canonical: exc,
              qualifies,
            },
          }
        : {}),
      ...(input.s4SearchedByMarker ? { s4SearchedByMarker: true } : {}),
      ...(input.exchangeSearchedByMarker ? { exchangeSearchedByMarker: true } : {}),
      ...(effectiveLink ? { link: effectiveLink } : {}),
    }),
  );
}
