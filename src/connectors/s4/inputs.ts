import { z } from 'zod';
import { TandemError } from '../../errors/tandem-error.js';
import type { S4AppointmentChanges, S4AppointmentInput, S4TaskChanges, S4TaskInput } from './types.js';

/**
 * Validation of what callers hand the connector, before anything is sent to S/4: a bad instant or
 * an unknown zone is Tandem's bug or bad Exchange data and must not become a half-written activity.
 */

const instant = z
  .string()
  .refine(
    (v) =>
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v) && !Number.isNaN(Date.parse(v)),
    'ISO 8601 instant with zone expected',
  );
const ianaZone = z
  .string()
  .min(1)
  .refine((zone) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  }, 'IANA time zone expected');
const text = z.object({
  textType: z.string().min(1).max(4),
  text: z.string().max(65_535),
  language: z.string().length(2).optional(),
});
const partner = z.object({
  partnerFunction: z.string().min(1).max(8),
  businessPartner: z.string().min(1).max(10),
  isMain: z.boolean().optional(),
});
const common = {
  subject: z.string(),
  status: z.string().max(5).optional(),
  priority: z.string().max(1).optional(),
  isPrivate: z.boolean().optional(),
  texts: z.array(text).max(50).optional(),
  partners: z.array(partner).max(200).optional(),
  externalReference: z.string().max(255).optional(),
};

const appointmentFields = z.object({
  ...common,
  start: instant,
  end: instant,
  timeZone: ianaZone,
  isAllDay: z.boolean().optional(),
  category: z.string().max(3).optional(),
  location: z.string().optional(),
});
export const appointmentInputSchema = appointmentFields
  .extend({ processType: z.string().min(1).max(4) })
  .refine((a) => Date.parse(a.end) >= Date.parse(a.start), { message: 'end must not be before start', path: ['end'] });
export const appointmentChangesSchema = appointmentFields
  .partial()
  .refine((a) => a.start === undefined || a.end === undefined || Date.parse(a.end) >= Date.parse(a.start), {
    message: 'end must not be before start',
    path: ['end'],
  });

const taskFields = z.object({
  ...common,
  start: instant.optional(),
  due: instant.optional(),
  timeZone: ianaZone.optional(),
  percentComplete: z.number().min(0).max(100).optional(),
});
export const taskInputSchema = taskFields.extend({ processType: z.string().min(1).max(4) });
export const taskChangesSchema = taskFields.partial();

function validate<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new TandemError('VALIDATION_FAILED', `Invalid ${what}: ${z.prettifyError(result.error)}`, {
    fieldErrors: result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
  });
}

export const validateAppointmentInput = (v: S4AppointmentInput): S4AppointmentInput =>
  validate(appointmentInputSchema, v, 'appointment') as S4AppointmentInput;
export const validateAppointmentChanges = (v: S4AppointmentChanges): S4AppointmentChanges =>
  validate(appointmentChangesSchema, v, 'appointment changes') as S4AppointmentChanges;
export const validateTaskInput = (v: S4TaskInput): S4TaskInput => validate(taskInputSchema, v, 'task') as S4TaskInput;
/** Keeps explicit `undefined` for start/due: it means "clear the date". */
export const validateTaskChanges = (v: S4TaskChanges): S4TaskChanges => {
  validate(taskChangesSchema, v, 'task changes');
  return v;
};
