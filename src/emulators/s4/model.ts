/**
 * The entity model the emulator serves: services, entity sets, properties and navigation
 * properties. API_BUSINESS_PARTNER holds only what SAP's published model of it has (SAP Business
 * Accelerator Hub, "Business Partner (A2X)"; test/unit/s4/standard-services.test.ts compares it with
 * SAP's generated client); OP_API_ACTIVITY_APPOINTMENT_SRV_0001 follows the shape of SAP's appointment
 * API. ZTANDEM_TASK_SRV and ZTANDEM_BP_SRV are Tandem's own services (abap/). The OData engine, the
 * EDMX document and the browser page are all generated from this one description.
 */

export type EdmType =
  | 'Edm.String'
  | 'Edm.Guid'
  | 'Edm.Boolean'
  | 'Edm.Byte'
  | 'Edm.Int16'
  | 'Edm.Int32'
  | 'Edm.Int64'
  | 'Edm.Decimal'
  | 'Edm.DateTime'
  | 'Edm.DateTimeOffset'
  | 'Edm.Time';

export interface PropertyDef {
  name: string;
  type: EdmType;
  key?: boolean;
  maxLength?: number;
  /** Edm.DateTime with sap:display-format="Date" (a calendar day). */
  dateOnly?: boolean;
  /** Set by the server; ignored on input (like Gateway's sap:creatable="false" sap:updatable="false"). */
  computed?: boolean;
  /** Can be set on create only (keys are always create-only). */
  createOnly?: boolean;
  nullable?: boolean;
  label: string;
}

export interface NavigationDef {
  name: string;
  target: string;
  many: boolean;
  /** [property of this entity, property of the target] pairs that join the two. */
  join: [string, string][];
  /** Extra restriction of the target rows (e.g. only mobile numbers). */
  where?: Readonly<Record<string, unknown>>;
}

export interface EntitySetDef {
  name: string;
  typeName: string;
  properties: PropertyDef[];
  navigations: NavigationDef[];
  /**
   * Which property carries the change timestamp the ETag derives from. Only root entities
   * (business partner, activities) have an ETag, as in SAP's services; dependents have none.
   */
  changedAtProperty?: string;
  /** Whether the set is writable through OData (creatable/updatable/deletable). */
  writable: boolean;
  /**
   * A read-only view computed from other sets (as a CDS view selects from tables); rows are never
   * stored. Keys must identify a row as in the underlying set.
   */
  view?: (rows: (set: string) => Record<string, unknown>[]) => Record<string, unknown>[];
}

export interface ServiceDef {
  name: string;
  namespace: string;
  /** Gateway component id shown in error innererror.application. */
  componentId: string;
  entitySets: EntitySetDef[];
}

const p = (name: string, type: EdmType, label: string, extra: Partial<PropertyDef> = {}): PropertyDef => ({
  name,
  type,
  label,
  ...extra,
});
const key = (name: string, type: EdmType, label: string, extra: Partial<PropertyDef> = {}): PropertyDef =>
  p(name, type, label, { key: true, ...extra });
const changeStamp = [
  p('CreatedByUser', 'Edm.String', 'Created By', { maxLength: 12, computed: true }),
  p('CreationDateTime', 'Edm.DateTimeOffset', 'Created On', { computed: true, nullable: true }),
  p('LastChangedByUser', 'Edm.String', 'Changed By', { maxLength: 12, computed: true }),
  p('LastChangeDateTime', 'Edm.DateTimeOffset', 'Changed On', { computed: true, nullable: true }),
];

