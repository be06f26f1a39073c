import { z } from 'zod';

/**
 * Per-tenant sync settings (what syncs, in which direction, who wins a conflict). One zod schema is the single source: the
 * cockpit renders each option's `.describe()` text, the admin API derives its OpenAPI schema from
 * it, and the engine reads the parsed, defaulted result (src/sync/settings.ts parses and migrates).
 * It lives in src/contract because the cockpit imports it: the contract imports nothing of the service.
 */

/** S/4 process types (CHAR 4) and text types (TDID, CHAR 4) are short SAP codes. */
const sapCode = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_]{1,4}$/, 'must be an SAP code of 1–4 letters, digits or _');
/** Partner functions are 8-digit codes such as 00000014. */
const partnerFunction = z.string().regex(/^\d{8}$/, 'must be an 8-digit partner function code');
/** S/4 CRM user status codes, e.g. E0001. */
const statusCode = z.string().trim().min(1).max(5);

export const APPOINTMENT_STATUSES = ['open', 'inProcess', 'completed', 'cancelled'] as const;
export type AppointmentStatus = (typeof APPOINTMENT_STATUSES)[number];
export const TASK_STATUSES = ['notStarted', 'inProgress', 'completed', 'waitingOnOthers', 'deferred'] as const;
export const IMPORTANCES = ['low', 'normal', 'high'] as const;

const processTypeEntry = z.object({
  processType: sapCode.describe('S/4 process (transaction) type synced to Exchange, e.g. ZVIS'),
  textType: sapCode.describe('S/4 text type whose text becomes the Outlook body, e.g. A002'),
});

const exchangeToS4 = z
  .enum(['off', 'all', 'category', 'tag'])
  .describe(
    'Which Outlook items go to S/4: none, all, only those with the sync category, or only those with the sync tag in the subject',
  );

/** S/4 CRM priorities: 1 very high … 9 low. */
const defaultPriorityMap = {
  '1': 'high',
  '2': 'high',
  '3': 'normal',
  '4': 'normal',
  '5': 'normal',
  '6': 'normal',
  '7': 'low',
  '8': 'low',
  '9': 'low',
} as const;
const importanceToPriority = z
  .object({
    low: z.string().default('9').describe('S/4 priority for Outlook importance low'),
    normal: z.string().default('5').describe('S/4 priority for Outlook importance normal'),
    high: z.string().default('2').describe('S/4 priority for Outlook importance high'),
  })
  .prefault({})
  .describe('S/4 priority written for each Outlook importance');

const onOutlookDelete = z
  .enum(['delete', 'setStatus'])
  .describe('What happens in S/4 when the Outlook item is deleted: delete the activity or set deletedStatus');

const appointmentsSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Sync appointments (BUS2000126)'),
    processTypes: z
      .array(processTypeEntry)
      .default([])
      .describe('Process types synced S/4 → Exchange, each with its body text type'),
    exchangeToS4: exchangeToS4.default('off'),
    category: z
      .string()
      .trim()
      .min(1)
      .max(255)
      .default('S/4HANA')
      .describe('Outlook category that marks items for S/4 (and that Tandem stamps on items it writes)'),
    stampCategory: z.boolean().default(true).describe('Put the sync category on appointments Tandem writes to Outlook'),
    syncTag: z
      .string()
      .trim()
      .min(1)
      .max(50)
      .default('#S4')
      .describe('Word in the subject that marks an Outlook item for S/4 (case-insensitive)'),
    defaultProcessType: sapCode.optional().describe('Process type of activities created from Outlook items'),
    syncPrivate: z.boolean().default(false).describe('Sync private items (they stay private on both sides)'),
    recurringToS4: z
      .enum(['off', 'occurrences'])
      .default('off')
      .describe('Outlook series → S/4: off, or one activity per occurrence inside the sync window'),
    attachments: z
      .object({
        enabled: z.boolean().default(false).describe('Sync attachments'),
        maxSizeKb: z
          .number()
          .int()
          .min(1)
          .max(150 * 1024)
          .default(3072)
          .describe('Largest attachment synced, in KiB'),
      })
      .prefault({})
      .describe('Attachment sync'),
    partnerFunctions: z
      .object({
        responsible: partnerFunction
          .default('00000014')
          .describe('Partner function of the employee responsible (whose mailbox gets the item)'),
        contactPerson: partnerFunction.default('00000015').describe('Partner function of the customer contact person'),
        attendee: partnerFunction
          .default('00000032')
          .describe('Partner function of attendees (employees with mailboxes get the item too)'),
      })
      .prefault({})
      .describe('Partner functions'),
    contactPersonsAs: z
      .enum(['attendees', 'body', 'none'])
      .default('attendees')
      .describe(
        'How contact persons appear in Outlook: as attendees (no invitations are sent), as a block in the body, or not at all',
      ),
    onOutlookDelete: onOutlookDelete.default('delete'),
    deletedStatus: statusCode.optional().describe('S/4 status set when onOutlookDelete is setStatus'),
    statusMap: z
      .record(statusCode, z.enum(APPOINTMENT_STATUSES))
      .default({ E0001: 'open', E0002: 'inProcess', E0003: 'completed' })
      .describe('S/4 status code → Tandem status; the first code listed for a status is the one written'),
    priorityMap: z
      .record(z.string(), z.enum(IMPORTANCES))
      .default({ ...defaultPriorityMap })
      .describe('S/4 priority → Outlook importance'),
    importanceToPriority,
  })
  .prefault({})
  .describe('Appointments');

const tasksSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Sync tasks (BUS2000125)'),
    processTypes: z
      .array(processTypeEntry)
      .default([])
      .describe('Process types synced S/4 → Exchange, each with its body text type'),
    exchangeToS4: exchangeToS4.default('off'),
    category: z
      .string()
      .trim()
      .min(1)
      .max(255)
      .default('S/4HANA')
      .describe('Outlook category that marks tasks for S/4'),
    syncTag: z
      .string()
      .trim()
      .min(1)
      .max(50)
      .default('#S4')
      .describe('Word in the subject that marks an Outlook task for S/4 (case-insensitive)'),
    defaultProcessType: sapCode.optional().describe('Process type of tasks created from Outlook'),
    syncPrivate: z.boolean().default(false).describe('Sync private tasks (they stay private on both sides)'),
    partnerFunctions: z
      .object({
        responsible: partnerFunction
          .default('00000014')
          .describe('Partner function of the employee responsible (whose mailbox gets the task)'),
      })
      .prefault({})
      .describe('Partner functions'),
    onOutlookDelete: onOutlookDelete.default('delete'),
    deletedStatus: statusCode.optional().describe('S/4 status set when onOutlookDelete is setStatus'),
    statusMap: z
      .record(statusCode, z.enum(TASK_STATUSES))
      .default({ E0001: 'notStarted', E0002: 'inProgress', E0003: 'completed' })
      .describe('S/4 status code → Outlook task status; the first code listed for a status is the one written'),
    priorityMap: z
      .record(z.string(), z.enum(IMPORTANCES))
      .default({ ...defaultPriorityMap })
      .describe('S/4 priority → Outlook importance'),
    importanceToPriority,
  })
  .prefault({})
  .describe('Tasks');

/** BP relationship categories (BUR001, BUR011, …) are CHAR 6. */
const relationshipType = z.string().trim().min(1).max(6);

const contactsSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Sync contact persons S/4 → Exchange'),
    customerContactRelationship: relationshipType
      .default('BUR001')
      .describe('Relationship type customer ↔ contact person'),
    viaContactPerson: z
      .object({
        enabled: z
          .boolean()
          .default(true)
          .describe("A relationship from the employee to a contact person puts that person in the employee's contacts"),
        relationship: relationshipType.default('BUR011').describe('Relationship type employee → contact person'),
      })
      .prefault({})
      .describe('Trigger: relationship to the contact person'),
    viaCustomer: z
      .object({
        enabled: z
          .boolean()
          .default(true)
          .describe(
            "A relationship from the employee to a customer puts all the customer's contact persons in the employee's contacts",
          ),
        relationship: relationshipType.default('BUR011').describe('Relationship type employee → customer'),
      })
      .prefault({})
      .describe('Trigger: relationship to the customer'),
  })
  .prefault({})
  .describe('Contacts');

const owner = z.enum(['s4', 'exchange']);
/**
 * Who decides a true conflict, per canonical field. Defaults: S/4 owns what is CRM process data
 * (status, priority/importance, partners/attendees, progress); Exchange owns what the user plans
 * and writes in Outlook (subject, times, location, body, privacy). See docs/sync-engine.md.
 */
