import type { Importance, TaskStatus } from '../model/exchange-items.js';

/** The side-neutral task. Outlook tasks and To Do keep days, so start and due are dates ("YYYY-MM-DD"). */
export interface CanonicalTask {
  subject: string;
  body: string;
  start?: string;
  due?: string;
  status: TaskStatus;
  percentComplete: number;
  importance: Importance;
  isPrivate: boolean;
}

export type TaskField = keyof CanonicalTask;

export const TASK_FIELDS: readonly TaskField[] = [
  'subject',
  'body',
  'start',
  'due',
  'status',
  'percentComplete',
  'importance',
  'isPrivate',
];
/** Every task field has an Outlook counterpart. */
export const TASK_EXCHANGE_FIELDS = TASK_FIELDS;
