/**
 * S/4HANA objects in domain terms (no OData shapes). Times are UTC ISO instants plus the IANA
 * zone they were planned in. The lead reconciles this file with the S/4 connector branch.
 */

export interface S4Partner {
  /** Partner function code, e.g. '00000014' employee responsible. */
  partnerFunction: string;
  businessPartner: string;
  isMain?: boolean;
}

export interface S4Text {
  /** Text type (TDID), e.g. 'A002'. */
  textType: string;
  text: string;
}

export interface S4Appointment {
  uuid: string;
  id: string;
  processType: string;
  subject: string;
  /** UTC ISO instant. */
  start: string;
  end: string;
  /** IANA zone. */
  timeZone: string;
  isAllDay: boolean;
  status: string;
  priority: string;
  category?: string;
  isPrivate: boolean;
  location?: string;
  texts: S4Text[];
  partners: S4Partner[];
  externalReference?: string;
  etag: string;
  changedAt: string;
}

export interface S4Task {
  uuid: string;
  id: string;
  processType: string;
  subject: string;
  start?: string;
  due?: string;
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

export interface S4BusinessPartner {
  id: string;
  category: 'person' | 'organization';
  firstName?: string;
  lastName?: string;
  organizationName?: string;
  jobTitle?: string;
  emails: string[];
  phones: { number: string; kind: 'phone' | 'mobile' }[];
  address?: { street?: string; houseNumber?: string; postalCode?: string; city?: string; country?: string; region?: string };
  userId?: string;
  isEmployee: boolean;
}

export interface S4Relationship {
  bp1: string;
  bp2: string;
  category: string;
  validFrom?: string;
  validTo?: string;
}
