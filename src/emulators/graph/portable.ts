import {
  appointmentFromGraph,
  appointmentToGraph,
  contactFromGraph,
  contactToGraph,
  stampProperties,
  taskExtension,
  taskFromGraph,
  taskToGraph,
} from './portable-codec.js';
import type { PortableAppointmentDraft, PortableContactDraft, PortableTaskDraft, Stamp } from './portable-types.js';
import * as contacts from './contacts.js';
import * as events from './events.js';
import type { Ctx } from './odata.js';
import type { GraphStore, Mailbox } from './store.js';
import * as todo from './todo.js';

/**
 * A mailbox's content as plain, backend-neutral JSON in Tandem's item vocabulary (portable-types.ts
 * drafts plus the stamp). The EWS emulator exports the same shape, so a test can move a mailbox from EWS
 * to Graph and check that Tandem re-finds every item by its stamp. Ids are not carried: they
 * differ between EWS and Graph, which is exactly what stamp matching has to survive.
 * Not carried: series exceptions, attachments.
 */
export interface PortableMailbox {
  smtpAddress: string;
  appointments: Array<PortableAppointmentDraft & { stamp?: Stamp }>;
  tasks: Array<PortableTaskDraft & { stamp?: Stamp }>;
  contacts: Array<PortableContactDraft & { stamp?: Stamp }>;
}

const STRIP = [
  'id',
  'changeKey',
  'type',
  'seriesMasterId',
  'originalStart',
  'organizer',
  'hasAttachments',
  'lastModified',
];
function strip<T extends object>(item: T): T {
  return Object.fromEntries(Object.entries(item).filter(([k]) => !STRIP.includes(k))) as T;
}

function internalCtx(store: GraphStore, mailbox: Mailbox): Ctx {
  return {
    store,
    mailbox,
    apiBase: 'http://emulator/v1.0',
    timeZone: 'UTC',
    req: {
      method: 'GET',
      path: '/',
      headers: {},
      body: undefined,
      origin: 'http://emulator',
      query: new URLSearchParams({ $expand: 'singleValueExtendedProperties,extensions' }),
    },
  };
}

export function exportMailbox(store: GraphStore, smtp: string): PortableMailbox {
  const mailbox = store.bySmtp(smtp);
  if (!mailbox) throw new Error(`Unknown mailbox ${smtp}`);
  const ctx = internalCtx(store, mailbox);
  const appointments = [...mailbox.calendar.entries.values()]
    .map((e) => {
      const a = appointmentFromGraph(events.eventJson(ctx, e));
      // v1.0 does not list cancelled occurrences on the wire; the export reads them from the store.
      const cancelled = a.type === 'seriesMaster' ? events.cancelledStarts(e) : [];
      return cancelled.length > 0 ? { ...a, deletedOccurrences: cancelled } : a;
    })
    .filter((a) => a.type === 'single' || a.type === 'seriesMaster')
    .map(strip);
  const tasks = [...mailbox.tasks.values()]
    .flatMap((c) => [...c.entries.values()])
    .map((e) => strip(taskFromGraph(todo.taskJson(ctx, e))));
  const contactItems = [...mailbox.contacts.entries()].flatMap(([folderId, c]) =>
    [...c.entries.values()].map((e) => strip(contactFromGraph(contacts.contactJson(ctx, e, folderId)))),
  );
  return { smtpAddress: mailbox.smtpAddress, appointments, tasks, contacts: contactItems };
}

/**
 * Adds the items to the mailbox (creating it if needed): appointments into the calendar, contacts
 * into the "Tandem" contact folder and tasks into the "Tandem" To Do list, where the connector
 * keeps them.
 */
export function importMailbox(store: GraphStore, smtp: string, content: Omit<PortableMailbox, 'smtpAddress'>): void {
  const mailbox = store.addMailbox(smtp);
  const ctx = internalCtx(store, mailbox);
  for (const a of content.appointments) {
    events.createEvent(ctx, {
      ...appointmentToGraph(a),
      ...(a.stamp ? { singleValueExtendedProperties: stampProperties(a.stamp) } : {}),
    });
  }
  const folder =
    [...mailbox.contactFolders.values()].find((f) => f.displayName === 'Tandem') ?? mailbox.addContactFolder('Tandem');
  for (const c of content.contacts) {
    contacts.createContact(
      ctx,
      { ...contactToGraph(c), ...(c.stamp ? { singleValueExtendedProperties: stampProperties(c.stamp) } : {}) },
      folder.id,
    );
  }
  const list = [...mailbox.todoLists.values()].find((l) => l.displayName === 'Tandem') ?? mailbox.addTodoList('Tandem');
  for (const t of content.tasks) {
    todo.createTask(ctx, list.id, {
      ...taskToGraph(t),
      ...(t.stamp ? { extensions: [taskExtension(t.stamp, t)] } : {}),
    });
  }
}
