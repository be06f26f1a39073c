import { TandemError } from '../../errors/tandem-error.js';
import { formatEdmDateTimeOffset, formatEdmTime, parseEdmDate, parseEdmTime, toIsoInstant } from './odata-values.js';
import { ianaToSapTimeZone, sapTimeZoneToIana } from './time-zones.js';
import type {
  S4Appointment,
  S4AppointmentChanges,
  S4AppointmentInput,
  S4BusinessPartner,
  S4Partner,
  S4Relationship,
  S4Task,
  S4TaskChanges,
  S4TaskInput,
  S4Text,
} from './types.js';

/**
 * OData entity ↔ domain object. The only place that knows S/4 field names of activities and
 * business partners (beyond the query builders in the client).
 */

type OData = Record<string, unknown>;

/** ActivityDescription is CHAR 40 in S/4 (CRMD_ORDERADM_H-DESCRIPTION); longer subjects are cut. */
export const S4_DESCRIPTION_MAX = 40;
/** BP role that makes a business partner an employee. */
export const EMPLOYEE_ROLE = 'BUP003';
/**
 * Default BP identification type whose number is the S/4 user of an employee (API_BUSINESS_PARTNER
 * has no user field; see docs/s4-setup.md "Employees and users"). Configurable per tenant.
 */
export const DEFAULT_USER_IDENTIFICATION_TYPE = 'ZUSER';

function results(value: unknown): OData[] {
  if (Array.isArray(value)) return value as OData[];
  const inner = (value as { results?: unknown } | null | undefined)?.results;
  return Array.isArray(inner) ? (inner as OData[]) : [];
}

function instant(value: unknown, field: string): string {
  const parsed = parseEdmDate(value);
  if (!parsed) throw new TandemError('S4_BAD_REQUEST', `S/4 returned an unreadable date in ${field}: ${String(value)}`);
  return toIsoInstant(parsed.ms);
}

