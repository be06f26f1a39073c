import { TandemError } from '../../errors/tandem-error.js';
import { executeChangeset, type ChangesetOperation, type ChangesetResult } from './batch.js';
import { S4Http, parseD, type S4ResilienceOptions } from './http.js';
import {
  DEFAULT_USER_IDENTIFICATION_TYPE,
  appointmentCreateToOData,
  appointmentHeaderToOData,
  partnerToOData,
  taskCreateToOData,
  taskHeaderToOData,
  textToOData,
  toAppointment,
  businessPartnerChangedAt,
  toBusinessPartner,
  toRelationship,
  toTask,
} from './mapping.js';
import {
  validateAppointmentChanges,
  validateAppointmentInput,
  validateTaskChanges,
  validateTaskInput,
} from './inputs.js';
import { guidExistenceBatches, keysAbsentFrom } from './key-filter.js';
import { quoteODataString } from './odata-values.js';
import type {
  S4Attachment,
  S4AttachmentObjectType,
  S4Appointment,
  S4AppointmentChanges,
  S4AppointmentInput,
  S4BusinessPartner,
  S4Partner,
  S4Relationship,
  S4Target,
  S4Task,
  S4TaskChanges,
  S4TaskInput,
  S4Text,
  TimeWindow,
} from './types.js';

/**
 * The services Tandem uses. API_BUSINESS_PARTNER is read only as SAP publishes it; what it lacks
 * (relationships of any category, contact person function texts) comes from Tandem's own
 * ZTANDEM_BP_SRV, and tasks from Tandem's ZTANDEM_TASK_SRV (both shipped in abap/).
 */
export const S4_SERVICES = {
  businessPartner: '/sap/opu/odata/sap/API_BUSINESS_PARTNER',
  appointment: '/sap/opu/odata/sap/OP_API_ACTIVITY_APPOINTMENT_SRV_0001',
  task: '/sap/opu/odata/sap/ZTANDEM_TASK_SRV',
  tandemBusinessPartner: '/sap/opu/odata/sap/ZTANDEM_BP_SRV',
  attachment: '/sap/opu/odata/sap/API_CV_ATTACHMENT_SRV',
} as const;

/** Defaults of the standard S/4 configuration (docs/s4-setup.md); the tenant's settings override them. */
export const DEFAULT_PARTNER_FUNCTIONS = {
  employeeResponsible: '00000014',
  contactPerson: '00000015',
  attendee: '00000032',
} as const;

export interface S4ClientOptions {
  resilience?: S4ResilienceOptions;
  /** Partner function naming the employee responsible (whose mailbox gets the item). */
  employeeResponsibleFunction?: string;
  /** Page size for list reads (S/4 Gateway default max is often 1000 or 5000). */
  pageSize?: number;
  /** BP identification type holding an employee's S/4 user (default 'ZUSER'). */
  userIdentificationType?: string;
}

type OData = Record<string, unknown>;

interface ActivityKind<T, I, C> {
  root: string;
  set: string;
  partnerSet: string;
  textSet: string;
  toDomain: (e: OData) => T;
  create: (i: I) => OData;
  header: (c: C) => OData;
  windowFilter: (w: TimeWindow) => string;
  label: string;
  validateInput: (i: I) => void;
  validateChanges: (c: C) => void;
}

const APPOINTMENT: ActivityKind<S4Appointment, S4AppointmentInput, S4AppointmentChanges> = {
  root: S4_SERVICES.appointment,
  set: 'A_AppointmentActivity',
  partnerSet: 'A_AppointmentActivityPartner',
  textSet: 'A_AppointmentActivityText',
  toDomain: toAppointment,
  create: appointmentCreateToOData,
  header: appointmentHeaderToOData,
  label: 'appointment',
  validateInput: validateAppointmentInput,
  validateChanges: validateAppointmentChanges,
  // Overlap with [from, to): starts before the window ends and ends after it starts.
  windowFilter: (w) =>
    `AppointmentStartDateTime lt datetimeoffset'${iso(w.to)}' and AppointmentEndDateTime gt datetimeoffset'${iso(w.from)}'`,
};

