import { S4_SERVICES } from './client.js';

/**
 * What Tandem reads and writes in S/4HANA, per service and entity set: the properties the mapping
 * uses and the navigations the connector expands or posts through. The S/4 connection Test compares
 * a system's $metadata with this, so a missing service, entity set, property or navigation shows up
 * before go-live, named. Keep in step with mapping.ts and client.ts (a unit test checks the emulator
 * against it).
 */
export interface RequiredEntitySet {
  properties: readonly string[];
  /** Navigation property → entity set it must lead to. */
  navigations?: Readonly<Record<string, string>>;
}

export interface RequiredService {
  name: string;
  path: string;
  owner: 'SAP' | 'Tandem';
  entitySets: Readonly<Record<string, RequiredEntitySet>>;
}

const activityHeader = [
  'ActivityUUID',
  'Activity',
  'ActivityProcessType',
  'ActivityDescription',
  'ActivityTimeZone',
  'ActivityStatus',
  'ActivityPriority',
  'ActivityIsPrivate',
  'ActivityExternalReference',
  'LastChangeDateTime',
];
const partner = ['ActivityUUID', 'PartnerFunction', 'BusinessPartner', 'IsMainPartner'];
const text = ['ActivityUUID', 'LongTextID', 'Language', 'LongText'];

export const REQUIRED_S4_SERVICES: readonly RequiredService[] = [
  {
    name: 'API_BUSINESS_PARTNER',
    path: S4_SERVICES.businessPartner,
    owner: 'SAP',
    entitySets: {
      A_BusinessPartner: {
        properties: [
          'BusinessPartner',
          'BusinessPartnerCategory',
          'FirstName',
          'LastName',
          'OrganizationBPName1',
          'OrganizationBPName2',
        ],
        navigations: {
          to_BusinessPartnerAddress: 'A_BusinessPartnerAddress',
          to_BusinessPartnerRole: 'A_BusinessPartnerRole',
          to_BuPaIdentification: 'A_BuPaIdentification',
        },
      },
      A_BusinessPartnerAddress: {
        properties: [
          'BusinessPartner',
          'AddressID',
          'StreetName',
          'HouseNumber',
          'PostalCode',
          'CityName',
          'Country',
          'Region',
        ],
        navigations: {
          to_EmailAddress: 'A_AddressEmailAddress',
          to_PhoneNumber: 'A_AddressPhoneNumber',
          to_MobilePhoneNumber: 'A_AddressPhoneNumber',
        },
      },
      A_AddressEmailAddress: {
        properties: ['AddressID', 'EmailAddress', 'IsDefaultEmailAddress', 'SearchEmailAddress'],
      },
      A_AddressPhoneNumber: { properties: ['AddressID', 'PhoneNumber'] },
      A_BusinessPartnerRole: { properties: ['BusinessPartner', 'BusinessPartnerRole'] },
      A_BuPaIdentification: { properties: ['BusinessPartner', 'BPIdentificationType', 'BPIdentificationNumber'] },
      A_BusinessPartnerContact: {
        properties: ['BusinessPartnerCompany', 'BusinessPartnerPerson', 'RelationshipCategory', 'ValidityEndDate'],
      },
    },
  },
  {
    name: 'OP_API_ACTIVITY_APPOINTMENT_SRV_0001',
    path: S4_SERVICES.appointment,
    owner: 'SAP',
    entitySets: {
      A_AppointmentActivity: {
        properties: [
          ...activityHeader,
          'AppointmentStartDateTime',
          'AppointmentEndDateTime',
          'IsAllDayActivity',
          'ActivityCategory',
          'ActivityLocation',
        ],
        navigations: { to_Partner: 'A_AppointmentActivityPartner', to_Text: 'A_AppointmentActivityText' },
      },
      A_AppointmentActivityPartner: { properties: partner },
      A_AppointmentActivityText: { properties: text },
    },
  },
  {
    name: 'ZTANDEM_TASK_SRV',
    path: S4_SERVICES.task,
    owner: 'Tandem',
    entitySets: {
      TaskActivity: {
        properties: [...activityHeader, 'TaskStartDateTime', 'TaskDueDateTime', 'TaskCompletionPercent'],
        navigations: { to_Partner: 'TaskActivityPartner', to_Text: 'TaskActivityText' },
      },
      TaskActivityPartner: { properties: partner },
      TaskActivityText: { properties: text },
    },
  },
  {
    name: 'ZTANDEM_BP_SRV',
    path: S4_SERVICES.tandemBusinessPartner,
    owner: 'Tandem',
    entitySets: {
      BPRelationship: {
        properties: [
          'BusinessPartner1',
          'BusinessPartner2',
          'RelationshipCategory',
          'ValidityStartDate',
          'ValidityEndDate',
        ],
      },
      ContactPersonDetail: {
        properties: ['BusinessPartnerCompany', 'BusinessPartnerPerson', 'ValidityEndDate', 'ContactPersonFunctionName'],
      },
    },
  },
];