const fieldOwners = z
  .object({
    subject: owner.default('exchange').describe('Owner of the subject in a true conflict'),
    body: owner.default('exchange').describe('Owner of the body text in a true conflict'),
    start: owner.default('exchange').describe('Owner of the start (and its time zone) in a true conflict'),
    end: owner.default('exchange').describe('Owner of the end in a true conflict'),
    isAllDay: owner.default('exchange').describe('Owner of the all-day flag in a true conflict'),
    location: owner.default('exchange').describe('Owner of the location in a true conflict'),
    isPrivate: owner.default('exchange').describe('Owner of the private flag in a true conflict'),
    attendees: owner
      .default('s4')
      .describe('Owner of the attendee list at the first pairing (once synced, the lists merge as sets)'),
    status: owner.default('s4').describe('Owner of the status in a true conflict'),
    importance: owner.default('s4').describe('Owner of importance/priority in a true conflict'),
    percentComplete: owner.default('s4').describe("Owner of a task's percent complete in a true conflict"),
    due: owner.default('exchange').describe("Owner of a task's due date in a true conflict"),
  })
  .prefault({})
  .describe('Per-field owner deciding true conflicts under the merge policy');

export const tenantSettingsSchema = z
  .object({
    appointments: appointmentsSchema,
    tasks: tasksSchema,
    contacts: contactsSchema,
    syncWindow: z
      .object({
        daysBack: z
          .number()
          .int()
          .min(0)
          .max(3650)
          .default(30)
          .describe('Days into the past covered by initial loads and series expansion'),
        daysAhead: z
          .number()
          .int()
          .min(1)
          .max(3650)
          .default(365)
          .describe('Days into the future covered by initial loads and series expansion'),
      })
      .prefault({})
      .describe('Sync window'),
    conflicts: z
      .object({
        policy: z
          .enum(['merge', 's4Wins', 'exchangeWins'])
          .default('merge')
          .describe('When both sides changed: field-level merge with owners, or one side wins every conflicting field'),
        fieldOwners,
      })
      .prefault({})
      .describe('Conflict resolution'),
    safetyValve: z
      .object({
        maxDeletesPerMailbox: z
          .number()
          .int()
          .min(1)
          .default(50)
          .describe('Destructive actions per mailbox within the window before they pause for admin confirmation'),
        maxDeletesPerTenant: z
          .number()
          .int()
          .min(1)
          .default(500)
          .describe('Destructive actions per tenant within the window before they pause for admin confirmation'),
        windowMinutes: z
          .number()
          .int()
          .min(1)
          .max(1440)
          .default(10)
          .describe('Length of the sliding window, in minutes'),
      })
      .prefault({})
      .describe('Safety valve against mass deletion'),
    retention: z
      .object({
        journalDays: z
          .number()
          .int()
          .min(1)
          .max(3650)
          .optional()
          .describe("Days the journal keeps entries; unset means the operator's default (JOURNAL_RETENTION_DAYS, 90)"),
      })
      .prefault({})
      .describe('How long Tandem keeps history'),
  })
  .superRefine((s, ctx) => {
    for (const kind of ['appointments', 'tasks'] as const) {
      const k = s[kind];
      const seen = new Set<string>();
      k.processTypes.forEach((p, i) => {
        if (seen.has(p.processType))
          ctx.addIssue({
            code: 'custom',
            path: [kind, 'processTypes', i, 'processType'],
            message: `process type ${p.processType} is listed twice`,
          });
        seen.add(p.processType);
      });
      if (k.exchangeToS4 !== 'off' && !k.defaultProcessType) {
        ctx.addIssue({
          code: 'custom',
          path: [kind, 'defaultProcessType'],
          message: 'required when exchangeToS4 is not off',
        });
      }
      if (k.onOutlookDelete === 'setStatus' && !k.deletedStatus) {
        ctx.addIssue({
          code: 'custom',
          path: [kind, 'deletedStatus'],
          message: 'required when onOutlookDelete is setStatus',
        });
      }
    }
  });

export type TenantSettings = z.infer<typeof tenantSettingsSchema>;
export type AppointmentSettings = TenantSettings['appointments'];
export type TaskSettings = TenantSettings['tasks'];
export type ContactSettings = TenantSettings['contacts'];
export type ConflictSettings = TenantSettings['conflicts'];