export const BUSINESS_PARTNER_SERVICE: ServiceDef = {
  name: 'API_BUSINESS_PARTNER',
  namespace: 'API_BUSINESS_PARTNER',
  componentId: 'LO-MD-BP',
  entitySets: [
    {
      // SAP's A_BusinessPartner has no change timestamp property (LastChangeDate + LastChangeTime only);
      // the emulator derives its ETag from the row's internal change stamp.
      name: 'A_BusinessPartner',
      typeName: 'A_BusinessPartnerType',
      writable: true,
      changedAtProperty: '__changed',
      properties: [
        key('BusinessPartner', 'Edm.String', 'Business Partner', { maxLength: 10, createOnly: true }),
        p('BusinessPartnerCategory', 'Edm.String', 'BP Category', { maxLength: 1, createOnly: true }),
        p('BusinessPartnerFullName', 'Edm.String', 'Full Name', { maxLength: 81, computed: true }),
        p('BusinessPartnerGrouping', 'Edm.String', 'Grouping', { maxLength: 4 }),
        p('BusinessPartnerUUID', 'Edm.Guid', 'BP GUID', { computed: true }),
        p('FirstName', 'Edm.String', 'First Name', { maxLength: 40 }),
        p('LastName', 'Edm.String', 'Last Name', { maxLength: 40 }),
        p('OrganizationBPName1', 'Edm.String', 'Name 1', { maxLength: 40 }),
        p('OrganizationBPName2', 'Edm.String', 'Name 2', { maxLength: 40 }),
        p('SearchTerm1', 'Edm.String', 'Search Term 1', { maxLength: 20 }),
        p('CorrespondenceLanguage', 'Edm.String', 'Language', { maxLength: 2 }),
        p('BusinessPartnerIsBlocked', 'Edm.Boolean', 'Central Block'),
        p('CreatedByUser', 'Edm.String', 'Created By', { maxLength: 12, computed: true }),
        p('CreationDate', 'Edm.DateTime', 'Created On', { dateOnly: true, computed: true, nullable: true }),
        p('LastChangedByUser', 'Edm.String', 'Changed By', { maxLength: 12, computed: true }),
        p('LastChangeDate', 'Edm.DateTime', 'Changed On', { dateOnly: true, computed: true, nullable: true }),
        p('LastChangeTime', 'Edm.Time', 'Changed At', { computed: true }),
      ],
      navigations: [
        {
          name: 'to_BusinessPartnerAddress',
          target: 'A_BusinessPartnerAddress',
          many: true,
          join: [['BusinessPartner', 'BusinessPartner']],
        },
        {
          name: 'to_BusinessPartnerRole',
          target: 'A_BusinessPartnerRole',
          many: true,
          join: [['BusinessPartner', 'BusinessPartner']],
        },
        {
          name: 'to_BuPaIdentification',
          target: 'A_BuPaIdentification',
          many: true,
          join: [['BusinessPartner', 'BusinessPartner']],
        },
        {
          name: 'to_BusinessPartnerContact',
          target: 'A_BusinessPartnerContact',
          many: true,
          join: [['BusinessPartner', 'BusinessPartnerCompany']],
        },
      ],
    },
    {
      name: 'A_BusinessPartnerAddress',
      typeName: 'A_BusinessPartnerAddressType',
      writable: true,
      properties: [
        key('BusinessPartner', 'Edm.String', 'Business Partner', { maxLength: 10 }),
        key('AddressID', 'Edm.String', 'Address Number', { maxLength: 10, computed: true }),
        p('ValidityStartDate', 'Edm.DateTimeOffset', 'Valid From', { nullable: true }),
        p('ValidityEndDate', 'Edm.DateTimeOffset', 'Valid To', { nullable: true }),
        p('StreetName', 'Edm.String', 'Street', { maxLength: 60 }),
        p('HouseNumber', 'Edm.String', 'House Number', { maxLength: 10 }),
        p('PostalCode', 'Edm.String', 'Postal Code', { maxLength: 10 }),
        p('CityName', 'Edm.String', 'City', { maxLength: 40 }),
        p('Country', 'Edm.String', 'Country', { maxLength: 3 }),
        p('Region', 'Edm.String', 'Region', { maxLength: 3 }),
        p('Language', 'Edm.String', 'Language', { maxLength: 2 }),
      ],
      navigations: [
        { name: 'to_EmailAddress', target: 'A_AddressEmailAddress', many: true, join: [['AddressID', 'AddressID']] },
        {
          name: 'to_PhoneNumber',
          target: 'A_AddressPhoneNumber',
          many: true,
          join: [['AddressID', 'AddressID']],
          where: { PhoneNumberType: '1' },
        },
        {
          name: 'to_MobilePhoneNumber',
          target: 'A_AddressPhoneNumber',
          many: true,
          join: [['AddressID', 'AddressID']],
          where: { PhoneNumberType: '3' },
        },
      ],
    },
    {
      name: 'A_AddressEmailAddress',
      typeName: 'A_AddressEmailAddressType',
      writable: true,
      properties: [
        key('AddressID', 'Edm.String', 'Address Number', { maxLength: 10 }),
        key('Person', 'Edm.String', 'Person Number', { maxLength: 10 }),
        key('OrdinalNumber', 'Edm.String', 'Sequence Number', { maxLength: 3 }),
        p('IsDefaultEmailAddress', 'Edm.Boolean', 'Standard No.'),
        p('EmailAddress', 'Edm.String', 'E-Mail Address', { maxLength: 241 }),
        p('SearchEmailAddress', 'Edm.String', 'E-Mail Address Search Field', { maxLength: 20, computed: true }),
      ],
      navigations: [],
    },
    {
      name: 'A_AddressPhoneNumber',
      typeName: 'A_AddressPhoneNumberType',
      writable: true,
      properties: [
        key('AddressID', 'Edm.String', 'Address Number', { maxLength: 10 }),
        key('Person', 'Edm.String', 'Person Number', { maxLength: 10 }),
        key('OrdinalNumber', 'Edm.String', 'Sequence Number', { maxLength: 3 }),
        p('DestinationLocationCountry', 'Edm.String', 'Country', { maxLength: 3 }),
        p('IsDefaultPhoneNumber', 'Edm.Boolean', 'Standard No.'),
        p('PhoneNumber', 'Edm.String', 'Telephone', { maxLength: 30 }),
        p('PhoneNumberExtension', 'Edm.String', 'Extension', { maxLength: 10 }),
        p('InternationalPhoneNumber', 'Edm.String', 'Telephone (canonical)', { maxLength: 30, computed: true }),
        // '1' landline, '3' mobile (SAP's R3_USER flag of ADR2).
        p('PhoneNumberType', 'Edm.String', 'Mobile Phone', { maxLength: 1 }),
      ],
      navigations: [],
    },
    {
      name: 'A_BusinessPartnerRole',
      typeName: 'A_BusinessPartnerRoleType',
      writable: true,
      properties: [
        key('BusinessPartner', 'Edm.String', 'Business Partner', { maxLength: 10 }),
        key('BusinessPartnerRole', 'Edm.String', 'BP Role', { maxLength: 6 }),
        p('ValidFrom', 'Edm.DateTimeOffset', 'Validity Start', { nullable: true }),
        p('ValidTo', 'Edm.DateTimeOffset', 'Validity End', { nullable: true }),
      ],
      navigations: [],
    },
    {
      name: 'A_BuPaIdentification',
      typeName: 'A_BuPaIdentificationType',
      writable: true,
      properties: [
        key('BusinessPartner', 'Edm.String', 'Business Partner', { maxLength: 10 }),
        key('BPIdentificationType', 'Edm.String', 'ID Type', { maxLength: 6 }),
        key('BPIdentificationNumber', 'Edm.String', 'ID Number', { maxLength: 60 }),
        p('BPIdnNmbrIssuingInstitute', 'Edm.String', 'Responsible Institution', { maxLength: 40 }),
        p('ValidityStartDate', 'Edm.DateTime', 'Valid From', { dateOnly: true, nullable: true }),
        p('ValidityEndDate', 'Edm.DateTime', 'Valid To', { dateOnly: true, nullable: true }),
      ],
      navigations: [],
    },
    {
      name: 'A_BusinessPartnerContact',
      typeName: 'A_BusinessPartnerContactType',
      writable: true,
      properties: [
        key('RelationshipNumber', 'Edm.String', 'BP Relationship No.', { maxLength: 12, computed: true }),
        key('BusinessPartnerCompany', 'Edm.String', 'Business Partner', { maxLength: 10 }),
        key('BusinessPartnerPerson', 'Edm.String', 'Business Partner', { maxLength: 10 }),
        key('ValidityEndDate', 'Edm.DateTime', 'Valid To', { dateOnly: true }),
        p('ValidityStartDate', 'Edm.DateTime', 'Valid From', { dateOnly: true, nullable: true }),
        p('IsStandardRelationship', 'Edm.Boolean', 'Standard Relationship'),
        p('RelationshipCategory', 'Edm.String', 'Relationship Category', { maxLength: 6 }),
      ],
      navigations: [
        {
          name: 'to_ContactRelationship',
          target: 'A_BPContactToFuncAndDept',
          many: false,
          join: [['RelationshipNumber', 'RelationshipNumber']],
        },
      ],
    },
    {
      name: 'A_BPContactToFuncAndDept',
      typeName: 'A_BPContactToFuncAndDeptType',
      writable: true,
      properties: [
        key('RelationshipNumber', 'Edm.String', 'BP Relationship No.', { maxLength: 12 }),
        key('BusinessPartnerCompany', 'Edm.String', 'Business Partner', { maxLength: 10 }),
        key('BusinessPartnerPerson', 'Edm.String', 'Business Partner', { maxLength: 10 }),
        key('ValidityEndDate', 'Edm.DateTime', 'Valid To', { dateOnly: true }),
        // Codes only (customizing tables TB913 / TB911 hold the texts): ZTANDEM_BP_SRV has the texts.
        p('ContactPersonFunction', 'Edm.String', 'Function', { maxLength: 4 }),
        p('ContactPersonDepartment', 'Edm.String', 'Department', { maxLength: 4 }),
        p('EmailAddress', 'Edm.String', 'E-Mail Address', { maxLength: 241 }),
        p('PhoneNumber', 'Edm.String', 'Telephone', { maxLength: 30 }),
      ],
      navigations: [],
    },
  ],
};

