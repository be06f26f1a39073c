/**
 * S/4 objects as the sync engine sees them; the S/4 connector maps OData to and from them.
 * Instants are ISO 8601 strings in UTC with `Z`; zones are IANA names; etags are opaque strings to
 * hand back on writes.
 */

export interface S4Text {
  /** SAP text type (TTXID), e.g. 'A002' for the note that becomes the Outlook body. */
  textType: string;
  text: string;
  /** Two-letter SAP language key; defaults to 'EN' on writes. */
  language?: string;
}

export interface S4Partner {
  /** SAP partner function, e.g. '00000014' employee responsible, '00000015' contact, '00000032' attendee. */
  partnerFunction: string;
  businessPartner: string;
  isMain?: boolean;
}

export interface S4Appointment {
  /** ActivityUUID — the stable key of the activity (a GUID). */
  uuid: string;
  /** Activity number (the one users see). */
  id: string;
  processType: string;
  subject: string;
  /** ISO instant, UTC ('Z'). */
  start: string;
  end: string;
  /** IANA zone, converted from the SAP code (see time-zones.ts). */
  timeZone: string;
  isAllDay: boolean;
  status: string;
  priority: string;
  category?: string;
  isPrivate: boolean;
  location?: string;
  texts: S4Text[];
  partners: S4Partner[];
  /** Tandem's idempotency marker (the Exchange item's immutable id). */
  externalReference?: string;
  etag: string;
  /** ISO instant of the last change in S/4. */
  changedAt: string;
}

export interface S4Task {
  uuid: string;
  id: string;
  processType: string;
  subject: string;
  start?: string;
  due?: string;
  timeZone: string;
  status: string;
  priority: string;
  percentComplete: number;
  isPrivate: boolean;
  texts: S4Text[];
  partners: S4Partner[];
  externalReference?: string;
  etag: string;
  changedAt: string;
}

export interface S4Address {
  street: string;
  houseNumber: string;
  postalCode: string;
  city: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
  region?: string;
}

export interface S4Phone {
  number: string;
  kind: 'phone' | 'mobile';
}

export interface S4BusinessPartner {
  id: string;
  category: 'person' | 'organization';
  firstName?: string;
  lastName?: string;
  organizationName?: string;
  /** Function of a contact person at their company (A_BPContactToFuncAndDept). */
  jobTitle?: string;
  /** Company of a contact person (BUR001), when there is one. */
  companyId?: string;
  emails: string[];
  phones: S4Phone[];
  address?: S4Address;
  /** S/4 user name linked to an employee BP. */
  userId?: string;
  isEmployee: boolean;
  /**
   * The partner's version: SAP's LastChangeDate + LastChangeTime (A_BusinessPartner has no
   * LastChangeDateTime) as `YYYY-MM-DDThh:mm:ss`, in S/4's system time. Stored on contact links
   * like an activity's ETag, so the drift check can tell a partner changed since it was synced.
   */
  changedAt?: string;
}

export interface S4Relationship {
  bp1: string;
  bp2: string;
  /** e.g. 'BUR001' (contact person of), 'BUR011' (has employee responsible). */
  category: string;
  /** ISO date (YYYY-MM-DD). */
  validFrom?: string;
  validTo?: string;
}
