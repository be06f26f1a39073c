import type { ItemsByKind } from '../connectors/exchange/types.js';
import type {
  S4Appointment,
  S4AppointmentChanges,
  S4AppointmentInput,
  S4Client,
  S4Partner,
  S4Task,
  S4TaskChanges,
  S4TaskInput,
  S4Text,
} from '../connectors/s4/index.js';
import {
  appointmentCandidates,
  appointmentTargets,
  decideAppointment,
  decideTask,
  type PartnerLookup,
  type S4AppointmentWrite,
  type S4TaskWrite,
  type SyncAction,
  type SyncLink,
  type TenantSettings,
} from '../sync/index.js';

/** The two activity kinds the reconciler handles alike. */
export type ActivityKind = 'appointment' | 'task';

/** Per kind: the S/4 object, the Exchange item and the engine's S/4 write instruction. */
interface ActivityTypes {
  appointment: { s4: S4Appointment; write: S4AppointmentWrite };
  task: { s4: S4Task; write: S4TaskWrite };
}
export type S4Activity<K extends ActivityKind> = ActivityTypes[K]['s4'];
export type ExchangeActivity<K extends ActivityKind> = ItemsByKind[K];
export type S4ActivityWrite<K extends ActivityKind> = ActivityTypes[K]['write'];

/**
 * What differs between appointments and tasks for the reconciler: which S/4 calls to make, how the
 * engine's write instructions become connector inputs, and which mailboxes an activity belongs in.
 * Everything else (the loop, the exactly-once creates, the journal) is shared.
 */
export interface ActivityKindOps<K extends ActivityKind> {
  kind: K;
  get(s4: S4Client, uuid: string): Promise<S4Activity<K> | undefined>;
  findByMarker(s4: S4Client, marker: string): Promise<S4Activity<K>[]>;
  create(s4: S4Client, write: S4ActivityWrite<K>): Promise<S4Activity<K>>;
  update(
    s4: S4Client,
    uuid: string,
    etag: string,
    write: S4ActivityWrite<K>,
    current: S4Activity<K> | undefined,
  ): Promise<S4Activity<K>>;
  setStatus(s4: S4Client, uuid: string, etag: string, status: string): Promise<S4Activity<K>>;
  remove(s4: S4Client, uuid: string, etag: string): Promise<void>;
  /** The employee's activities in the window, by the partner functions that give the kind a copy in their mailbox. */
  listOfEmployee(
    s4: S4Client,
    employeeBp: string,
    window: { from: string; to: string },
    settings: TenantSettings,
  ): Promise<S4Activity<K>[]>;
  /** Employees (partner ids) whose mailboxes should hold the activity, before per-mailbox scope checks. */
  candidatePartners(s4: S4Activity<K>, settings: TenantSettings, lookup: PartnerLookup): string[];
  /**
   * Employees whose mailboxes an S/4 event about the activity is reconciled in: the candidates, and
   * for an activity the settings filter out (kind disabled, process type, private) its partners
   * too, so each of their journals records once why it did not sync.
   */
  concernedPartners(s4: S4Activity<K>, settings: TenantSettings, lookup: PartnerLookup): string[];
  /** E-mail addresses of the item's attendees (tasks have none). */
  attendeeEmails(item: ExchangeActivity<K>): string[];
  decide(input: DecideArgs<S4Activity<K>, ExchangeActivity<K>>): SyncAction[];
}

export interface DecideArgs<S, E> {
  settings: TenantSettings;
  lookup: PartnerLookup;
  now: string;
  mailbox: string;
  mailboxPartnerId: string;
  s4?: S;
  s4SearchedByMarker?: boolean;
  exchange?: E;
  exchangeSearchedByMarker?: boolean;
  link?: SyncLink<object>;
}

/** Texts after writing one text type: that type's text replaced, the others kept. */
function withText(current: S4Text[] | undefined, text: S4Text | undefined): S4Text[] | undefined {
  if (!text) return undefined;
  return [...(current ?? []).filter((t) => t.textType !== text.textType), text];
}

/** Partners after the engine's adds and removes, applied to the current list. */
function withPartners(
  current: S4Partner[] | undefined,
  change: { add: S4Partner[]; remove: S4Partner[] } | undefined,
): S4Partner[] | undefined {
  if (!change) return undefined;
  const same = (a: S4Partner, b: S4Partner) =>
    a.partnerFunction === b.partnerFunction && a.businessPartner === b.businessPartner;
  const kept = (current ?? []).filter((p) => !change.remove.some((r) => same(p, r)));
  return [...kept, ...change.add.filter((a) => !kept.some((k) => same(k, a)))];
}

function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function appointmentInput(w: S4AppointmentWrite): S4AppointmentInput {
  return defined({
    processType: w.processType!,
    subject: w.subject ?? '',
    start: w.start!,
    end: w.end!,
    timeZone: w.timeZone ?? 'UTC',
    isAllDay: w.isAllDay,
    status: w.status,
    priority: w.priority,
    isPrivate: w.isPrivate,
    location: w.location,
    texts: w.text ? [w.text] : [],
    partners: w.partners?.add ?? [],
    externalReference: w.externalReference,
  });
}

