import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../../../src/emulators/s4/index.js';
import { waitFor } from '../../support/service.js';
import type { RunningSystem } from '../../support/system.js';
import { changeSettings, settle, startSubscribedSystem } from './support.js';

/**
 * The two contact triggers, each with its own switch and relationship type: a relationship from the
 * employee to a contact person, and one to a customer (all its contact persons). Settings apply at
 * the user's next contact reconciliation — here a relationship change in S/4, as a user makes it.
 */
let system: RunningSystem;
beforeAll(async () => {
  system = await startSubscribedSystem();
}, 120_000);
afterAll(async () => system.stop());

const BOB = 'bob@demo.example';
const names = () =>
  system.ews
    .listItems(BOB)
    .filter((item) => item.kind === 'Contact' && item.folder === 'Tandem')
    .map((c) => c.props.DisplayName)
    .sort();
const CONTOSO = ['Erika Musterfrau', 'Max Mustermann'];

/** The S/4 emulator's browser page: a relationship as an S/4 user creates it in the SAP GUI (an event follows). */
async function relate(bp1: string, category: string): Promise<void> {
  const response = await fetch(`${system.s4Emulator.url}/ui/relationships`, {
    method: 'POST',
    redirect: 'manual',
    body: new URLSearchParams({ bp1, bp2: DEMO.employees.bob, category }),
  });
  expect(response.status).toBe(303);
}

const same = (expected: string[]) => async () => JSON.stringify(names()) === JSON.stringify(expected) || undefined;

describe('contact triggers end to end', { timeout: 180_000 }, () => {
  it('setting:contacts.viaCustomer.enabled off: a relationship to a customer brings nobody, one to a contact person still does', async () => {
    await changeSettings(system, (s) => {
      s.contacts!.viaCustomer = { enabled: false, relationship: 'BUR011' };
    });
    await relate(DEMO.customers.contoso, 'BUR011');
    await relate(DEMO.contacts.jan, 'BUR011');
    await waitFor(same(['Jan Jansen']), 'Jan (and only Jan) in Bob’s contacts');
    await settle(2_000);
    expect(names()).toEqual(['Jan Jansen']);
  });

  it('setting:contacts.viaContactPerson.enabled off (customer trigger on again): the customer’s contact persons come in, the directly related person leaves', async () => {
    await changeSettings(system, (s) => {
      s.contacts!.viaCustomer = { enabled: true, relationship: 'BUR011' };
      s.contacts!.viaContactPerson = { enabled: false, relationship: 'BUR011' };
    });
    // Any relationship change of Bob's reconciles his contacts under the new settings.
    await relate(DEMO.customers.fabrikam, 'ZNONE');
    await waitFor(same(CONTOSO), 'Contoso’s contact persons instead of Jan');
  });

  it('setting:contacts.viaContactPerson.relationship and setting:contacts.viaCustomer.relationship: each trigger counts only its own relationship type', async () => {
    await changeSettings(system, (s) => {
      s.contacts!.viaCustomer = { enabled: true, relationship: 'ZCUST' };
      s.contacts!.viaContactPerson = { enabled: true, relationship: 'ZPERS' };
    });
    // Contoso (BUR011) and Jan (BUR011) no longer count; Jan related as ZPERS does.
    await relate(DEMO.contacts.jan, 'ZPERS');
    await waitFor(same(['Jan Jansen']), 'only Jan, through the contact-person type');
    // Contoso related with the contact-person type brings nobody; with the customer type it brings its contact persons.
    await relate(DEMO.customers.contoso, 'ZPERS');
    await settle(2_000);
    expect(names()).toEqual(['Jan Jansen']);
    await relate(DEMO.customers.contoso, 'ZCUST');
    await waitFor(same([...CONTOSO, 'Jan Jansen'].sort()), 'Contoso’s contact persons through the customer type');
  });

  it('setting:contacts.customerContactRelationship: a customer’s contact persons are those related to it by this type', async () => {
    // Contoso's contact persons are related to it by BUR001; under another type it has none.
    await changeSettings(system, (s) => {
      s.contacts!.customerContactRelationship = 'ZCP';
    });
    await relate(DEMO.customers.fabrikam, 'ZX1');
    await waitFor(same(['Jan Jansen']), 'Contoso’s contact persons to leave (Jan is related directly)');
    await changeSettings(system, (s) => {
      s.contacts!.customerContactRelationship = 'BUR001';
    });
    await relate(DEMO.customers.fabrikam, 'ZX2');
    await waitFor(same([...CONTOSO, 'Jan Jansen'].sort()), 'Contoso’s contact persons back through BUR001');
  });

  it('setting:contacts.enabled: off, Tandem’s contacts leave the mailbox and new relationships bring nobody; on again, they return', async () => {
    await changeSettings(system, (s) => {
      s.contacts!.enabled = false;
    });
    await relate(DEMO.customers.fabrikam, 'ZCUST');
    await waitFor(same([]), 'Bob’s Tandem contacts to leave');
    await settle(2_000);
    expect(names()).toEqual([]);
    await changeSettings(system, (s) => {
      s.contacts!.enabled = true;
    });
    await relate(DEMO.customers.fabrikam, 'ZX3');
    // Fabrikam (ZCUST) now brings Jan through the customer trigger too; he is one contact.
    await waitFor(same([...CONTOSO, 'Jan Jansen'].sort()), 'Bob’s contacts back');
  });
});
