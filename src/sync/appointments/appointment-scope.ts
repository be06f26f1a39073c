import type { Appointment, TimeWindow } from '../model/exchange-items.js';
import type { S4Appointment } from '../model/s4-objects.js';
import type { PartnerLookup } from '../directory.js';
import { exchangeItemQualifies, IN_SCOPE, inWindow, out, type ScopeVerdict } from '../scope.js';
import type { AppointmentSettings } from '../settings.js';

export interface MailboxTarget {
  mailbox: string;
  partnerId: string;
  /** owner: the employee responsible's mailbox (may write back to S/4); attendee: a read-only copy. */
  role: 'owner' | 'attendee';
}

/** Object-level filters: kind enabled, process type configured, private only when allowed. */
export function s4AppointmentFilter(a: S4Appointment, s: AppointmentSettings): ScopeVerdict {
  if (!s.enabled) return out('disabled');
  if (!s.processTypes.some((p) => p.processType === a.processType)) return out('filtered.processType');
  if (a.isPrivate && !s.syncPrivate) return out('filtered.private');
  return IN_SCOPE;
}

/**
 * The mailboxes that should hold the activity: the employee responsible's and every attendee
 * employee's that is a Tandem user with appointments enabled. A private activity goes to the
 * responsible only (attendees would see a private item of someone else).
 */
export function appointmentTargets(a: S4Appointment, s: AppointmentSettings, lookup: PartnerLookup): MailboxTarget[] {
  if (!s4AppointmentFilter(a, s).inScope) return [];
  return partnerTargets(a, s, lookup);
}

/**
 * The mailboxes the activity concerns by its partners, whether or not the settings let it sync: the
 * worker reconciles it there even when filtered out, so each such mailbox's journal says why it
 * did not sync (disabled, process type, private) — support's answer to "why is it not in Outlook".
 */
export function appointmentCandidates(
  a: S4Appointment,
  s: AppointmentSettings,
  lookup: PartnerLookup,
): MailboxTarget[] {
  return partnerTargets(a, s, lookup);
}

function partnerTargets(a: S4Appointment, s: AppointmentSettings, lookup: PartnerLookup): MailboxTarget[] {
  const targets = new Map<string, MailboxTarget>();
  const add = (partnerId: string, role: MailboxTarget['role']) => {
    const user = lookup.byId(partnerId)?.user;
    if (!user || !user.kinds.includes('appointment')) return;
    const key = user.mailbox.toLowerCase();
    if (!targets.has(key) || role === 'owner') targets.set(key, { mailbox: key, partnerId, role });
  };
  for (const p of a.partners) if (p.partnerFunction === s.partnerFunctions.responsible) add(p.businessPartner, 'owner');
  if (!a.isPrivate)
    for (const p of a.partners)
      if (p.partnerFunction === s.partnerFunctions.attendee) add(p.businessPartner, 'attendee');
  return [...targets.values()];
}

/** Whether this mailbox should hold the activity, with the reason when not (journal: 'leftScope.<reason>'). */
export function appointmentScopeFor(
  a: S4Appointment,
  mailbox: string,
  s: AppointmentSettings,
  lookup: PartnerLookup,
  window: TimeWindow | undefined,
): ScopeVerdict & { role?: MailboxTarget['role'] } {
  const f = s4AppointmentFilter(a, s);
  if (!f.inScope) return f;
  const t = appointmentTargets(a, s, lookup).find((x) => x.mailbox === mailbox.toLowerCase());
  if (!t) return out('filtered.notPartner');
  if (window && !inWindow(a.start, a.end, window)) return out('outOfWindow');
  return { inScope: true, role: t.role };
}

/** Exchange → S/4 qualification of an Outlook appointment; series are handled by decideSeries. */
export function appointmentQualifies(item: Appointment, s: AppointmentSettings): ScopeVerdict {
  if (!s.enabled) return out('disabled');
  const v = exchangeItemQualifies(item, s);
  if (!v.inScope) return v;
  // Series reach S/4 only through decideSeries (per occurrence), never item by item.
  if (item.type !== 'single') return out(s.recurringToS4 === 'off' ? 'filtered.recurring' : 'series.viaMaster');
  return IN_SCOPE;
}
