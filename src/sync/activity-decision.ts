import type { SyncLink } from './actions.js';
import type { DecideInput, DecideSettings } from './decide.js';
import type { Stamp } from './model/exchange-items.js';
import { madePrivateInOutlook, type ScopeVerdict } from './scope.js';
import type { ConflictSettings, TaskSettings } from './settings.js';

/**
 * What appointments and tasks hand the decision table alike: the settings of their kind and the
 * two sides' states built from the fresh objects and the kind's scope verdicts. Contacts only sync
 * S/4 → Exchange and build theirs apart.
 */

/** The settings both activity kinds have (appointments and tasks share these option names). */
export type ActivityKindSettings = Pick<
  TaskSettings,
  'exchangeToS4' | 'onOutlookDelete' | 'deletedStatus' | 'syncPrivate'
>;

export function activityDecideSettings(s: ActivityKindSettings, conflicts: ConflictSettings): DecideSettings {
  return {
    exchangeToS4Enabled: s.exchangeToS4 !== 'off',
    onOutlookDelete: s.onOutlookDelete,
    ...(s.deletedStatus ? { deletedStatus: s.deletedStatus } : {}),
    policy: conflicts.policy,
    owners: conflicts.fieldOwners,
  };
}

/** One activity in one mailbox as the kind module read and judged it. */
export interface ActivityObservation<C> {
  mailbox: string;
  settings: ActivityKindSettings;
  s4?: { uuid: string; etag: string; canonical: C; scope: ScopeVerdict & { role?: 'owner' | 'attendee' } };
  s4SearchedByMarker?: boolean;
  exchange?: { id: string; changeKey: string; stamp?: Stamp; canonical: C; qualifies: ScopeVerdict };
  exchangeSearchedByMarker?: boolean;
  link?: SyncLink<C>;
}

export function activityDecideInput<C extends { isPrivate: boolean }>(o: ActivityObservation<C>): DecideInput<C> {
  const { s4, exchange, link } = o;
  return {
    mailbox: o.mailbox,
    s4: s4
      ? {
          state: 'present',
          key: s4.uuid,
          etag: s4.etag,
          canonical: s4.canonical,
          inScope: s4.scope.inScope,
          ...(s4.scope.reason ? { scopeReason: s4.scope.reason } : {}),
          ...(s4.scope.role ? { role: s4.scope.role } : {}),
        }
      : { state: 'missing', ...(o.s4SearchedByMarker ? { searchedByMarker: true } : {}) },
    exchange: exchange
      ? {
          state: 'present',
          id: exchange.id,
          changeKey: exchange.changeKey,
          canonical: exchange.canonical,
          ...(exchange.stamp ? { stamp: exchange.stamp } : {}),
          qualifies: exchange.qualifies.inScope,
          ...(exchange.qualifies.reason ? { qualifyReason: exchange.qualifies.reason } : {}),
          ...(madePrivateInOutlook(
            o.settings.syncPrivate,
            exchange.canonical.isPrivate,
            link?.snapshot?.isPrivate,
            s4?.canonical.isPrivate,
          )
            ? { blocked: 'filtered.private' }
            : {}),
        }
      : { state: 'missing', ...(o.exchangeSearchedByMarker ? { searchedByMarker: true } : {}) },
    ...(link ? { link } : {}),
  };
}