const TASK: ActivityKind<S4Task, S4TaskInput, S4TaskChanges> = {
  root: S4_SERVICES.task,
  set: 'TaskActivity',
  partnerSet: 'TaskActivityPartner',
  textSet: 'TaskActivityText',
  toDomain: toTask,
  create: taskCreateToOData,
  header: taskHeaderToOData,
  label: 'task',
  validateInput: validateTaskInput,
  validateChanges: validateTaskChanges,
  windowFilter: (w) =>
    `(TaskDueDateTime ge datetimeoffset'${iso(w.from)}' or TaskDueDateTime eq null) and (TaskStartDateTime lt datetimeoffset'${iso(w.to)}' or TaskStartDateTime eq null)`,
};

function iso(value: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new TandemError('VALIDATION_FAILED', `Not an ISO instant: ${value}`);
  return new Date(ms).toISOString();
}

function assertGuid(value: string): string {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) {
    throw new TandemError('VALIDATION_FAILED', `Not an activity GUID: ${value}`);
  }
  return value.toLowerCase();
}

const ACTIVITY_EXPAND = 'to_Partner,to_Text';
const BP_EXPAND = [
  'to_BusinessPartnerAddress/to_EmailAddress',
  'to_BusinessPartnerAddress/to_PhoneNumber',
  'to_BusinessPartnerAddress/to_MobilePhoneNumber',
  'to_BusinessPartnerRole',
  'to_BuPaIdentification',
].join(',');
/** GUIDs per OR-filter: keeps request URLs well under Gateway's/ICM's URL length limits. */
const GUIDS_PER_QUERY = 40;

/**
 * Tandem's S/4 connector: reads and writes appointments, tasks and business partners over
 * OData v2 through the SAP Cloud SDK, and speaks only domain types. All `get…` methods return
 * undefined when the object does not exist (the sync engine treats that as "deleted in S/4").
 */
export class S4Client {
  private readonly http: S4Http;
  private readonly responsibleFunction: string;
  private readonly pageSize: number;
  private readonly userIdType: string;

  constructor(target: S4Target, options: S4ClientOptions = {}) {
    this.http = new S4Http(target, options.resilience);
    this.responsibleFunction = options.employeeResponsibleFunction ?? DEFAULT_PARTNER_FUNCTIONS.employeeResponsible;
    this.pageSize = options.pageSize ?? 500;
    this.userIdType = options.userIdentificationType ?? DEFAULT_USER_IDENTIFICATION_TYPE;
  }

  // ---------- appointments ----------
  getAppointment(uuid: string): Promise<S4Appointment | undefined> {
    return this.getActivity(APPOINTMENT, uuid);
  }
  createAppointment(input: S4AppointmentInput): Promise<S4Appointment> {
    return this.createActivity(APPOINTMENT, input);
  }
  updateAppointment(uuid: string, etag: string, changes: S4AppointmentChanges): Promise<S4Appointment> {
    return this.updateActivity(APPOINTMENT, uuid, etag, changes);
  }
  deleteAppointment(uuid: string, etag: string): Promise<void> {
    return this.deleteActivity(APPOINTMENT, uuid, etag);
  }
  findAppointmentsByExternalReference(reference: string): Promise<S4Appointment[]> {
    return this.findByExternalReference(APPOINTMENT, reference);
  }
  /** Appointments in which the employee has one of `partnerFunctions` (default: the employee responsible) overlapping the window. */
  listAppointmentsOfEmployee(
    employee: string,
    window: TimeWindow,
    partnerFunctions?: string[],
  ): Promise<S4Appointment[]> {
    return this.listOfEmployee(APPOINTMENT, employee, window, partnerFunctions);
  }

  /**
   * Appointments changed at or after `since` (LastChangeDateTime, the header's change timestamp),
   * for the drift check: what S/4 changed whether or not it sent an event.
   */
  listAppointmentsChangedSince(since: string): Promise<S4Appointment[]> {
    return this.listChangedSince(APPOINTMENT, since);
  }

  /**
   * Of these appointment GUIDs, those S/4 answered it does not have (for the deletion sweep, which
   * stands in for lost delete events). Throws on any failed read, never guesses "deleted".
   */
  missingAppointments(uuids: readonly string[]): Promise<string[]> {
    return this.missingActivities(APPOINTMENT, uuids);
  }

