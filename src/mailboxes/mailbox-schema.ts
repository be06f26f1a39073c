import { z } from '../validation/zod.js';

export const mailboxInput = z
  .object({
    smtpAddress: z.email().describe('The mailbox, e.g. alice@example.com'),
    environmentId: z.uuid().describe('Exchange environment that hosts the mailbox'),
    s4User: z.string().trim().min(1).max(12).optional().describe('S/4HANA user name'),
    employeeBp: z.string().trim().min(1).max(10).optional().describe('Business partner number of the employee'),
    syncAppointments: z.boolean().default(true),
    syncTasks: z.boolean().default(true),
    syncContacts: z.boolean().default(true),
    enabled: z.boolean().default(true),
  })
  .refine((input) => input.s4User !== undefined || input.employeeBp !== undefined, {
    message: 'give the S/4 user or the employee business partner',
    path: ['employeeBp'],
  })
  .openapi('UserInput');
export type MailboxInput = z.infer<typeof mailboxInput>;

export const mailboxPatch = z
  .object({
    environmentId: z.uuid().optional(),
    s4User: z.string().trim().min(1).max(12).optional(),
    employeeBp: z.string().trim().min(1).max(10).optional(),
    syncAppointments: z.boolean().optional(),
    syncTasks: z.boolean().optional(),
    syncContacts: z.boolean().optional(),
    enabled: z.boolean().optional(),
  })
  .openapi('UserPatch');
export type MailboxPatch = z.infer<typeof mailboxPatch>;

export const initialLoadProgress = z
  .object({
    state: z.enum(['queued', 'running', 'done', 'failed']),
    done: z.number().int(),
    total: z.number().int().nullable(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    error: z.string().nullable().optional(),
  })
  .openapi('InitialLoadProgress');

export const mailboxView = z
  .object({
    id: z.uuid(),
    smtpAddress: z.string(),
    environmentId: z.uuid(),
    s4User: z.string().nullable(),
    employeeBp: z.string().nullable(),
    syncAppointments: z.boolean(),
    syncTasks: z.boolean(),
    syncContacts: z.boolean(),
    enabled: z.boolean(),
    status: z
      .string()
      .describe(
        'new | subscribing | in-sync | failing | accessDenied (Exchange refuses Tandem this mailbox; lastError has the code and what to grant) | paused | disabled',
      ),
    lastError: z
      .unknown()
      .nullable()
      .describe(
        'The last failure: { code, message, at }; for accessDenied also remoteCode and hint (what the admin must grant)',
      ),
    initialLoad: initialLoadProgress.nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('User');
export type MailboxView = z.infer<typeof mailboxView>;

export const mailboxListQuery = z.object({
  search: z.string().max(200).optional().describe('Part of the e-mail address, S/4 user or business partner'),
  environmentId: z.uuid().optional(),
  status: z.string().max(30).optional(),
  enabled: z.enum(['true', 'false']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
  sort: z.enum(['smtpAddress', 'status', 'createdAt']).default('smtpAddress'),
});
export type MailboxListQuery = z.infer<typeof mailboxListQuery>;
