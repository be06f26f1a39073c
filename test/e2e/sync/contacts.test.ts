import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../../../src/emulators/s4/index.js';
import { waitFor } from '../../support/service.js';
import type { RunningSystem } from '../../support/system.js';
import { journalWhere, linksWhere, mailboxIdOf, startSubscribedSystem } from './support.js';

let system: RunningSystem;
beforeAll(async () => {
  system = await startSubscribedSystem();
}, 120_000);
afterAll(async () => system.stop());

const BOB = 'bob@demo.example';
// Removed contacts go to Deleted Items (recoverable), so only the Tandem folder counts.
const contactsOf = (mailbox: string) =>
  system.ews.listItems(mailbox).filter((item) => item.kind === 'Contact' && item.folder === 'Tandem');
const deletedItemsOf = (mailbox: string) =>
  system.ews.listItems(mailbox).filter((item) => item.folder === 'deleteditems');
const names = (mailbox: string) =>
  contactsOf(mailbox)
    .map((c) => c.props.DisplayName)
    .sort();

/** The S/4 emulator's browser page, as an S/4 user maintains relationships in the SAP GUI (OData on API_BUSINESS_PARTNER underneath). */
async function ui(path: string, form: Record<string, string> = {}): Promise<void> {
  const response = await fetch(`${system.s4Emulator.url}/ui${path}`, {
    method: 'POST',
    body: new URLSearchParams(form),
    redirect: 'manual',
  });
  expect(response.status).toBe(303);
}

const relationshipOf = (bp1: string, bp2: string) =>
  system.s4Emulator
    .list('BPRelationship')
    .find((r) => r.BusinessPartner1 === bp1 && r.BusinessPartner2 === bp2 && r.RelationshipCategory === 'BUR011');

describe('contacts end to end (S/4 relationships → the user’s Tandem contacts folder)', { timeout: 60_000 }, () => {
  it('BUR011 to a customer brings its contact persons, to a person brings that person; removal takes them out again', async () => {
    expect(contactsOf(BOB)).toEqual([]);

    // Bob becomes employee responsible for Contoso (two BUR001 contact persons) and for Jan directly.
    await ui('/relationships', { bp1: DEMO.customers.contoso, bp2: DEMO.employees.bob, category: 'BUR011' });
    await waitFor(async () => names(BOB).length === 2 || undefined, 'Contoso’s contact persons in Bob’s contacts');
    expect(names(BOB)).toEqual(['Erika Musterfrau', 'Max Mustermann']);
    const max = contactsOf(BOB).find((c) => c.props.DisplayName === 'Max Mustermann')!;
    expect(max.props.CompanyName).toBe('Contoso Maschinenbau GmbH');
    expect(max.props.EmailAddresses).toContain('max.mustermann@contoso.example');

    await ui('/relationships', { bp1: DEMO.contacts.jan, bp2: DEMO.employees.bob, category: 'BUR011' });
    await waitFor(async () => names(BOB).includes('Jan Jansen') || undefined, 'Jan in Bob’s contacts');
    expect(names(BOB)).toEqual(['Erika Musterfrau', 'Jan Jansen', 'Max Mustermann']);

    // The Contoso relationship ends: its contact persons leave, Jan (related directly) stays.
    const contoso = relationshipOf(DEMO.customers.contoso, DEMO.employees.bob)!;
    await ui(`/relationships/${String(contoso.RelationshipNumber)}/delete`);
    await waitFor(
      async () => names(BOB).length === 1 || undefined,
      'Contoso’s contact persons to leave Bob’s contacts',
    );
    expect(names(BOB)).toEqual(['Jan Jansen']);
    expect(
      deletedItemsOf(BOB)
        .map((c) => c.props.DisplayName)
        .sort(),
    ).toEqual(['Erika Musterfrau', 'Max Mustermann']);

    const bobId = await mailboxIdOf(system, BOB);
    // The journal entry is committed just after the remote delete: wait for both.
    const removed = await waitFor(async () => {
      const rows = await journalWhere(
        system,
        `mailbox_id = $1 AND object_kind = 'contact' AND direction = 's4-to-exchange' AND outcome = 'deleted'`,
        [bobId],
      );
      return rows.length >= 2 ? rows : undefined;
    }, 'both removals in the journal');
    expect(removed.map((r) => r.s4_key).sort()).toEqual([DEMO.contacts.max, DEMO.contacts.erika].sort());
    const links = await linksWhere(system, `mailbox_id = $1 AND kind = 'contact'`, [bobId]);
    expect(links.filter((l) => l.state === 'linked').map((l) => l.s4_key)).toEqual([DEMO.contacts.jan]);
  });

  it('a change of the contact person in S/4 follows into every mailbox holding the contact', async () => {
    await waitFor(async () => names(BOB).includes('Jan Jansen') || undefined, 'Jan in Bob’s contacts');
    const before = contactsOf(BOB).find((c) => c.props.DisplayName === 'Jan Jansen')!;
    system.s4Emulator.modify('A_BusinessPartner', { BusinessPartner: DEMO.contacts.jan }, { LastName: 'Jansen-Olsen' });
    const after = await waitFor(
      async () => contactsOf(BOB).find((c) => c.props.DisplayName === 'Jan Jansen-Olsen'),
      'the new name in Bob’s contacts',
    );
    expect(after.id).toBe(before.id);
    expect(after.props.Surname).toBe('Jansen-Olsen');
    expect(contactsOf(BOB)).toHaveLength(1);
  });

  it('the last relationship removed leaves the folder empty and Alice untouched', async () => {
    const jan = relationshipOf(DEMO.contacts.jan, DEMO.employees.bob)!;
    await ui(`/relationships/${String(jan.RelationshipNumber)}/delete`);
    await waitFor(async () => contactsOf(BOB).length === 0 || undefined, 'Jan to leave Bob’s contacts');
    // Alice's relationships were never touched: nothing of hers was written or removed.
    expect(contactsOf('alice@demo.example')).toEqual([]);
  });
});