function activitySets(prefix: 'A_AppointmentActivity' | 'TaskActivity', header: PropertyDef[]): EntitySetDef[] {
  const typeSuffix = prefix === 'TaskActivity' ? '' : 'Type';
  return [
    {
      name: prefix,
      typeName: `${prefix}${typeSuffix}`,
      writable: true,
      changedAtProperty: 'LastChangeDateTime',
      properties: [
        key('ActivityUUID', 'Edm.Guid', 'Activity GUID', { computed: true }),
        p('Activity', 'Edm.String', 'Activity ID', { maxLength: 10, computed: true }),
        p('ActivityProcessType', 'Edm.String', 'Transaction Type', { maxLength: 4, createOnly: true }),
        p('ActivityDescription', 'Edm.String', 'Description', { maxLength: 40 }),
        ...header,
        p('ActivityTimeZone', 'Edm.String', 'Time Zone', { maxLength: 6 }),
        p('ActivityStatus', 'Edm.String', 'Status', { maxLength: 5 }),
        p('ActivityPriority', 'Edm.String', 'Priority', { maxLength: 1 }),
        p('ActivityIsPrivate', 'Edm.Boolean', 'Private'),
        p('ActivityExternalReference', 'Edm.String', 'External Reference', { maxLength: 255 }),
        ...changeStamp,
      ],
      navigations: [
        { name: 'to_Partner', target: `${prefix}Partner`, many: true, join: [['ActivityUUID', 'ActivityUUID']] },
        { name: 'to_Text', target: `${prefix}Text`, many: true, join: [['ActivityUUID', 'ActivityUUID']] },
      ],
    },
    {
      name: `${prefix}Partner`,
      typeName: `${prefix}Partner${typeSuffix}`,
      writable: true,
      properties: [
        key('ActivityUUID', 'Edm.Guid', 'Activity GUID'),
        key('PartnerFunction', 'Edm.String', 'Partner Function', { maxLength: 8 }),
        key('BusinessPartner', 'Edm.String', 'Business Partner', { maxLength: 10 }),
        p('IsMainPartner', 'Edm.Boolean', 'Main Partner'),
      ],
      navigations: [],
    },
    {
      name: `${prefix}Text`,
      typeName: `${prefix}Text${typeSuffix}`,
      writable: true,
      properties: [
        key('ActivityUUID', 'Edm.Guid', 'Activity GUID'),
        key('LongTextID', 'Edm.String', 'Text Type', { maxLength: 4 }),
        key('Language', 'Edm.String', 'Language', { maxLength: 2 }),
        p('LongText', 'Edm.String', 'Text'),
      ],
      navigations: [],
    },
  ];
}

