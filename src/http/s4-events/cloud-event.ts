import { z } from 'zod';

/**
 * CloudEvents 1.0, structured JSON mode (https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/spec.md).
 * Only the attributes Tandem relies on are constrained; extension attributes pass through.
 */
export const cloudEventSchema = z.object({
  specversion: z.literal('1.0', { message: 'specversion must be "1.0"' }),
  id: z.string().min(1).max(200),
  source: z.string().min(1).max(500),
  type: z.string().min(1).max(200),
  time: z.iso.datetime({ offset: true, message: 'time must be an RFC 3339 timestamp' }).optional(),
  datacontenttype: z.string().optional(),
  subject: z.string().max(500).optional(),
  data: z.record(z.string(), z.unknown(), { message: 'data must be a JSON object' }),
}).loose();

export type CloudEvent = z.infer<typeof cloudEventSchema>;

/** Bounded so one request cannot monopolise a group commit. */
export const MAX_EVENTS_PER_BATCH = 1_000;
export const cloudEventBatchSchema = z.array(cloudEventSchema).min(1, 'a batch needs at least one event').max(MAX_EVENTS_PER_BATCH);
