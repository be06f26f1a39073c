/* eslint-disable @typescript-eslint/no-explicit-any -- ews-javascript-api's property bags are loosely typed; this file is the boundary. */
import { escapeXml as x } from './xml-escape.js';
import type { Task, TaskDraft, TaskStatus } from '../types.js';
import { TaskStatus as EwsTaskStatus } from './ews-lib.js';
import {
  bodyFromEws,
  bodyToEws,
  categoriesFromEws,
  categoriesToEws,
  idOf,
  importanceFromEws,
  importanceToEws,
  lastModifiedOf,
  safe,
  sensitivityFromEws,
  sensitivityToEws,
} from './item-fields.js';
import { readStamp } from './stamp-property.js';
import { dateToEwsDateTime, fromEwsDate } from './time-zones.js';

const STATUSES: TaskStatus[] = ['notStarted', 'inProgress', 'completed', 'waitingOnOthers', 'deferred'];

export function taskFromEws(item: any): Task {
  const task: Task = {
    ...idOf(item),
    subject: safe(() => item.Subject) ?? '',
    body: bodyFromEws(item),
    status: STATUSES[Number(safe(() => item.Status))] ?? 'notStarted',
    percentComplete: Number(safe(() => item.PercentComplete) ?? 0),
    importance: importanceFromEws(safe(() => item.Importance)),
    categories: categoriesFromEws(item),
    sensitivity: sensitivityFromEws(safe(() => item.Sensitivity)),
    lastModified: lastModifiedOf(item),
  };
  const startDate = fromEwsDate(safe(() => item.StartDate));
  if (startDate) task.startDate = startDate;
  const dueDate = fromEwsDate(safe(() => item.DueDate));
  if (dueDate) task.dueDate = dueDate;
  const stamp = readStamp(item);
  if (stamp) task.stamp = stamp;
  return task;
}

/** Outlook tasks keep days, not instants: dates are written as midnight of that day. */
export function applyTaskDraft(item: any, changes: Partial<TaskDraft>): void {
  if (changes.subject !== undefined) item.Subject = x(changes.subject);
  if (changes.body !== undefined) item.Body = bodyToEws(changes.body);
  if ('startDate' in changes) item.StartDate = changes.startDate ? dateToEwsDateTime(changes.startDate) : null;
  if ('dueDate' in changes) item.DueDate = changes.dueDate ? dateToEwsDateTime(changes.dueDate) : null;
  if (changes.status !== undefined) {
    item.Status =
      EwsTaskStatus[(changes.status.charAt(0).toUpperCase() + changes.status.slice(1)) as keyof typeof EwsTaskStatus];
  }
  // Exchange rejects PercentComplete < 100 together with Status=Completed, and sets 100 itself on completion.
  if (changes.percentComplete !== undefined && !(changes.status === 'completed' && changes.percentComplete < 100)) {
    item.PercentComplete = changes.percentComplete;
  }
  if (changes.importance !== undefined) item.Importance = importanceToEws(changes.importance);
  if (changes.categories !== undefined) item.Categories = categoriesToEws(changes.categories);
  if (changes.sensitivity !== undefined) item.Sensitivity = sensitivityToEws(changes.sensitivity);
}