  // ---------- tasks ----------
  getTask(uuid: string): Promise<S4Task | undefined> {
    return this.getActivity(TASK, uuid);
  }
  createTask(input: S4TaskInput): Promise<S4Task> {
    return this.createActivity(TASK, input);
  }
  updateTask(uuid: string, etag: string, changes: S4TaskChanges): Promise<S4Task> {
    return this.updateActivity(TASK, uuid, etag, changes);
  }
  deleteTask(uuid: string, etag: string): Promise<void> {
    return this.deleteActivity(TASK, uuid, etag);
  }
  findTasksByExternalReference(reference: string): Promise<S4Task[]> {
    return this.findByExternalReference(TASK, reference);
  }
  listTasksOfEmployee(employee: string, window: TimeWindow, partnerFunctions?: string[]): Promise<S4Task[]> {
    return this.listOfEmployee(TASK, employee, window, partnerFunctions);
  }
  listTasksChangedSince(since: string): Promise<S4Task[]> {
    return this.listChangedSince(TASK, since);
  }
  missingTasks(uuids: readonly string[]): Promise<string[]> {
    return this.missingActivities(TASK, uuids);
  }

  // ---------- attachments (API_CV_ATTACHMENT_SRV) ----------
  /** Attachments of an activity (function import GetAllOriginals). */
  async listAttachments(objectType: S4AttachmentObjectType, uuid: string): Promise<S4Attachment[]> {
    const { d } = await this.http.getJson<{ results: OData[] }>({
      path: `${S4_SERVICES.attachment}/GetAllOriginals`,
      operation: 'list attachments',
      query: {
        BusinessObjectTypeName: quoteODataString(objectType),
        LinkedSAPObjectKey: quoteODataString(objectKey(uuid)),
      },
    });
    return (d.results ?? []).map(toAttachment);
  }

  /** The bytes of an attachment (the media resource, `$value`). */
  async getAttachmentContent(attachment: S4Attachment): Promise<Buffer> {
    const response = await this.http.request({
      method: 'GET',
      path: `${S4_SERVICES.attachment}/AttachmentContentSet(${attachment.key})/$value`,
      operation: 'read attachment',
      binary: true,
      headers: { accept: '*/*' },
    });
    return Buffer.from(response.data as ArrayBuffer);
  }

  /**
   * Adds an attachment to an activity: a media-entity create — the bytes as the body, the file name
   * percent-encoded in `Slug`, the object in BusinessObjectTypeName / LinkedSAPObjectKey.
   */
  async addAttachment(
    objectType: S4AttachmentObjectType,
    uuid: string,
    file: { name: string; contentType: string; content: Buffer },
  ): Promise<S4Attachment> {
    const response = await this.http.request({
      method: 'POST',
      path: `${S4_SERVICES.attachment}/AttachmentContentSet`,
      operation: 'add attachment',
      body: file.content,
      headers: {
        'content-type': file.contentType || 'application/octet-stream',
        slug: encodeURIComponent(file.name),
        BusinessObjectTypeName: objectType,
        LinkedSAPObjectKey: objectKey(uuid),
      },
    });
    return toAttachment(parseD<OData>(response.data));
  }

  // ---------- business partners ----------
  async getBusinessPartner(id: string): Promise<S4BusinessPartner | undefined> {
    const entity = await this.getOrUndefined<OData>(
      `${S4_SERVICES.businessPartner}/A_BusinessPartner(${quoteODataString(id)})`,
      { $expand: BP_EXPAND },
      'read business partner',
    );
    if (!entity) return undefined;
    let contact: OData | undefined;
    if (entity.BusinessPartnerCategory === '1') {
      // Company and job title of a contact person come from its BUR001 relationship; SAP's
      // A_BPContactToFuncAndDept has only the function code, so Tandem's service adds the text.
      const today = new Date().toISOString().slice(0, 10);
      const { d } = await this.http.getJson<{ results: OData[] }>({
        path: `${S4_SERVICES.tandemBusinessPartner}/ContactPersonDetail`,
        operation: 'read contact relationship',
        query: {
          $filter: `BusinessPartnerPerson eq ${quoteODataString(id)} and ValidityEndDate ge datetime'${today}T00:00:00'`,
          $top: '1',
        },
      });
      contact = d.results[0];
    }
    return toBusinessPartner(entity, contact, this.userIdType);
  }

