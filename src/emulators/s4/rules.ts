import { SAP_TO_IANA } from './time-zones.js';
import { gatewayErrors } from './gateway-error.js';
import { PROCESS_TYPES, entitySetByName, type EntitySetDef } from './model.js';
import type { Row, S4Store } from './store.js';

/**
 * Business rules of the emulated S/4 system: number ranges, server-set fields, the checks the
 * CRM one-order and BP APIs make (known process type, known partner, end after start, known time
 * zone), cascading deletes and "a dependent changed, so the header changed" (which moves the
 * header's ETag and raises its Changed event, as the one-order framework does).
 */

export interface RuleContext {
  store: S4Store;
  /** SAP user of the request (the communication user, or the browser page's user). */
  user: string;
  /**
   * The browser page acting as the SAP GUI: it may maintain data that the OData services only
   * expose read-only (relationships are read through ZTANDEM_BP_SRV but maintained in transaction BP).
   */
  backend?: boolean;
}

/** 31.12.9999 — SAP's "valid until further notice". */
export const END_OF_TIME = Date.UTC(9999, 11, 31);

const ACTIVITY_SETS: Record<string, keyof typeof PROCESS_TYPES> = {
  A_AppointmentActivity: 'appointment',
  TaskActivity: 'task',
};

function startOfDay(ms: number): number {
  return ms - (ms % 86_400_000);
}

function stampCreate(row: Record<string, unknown>, ctx: RuleContext, set: EntitySetDef): void {
  const now = ctx.store.nextStamp();
  const has = (name: string): boolean => set.properties.some((p) => p.name === name);
  if (has('CreatedByUser')) row.CreatedByUser = ctx.user;
  if (has('CreationDateTime')) row.CreationDateTime = now;
  if (has('CreationDate')) row.CreationDate = startOfDay(now);
  stampChange(row, ctx, set, now);
}

function stampChange(
  row: Record<string, unknown>,
  ctx: RuleContext,
  set: EntitySetDef,
  now = ctx.store.nextStamp(),
): void {
  const has = (name: string): boolean => set.properties.some((p) => p.name === name);
  if (has('LastChangedByUser')) row.LastChangedByUser = ctx.user;
  if (has('LastChangeDateTime')) row.LastChangeDateTime = now;
  if (has('LastChangeDate')) row.LastChangeDate = startOfDay(now);
  if (has('LastChangeTime')) row.LastChangeTime = Math.floor((now % 86_400_000) / 1000);
}

function requireBusinessPartner(ctx: RuleContext, bp: unknown): void {
  if (typeof bp !== 'string' || !ctx.store.get('A_BusinessPartner', { BusinessPartner: bp })) {
    throw gatewayErrors.business(`Business partner ${String(bp)} does not exist`, 'R11/002');
  }
}

function validateActivity(set: string, row: Record<string, unknown>): void {
  const kind = ACTIVITY_SETS[set] as keyof typeof PROCESS_TYPES;
  const types = PROCESS_TYPES[kind] as Record<string, string>;
  if (typeof row.ActivityProcessType !== 'string' || types[row.ActivityProcessType] === undefined) {
    throw gatewayErrors.business(
      `Transaction type ${String(row.ActivityProcessType ?? '')} is not permitted for this business object`,
      'CRM_ORDERADM_H/012',
    );
  }
  if (
    typeof row.ActivityTimeZone === 'string' &&
    row.ActivityTimeZone !== '' &&
    SAP_TO_IANA[row.ActivityTimeZone] === undefined
  ) {
    throw gatewayErrors.business(`Time zone ${row.ActivityTimeZone} is not defined`, 'TZ/001');
  }
  const [from, to] =
    kind === 'appointment'
      ? [row.AppointmentStartDateTime, row.AppointmentEndDateTime]
      : [row.TaskStartDateTime, row.TaskDueDateTime];
  if (kind === 'appointment' && (typeof from !== 'number' || typeof to !== 'number')) {
    throw gatewayErrors.business('Enter a start and an end date for the appointment', 'CRM_APPOINTMENT/005');
  }
  if (typeof from === 'number' && typeof to === 'number' && to < from) {
    throw gatewayErrors.business('The end date lies before the start date', 'CRM_APPOINTMENT/004');
  }
  if (kind === 'task' && typeof row.TaskCompletionPercent === 'number' && row.TaskCompletionPercent > 100) {
    throw gatewayErrors.business('Completion must be between 0 and 100 percent', 'CRM_TASK/001');
  }
  if (typeof row.ActivityDescription !== 'string' || row.ActivityDescription.trim() === '') {
    throw gatewayErrors.business('Enter a description', 'CRM_ORDERADM_H/020');
  }
}