function appointmentChanges(w: S4AppointmentWrite, current: S4Appointment | undefined): S4AppointmentChanges {
  return defined({
    subject: w.subject,
    start: w.start,
    end: w.end,
    timeZone: w.timeZone,
    isAllDay: w.isAllDay,
    status: w.status,
    priority: w.priority,
    isPrivate: w.isPrivate,
    location: w.location,
    externalReference: w.externalReference,
    texts: withText(current?.texts, w.text),
    partners: withPartners(current?.partners, w.partners),
  });
}

export const appointmentOps: ActivityKindOps<'appointment'> = {
  kind: 'appointment',
  get: (s4, uuid) => s4.getAppointment(uuid),
  findByMarker: (s4, marker) => s4.findAppointmentsByExternalReference(marker),
  create: (s4, w) => s4.createAppointment(appointmentInput(w)),
  update: (s4, uuid, etag, w, current) => s4.updateAppointment(uuid, etag, appointmentChanges(w, current)),
  setStatus: (s4, uuid, etag, status) => s4.updateAppointment(uuid, etag, { status }),
  remove: (s4, uuid, etag) => s4.deleteAppointment(uuid, etag),
  // The responsible and the attendees both get a copy (see appointmentTargets).
  listOfEmployee: (s4, bp, window, settings) =>
    s4.listAppointmentsOfEmployee(bp, window, [
      settings.appointments.partnerFunctions.responsible,
      settings.appointments.partnerFunctions.attendee,
    ]),
  candidatePartners: (a, settings, lookup) =>
    appointmentTargets(a, settings.appointments, lookup).map((t) => t.partnerId),
  // Filtered-out activities too: the decision journals why they stay out of each partner's mailbox.
  concernedPartners: (a, settings, lookup) =>
    appointmentCandidates(a, settings.appointments, lookup).map((t) => t.partnerId),
  attendeeEmails: (item) => item.attendees.map((a) => a.email).filter(Boolean),
  decide: (args) => decideAppointment({ ...args, link: args.link as never }) as SyncAction[],
};

// Clearing a task date (null from the engine) is not expressible in the connector's change set;
// such a change is dropped rather than written as an empty value.
const taskDate = (value: string | null | undefined) => value ?? undefined;

function taskInput(w: S4TaskWrite, zone: string | undefined): S4TaskInput {
  return defined({
    processType: w.processType!,
    subject: w.subject ?? '',
    start: taskDate(w.start),
    due: taskDate(w.due),
    timeZone: zone,
    status: w.status,
    priority: w.priority,
    percentComplete: w.percentComplete,
    isPrivate: w.isPrivate,
    texts: w.text ? [w.text] : [],
    partners: w.partners?.add ?? [],
    externalReference: w.externalReference,
  });
}

function taskChanges(w: S4TaskWrite, current: S4Task | undefined): S4TaskChanges {
  return defined({
    subject: w.subject,
    start: taskDate(w.start),
    due: taskDate(w.due),
    status: w.status,
    priority: w.priority,
    percentComplete: w.percentComplete,
    isPrivate: w.isPrivate,
    externalReference: w.externalReference,
    texts: withText(current?.texts, w.text),
    partners: withPartners(current?.partners, w.partners ? { add: w.partners.add, remove: [] } : undefined),
  });
}

export const taskOps: ActivityKindOps<'task'> = {
  kind: 'task',
  get: (s4, uuid) => s4.getTask(uuid),
  findByMarker: (s4, marker) => s4.findTasksByExternalReference(marker),
  create: (s4, w) => s4.createTask(taskInput(w, undefined)),
  update: (s4, uuid, etag, w, current) => s4.updateTask(uuid, etag, taskChanges(w, current)),
  setStatus: (s4, uuid, etag, status) => s4.updateTask(uuid, etag, { status }),
  remove: (s4, uuid, etag) => s4.deleteTask(uuid, etag),
  listOfEmployee: (s4, bp, window, settings) =>
    s4.listTasksOfEmployee(bp, window, [settings.tasks.partnerFunctions.responsible]),
  candidatePartners: (t, settings) =>
    t.partners
      .filter((p) => p.partnerFunction === settings.tasks.partnerFunctions.responsible)
      .map((p) => p.businessPartner),
  concernedPartners: (t, settings) =>
    t.partners
      .filter((p) => p.partnerFunction === settings.tasks.partnerFunctions.responsible)
      .map((p) => p.businessPartner),
  attendeeEmails: () => [],
  decide: (args) => decideTask({ ...args, zone: args.s4?.timeZone ?? 'UTC', link: args.link as never }) as SyncAction[],
};

/** The operations of each kind, typed per kind: `ACTIVITY_OPS[kind]` with `kind: K` is `ActivityKindOps<K>`. */
export const ACTIVITY_OPS: { [K in ActivityKind]: ActivityKindOps<K> } = {
  appointment: appointmentOps,
  task: taskOps,
};

/** The operations of one kind, for code generic in the kind. */
export function opsFor<K extends ActivityKind>(kind: K): ActivityKindOps<K> {
  return ACTIVITY_OPS[kind];
}