  /**
   * Business partners changed at or after `since` (`YYYY-MM-DDThh:mm:ss` in S/4's system time, as
   * `S4BusinessPartner.changedAt`), key and version only, for the drift check. SAP's
   * A_BusinessPartner has LastChangeDate + LastChangeTime and no LastChangeDateTime, so "at or
   * after" is: a later day, or the same day at or after the time.
   */
  async listBusinessPartnersChangedSince(since: string): Promise<Array<{ id: string; changedAt: string }>> {
    const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(since);
    if (!match) throw new TandemError('VALIDATION_FAILED', `Not an S/4 change stamp: ${since}`);
    const [, day, h, m, sec] = match;
    const date = `datetime'${day}T00:00:00'`;
    const rows = await this.pages(
      `${S4_SERVICES.businessPartner}/A_BusinessPartner`,
      {
        $filter: `LastChangeDate gt ${date} or (LastChangeDate eq ${date} and LastChangeTime ge time'PT${h}H${m}M${sec}S')`,
        $select: 'BusinessPartner,LastChangeDate,LastChangeTime',
        $orderby: 'LastChangeDate,LastChangeTime,BusinessPartner',
      },
      'list changed business partners',
    );
    return rows.flatMap((row) => {
      const changedAt = businessPartnerChangedAt(row);
      return changedAt ? [{ id: String(row.BusinessPartner), changedAt }] : [];
    });
  }

  /** The employee BP whose identification (type 'ZUSER' by default) holds this S/4 user (user names are upper case in SAP). */
  async findEmployeeByUser(user: string): Promise<S4BusinessPartner | undefined> {
    const { d } = await this.http.getJson<{ results: OData[] }>({
      path: `${S4_SERVICES.businessPartner}/A_BuPaIdentification`,
      operation: 'find employee by user',
      query: {
        $filter: `BPIdentificationType eq ${quoteODataString(this.userIdType)} and BPIdentificationNumber eq ${quoteODataString(user.toUpperCase())}`,
        $top: '2',
      },
    });
    return this.firstEmployee(d.results.map((r) => String(r.BusinessPartner)));
  }

  /** The employee BP with this e-mail address on one of its addresses. */
  async findEmployeeByEmail(email: string): Promise<S4BusinessPartner | undefined> {
    return this.firstEmployee(await this.businessPartnerIdsByEmail(email));
  }

  /**
   * A person (employee or contact person) with this e-mail address on one of its addresses
   * (A_AddressEmailAddress → A_BusinessPartnerAddress); organisations are not attendees.
   */
  async findPersonByEmail(email: string): Promise<S4BusinessPartner | undefined> {
    for (const id of await this.businessPartnerIdsByEmail(email)) {
      const bp = await this.getBusinessPartner(id);
      if (bp?.category === 'person') return bp;
    }
    return undefined;
  }

  private async businessPartnerIdsByEmail(email: string): Promise<string[]> {
    // SearchEmailAddress is SAP's upper-case search field (20 characters); confirm the full address after.
    const { d } = await this.http.getJson<{ results: OData[] }>({
      path: `${S4_SERVICES.businessPartner}/A_AddressEmailAddress`,
      operation: 'find employee by e-mail',
      query: { $filter: `SearchEmailAddress eq ${quoteODataString(email.toUpperCase().slice(0, 20))}` },
    });
    const addressIds = [
      ...new Set(
        d.results
          .filter((e) => String(e.EmailAddress).toLowerCase() === email.toLowerCase())
          .map((e) => String(e.AddressID)),
      ),
    ];
    if (addressIds.length === 0) return [];
    const { d: addresses } = await this.http.getJson<{ results: OData[] }>({
      path: `${S4_SERVICES.businessPartner}/A_BusinessPartnerAddress`,
      operation: 'find business partner by e-mail',
      query: {
        $filter: addressIds.map((a) => `AddressID eq ${quoteODataString(a)}`).join(' or '),
        $select: 'BusinessPartner,AddressID',
      },
    });
    return [...new Set(addresses.results.map((a) => String(a.BusinessPartner)))];
  }

  /** Contact persons of a customer via the customer ↔ contact relationship (default BUR001), still valid today. */
  async listContactPersons(customer: string, relationshipCategory = 'BUR001'): Promise<S4BusinessPartner[]> {
    const today = new Date().toISOString().slice(0, 10);
    const { d } = await this.http.getJson<{ results: OData[] }>({
      path: `${S4_SERVICES.businessPartner}/A_BusinessPartnerContact`,
      operation: 'list contact persons',
      query: {
        $filter: `BusinessPartnerCompany eq ${quoteODataString(customer)} and RelationshipCategory eq ${quoteODataString(relationshipCategory)} and ValidityEndDate ge datetime'${today}T00:00:00'`,
      },
    });
    const persons = [...new Set(d.results.map((r) => String(r.BusinessPartnerPerson)))];
    const found = await Promise.all(persons.map((p) => this.getBusinessPartner(p)));
    return found.filter((bp): bp is S4BusinessPartner => bp !== undefined);
  }

