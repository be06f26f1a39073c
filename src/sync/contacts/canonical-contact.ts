import type { PostalAddress } from '../model/exchange-items.js';

/** The side-neutral contact person (S/4 → Exchange only). */
export interface CanonicalContact {
  givenName?: string;
  surname?: string;
  displayName: string;
  companyName?: string;
  jobTitle?: string;
  /** Lower-case, sorted. */
  emailAddresses: string[];
  /** Order kept: the first is the primary. */
  businessPhones: string[];
  mobilePhone?: string;
  businessAddress?: PostalAddress;
}

export type ContactField = keyof CanonicalContact;

export const CONTACT_FIELDS: readonly ContactField[] = [
  'givenName',
  'surname',
  'displayName',
  'companyName',
  'jobTitle',
  'emailAddresses',
  'businessPhones',
  'mobilePhone',
  'businessAddress',
];
