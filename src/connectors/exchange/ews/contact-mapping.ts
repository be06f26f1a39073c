/* eslint-disable @typescript-eslint/no-explicit-any -- ews-javascript-api's property bags are loosely typed; this file is the boundary. */
import { escapeXml as x } from './xml-escape.js';
import type { Contact, ContactDraft, PostalAddress } from '../types.js';
import { EmailAddress, EmailAddressKey, PhoneNumberKey, PhysicalAddressEntry, PhysicalAddressKey } from './ews-lib.js';
import { categoriesFromEws, categoriesToEws, idOf, lastModifiedOf, safe } from './item-fields.js';
import { readStamp } from './stamp-property.js';

/** EWS contacts have three e-mail slots and two business phone slots; more cannot be stored. */
const EMAIL_KEYS = [EmailAddressKey.EmailAddress1, EmailAddressKey.EmailAddress2, EmailAddressKey.EmailAddress3];
const BUSINESS_PHONE_KEYS = [PhoneNumberKey.BusinessPhone, PhoneNumberKey.BusinessPhone2];

export function contactFromEws(item: any): Contact {
  const contact: Contact = {
    ...idOf(item),
    displayName: safe(() => item.DisplayName) ?? '',
    emailAddresses: EMAIL_KEYS.map(
      (key) =>
        tryGet(
          safe(() => item.EmailAddresses),
          key,
        )?.Address,
    ).filter(isText),
    businessPhones: BUSINESS_PHONE_KEYS.map((key) =>
      tryGet(
        safe(() => item.PhoneNumbers),
        key,
      ),
    ).filter(isText),
    categories: categoriesFromEws(item),
    lastModified: lastModifiedOf(item),
  };
  const optional: Array<[keyof Contact, unknown]> = [
    ['givenName', safe(() => item.GivenName)],
    ['surname', safe(() => item.Surname)],
    ['companyName', safe(() => item.CompanyName)],
    ['jobTitle', safe(() => item.JobTitle)],
    [
      'mobilePhone',
      tryGet(
        safe(() => item.PhoneNumbers),
        PhoneNumberKey.MobilePhone,
      ),
    ],
  ];
  for (const [key, value] of optional) if (isText(value)) (contact as unknown as Record<string, unknown>)[key] = value;
  const address = tryGet(
    safe(() => item.PhysicalAddresses),
    PhysicalAddressKey.Business,
  );
  if (address) {
    const postal: PostalAddress = {};
    for (const [field, ews] of [
      ['street', 'Street'],
      ['city', 'City'],
      ['postalCode', 'PostalCode'],
      ['state', 'State'],
      ['countryOrRegion', 'CountryOrRegion'],
    ] as const) {
      const value = safe(() => address[ews]);
      if (isText(value)) postal[field] = value;
    }
    if (Object.keys(postal).length > 0) contact.businessAddress = postal;
  }
  const stamp = readStamp(item);
  if (stamp) contact.stamp = stamp;
  return contact;
}

export function applyContactDraft(item: any, changes: Partial<ContactDraft>): void {
  if (changes.givenName !== undefined) item.GivenName = x(changes.givenName);
  if (changes.surname !== undefined) item.Surname = x(changes.surname);
  if (changes.displayName !== undefined) {
    item.DisplayName = x(changes.displayName);
    item.FileAs = x(changes.displayName);
  }
  if (changes.companyName !== undefined) item.CompanyName = x(changes.companyName);
  if (changes.jobTitle !== undefined) item.JobTitle = x(changes.jobTitle);
  if (changes.emailAddresses !== undefined) {
    EMAIL_KEYS.forEach((key, index) => {
      const address = changes.emailAddresses![index];
      if (address) item.EmailAddresses._setItem(key, new EmailAddress(x(address)));
      else item.EmailAddresses._setItem(key, null);
    });
  }
  if (changes.businessPhones !== undefined) {
    BUSINESS_PHONE_KEYS.forEach((key, index) =>
      item.PhoneNumbers._setItem(
        key,
        changes.businessPhones![index] !== undefined ? x(changes.businessPhones![index]!) : null,
      ),
    );
  }
  if ('mobilePhone' in changes)
    item.PhoneNumbers._setItem(
      PhoneNumberKey.MobilePhone,
      changes.mobilePhone !== undefined ? x(changes.mobilePhone) : null,
    );
  if (changes.businessAddress !== undefined) {
    const entry = new PhysicalAddressEntry();
    const address = changes.businessAddress;
    if (address.street !== undefined) entry.Street = x(address.street);
    if (address.city !== undefined) entry.City = x(address.city);
    if (address.postalCode !== undefined) entry.PostalCode = x(address.postalCode);
    if (address.state !== undefined) entry.State = x(address.state);
    if (address.countryOrRegion !== undefined) entry.CountryOrRegion = x(address.countryOrRegion);
    item.PhysicalAddresses._setItem(PhysicalAddressKey.Business, entry);
  }
  if (changes.categories !== undefined) item.Categories = categoriesToEws(changes.categories);
}

function tryGet(dictionary: any, key: number): any {
  if (!dictionary || typeof dictionary.TryGetValue !== 'function') return undefined;
  const out: { outValue: any } = { outValue: null };
  try {
    return dictionary.TryGetValue(key, out) ? (out.outValue ?? undefined) : undefined;
  } catch {
    return undefined;
  }
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}