  /**
   * Relationships of an employee of a category (default BUR011 "has the employee responsible"),
   * in either direction; in SAP's BUR011 the employee is BusinessPartner2.
   */
  async listEmployeeRelationships(employee: string, category = 'BUR011'): Promise<S4Relationship[]> {
    const e = quoteODataString(employee);
    const { d } = await this.http.getJson<{ results: OData[] }>({
      path: `${S4_SERVICES.tandemBusinessPartner}/BPRelationship`,
      operation: 'list employee relationships',
      query: {
        $filter: `(BusinessPartner1 eq ${e} or BusinessPartner2 eq ${e}) and RelationshipCategory eq ${quoteODataString(category)}`,
      },
    });
    return d.results.map(toRelationship);
  }

  /** Any changeset on one service (all-or-nothing); exposed for callers that group writes. */
  executeChangeset(service: keyof typeof S4_SERVICES, operations: ChangesetOperation[]): Promise<ChangesetResult[]> {
    return executeChangeset(this.http, S4_SERVICES[service], operations, `changeset on ${service}`);
  }

  // ---------- shared activity logic ----------

  private async getActivity<T>(kind: ActivityKind<T, never, never>, uuid: string): Promise<T | undefined> {
    const entity = await this.getOrUndefined<OData>(
      `${kind.root}/${kind.set}(guid'${assertGuid(uuid)}')`,
      { $expand: ACTIVITY_EXPAND },
      `read ${kind.label}`,
    );
    return entity ? kind.toDomain(entity) : undefined;
  }

  private async createActivity<T, I>(kind: ActivityKind<T, I, never>, input: I): Promise<T> {
    // Deep insert: header, partners and texts in one request, so S/4 creates all or nothing.
    kind.validateInput(input);
    const body = kind.create(input);
    const response = await this.http.request({
      method: 'POST',
      path: `${kind.root}/${kind.set}`,
      body,
      operation: `create ${kind.label}`,
    });
    return kind.toDomain(parseD<OData>(response.data));
  }

  private async updateActivity<
    T extends { partners: S4Partner[]; texts: S4Text[] },
    C extends { partners?: S4Partner[]; texts?: S4Text[] },
  >(kind: ActivityKind<T, never, C>, uuid: string, etag: string, changes: C): Promise<T> {
    const id = assertGuid(uuid);
    kind.validateChanges(changes);
    try {
      return await this.writeActivity(kind, id, etag, changes);
    } catch (error) {
      if (!(error instanceof TandemError && error.code === 'S4_NOT_FOUND')) throw error;
      // Deleted in S/4 between Tandem's read and this write: the version Tandem read is gone, as
      // with a stale ETag. Reported as that concurrent change, so reconciliation reads both sides
      // again and decides on the delete, instead of the event becoming a dead letter (SAP Gateway
      // answers a MERGE on a deleted entity with 404, not 412).
      throw new TandemError('S4_ETAG_MISMATCH', `S/4 ${kind.label} ${id} was deleted while Tandem updated it`, {
        cause: error,
      });
    }
  }

  private async writeActivity<
    T extends { partners: S4Partner[]; texts: S4Text[] },
    C extends { partners?: S4Partner[]; texts?: S4Text[] },
  >(kind: ActivityKind<T, never, C>, id: string, etag: string, changes: C): Promise<T> {
    const entityPath = `${kind.set}(guid'${id}')`;
    const header = kind.header(changes);
    const operations: ChangesetOperation[] = [{ method: 'MERGE', path: entityPath, body: header, ifMatch: etag }];
    if (changes.partners !== undefined || changes.texts !== undefined) {
      const current = await this.getActivity(kind, id);
      if (!current) throw new TandemError('S4_NOT_FOUND', `S/4 ${kind.label} ${id} no longer exists`);
      if (changes.partners) operations.push(...partnerOperations(kind, id, current.partners, changes.partners));
      if (changes.texts) operations.push(...textOperations(kind, id, current.texts, changes.texts));
    }
    if (operations.length === 1) {
      await this.http.request({
        method: 'MERGE',
        path: `${kind.root}/${entityPath}`,
        body: header,
        ifMatch: etag,
        operation: `update ${kind.label}`,
      });
    } else {
      // Header (with If-Match) and dependents in one changeset: a stale ETag rolls everything back.
      await executeChangeset(this.http, kind.root, operations, `update ${kind.label}`);
    }
    const fresh = await this.getActivity(kind, id);
    if (!fresh) throw new TandemError('S4_NOT_FOUND', `S/4 ${kind.label} ${id} vanished after update`);
    return fresh;
  }