function optionalInstant(value: unknown, field: string): string | undefined {
  return value === null || value === undefined || value === '' ? undefined : instant(value, field);
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function etagOf(entity: OData): string {
  return String((entity.__metadata as { etag?: string } | undefined)?.etag ?? '');
}

export function toEdmInstant(iso: string, field: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new TandemError('VALIDATION_FAILED', `${field} is not an ISO instant: ${iso}`);
  return formatEdmDateTimeOffset(ms, 0);
}

function texts(entity: OData): S4Text[] {
  return results(entity.to_Text).map((t) => ({
    textType: String(t.LongTextID),
    text: String(t.LongText ?? ''),
    language: String(t.Language ?? 'EN'),
  }));
}

function partners(entity: OData): S4Partner[] {
  return results(entity.to_Partner).map((p) => ({
    partnerFunction: String(p.PartnerFunction),
    businessPartner: String(p.BusinessPartner),
    isMain: p.IsMainPartner === true,
  }));
}

export function toAppointment(entity: OData): S4Appointment {
  return {
    uuid: String(entity.ActivityUUID).toLowerCase(),
    id: String(entity.Activity),
    processType: String(entity.ActivityProcessType),
    subject: String(entity.ActivityDescription ?? ''),
    start: instant(entity.AppointmentStartDateTime, 'AppointmentStartDateTime'),
    end: instant(entity.AppointmentEndDateTime, 'AppointmentEndDateTime'),
    timeZone: sapTimeZoneToIana(entity.ActivityTimeZone as string),
    isAllDay: entity.IsAllDayActivity === true,
    status: String(entity.ActivityStatus ?? ''),
    priority: String(entity.ActivityPriority ?? ''),
    category: optionalString(entity.ActivityCategory),
    isPrivate: entity.ActivityIsPrivate === true,
    location: optionalString(entity.ActivityLocation),
    texts: texts(entity),
    partners: partners(entity),
    externalReference: optionalString(entity.ActivityExternalReference),
    etag: etagOf(entity),
    changedAt: instant(entity.LastChangeDateTime, 'LastChangeDateTime'),
  };
}

export function toTask(entity: OData): S4Task {
  return {
    uuid: String(entity.ActivityUUID).toLowerCase(),
    id: String(entity.Activity),
    processType: String(entity.ActivityProcessType),
    subject: String(entity.ActivityDescription ?? ''),
    start: optionalInstant(entity.TaskStartDateTime, 'TaskStartDateTime'),
    due: optionalInstant(entity.TaskDueDateTime, 'TaskDueDateTime'),
    timeZone: sapTimeZoneToIana(entity.ActivityTimeZone as string),
    status: String(entity.ActivityStatus ?? ''),
    priority: String(entity.ActivityPriority ?? ''),
    percentComplete: Number(entity.TaskCompletionPercent ?? 0),
    isPrivate: entity.ActivityIsPrivate === true,
    texts: texts(entity),
    partners: partners(entity),
    externalReference: optionalString(entity.ActivityExternalReference),
    etag: etagOf(entity),
    changedAt: instant(entity.LastChangeDateTime, 'LastChangeDateTime'),
  };
}

export function textToOData(text: S4Text): OData {
  return { LongTextID: text.textType, Language: (text.language ?? 'EN').toUpperCase(), LongText: text.text };
}

export function partnerToOData(partner: S4Partner): OData {
  return {
    PartnerFunction: partner.partnerFunction,
    BusinessPartner: partner.businessPartner,
    IsMainPartner: partner.isMain ?? false,
  };
}

/** Header fields of an appointment create/update (only those present in `input`). */
export function appointmentHeaderToOData(input: S4AppointmentChanges & { processType?: string }): OData {
  const out: OData = {};
  if (input.processType !== undefined) out.ActivityProcessType = input.processType;
  if (input.subject !== undefined) out.ActivityDescription = input.subject.slice(0, S4_DESCRIPTION_MAX).trimEnd();
  if (input.start !== undefined) out.AppointmentStartDateTime = toEdmInstant(input.start, 'start');
  if (input.end !== undefined) out.AppointmentEndDateTime = toEdmInstant(input.end, 'end');
  if (input.timeZone !== undefined) out.ActivityTimeZone = ianaToSapTimeZone(input.timeZone);
  if (input.isAllDay !== undefined) out.IsAllDayActivity = input.isAllDay;
  if (input.status !== undefined) out.ActivityStatus = input.status;
  if (input.priority !== undefined) out.ActivityPriority = input.priority;
  if (input.category !== undefined) out.ActivityCategory = input.category;
  if (input.isPrivate !== undefined) out.ActivityIsPrivate = input.isPrivate;
  if (input.location !== undefined) out.ActivityLocation = input.location.slice(0, 100);
  if (input.externalReference !== undefined) out.ActivityExternalReference = input.externalReference;
  return out;
}

export function appointmentCreateToOData(input: S4AppointmentInput): OData {
  return {
    ...appointmentHeaderToOData(input),
    to_Partner: (input.partners ?? []).map(partnerToOData),
    to_Text: (input.texts ?? []).map(textToOData),
  };
}

export function taskHeaderToOData(input: S4TaskChanges & { processType?: string }): OData {
  const out: OData = {};
  if (input.processType !== undefined) out.ActivityProcessType = input.processType;
  if (input.subject !== undefined) out.ActivityDescription = input.subject.slice(0, S4_DESCRIPTION_MAX).trimEnd();
  if ('start' in input) out.TaskStartDateTime = input.start === undefined ? null : toEdmInstant(input.start, 'start');
  if ('due' in input) out.TaskDueDateTime = input.due === undefined ? null : toEdmInstant(input.due, 'due');
  if (input.timeZone !== undefined) out.ActivityTimeZone = ianaToSapTimeZone(input.timeZone);
  if (input.status !== undefined) out.ActivityStatus = input.status;
  if (input.priority !== undefined) out.ActivityPriority = input.priority;
  if (input.percentComplete !== undefined) out.TaskCompletionPercent = Math.round(input.percentComplete);
  if (input.isPrivate !== undefined) out.ActivityIsPrivate = input.isPrivate;
  if (input.externalReference !== undefined) out.ActivityExternalReference = input.externalReference;
  return out;
}

export function taskCreateToOData(input: S4TaskInput): OData {
  return {
    ...taskHeaderToOData(input),
    to_Partner: (input.partners ?? []).map(partnerToOData),
    to_Text: (input.texts ?? []).map(textToOData),
  };
}

/** `contact`: the person's ZTANDEM_BP_SRV ContactPersonDetail row (company and function text), if any. */
export function toBusinessPartner(
  entity: OData,
  contact?: OData,
  userIdentificationType = DEFAULT_USER_IDENTIFICATION_TYPE,
): S4BusinessPartner {
  const addresses = results(entity.to_BusinessPartnerAddress);
  const address = addresses[0];
  const emails = addresses
    .flatMap((a) => results(a.to_EmailAddress))
    .sort((x, y) => Number(y.IsDefaultEmailAddress === true) - Number(x.IsDefaultEmailAddress === true))
    .map((e) => String(e.EmailAddress))
    .filter((e) => e !== '');
  const phones = addresses
    .flatMap((a) => [
      ...results(a.to_PhoneNumber).map((p) => ({ number: String(p.PhoneNumber), kind: 'phone' as const })),
      ...results(a.to_MobilePhoneNumber).map((p) => ({ number: String(p.PhoneNumber), kind: 'mobile' as const })),
    ])
    .filter((p) => p.number !== '');
  const roles = results(entity.to_BusinessPartnerRole).map((r) => String(r.BusinessPartnerRole));
  const userId = results(entity.to_BuPaIdentification).find(
    (i) => i.BPIdentificationType === userIdentificationType,
  )?.BPIdentificationNumber;
  const isOrg = entity.BusinessPartnerCategory === '2';
  return {
    id: String(entity.BusinessPartner),
    category: isOrg ? 'organization' : 'person',
    firstName: isOrg ? undefined : optionalString(entity.FirstName),
    lastName: isOrg ? undefined : optionalString(entity.LastName),
    organizationName: isOrg
      ? [entity.OrganizationBPName1, entity.OrganizationBPName2]
          .filter((v) => typeof v === 'string' && v !== '')
          .join(' ')
      : undefined,
    jobTitle: optionalString(contact?.ContactPersonFunctionName),
    companyId: optionalString(contact?.BusinessPartnerCompany),
    emails,
    phones,
    address: address
      ? {
          street: String(address.StreetName ?? ''),
          houseNumber: String(address.HouseNumber ?? ''),
          postalCode: String(address.PostalCode ?? ''),
          city: String(address.CityName ?? ''),
          country: String(address.Country ?? ''),
          region: optionalString(address.Region),
        }
      : undefined,
    userId: typeof userId === 'string' && userId !== '' ? userId : undefined,
    isEmployee: roles.includes(EMPLOYEE_ROLE),
    changedAt: businessPartnerChangedAt(entity),
  };
}

/**
 * A_BusinessPartner's LastChangeDate (Edm.DateTime, date only) + LastChangeTime (Edm.Time) as
 * `YYYY-MM-DDThh:mm:ss`; undefined when S/4 gives no date (never changed since its creation
 * without a change stamp, or the properties not selected).
 */
export function businessPartnerChangedAt(entity: OData): string | undefined {
  const date = parseEdmDate(entity.LastChangeDate);
  if (!date) return undefined;
  const seconds = parseEdmTime(entity.LastChangeTime) ?? 0;
  const time = formatEdmTime(seconds).replace(/^PT(\d{2})H(\d{2})M(\d{2})S$/, '$1:$2:$3');
  return `${new Date(date.ms).toISOString().slice(0, 10)}T${time}`;
}

export function toRelationship(entity: OData): S4Relationship {
  const day = (value: unknown): string | undefined => {
    const parsed = parseEdmDate(value);
    return parsed ? new Date(parsed.ms).toISOString().slice(0, 10) : undefined;
  };
  return {
    bp1: String(entity.BusinessPartner1 ?? entity.BusinessPartnerCompany),
    bp2: String(entity.BusinessPartner2 ?? entity.BusinessPartnerPerson),
    category: String(entity.RelationshipCategory),
    validFrom: day(entity.ValidityStartDate),
    validTo: day(entity.ValidityEndDate),
  };
}