export const APPOINTMENT_SERVICE: ServiceDef = {
  name: 'OP_API_ACTIVITY_APPOINTMENT_SRV_0001',
  namespace: 'OP_API_ACTIVITY_APPOINTMENT_SRV_0001',
  componentId: 'CRM-S4-ACT',
  entitySets: activitySets('A_AppointmentActivity', [
    p('AppointmentStartDateTime', 'Edm.DateTimeOffset', 'Start', { nullable: true }),
    p('AppointmentEndDateTime', 'Edm.DateTimeOffset', 'End', { nullable: true }),
    p('IsAllDayActivity', 'Edm.Boolean', 'All Day'),
    p('ActivityCategory', 'Edm.String', 'Category', { maxLength: 3 }),
    p('ActivityLocation', 'Edm.String', 'Location', { maxLength: 100 }),
  ]),
};

export const TASK_SERVICE: ServiceDef = {
  name: 'ZTANDEM_TASK_SRV',
  namespace: 'ZTANDEM_TASK_SRV',
  componentId: 'CRM-S4-ACT',
  entitySets: activitySets('TaskActivity', [
    p('TaskStartDateTime', 'Edm.DateTimeOffset', 'Start', { nullable: true }),
    p('TaskDueDateTime', 'Edm.DateTimeOffset', 'Due Date', { nullable: true }),
    p('TaskCompletionPercent', 'Edm.Byte', 'Completion (%)'),
  ]),
};