  /**
   * Deleting an activity that is already gone succeeds, as deleting a missing Exchange item does
   * (the connectors' delete is idempotent): what the caller wanted holds. It happens when the
   * activity is deleted in S/4 between Tandem's read and its delete — a user removing the
   * appointment on both sides at once — and made the Outlook delete's event a dead letter.
   */
  private async deleteActivity(kind: ActivityKind<unknown, never, never>, uuid: string, etag: string): Promise<void> {
    try {
      await this.http.request({
        method: 'DELETE',
        path: `${kind.root}/${kind.set}(guid'${assertGuid(uuid)}')`,
        ifMatch: etag,
        operation: `delete ${kind.label}`,
      });
    } catch (error) {
      if (error instanceof TandemError && error.code === 'S4_NOT_FOUND') return;
      throw error;
    }
  }

  private async findByExternalReference<T>(kind: ActivityKind<T, never, never>, reference: string): Promise<T[]> {
    const { d } = await this.http.getJson<{ results: OData[] }>({
      path: `${kind.root}/${kind.set}`,
      operation: `find ${kind.label} by external reference`,
      query: { $filter: `ActivityExternalReference eq ${quoteODataString(reference)}`, $expand: ACTIVITY_EXPAND },
    });
    return d.results.map(kind.toDomain);
  }

  private async listOfEmployee<T>(
    kind: ActivityKind<T, never, never>,
    employee: string,
    window: TimeWindow,
    partnerFunctions?: string[],
  ): Promise<T[]> {
    // OData v2 cannot filter a header by a condition on its partners (no any()), so: partners first, then headers.
    const functions = partnerFunctions?.length ? partnerFunctions : [this.responsibleFunction];
    const partnerRows = await this.pages(
      `${kind.root}/${kind.partnerSet}`,
      {
        $filter: `BusinessPartner eq ${quoteODataString(employee)} and (${functions.map((f) => `PartnerFunction eq ${quoteODataString(f)}`).join(' or ')})`,
        $select: 'ActivityUUID',
      },
      `list ${kind.label} partners`,
    );
    const uuids = [...new Set(partnerRows.map((p) => String(p.ActivityUUID).toLowerCase()))];
    const out: T[] = [];
    for (let i = 0; i < uuids.length; i += GUIDS_PER_QUERY) {
      const chunk = uuids.slice(i, i + GUIDS_PER_QUERY);
      const rows = await this.pages(
        `${kind.root}/${kind.set}`,
        {
          $filter: `(${chunk.map((u) => `ActivityUUID eq guid'${u}'`).join(' or ')}) and ${kind.windowFilter(window)}`,
          $expand: ACTIVITY_EXPAND,
        },
        `list ${kind.label}s`,
      );
      out.push(...rows.map(kind.toDomain));
    }
    return out;
  }

  private async listChangedSince<T>(kind: ActivityKind<T, never, never>, since: string): Promise<T[]> {
    const rows = await this.pages(
      `${kind.root}/${kind.set}`,
      {
        $filter: `LastChangeDateTime ge datetimeoffset'${iso(since)}'`,
        $orderby: 'LastChangeDateTime',
        $expand: ACTIVITY_EXPAND,
      },
      `list changed ${kind.label}s`,
    );
    return rows.map(kind.toDomain);
  }

  private async missingActivities(
    kind: ActivityKind<unknown, never, never>,
    uuids: readonly string[],
  ): Promise<string[]> {
    const path = `${kind.root}/${kind.set}`;
    const missing: string[] = [];
    // One read per batch; a failure (404 on the set, 5xx, timeout) throws, so nothing is reported missing.
    for (const batch of guidExistenceBatches(path, 'ActivityUUID', uuids)) {
      const { d } = await this.http.getJson<unknown>({
        path,
        query: batch.query,
        operation: `check ${kind.label}s exist`,
      });
      missing.push(...keysAbsentFrom(batch, 'ActivityUUID', d));
    }
    return missing;
  }

