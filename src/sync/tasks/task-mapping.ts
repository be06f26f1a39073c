import type { Task, TaskDraft } from '../model/exchange-items.js';
import type { S4Task, S4Text } from '../model/s4-objects.js';
import { normalizeBody, normalizeLine } from '../canonical/normalize.js';
import { textOfType } from '../appointments/appointment-mapping.js';
import { isPrivateSensitivity } from '../scope.js';
import { statusCodeFor, type TaskSettings } from '../settings.js';
import { dateInZone, startOfDateInZone } from '../time/zone.js';
import type { CanonicalTask, TaskField } from './canonical-task.js';

/** A date ("YYYY-MM-DD") as is; an instant as its date in the responsible user's zone. */
function toDate(value: string | undefined, zone: string): string | undefined {
  if (!value) return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  return dateInZone(value, zone);
}

function clampPercent(n: number): number {
  return Math.max(0, Math.min(100, Math.round(n)));
}

/** `zone`: the responsible user's zone, in which S/4 instants become Outlook days. */
export function s4TaskToCanonical(t: S4Task, s: TaskSettings, zone = 'UTC'): CanonicalTask {
  const textType = s.processTypes.find((p) => p.processType === t.processType)?.textType;
  const c: CanonicalTask = {
    subject: normalizeLine(t.subject),
    body: normalizeBody(textOfType(t.texts, textType)),
    status: s.statusMap[t.status] ?? 'notStarted',
    percentComplete: clampPercent(t.percentComplete),
    importance: s.priorityMap[t.priority] ?? 'normal',
    isPrivate: t.isPrivate,
  };
  const start = toDate(t.start, zone);
  const due = toDate(t.due, zone);
  if (start) c.start = start;
  if (due) c.due = due;
  return c;
}

export function exchangeTaskToCanonical(t: Task): CanonicalTask {
  const c: CanonicalTask = {
    subject: normalizeLine(t.subject),
    body: normalizeBody(t.body.content, t.body.type),
    status: t.status,
    percentComplete: clampPercent(t.percentComplete),
    importance: t.importance,
    isPrivate: isPrivateSensitivity(t.sensitivity),
  };
  if (t.startDate) c.start = t.startDate.slice(0, 10);
  if (t.dueDate) c.due = t.dueDate.slice(0, 10);
  return c;
}

export function canonicalToTaskDraft(c: CanonicalTask, s: TaskSettings): TaskDraft {
  const d: TaskDraft = {
    subject: c.subject,
    body: { type: 'text', content: c.body },
    status: c.status,
    percentComplete: c.percentComplete,
    importance: c.importance,
    categories: [s.category],
    sensitivity: c.isPrivate ? 'private' : 'normal',
  };
  if (c.start) d.startDate = c.start;
  if (c.due) d.dueDate = c.due;
  return d;
}

export function taskDraftChanges(c: CanonicalTask, changed: readonly TaskField[]): Partial<TaskDraft> {
  const out: Partial<TaskDraft> = {};
  for (const f of changed) {
    switch (f) {
      case 'subject':
        out.subject = c.subject;
        break;
      case 'body':
        out.body = { type: 'text', content: c.body };
        break;
      // An undefined member in an update means "clear the date" to the connector.
      case 'start':
        out.startDate = c.start;
        break;
      case 'due':
        out.dueDate = c.due;
        break;
      case 'status':
        out.status = c.status;
        break;
      case 'percentComplete':
        out.percentComplete = c.percentComplete;
        break;
      case 'importance':
        out.importance = c.importance;
        break;
      case 'isPrivate':
        out.sensitivity = c.isPrivate ? 'private' : 'normal';
        break;
    }
  }
  return out;
}

/** What Tandem writes to an S/4 task; on update only changed members are present (null clears a date). */
export interface S4TaskWrite {
  processType?: string;
  subject?: string;
  start?: string | null;
  due?: string | null;
  status?: string;
  priority?: string;
  percentComplete?: number;
  isPrivate?: boolean;
  text?: S4Text;
  partners?: { add: { partnerFunction: string; businessPartner: string; isMain?: boolean }[]; remove: never[] };
  externalReference?: string;
}

function s4Date(d: string | undefined, zone: string): string | null {
  return d ? startOfDateInZone(d, zone) : null;
}

export function canonicalToS4TaskCreate(
  c: CanonicalTask,
  s: TaskSettings,
  ctx: { processType: string; responsible: string; marker: string; zone?: string },
): S4TaskWrite {
  const zone = ctx.zone ?? 'UTC';
  const textType = s.processTypes.find((p) => p.processType === ctx.processType)?.textType;
  const w: S4TaskWrite = {
    processType: ctx.processType,
    subject: c.subject,
    start: s4Date(c.start, zone),
    due: s4Date(c.due, zone),
    status: statusCodeFor(s.statusMap, c.status) ?? statusCodeFor(s.statusMap, 'notStarted'),
    priority: s.importanceToPriority[c.importance],
    percentComplete: c.percentComplete,
    isPrivate: c.isPrivate,
    partners: {
      add: [{ partnerFunction: s.partnerFunctions.responsible, businessPartner: ctx.responsible, isMain: true }],
      remove: [],
    },
    externalReference: ctx.marker,
  };
  if (textType && c.body !== '') w.text = { textType, text: c.body };
  return w;
}

export function canonicalToS4TaskUpdate(
  c: CanonicalTask,
  changed: readonly TaskField[],
  processType: string,
  s: TaskSettings,
  zone = 'UTC',
): S4TaskWrite {
  const w: S4TaskWrite = {};
  for (const f of changed) {
    switch (f) {
      case 'subject':
        w.subject = c.subject;
        break;
      case 'body': {
        const textType = s.processTypes.find((p) => p.processType === processType)?.textType;
        if (textType) w.text = { textType, text: c.body };
        break;
      }
      case 'start':
        w.start = s4Date(c.start, zone);
        break;
      case 'due':
        w.due = s4Date(c.due, zone);
        break;
      case 'status': {
        const code = statusCodeFor(s.statusMap, c.status);
        if (code) w.status = code;
        break;
      }
      case 'percentComplete':
        w.percentComplete = c.percentComplete;
        break;
      case 'importance':
        w.priority = s.importanceToPriority[c.importance];
        break;
      case 'isPrivate':
        w.isPrivate = c.isPrivate;
        break;
    }
  }
  return w;
}
