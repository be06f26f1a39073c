import type { Contact, ContactDraft, PostalAddress } from '../model/exchange-items.js';
import type { S4BusinessPartner } from '../model/s4-objects.js';
import { normalizeList, normalizeLine, normalizeOptional, normalizeSet } from '../canonical/normalize.js';
import type { CanonicalContact, ContactField } from './canonical-contact.js';

function address(a: PostalAddress | undefined): PostalAddress | undefined {
  if (!a) return undefined;
  const out: PostalAddress = {};
  for (const k of ['street', 'city', 'postalCode', 'state', 'countryOrRegion'] as const) {
    const v = normalizeOptional(a[k]);
    if (v !== undefined) out[k] = v;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function compact<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

/** Person BP → canonical contact; `companyName` is the customer it is a contact person of (BUR001). */
export function s4ContactToCanonical(bp: S4BusinessPartner, companyName?: string): CanonicalContact {
  const given = normalizeOptional(bp.firstName);
  const sur = normalizeOptional(bp.lastName);
  const a = bp.address;
  return compact({
    givenName: given,
    surname: sur,
    displayName: normalizeLine([given, sur].filter(Boolean).join(' ')) || normalizeLine(bp.organizationName) || bp.id,
    companyName: normalizeOptional(companyName),
    jobTitle: normalizeOptional(bp.jobTitle),
    emailAddresses: normalizeSet(bp.emails),
    businessPhones: normalizeList(bp.phones.filter((p) => p.kind === 'phone').map((p) => p.number)),
    mobilePhone: normalizeOptional(bp.phones.find((p) => p.kind === 'mobile')?.number),
    businessAddress: address(
      a
        ? {
            street: [a.street, a.houseNumber].filter(Boolean).join(' '),
            city: a.city,
            postalCode: a.postalCode,
            state: a.region,
            countryOrRegion: a.country,
          }
        : undefined,
    ),
  });
}

export function exchangeContactToCanonical(c: Contact): CanonicalContact {
  return compact({
    givenName: normalizeOptional(c.givenName),
    surname: normalizeOptional(c.surname),
    displayName: normalizeLine(c.displayName),
    companyName: normalizeOptional(c.companyName),
    jobTitle: normalizeOptional(c.jobTitle),
    emailAddresses: normalizeSet(c.emailAddresses),
    businessPhones: normalizeList(c.businessPhones),
    mobilePhone: normalizeOptional(c.mobilePhone),
    businessAddress: address(c.businessAddress),
  });
}

export function canonicalToContactDraft(c: CanonicalContact): ContactDraft {
  return compact({
    ...c,
    emailAddresses: [...c.emailAddresses],
    businessPhones: [...c.businessPhones],
    categories: [] as string[],
  });
}

export function contactDraftChanges(c: CanonicalContact, changed: readonly ContactField[]): Partial<ContactDraft> {
  const out: Partial<ContactDraft> = {};
  for (const f of changed) (out as Record<string, unknown>)[f] = c[f];
  return out;
}