  private async pages(path: string, query: Record<string, string>, operation: string): Promise<OData[]> {
    const all: OData[] = [];
    for (let skip = 0; ; skip += this.pageSize) {
      const { d } = await this.http.getJson<{ results: OData[] }>({
        path,
        operation,
        query: { ...query, $top: String(this.pageSize), $skip: String(skip) },
      });
      all.push(...d.results);
      if (d.results.length < this.pageSize) return all;
    }
  }

  private async getOrUndefined<T>(
    path: string,
    query: Record<string, string>,
    operation: string,
  ): Promise<T | undefined> {
    try {
      return (await this.http.getJson<T>({ path, query, operation })).d;
    } catch (error) {
      if (error instanceof TandemError && error.code === 'S4_NOT_FOUND') return undefined;
      throw error;
    }
  }

  private async firstEmployee(candidates: string[]): Promise<S4BusinessPartner | undefined> {
    for (const id of [...new Set(candidates)]) {
      const bp = await this.getBusinessPartner(id);
      if (bp?.isEmployee) return bp;
    }
    return undefined;
  }
}

function partnerKey(p: S4Partner): string {
  return `${p.partnerFunction}|${p.businessPartner}`;
}

function partnerOperations(
  kind: ActivityKind<unknown, never, never>,
  uuid: string,
  current: S4Partner[],
  wanted: S4Partner[],
): ChangesetOperation[] {
  const currentKeys = new Map(current.map((p) => [partnerKey(p), p]));
  const wantedKeys = new Map(wanted.map((p) => [partnerKey(p), p]));
  const ops: ChangesetOperation[] = [];
  for (const [key, p] of currentKeys) {
    const path = `${kind.partnerSet}(ActivityUUID=guid'${uuid}',PartnerFunction=${quoteODataString(p.partnerFunction)},BusinessPartner=${quoteODataString(p.businessPartner)})`;
    const next = wantedKeys.get(key);
    if (!next) ops.push({ method: 'DELETE', path });
    else if ((next.isMain ?? false) !== (p.isMain ?? false))
      ops.push({ method: 'MERGE', path, body: { IsMainPartner: next.isMain ?? false } });
  }
  for (const [key, p] of wantedKeys) {
    if (!currentKeys.has(key))
      ops.push({ method: 'POST', path: `${kind.set}(guid'${uuid}')/to_Partner`, body: partnerToOData(p) });
  }
  return ops;
}

function textOperations(
  kind: ActivityKind<unknown, never, never>,
  uuid: string,
  current: S4Text[],
  wanted: S4Text[],
): ChangesetOperation[] {
  const key = (t: S4Text): string => `${t.textType}|${(t.language ?? 'EN').toUpperCase()}`;
  const currentKeys = new Map(current.map((t) => [key(t), t]));
  const wantedKeys = new Map(wanted.map((t) => [key(t), t]));
  const ops: ChangesetOperation[] = [];
  for (const [k, t] of currentKeys) {
    const path = `${kind.textSet}(ActivityUUID=guid'${uuid}',LongTextID=${quoteODataString(t.textType)},Language=${quoteODataString((t.language ?? 'EN').toUpperCase())})`;
    const next = wantedKeys.get(k);
    if (!next) ops.push({ method: 'DELETE', path });
    else if (next.text !== t.text) ops.push({ method: 'MERGE', path, body: { LongText: next.text } });
  }
  for (const [k, t] of wantedKeys) {
    if (!currentKeys.has(k))
      ops.push({ method: 'POST', path: `${kind.set}(guid'${uuid}')/to_Text`, body: textToOData(t) });
  }
  return ops;
}

/** The factory the rest of Tandem uses. */
export function createS4Client(target: S4Target, options: S4ClientOptions = {}): S4Client {
  return new S4Client(target, options);
}

/** The GOS key of a one-order object: its GUID as 32 upper-case hex digits. */
function objectKey(uuid: string): string {
  return assertGuid(uuid).replace(/-/g, '').toUpperCase();
}

function toAttachment(e: OData): S4Attachment {
  const uri = String((e.__metadata as { uri?: string } | undefined)?.uri ?? '');
  const key = /AttachmentContentSet\((.*)\)$/.exec(uri)?.[1] ?? '';
  return {
    key,
    name: String(e.FileName ?? ''),
    contentType: String(e.MimeType || 'application/octet-stream'),
    size: Number(e.FileSize ?? 0),
  };
}
