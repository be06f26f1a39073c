import type { Contact, ContactDraft } from '../model/exchange-items.js';
import type { S4BusinessPartner } from '../model/s4-objects.js';
import type { SyncAction, SyncLink } from '../actions.js';
import { decide, type KindSpec } from '../decide.js';
import type { TenantSettings } from '../settings.js';
import { CONTACT_FIELDS, type CanonicalContact } from './canonical-contact.js';
import {
  canonicalToContactDraft,
  contactDraftChanges,
  exchangeContactToCanonical,
  s4ContactToCanonical,
} from './contact-mapping.js';

export type ContactAction = SyncAction<CanonicalContact, ContactDraft, never>;

export const contactSpec: KindSpec<CanonicalContact, ContactDraft, never> = {
  kind: 'contact',
  fields: CONTACT_FIELDS,
  exchangeFields: CONTACT_FIELDS,
  toDraft: canonicalToContactDraft,
  draftChanges: contactDraftChanges,
};

export interface ContactDecisionInput {
  settings: TenantSettings;
  mailbox: string;
  /** The business partner, or undefined when it no longer exists. */
  s4?: S4BusinessPartner;
  companyName?: string;
  /** Whether contactsForEmployee put it into this mailbox. */
  inScope: boolean;
  exchange?: Contact;
  exchangeSearchedByMarker?: boolean;
  link?: SyncLink<CanonicalContact>;
}

/** Contacts flow S/4 → Exchange only: Outlook edits stay until S/4 changes the field; Outlook deletes leave a tombstone. */
export function decideContact(input: ContactDecisionInput): ContactAction[] {
  const { s4, exchange, link, mailbox } = input;
  const inScope = input.inScope && input.settings.contacts.enabled && s4?.category === 'person';
  return decide(
    contactSpec,
    {
      exchangeToS4Enabled: false,
      onOutlookDelete: 'delete',
      policy: 's4Wins',
      owners: {},
    },
    {
      mailbox,
      s4: s4
        ? {
            state: 'present',
            key: s4.id,
            // The partner's change stamp stands in for an ETag: a moved version with unchanged content
            // is recorded on the link, so the drift check compares versions as it does for activities.
            etag: s4.changedAt ?? '',
            canonical: s4ContactToCanonical(s4, input.companyName),
            inScope,
            ...(inScope ? {} : { scopeReason: input.settings.contacts.enabled ? 'filtered.relationship' : 'disabled' }),
          }
        : { state: 'missing' },
      exchange: exchange
        ? {
            state: 'present',
            id: exchange.id,
            changeKey: exchange.changeKey,
            canonical: exchangeContactToCanonical(exchange),
            ...(exchange.stamp ? { stamp: exchange.stamp } : {}),
            qualifies: false,
            qualifyReason: 'contacts.s4Only',
          }
        : { state: 'missing', ...(input.exchangeSearchedByMarker ? { searchedByMarker: true } : {}) },
      ...(link ? { link } : {}),
    },
  );
}
