import { describe, expect, it } from 'vitest';
import type { Contact } from '../../../src/connectors/exchange/types.js';
import type { S4BusinessPartner, S4Relationship } from '../../../src/connectors/s4/types.js';
import type { SyncLink } from '../../../src/sync/actions.js';
import type { CanonicalContact } from '../../../src/sync/contacts/canonical-contact.js';
import { contactsForEmployee, diffContacts } from '../../../src/sync/contacts/contact-scope.js';
import { decideContact, type ContactAction } from '../../../src/sync/contacts/decide-contact.js';
import { s4ContactToCanonical } from '../../../src/sync/contacts/contact-mapping.js';
import { settings } from './fixtures.js';

const bp = (id: string, over: Partial<S4BusinessPartner> = {}): S4BusinessPartner => ({
  id,
  category: 'person',
  emails: [],
  phones: [],
  isEmployee: false,
  ...over,
});
const partners = new Map<string, S4BusinessPartner>([
  ['EMP001', bp('EMP001', { isEmployee: true, firstName: 'Alice' })],
  ['CUST1', bp('CUST1', { category: 'organization', organizationName: 'ACME AG' })],
  ['CUST2', bp('CUST2', { category: 'organization', organizationName: 'Globex' })],
  ['CP1', bp('CP1', { firstName: 'Paula', lastName: 'Meier' })],
  ['CP2', bp('CP2', { firstName: 'Peter', lastName: 'Schulz' })],
  ['CP3', bp('CP3', { firstName: 'Greta', lastName: 'Globex' })],
  ['EMP009', bp('EMP009', { isEmployee: true })],
]);
const rels: S4Relationship[] = [
  { bp1: 'CUST1', bp2: 'CP1', category: 'BUR001' },
  { bp1: 'CUST1', bp2: 'CP2', category: 'BUR001' },
  { bp1: 'CUST1', bp2: 'EMP009', category: 'BUR001' }, // an employee is never a contact
  { bp1: 'CUST2', bp2: 'CP3', category: 'BUR001' },
];
const NOW = '2026-03-01T12:00:00Z';
const cs = settings().contacts;

describe('contacts scope', () => {
  it('a relationship to a customer brings all its contact persons', () => {
    const r = contactsForEmployee(
      'EMP001',
      [...rels, { bp1: 'CUST1', bp2: 'EMP001', category: 'BUR011' }],
      partners,
      cs,
      NOW,
    );
    expect([...r.values()]).toEqual([
      { id: 'CP1', companyId: 'CUST1', via: 'viaCustomer' },
      { id: 'CP2', companyId: 'CUST1', via: 'viaCustomer' },
    ]);
  });

  it('a direct relationship brings the one contact person, with its company', () => {
    const r = contactsForEmployee(
      'EMP001',
      [...rels, { bp1: 'EMP001', bp2: 'CP3', category: 'BUR011' }],
      partners,
      cs,
      NOW,
    );
    expect([...r.values()]).toEqual([{ id: 'CP3', companyId: 'CUST2', via: 'direct' }]);
  });

  it('other relationship types, expired relationships and other employees do not count', () => {
    const r = contactsForEmployee(
      'EMP001',
      [
        ...rels,
        { bp1: 'CUST2', bp2: 'EMP001', category: 'BUR999' },
        { bp1: 'CUST1', bp2: 'EMP001', category: 'BUR011', validTo: '2026-02-28' },
        { bp1: 'CUST2', bp2: 'EMP009', category: 'BUR011' },
      ],
      partners,
      cs,
      NOW,
    );
    expect(r.size).toBe(0);
  });

  it('each trigger has its own switch: off, its relationships bring nobody; the other trigger still works', () => {
    const both = [
      ...rels,
      { bp1: 'CUST1', bp2: 'EMP001', category: 'BUR011' },
      { bp1: 'EMP001', bp2: 'CP3', category: 'BUR011' },
    ];
    const noCustomer = contactsForEmployee(
      'EMP001',
      both,
      partners,
      { ...cs, viaCustomer: { enabled: false, relationship: 'BUR011' } },
      NOW,
    );
    expect([...noCustomer.keys()]).toEqual(['CP3']);
    const noPerson = contactsForEmployee(
      'EMP001',
      both,
      partners,
      { ...cs, viaContactPerson: { enabled: false, relationship: 'BUR011' } },
      NOW,
    );
    expect([...noPerson.keys()].sort()).toEqual(['CP1', 'CP2']);
  });

  it('each trigger has its own relationship type', () => {
    const rel = [
      ...rels,
      { bp1: 'CUST1', bp2: 'EMP001', category: 'ZCUST' },
      { bp1: 'EMP001', bp2: 'CP3', category: 'ZPERS' },
    ];
    const own = {
      ...cs,
      viaCustomer: { enabled: true, relationship: 'ZCUST' },
      viaContactPerson: { enabled: true, relationship: 'ZPERS' },
    };
    expect([...contactsForEmployee('EMP001', rel, partners, own, NOW).keys()].sort()).toEqual(['CP1', 'CP2', 'CP3']);
    // Swapped: a customer reached by the contact-person type (and vice versa) brings nobody.
    const swapped = {
      ...cs,
      viaCustomer: { enabled: true, relationship: 'ZPERS' },
      viaContactPerson: { enabled: true, relationship: 'ZCUST' },
    };
    expect(contactsForEmployee('EMP001', rel, partners, swapped, NOW).size).toBe(0);
  });

  it('removing the relationship removes the contacts; adding one adds them', () => {
    const before = contactsForEmployee(
      'EMP001',
      [...rels, { bp1: 'CUST1', bp2: 'EMP001', category: 'BUR011' }],
      partners,
      cs,
      NOW,
    );
    const after = contactsForEmployee(
      'EMP001',
      [...rels, { bp1: 'EMP001', bp2: 'CP3', category: 'BUR011' }],
      partners,
      cs,
      NOW,
    );
    expect(diffContacts(after.keys(), before.keys())).toEqual({ add: ['CP3'], keep: [], remove: ['CP1', 'CP2'] });
  });
});