/** Demo customizing: contact person functions (TB913) and departments (TB911), English texts. */
export const CONTACT_FUNCTIONS: Readonly<Record<string, string>> = {
  '0001': 'Managing Director',
  '0002': 'Head of Purchasing',
  '0003': 'Plant Manager',
  '0004': 'Sales Manager',
};
export const CONTACT_DEPARTMENTS: Readonly<Record<string, string>> = {
  '0001': 'Management',
  '0002': 'Purchasing',
  '0003': 'Production',
  '0004': 'Sales',
};

/**
 * Tandem's own read service for what API_BUSINESS_PARTNER lacks (abap/: CDS views
 * ZTANDEM_I_BPRELATIONSHIP and ZTANDEM_I_CONTACTPERSON, service definition ZTANDEM_BP, binding
 * ZTANDEM_BP_SRV, OData V2): every relationship category, BUR011 among them, and contact person
 * function and department texts. Read-only, like the CDS views; the emulator's browser page
 * maintains relationships as the SAP GUI would.
 */
export const TANDEM_BP_SERVICE: ServiceDef = {
  name: 'ZTANDEM_BP_SRV',
  namespace: 'ZTANDEM_BP_SRV',
  componentId: 'ZTANDEM',
  entitySets: [
    {
      name: 'BPRelationship',
      typeName: 'BPRelationshipType',
      writable: false,
      properties: [
        key('RelationshipNumber', 'Edm.String', 'BP Relationship No.', { maxLength: 12, computed: true }),
        key('BusinessPartner1', 'Edm.String', 'Business Partner 1', { maxLength: 10 }),
        key('BusinessPartner2', 'Edm.String', 'Business Partner 2', { maxLength: 10 }),
        key('ValidityEndDate', 'Edm.DateTime', 'Valid To', { dateOnly: true }),
        p('ValidityStartDate', 'Edm.DateTime', 'Valid From', { dateOnly: true, nullable: true }),
        p('RelationshipCategory', 'Edm.String', 'Relationship Category', { maxLength: 6 }),
      ],
      navigations: [],
    },
    {
      name: 'ContactPersonDetail',
      typeName: 'ContactPersonDetailType',
      writable: false,
      properties: [
        key('RelationshipNumber', 'Edm.String', 'BP Relationship No.', { maxLength: 12 }),
        key('BusinessPartnerCompany', 'Edm.String', 'Business Partner', { maxLength: 10 }),
        key('BusinessPartnerPerson', 'Edm.String', 'Business Partner', { maxLength: 10 }),
        key('ValidityEndDate', 'Edm.DateTime', 'Valid To', { dateOnly: true }),
        p('ContactPersonFunction', 'Edm.String', 'Function', { maxLength: 4 }),
        p('ContactPersonFunctionName', 'Edm.String', 'Function Name', { maxLength: 30 }),
        p('ContactPersonDepartment', 'Edm.String', 'Department', { maxLength: 4 }),
        p('ContactPersonDepartmentName', 'Edm.String', 'Department Name', { maxLength: 20 }),
      ],
      navigations: [],
      view: (rows) =>
        rows('A_BPContactToFuncAndDept').map((r) => ({
          __changed: r.__changed,
          RelationshipNumber: r.RelationshipNumber,
          BusinessPartnerCompany: r.BusinessPartnerCompany,
          BusinessPartnerPerson: r.BusinessPartnerPerson,
          ValidityEndDate: r.ValidityEndDate,
          ContactPersonFunction: r.ContactPersonFunction ?? '',
          ContactPersonFunctionName: CONTACT_FUNCTIONS[String(r.ContactPersonFunction)] ?? '',
          ContactPersonDepartment: r.ContactPersonDepartment ?? '',
          ContactPersonDepartmentName: CONTACT_DEPARTMENTS[String(r.ContactPersonDepartment)] ?? '',
        })),
    },
  ],
};

