/**
 * What the S/4 connector speaks besides the object model (src/sync/model/s4-objects.ts, re-exported
 * here): write inputs, targets and windows, with no OData shapes in them.
 */

import type { S4Partner, S4Text } from '../../sync/model/s4-objects.js';

/** The engine's S/4 object model lives in src/sync/model; the connector maps OData to and from it. */
export type {
  S4Text,
  S4Partner,
  S4Appointment,
  S4Task,
  S4Address,
  S4Phone,
  S4BusinessPartner,
  S4Relationship,
} from '../../sync/model/s4-objects.js';

/** Fields a caller sets when creating an appointment. */
export interface S4AppointmentInput {
  processType: string;
  subject: string;
  start: string;
  end: string;
  timeZone: string;
  isAllDay?: boolean;
  status?: string;
  priority?: string;
  category?: string;
  isPrivate?: boolean;
  location?: string;
  texts?: S4Text[];
  partners?: S4Partner[];
  externalReference?: string;
}

/** Header fields that can change on update; texts and partners are replaced when given. */
export type S4AppointmentChanges = Partial<Omit<S4AppointmentInput, 'processType'>>;

export interface S4TaskInput {
  processType: string;
  subject: string;
  start?: string;
  due?: string;
  timeZone?: string;
  status?: string;
  priority?: string;
  percentComplete?: number;
  isPrivate?: boolean;
  texts?: S4Text[];
  partners?: S4Partner[];
  externalReference?: string;
}

export type S4TaskChanges = Partial<Omit<S4TaskInput, 'processType'>>;

/** Where the connector reaches S/4: a plain URL locally, a BTP destination in the cloud. */
export type S4Target =
  | { kind: 'url'; url: string; username: string; password: string; sapClient: string }
  | { kind: 'destination'; destinationName: string; jwt?: string; tenantId: string };

export interface TimeWindow {
  /** ISO instants; activities overlapping [from, to) are returned. */
  from: string;
  to: string;
}

/** Business object types whose attachments Tandem syncs: appointments and tasks (one-order activities). */
export type S4AttachmentObjectType = 'BUS2000126' | 'BUS2000125';

/** An attachment of an S/4 business object (API_CV_ATTACHMENT_SRV AttachmentContent). */
export interface S4Attachment {
  /** The entity's key predicate, to read its content (`…/AttachmentContentSet(<key>)/$value`). */
  key: string;
  name: string;
  contentType: string;
  size: number;
}