describe('contact decisions (S/4 → Exchange only)', () => {
  const paula = bp('CP1', {
    firstName: 'Paula',
    lastName: 'Meier',
    jobTitle: 'Buyer',
    emails: ['Paula@Customer.example'],
    phones: [
      { number: '+49 30 1', kind: 'phone' },
      { number: '+49 170 2', kind: 'mobile' },
    ],
    address: { street: 'Main St', houseNumber: '5', city: 'Berlin', postalCode: '10115', country: 'DE' },
  });
  const s = settings();
  const types = (a: ContactAction[]) => a.map((x) => x.type);

  it('maps a person to a contact draft with company and address', () => {
    expect(s4ContactToCanonical(paula, 'ACME AG')).toEqual({
      givenName: 'Paula',
      surname: 'Meier',
      displayName: 'Paula Meier',
      companyName: 'ACME AG',
      jobTitle: 'Buyer',
      emailAddresses: ['paula@customer.example'],
      businessPhones: ['+49 30 1'],
      mobilePhone: '+49 170 2',
      businessAddress: { street: 'Main St 5', city: 'Berlin', postalCode: '10115', countryOrRegion: 'DE' },
    });
    const a = decideContact({
      settings: s,
      mailbox: 'alice@demo.example',
      s4: paula,
      companyName: 'ACME AG',
      inScope: true,
    });
    expect(types(a)).toEqual(['createExchangeItem', 'commitSnapshot']);
  });

  function linked(): { item: Contact; link: SyncLink<CanonicalContact> } {
    const a = decideContact({
      settings: s,
      mailbox: 'alice@demo.example',
      s4: paula,
      companyName: 'ACME AG',
      inScope: true,
    });
    const c = a[0] as Extract<ContactAction, { type: 'createExchangeItem' }>;
    const snap = a[1] as Extract<ContactAction, { type: 'commitSnapshot' }>;
    return {
      item: { ...c.draft, id: 'C-1', changeKey: 'k1', stamp: c.stamp, lastModified: NOW },
      link: {
        kind: 'contact',
        mailbox: 'alice@demo.example',
        s4Key: 'CP1',
        state: 'linked',
        origin: 's4',
        role: 'owner',
        marker: 'CP1',
        exchangeId: 'C-1',
        changeKey: 'k1',
        s4Etag: '',
        snapshot: snap.snapshot,
      },
    };
  }

  it('an S/4 change updates the contact; an Outlook edit is never written to S/4', () => {
    const { item, link } = linked();
    const changed = decideContact({
      settings: s,
      mailbox: 'alice@demo.example',
      s4: { ...paula, jobTitle: 'Head of Purchasing' },
      companyName: 'ACME AG',
      inScope: true,
      exchange: item,
      link,
    });
    expect((changed[0] as Extract<ContactAction, { type: 'updateExchangeItem' }>).changes).toEqual({
      jobTitle: 'Head of Purchasing',
    });
    const edited = decideContact({
      settings: s,
      mailbox: 'alice@demo.example',
      s4: paula,
      companyName: 'ACME AG',
      inScope: true,
      exchange: { ...item, jobTitle: 'CEO', changeKey: 'k2' },
      link,
    });
    expect(types(edited)).not.toContain('updateS4');
    expect(types(edited)).not.toContain('updateExchangeItem');
  });

  it("a partner change of no synced field records the partner's new change stamp on the link (the drift check compares it)", () => {
    const { item, link } = linked();
    const stamped = { ...paula, changedAt: '2026-03-01T12:00:05' };
    const moved = decideContact({
      settings: s,
      mailbox: 'alice@demo.example',
      s4: stamped,
      companyName: 'ACME AG',
      inScope: true,
      exchange: item,
      link,
    });
    expect(types(moved)).toEqual(['noop', 'commitSnapshot']);
    expect(types(moved)).not.toContain('updateExchangeItem');
    // At the recorded stamp: nothing to write or commit.
    const same = decideContact({
      settings: s,
      mailbox: 'alice@demo.example',
      s4: stamped,
      companyName: 'ACME AG',
      inScope: true,
      exchange: item,
      link: { ...link, s4Etag: stamped.changedAt },
    });
    expect(types(same)).toEqual(['noop']);
  });

  it('leaving the relationship removes the stamped contact from the mailbox', () => {
    const { item, link } = linked();
    const a = decideContact({
      settings: s,
      mailbox: 'alice@demo.example',
      s4: paula,
      inScope: false,
      exchange: item,
      link,
    });
    expect(types(a)).toEqual(['deleteExchangeItem', 'unlink']);
    expect(a[0]!.journal.reason).toBe('leftScope.filtered.relationship');
  });

  it('a contact deleted in Outlook is not recreated and S/4 is untouched', () => {
    const { link } = linked();
    expect(decideContact({ settings: s, mailbox: 'alice@demo.example', s4: paula, inScope: true, link })).toEqual([
      expect.objectContaining({ type: 'unlink', tombstone: true }),
    ]);
  });
});