export const SERVICES: readonly ServiceDef[] = [
  BUSINESS_PARTNER_SERVICE,
  APPOINTMENT_SERVICE,
  TASK_SERVICE,
  TANDEM_BP_SERVICE,
];

export function findService(name: string): ServiceDef | undefined {
  return SERVICES.find((s) => s.name.toUpperCase() === name.toUpperCase());
}

export function findEntitySet(service: ServiceDef, name: string): EntitySetDef | undefined {
  return service.entitySets.find((s) => s.name === name);
}

/** Every entity set of every service, by name (names are unique across our services). */
export function entitySetByName(name: string): { service: ServiceDef; set: EntitySetDef } | undefined {
  if (!SETS_BY_NAME) {
    // Built once: every row read, write and key resolves its set by name.
    SETS_BY_NAME = new Map();
    for (const service of SERVICES)
      for (const set of service.entitySets)
        if (!SETS_BY_NAME.has(set.name)) SETS_BY_NAME.set(set.name, { service, set });
  }
  return SETS_BY_NAME.get(name);
}

let SETS_BY_NAME: Map<string, { service: ServiceDef; set: EntitySetDef }> | undefined;

/** Key properties in declaration order; cached per definition (each row key needs them). */
export function keyProperties(set: EntitySetDef): PropertyDef[] {
  let keys = KEYS.get(set);
  if (!keys) {
    keys = set.properties.filter((prop) => prop.key);
    KEYS.set(set, keys);
  }
  return keys;
}

const KEYS = new WeakMap<EntitySetDef, PropertyDef[]>();

/** Process types (transaction types) the demo system knows, by business object. */
export const PROCESS_TYPES = {
  appointment: { ZVIS: 'Customer visit', ZMTG: 'Internal meeting' },
  task: { ZTSK: 'Task', ZFUP: 'Follow-up task' },
} as const;
