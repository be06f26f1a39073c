import type { Appointment } from '../model/exchange-items.js';
import type { S4Appointment } from '../model/s4-objects.js';
import type { SyncLink } from '../actions.js';
import { decideAppointment, type AppointmentAction } from '../appointments/decide-appointment.js';
import type { CanonicalAppointment } from '../appointments/canonical-appointment.js';
import type { PartnerLookup } from '../directory.js';
import { exchangeItemQualifies, syncWindow } from '../scope.js';
import type { TenantSettings } from '../settings.js';
import { expandSeriesToOccurrences, parseOccurrenceKey } from './expand-series.js';

/** What the worker knows about one occurrence already linked to an S/4 activity. */
export interface LinkedOccurrence {
  link: SyncLink<CanonicalAppointment>;
  /** The activity's fresh state; undefined when it no longer exists in S/4. */
  s4?: S4Appointment;
  /** For `creating` links: the worker searched S/4 for the marker and found nothing. */
  s4SearchedByMarker?: boolean;
}

export interface SeriesDecisionInput {
  settings: TenantSettings;
  lookup: PartnerLookup;
  now: string;
  mailbox: string;
  mailboxPartnerId: string;
  /** The series master, or undefined when the whole series was deleted. */
  master?: Appointment;
  exceptions: Appointment[];
  /** Existing occurrence links of this series, by occurrence key (`seriesId@originalStart`). */
  linked: ReadonlyMap<string, LinkedOccurrence>;
}

export interface OccurrenceDecision {
  key: string;
  actions: AppointmentAction[];
}

/**
 * Outlook series → one S/4 activity per occurrence in the window (docs/sync-engine.md, "Recurring series"). Each
 * occurrence is reconciled like a single appointment whose Exchange id and marker are its key:
 * new occurrences (also those the moving window brings in) are created, changed ones and
 * exceptions update theirs, deleted occurrences take the configured S/4 delete action. Linked
 * occurrences that are merely behind the window are left alone.
 */
export function decideSeries(input: SeriesDecisionInput): OccurrenceDecision[] {
  const { settings, master } = input;
  const s = settings.appointments;
  const window = syncWindow(settings, input.now);
  const enabled = s.enabled && s.recurringToS4 === 'occurrences';
  const qualifies = master !== undefined && enabled && exchangeItemQualifies(master, s).inScope;
  // (exchangeItemQualifies also applies the private rule: a private series stays out unless syncPrivate.)
  const occurrences =
    master && qualifies
      ? expandSeriesToOccurrences(master, input.exceptions, master.deletedOccurrences ?? [], window)
      : [];
  const desired = new Map(occurrences.map((o) => [o.key, o]));
  const out: OccurrenceDecision[] = [];
  const base = {
    settings,
    lookup: input.lookup,
    now: input.now,
    mailbox: input.mailbox,
    mailboxPartnerId: input.mailboxPartnerId,
  };

  for (const o of occurrences) {
    const linked = input.linked.get(o.key);
    // The occurrence is addressed by its key: it is the marker on both sides and the id the link keeps.
    const item: Appointment = { ...o.item, id: o.key, type: 'single' };
    if (!linked) {
      out.push({ key: o.key, actions: decideAppointment({ ...base, exchange: item }) });
      continue;
    }
    out.push({
      key: o.key,
      actions: outlookIsMaster(
        decideAppointment({
          ...base,
          exchange: item,
          link: linked.link,
          ...(linked.s4 ? { s4: linked.s4 } : {}),
          ...(linked.s4SearchedByMarker ? { s4SearchedByMarker: true } : {}),
        }),
      ),
    });
  }

  const deleted = new Set((master?.deletedOccurrences ?? []).map((d) => new Date(Date.parse(d)).toISOString()));
  for (const [key, linked] of input.linked) {
    if (desired.has(key)) continue;
    const original = parseOccurrenceKey(key)?.originalStart;
    const wasDeleted = master === undefined || (original !== undefined && deleted.has(original));
    const stillInWindow = original !== undefined && Date.parse(original) >= Date.parse(window.start);
    if (!wasDeleted && qualifies && !stillInWindow) {
      out.push({
        key,
        actions: [{ type: 'noop', reason: 'behindWindow', journal: { outcome: 'skipped', reason: 'behindWindow' } }],
      });
      continue;
    }
    if (!wasDeleted && master !== undefined && !qualifies) {
      // Category/tag removed from the series or recurring sync turned off: stop syncing, keep S/4.
      out.push({
        key,
        actions: [
          {
            type: 'unlink',
            mailbox: input.mailbox,
            tombstone: false,
            journal: { outcome: 'skipped', reason: 'leftScope.series' },
          },
        ],
      });
      continue;
    }
    // Deleted occurrence, deleted series, or an occurrence the edited pattern no longer has.
    out.push({
      key,
      actions: outlookIsMaster(
        decideAppointment({ ...base, link: linked.link, ...(linked.s4 ? { s4: linked.s4 } : {}) }),
      ),
    });
  }
  return out;
}

/**
 * For occurrences Outlook is the master: an occurrence has no item of its own to update (only the
 * series or an exception), so S/4 edits are journalled, not written back, and the next
 * reconciliation of the series restates the Outlook values. An occurrence whose activity was deleted in S/4 is
 * tombstoned, so the expansion never silently recreates it.
 */
function outlookIsMaster(actions: AppointmentAction[]): AppointmentAction[] {
  return actions.map((a): AppointmentAction => {
    if (a.type === 'updateExchangeItem') {
      return {
        type: 'noop',
        reason: 'series.outlookIsMaster',
        journal: { outcome: 'skipped', reason: 'series.outlookIsMaster', fields: a.journal.fields ?? [] },
      };
    }
    if (a.type === 'unlink' && a.journal.reason.startsWith('deleted.s4')) return { ...a, tombstone: true };
    return a;
  });
}
