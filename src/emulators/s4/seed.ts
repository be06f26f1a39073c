import { zonedWallTimeToMs } from './time-zones.js';
import { END_OF_TIME } from './rules.js';
import type { S4Store } from './store.js';

/**
 * The demo tenant's S/4 data (the values docs/s4-setup.md "Demo values" lists): employees EMP001 (alice, user ALICE)
 * and EMP002 (bob, user BOB), two customers with contact persons (BUR001), BUR011 from EMP001 to
 * one customer and one contact person, and appointments/tasks for alice in the coming weeks — one
 * of them across the next European DST change.
 */

export const DEMO = {
  employees: { alice: 'EMP001', bob: 'EMP002' },
  users: { alice: 'ALICE', bob: 'BOB' },
  customers: { contoso: '10100001', fabrikam: '10100002' },
  contacts: { max: '10200001', erika: '10200002', jan: '10200003' },
  partnerFunctions: { employeeResponsible: '00000014', contactPerson: '00000015', attendee: '00000032' },
  /** SAP identification type that carries the S/4 user of an employee BP (see docs/s4-setup.md). */
  userIdentificationType: 'ZUSER',
} as const;

const DAY = 86_400_000;

export function seedDemoData(store: S4Store, now = Date.now()): void {
  const today = now - (now % DAY);
  // Business partners carry SAP's LastChangeDate + LastChangeTime; activities a LastChangeDateTime.
  const partnerStamps = {
    __changed: now,
    CreatedByUser: 'MIGRATION',
    LastChangedByUser: 'MIGRATION',
    CreationDate: today,
    LastChangeDate: today,
    LastChangeTime: 0,
  };
  const base = { ...partnerStamps, LastChangeDateTime: now };
  let addressNo = 20_000;
  const bp = (
    id: string,
    fields: Record<string, unknown>,
    address?: Record<string, unknown>,
    emails: string[] = [],
    phones: [string, '1' | '3'][] = [],
  ): void => {
    const category = fields.OrganizationBPName1 ? '2' : '1';
    store.insert('A_BusinessPartner', {
      ...partnerStamps,
      BusinessPartner: id,
      BusinessPartnerCategory: category,
      BusinessPartnerGrouping: category === '2' ? 'BP02' : 'BP01',
      BusinessPartnerUUID: store.newGuid(),
      FirstName: '',
      LastName: '',
      OrganizationBPName1: '',
      OrganizationBPName2: '',
      SearchTerm1: '',
      CorrespondenceLanguage: 'EN',
      BusinessPartnerIsBlocked: false,
      ...fields,
      BusinessPartnerFullName:
        category === '2'
          ? String(fields.OrganizationBPName1)
          : `${String(fields.FirstName)} ${String(fields.LastName)}`,
    });
    if (!address) return;
    const addressId = String(++addressNo);
    store.insert('A_BusinessPartnerAddress', {
      BusinessPartner: id,
      AddressID: addressId,
      ValidityStartDate: Date.UTC(2020, 0, 1),
      ValidityEndDate: END_OF_TIME,
      StreetName: '',
      HouseNumber: '',
      PostalCode: '',
      CityName: '',
      Country: 'DE',
      Region: '',
      Language: 'EN',
      ...address,
    });
    emails.forEach((email, i) =>
      store.insert('A_AddressEmailAddress', {
        AddressID: addressId,
        Person: '',
        OrdinalNumber: String(i + 1).padStart(3, '0'),
        IsDefaultEmailAddress: i === 0,
        EmailAddress: email,
        SearchEmailAddress: email.toUpperCase().slice(0, 20),
      }),
    );
    phones.forEach(([phone, type], i) =>
      store.insert('A_AddressPhoneNumber', {
        AddressID: addressId,
        Person: '',
        OrdinalNumber: String(i + 1).padStart(3, '0'),
        DestinationLocationCountry: 'DE',
        IsDefaultPhoneNumber: i === 0,
        PhoneNumber: phone,
        PhoneNumberExtension: '',
        InternationalPhoneNumber: phone.replace(/[^+\d]/g, ''),
        PhoneNumberType: type,
      }),
    );
  };

  // Employees: role BUP003 (Employee) and the S/4 user as identification.
  bp(
    DEMO.employees.alice,
    { FirstName: 'Alice', LastName: 'Anders', SearchTerm1: 'ALICE' },
    {
      StreetName: 'Dietmar-Hopp-Allee',
      HouseNumber: '16',
      PostalCode: '69190',
      CityName: 'Walldorf',
      Country: 'DE',
      Region: 'BW',
    },
    ['alice@demo.example'],
    [['+49 6227 7000', '1']],
  );
  bp(
    DEMO.employees.bob,
    { FirstName: 'Bob', LastName: 'Berger', SearchTerm1: 'BOB' },
    {
      StreetName: 'Dietmar-Hopp-Allee',
      HouseNumber: '16',
      PostalCode: '69190',
      CityName: 'Walldorf',
      Country: 'DE',
      Region: 'BW',
    },
    ['bob@demo.example'],
    [['+49 6227 7001', '1']],
  );
  for (const [emp, user] of [
    [DEMO.employees.alice, DEMO.users.alice],
    [DEMO.employees.bob, DEMO.users.bob],
  ] as const) {
    store.insert('A_BusinessPartnerRole', {
      BusinessPartner: emp,
      BusinessPartnerRole: 'BUP003',
      ValidFrom: Date.UTC(2020, 0, 1),
      ValidTo: END_OF_TIME,
    });
    store.insert('A_BuPaIdentification', {
      BusinessPartner: emp,
      BPIdentificationType: DEMO.userIdentificationType,
      BPIdentificationNumber: user,
      BPIdnNmbrIssuingInstitute: '',
      ValidityStartDate: Date.UTC(2020, 0, 1),
      ValidityEndDate: END_OF_TIME,
    });
  }

  // Customers and their contact persons.
  bp(
    DEMO.customers.contoso,
    { OrganizationBPName1: 'Contoso Maschinenbau GmbH', SearchTerm1: 'CONTOSO' },
    {
      StreetName: 'Industriestraße',
      HouseNumber: '7',
      PostalCode: '70565',
      CityName: 'Stuttgart',
      Country: 'DE',
      Region: 'BW',
    },
    ['info@contoso.example'],
    [['+49 711 555 0', '1']],
  );
  bp(
    DEMO.customers.fabrikam,
    { OrganizationBPName1: 'Fabrikam Logistik AG', SearchTerm1: 'FABRIKAM' },
    {
      StreetName: 'Hafenweg',
      HouseNumber: '12',
      PostalCode: '20457',
      CityName: 'Hamburg',
      Country: 'DE',
      Region: 'HH',
    },
    ['info@fabrikam.example'],
    [['+49 40 555 0', '1']],
  );
  bp(
    DEMO.contacts.max,
    { FirstName: 'Max', LastName: 'Mustermann', SearchTerm1: 'MUSTERMANN' },
    {
      StreetName: 'Industriestraße',
      HouseNumber: '7',
      PostalCode: '70565',
      CityName: 'Stuttgart',
      Country: 'DE',
      Region: 'BW',
    },
    ['max.mustermann@contoso.example'],
    [
      ['+49 711 555 101', '1'],
      ['+49 170 555 1010', '3'],
    ],
  );
  bp(
    DEMO.contacts.erika,
    { FirstName: 'Erika', LastName: 'Musterfrau', SearchTerm1: 'MUSTERFRAU' },
    {
      StreetName: 'Industriestraße',
      HouseNumber: '7',
      PostalCode: '70565',
      CityName: 'Stuttgart',
      Country: 'DE',
      Region: 'BW',
    },
    ['erika.musterfrau@contoso.example'],
    [['+49 711 555 102', '1']],
  );
  bp(
    DEMO.contacts.jan,
    { FirstName: 'Jan', LastName: 'Jansen', SearchTerm1: 'JANSEN' },
    {
      StreetName: 'Hafenweg',
      HouseNumber: '12',
      PostalCode: '20457',
      CityName: 'Hamburg',
      Country: 'DE',
      Region: 'HH',
    },
    ['jan.jansen@fabrikam.example'],
    [['+49 40 555 201', '1']],
  );

  let relNo = 1;
  // Function and department codes of the demo customizing (texts: CONTACT_FUNCTIONS / CONTACT_DEPARTMENTS).
  const contact = (company: string, person: string, contactFunction: string, department: string): void => {
    const RelationshipNumber = String(relNo++).padStart(12, '0');
    store.insert('A_BusinessPartnerContact', {
      RelationshipNumber,
      BusinessPartnerCompany: company,
      BusinessPartnerPerson: person,
      ValidityEndDate: END_OF_TIME,
      ValidityStartDate: Date.UTC(2020, 0, 1),
      IsStandardRelationship: false,
      RelationshipCategory: 'BUR001',
    });
    store.insert('A_BPContactToFuncAndDept', {
      RelationshipNumber,
      BusinessPartnerCompany: company,
      BusinessPartnerPerson: person,
      ValidityEndDate: END_OF_TIME,
      ContactPersonFunction: contactFunction,
      ContactPersonDepartment: department,
      EmailAddress: '',
      PhoneNumber: '',
    });
  };
  contact(DEMO.customers.contoso, DEMO.contacts.max, '0002', '0002');
  contact(DEMO.customers.contoso, DEMO.contacts.erika, '0003', '0003');
  contact(DEMO.customers.fabrikam, DEMO.contacts.jan, '0001', '0001');

  // BUR011 "has the employee responsible": BusinessPartner1 = customer / contact, BusinessPartner2 = employee.
  const bur011 = (bp1: string, bp2: string): void => {
    store.insert('BPRelationship', {
      RelationshipNumber: String(relNo++).padStart(12, '0'),
      BusinessPartner1: bp1,
      BusinessPartner2: bp2,
      ValidityEndDate: END_OF_TIME,
      ValidityStartDate: Date.UTC(2020, 0, 1),
      RelationshipCategory: 'BUR011',
    });
  };
  bur011(DEMO.customers.contoso, DEMO.employees.alice);
  bur011(DEMO.contacts.jan, DEMO.employees.alice);
  store.nextNumber('relationship', 100_000);

  // Appointments and tasks for alice.
  const berlinDay = (offsetDays: number, hour: number, minute = 0): number => {
    const d = new Date(today + offsetDays * DAY);
    return zonedWallTimeToMs('Europe/Berlin', d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), hour, minute);
  };
  const appointment = (
    subject: string,
    start: number,
    end: number,
    contactBp: string,
    note: string,
    extra: Record<string, unknown> = {},
  ): void => {
    const uuid = store.newGuid();
    store.insert('A_AppointmentActivity', {
      ...base,
      ActivityUUID: uuid,
      Activity: String(store.nextNumber('activity', 4_000_000_001)),
      ActivityProcessType: 'ZVIS',
      ActivityDescription: subject,
      AppointmentStartDateTime: start,
      AppointmentEndDateTime: end,
      IsAllDayActivity: false,
      ActivityCategory: '001',
      ActivityLocation: '',
      ActivityTimeZone: 'CET',
      ActivityStatus: 'E0001',
      ActivityPriority: '5',
      ActivityIsPrivate: false,
      ActivityExternalReference: '',
      CreationDateTime: now,
      ...extra,
    });
    partners(store, 'A_AppointmentActivityPartner', uuid, contactBp);
    store.insert('A_AppointmentActivityText', {
      ActivityUUID: uuid,
      LongTextID: 'A002',
      Language: 'EN',
      LongText: note,
    });
  };
  appointment(
    'Visit Contoso: maintenance contract',
    berlinDay(3, 10),
    berlinDay(3, 11, 30),
    DEMO.contacts.max,
    'Discuss renewal of the maintenance contract.',
    { ActivityLocation: 'Contoso, Stuttgart' },
  );
  appointment(
    'Plant tour Contoso',
    berlinDay(10, 14),
    berlinDay(10, 16),
    DEMO.contacts.erika,
    'Walk through the new assembly line.',
  );
  appointment(
    'Fabrikam quarterly review',
    berlinDay(17, 9),
    berlinDay(17, 12),
    DEMO.contacts.jan,
    'Review Q4 volumes and SLAs.',
    { ActivityLocation: 'Fabrikam, Hamburg', ActivityPriority: '3' },
  );
  // Across the next European DST change (last Sunday of March or October, 01:00 UTC).
  const dst = nextEuropeanDstChange(now);
  appointment(
    'Trade fair set-up (over the DST change)',
    dst - 5 * 3_600_000,
    dst + 9 * 3_600_000,
    DEMO.contacts.max,
    'Booth set-up overnight; the clocks change during this appointment.',
    { ActivityLocation: 'Messe Stuttgart' },
  );

  const task = (subject: string, startDay: number, dueDay: number, percent: number, note: string): void => {
    const uuid = store.newGuid();
    store.insert('TaskActivity', {
      ...base,
      ActivityUUID: uuid,
      Activity: String(store.nextNumber('activity', 4_000_000_001)),
      ActivityProcessType: 'ZTSK',
      ActivityDescription: subject,
      TaskStartDateTime: berlinDay(startDay, 9),
      TaskDueDateTime: berlinDay(dueDay, 17),
      TaskCompletionPercent: percent,
      ActivityTimeZone: 'CET',
      ActivityStatus: percent > 0 ? 'E0002' : 'E0001',
      ActivityPriority: '5',
      ActivityIsPrivate: false,
      ActivityExternalReference: '',
      CreationDateTime: now,
    });
    partners(store, 'TaskActivityPartner', uuid, DEMO.contacts.max);
    store.insert('TaskActivityText', { ActivityUUID: uuid, LongTextID: 'A002', Language: 'EN', LongText: note });
  };
  task('Send offer for maintenance contract', 1, 5, 0, "Offer based on last year's volume plus 5 %.");
  task('Prepare Fabrikam review deck', 7, 16, 40, 'Volumes, incidents, outlook.');
}

function partners(store: S4Store, set: string, uuid: string, contactBp: string): void {
  store.insert(set, {
    ActivityUUID: uuid,
    PartnerFunction: DEMO.partnerFunctions.employeeResponsible,
    BusinessPartner: DEMO.employees.alice,
    IsMainPartner: true,
  });
  store.insert(set, {
    ActivityUUID: uuid,
    PartnerFunction: DEMO.partnerFunctions.contactPerson,
    BusinessPartner: contactBp,
    IsMainPartner: true,
  });
}

/** The next instant (after `now`) at which the EU switches clocks: last Sunday of March/October, 01:00 UTC. */
export function nextEuropeanDstChange(now: number): number {
  const year = new Date(now).getUTCFullYear();
  const candidates = [year, year + 1].flatMap((y) => [lastSundayUtc(y, 2), lastSundayUtc(y, 9)]);
  return candidates.filter((t) => t > now).sort((a, b) => a - b)[0] as number;
}

function lastSundayUtc(year: number, monthIndex: number): number {
  const last = new Date(Date.UTC(year, monthIndex + 1, 0));
  return Date.UTC(year, monthIndex, last.getUTCDate() - last.getUTCDay(), 1);
}