export function beforeCreate(setName: string, row: Record<string, unknown>, ctx: RuleContext): void {
  const set = entitySetByName(setName)?.set as EntitySetDef;
  const { store } = ctx;
  switch (setName) {
    case 'A_AppointmentActivity':
    case 'TaskActivity':
      row.ActivityUUID = store.newGuid();
      row.Activity = String(store.nextNumber('activity', 4_000_000_100));
      if (row.ActivityStatus === '' || row.ActivityStatus === undefined) row.ActivityStatus = 'E0001';
      if (row.ActivityPriority === '' || row.ActivityPriority === undefined) row.ActivityPriority = '5';
      if (row.ActivityTimeZone === '' || row.ActivityTimeZone === undefined) row.ActivityTimeZone = 'UTC';
      validateActivity(setName, row);
      break;
    case 'A_AppointmentActivityPartner':
    case 'TaskActivityPartner':
      requireParent(setName, row, ctx);
      requireBusinessPartner(ctx, row.BusinessPartner);
      break;
    case 'A_AppointmentActivityText':
    case 'TaskActivityText':
      requireParent(setName, row, ctx);
      if (row.Language === '' || row.Language === undefined) row.Language = 'EN';
      break;
    case 'A_BusinessPartner':
      if (typeof row.BusinessPartner !== 'string' || row.BusinessPartner === '') {
        row.BusinessPartner = String(store.nextNumber('bp', 10_100_100));
      }
      if (store.get('A_BusinessPartner', { BusinessPartner: row.BusinessPartner })) {
        throw gatewayErrors.business(`Business partner ${String(row.BusinessPartner)} already exists`, 'R11/085');
      }
      if (row.BusinessPartnerCategory !== '1' && row.BusinessPartnerCategory !== '2') {
        throw gatewayErrors.business('Business partner category must be 1 (person) or 2 (organization)', 'R11/401');
      }
      row.BusinessPartnerUUID = store.newGuid();
      row.BusinessPartnerFullName = fullName(row);
      break;
    case 'A_BusinessPartnerAddress':
      requireBusinessPartner(ctx, row.BusinessPartner);
      row.AddressID = String(store.nextNumber('address', 30_000));
      break;
    case 'A_AddressEmailAddress':
      row.SearchEmailAddress = String(row.EmailAddress ?? '')
        .toUpperCase()
        .slice(0, 20);
      if (row.OrdinalNumber === '' || row.OrdinalNumber === undefined)
        row.OrdinalNumber = nextOrdinal(store, setName, row.AddressID);
      break;
    case 'A_AddressPhoneNumber':
      row.InternationalPhoneNumber = String(row.PhoneNumber ?? '').replace(/[^+\d]/g, '');
      if (row.PhoneNumberType === '' || row.PhoneNumberType === undefined) row.PhoneNumberType = '1';
      if (row.OrdinalNumber === '' || row.OrdinalNumber === undefined)
        row.OrdinalNumber = nextOrdinal(store, setName, row.AddressID);
      break;
    case 'A_BusinessPartnerContact':
    case 'BPRelationship': {
      const [bp1, bp2] =
        setName === 'BPRelationship'
          ? [row.BusinessPartner1, row.BusinessPartner2]
          : [row.BusinessPartnerCompany, row.BusinessPartnerPerson];
      requireBusinessPartner(ctx, bp1);
      requireBusinessPartner(ctx, bp2);
      row.RelationshipNumber = String(store.nextNumber('relationship', 100_000)).padStart(12, '0');
      if (typeof row.ValidityEndDate !== 'number') row.ValidityEndDate = END_OF_TIME;
      if (typeof row.ValidityStartDate !== 'number') row.ValidityStartDate = startOfDay(Date.now());
      if (row.RelationshipCategory === '' || row.RelationshipCategory === undefined) {
        row.RelationshipCategory = setName === 'A_BusinessPartnerContact' ? 'BUR001' : '';
      }
      if (row.RelationshipCategory === '') throw gatewayErrors.business('Enter a relationship category', 'R11/310');
      break;
    }
    default:
      break;
  }
  stampCreate(row, ctx, set);
}

export function beforeUpdate(setName: string, row: Record<string, unknown>, ctx: RuleContext): void {
  const set = entitySetByName(setName)?.set as EntitySetDef;
  if (ACTIVITY_SETS[setName]) validateActivity(setName, row);
  if (setName === 'A_BusinessPartner') row.BusinessPartnerFullName = fullName(row);
  if (setName === 'A_AddressEmailAddress')
    row.SearchEmailAddress = String(row.EmailAddress ?? '')
      .toUpperCase()
      .slice(0, 20);
  if (setName === 'A_AddressPhoneNumber')
    row.InternationalPhoneNumber = String(row.PhoneNumber ?? '').replace(/[^+\d]/g, '');
  stampChange(row, ctx, set);
}

/** Dependents that go with a deleted row (partners and texts of an activity, a BP's addresses…). */
export function dependentsOf(setName: string, row: Row, store: S4Store): { set: string; rows: Row[] }[] {
  const byField = (set: string, field: string, value: unknown): { set: string; rows: Row[] } => ({
    set,
    rows: store.where(set, field, value),
  });
  switch (setName) {
    case 'A_AppointmentActivity':
      return [
        byField('A_AppointmentActivityPartner', 'ActivityUUID', row.ActivityUUID),
        byField('A_AppointmentActivityText', 'ActivityUUID', row.ActivityUUID),
      ];
    case 'TaskActivity':
      return [
        byField('TaskActivityPartner', 'ActivityUUID', row.ActivityUUID),
        byField('TaskActivityText', 'ActivityUUID', row.ActivityUUID),
      ];
    case 'A_BusinessPartner': {
      // Relationships die with either partner (each raises its own BPRelationship.Deleted).
      const bp = row.BusinessPartner;
      return [
        byField('A_BusinessPartnerAddress', 'BusinessPartner', bp),
        byField('A_BusinessPartnerRole', 'BusinessPartner', bp),
        byField('A_BuPaIdentification', 'BusinessPartner', bp),
        {
          set: 'A_BusinessPartnerContact',
          rows: store
            .list('A_BusinessPartnerContact')
            .filter((r) => r.BusinessPartnerCompany === bp || r.BusinessPartnerPerson === bp),
        },
        {
          set: 'BPRelationship',
          rows: store.list('BPRelationship').filter((r) => r.BusinessPartner1 === bp || r.BusinessPartner2 === bp),
        },
      ];
    }
    case 'A_BusinessPartnerAddress':
      return [
        byField('A_AddressEmailAddress', 'AddressID', row.AddressID),
        byField('A_AddressPhoneNumber', 'AddressID', row.AddressID),
      ];
    case 'A_BusinessPartnerContact':
      return [byField('A_BPContactToFuncAndDept', 'RelationshipNumber', row.RelationshipNumber)];
    default:
      return [];
  }
}

/** The header whose change stamp moves when this dependent changes. */
export function parentOf(
  setName: string,
  row: Record<string, unknown>,
  store: S4Store,
): { set: string; row: Row } | undefined {
  const find = (set: string, keys: Record<string, unknown>): { set: string; row: Row } | undefined => {
    const found = store.get(set, keys);
    return found ? { set, row: found } : undefined;
  };
  switch (setName) {
    case 'A_AppointmentActivityPartner':
    case 'A_AppointmentActivityText':
      return find('A_AppointmentActivity', { ActivityUUID: row.ActivityUUID });
    case 'TaskActivityPartner':
    case 'TaskActivityText':
      return find('TaskActivity', { ActivityUUID: row.ActivityUUID });
    case 'A_BusinessPartnerAddress':
    case 'A_BusinessPartnerRole':
    case 'A_BuPaIdentification':
      return find('A_BusinessPartner', { BusinessPartner: row.BusinessPartner });
    case 'A_AddressEmailAddress':
    case 'A_AddressPhoneNumber': {
      const address = store.where('A_BusinessPartnerAddress', 'AddressID', row.AddressID)[0];
      return address ? find('A_BusinessPartner', { BusinessPartner: address.BusinessPartner }) : undefined;
    }
    case 'A_BPContactToFuncAndDept': {
      const contact = store
        .list('A_BusinessPartnerContact')
        .find((c) => c.RelationshipNumber === row.RelationshipNumber);
      return contact ? { set: 'A_BusinessPartnerContact', row: contact } : undefined;
    }
    default:
      return undefined;
  }
}

function requireParent(setName: string, row: Record<string, unknown>, ctx: RuleContext): void {
  if (!parentOf(setName, row, ctx.store)) {
    throw gatewayErrors.business(`Activity ${String(row.ActivityUUID)} does not exist`, 'CRM_ORDERADM_H/001');
  }
}

function nextOrdinal(store: S4Store, set: string, addressId: unknown): string {
  const used = store
    .list(set)
    .filter((r) => r.AddressID === addressId)
    .map((r) => Number(r.OrdinalNumber));
  return String(Math.max(0, ...used) + 1).padStart(3, '0');
}

function fullName(row: Record<string, unknown>): string {
  return row.BusinessPartnerCategory === '2'
    ? [row.OrganizationBPName1, row.OrganizationBPName2].filter((v) => typeof v === 'string' && v !== '').join(' ')
    : [row.FirstName, row.LastName].filter((v) => typeof v === 'string' && v !== '').join(' ');
}
