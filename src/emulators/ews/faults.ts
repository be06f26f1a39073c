import { z } from 'zod';

/** Fault injection rules set through `/_emulator/faults` (or the typed helpers of EwsEmulator). */
export const faultRuleSchema = z
  .object({
    /** How many matching calls fail (default 1). */
    count: z.number().int().min(1).max(10_000).default(1),
    /** Only calls of this operation (e.g. "SyncFolderItems"); any when omitted. */
    operation: z.string().min(1).optional(),
    /** EWS ResponseCode, e.g. ErrorServerBusy, ErrorInternalServerError, ErrorItemNotFound. */
    responseCode: z
      .string()
      .regex(/^[A-Za-z]+$/)
      .optional(),
    /** Deliver the ResponseCode as a per-item error response message instead of a SOAP fault. */
    asResponseMessage: z.boolean().default(false),
    /** Plain HTTP status (e.g. 503) with no SOAP body. */
    httpStatus: z.number().int().min(400).max(599).optional(),
    message: z.string().max(500).optional(),
    backOffMilliseconds: z.number().int().min(0).optional(),
  })
  .refine((r) => r.responseCode !== undefined || r.httpStatus !== undefined, {
    message: 'responseCode or httpStatus is required',
  });

export type FaultRule = z.infer<typeof faultRuleSchema>;
export type FaultRuleInput = z.input<typeof faultRuleSchema>;

export const latencySchema = z.object({
  ms: z.number().int().min(0).max(120_000),
  operation: z.string().min(1).optional(),
});
export type LatencyRule = z.infer<typeof latencySchema>;

export class FaultInjector {
  private rules: FaultRule[] = [];
  latency: LatencyRule[] = [];

  add(rule: FaultRuleInput): void {
    this.rules.push(faultRuleSchema.parse(rule));
  }

  /** Consumes one matching rule use, if any. */
  take(operation: string): FaultRule | undefined {
    const rule = this.rules.find((r) => !r.operation || r.operation === operation);
    if (!rule) return undefined;
    rule.count -= 1;
    if (rule.count <= 0) this.rules = this.rules.filter((r) => r !== rule);
    return rule;
  }

  latencyFor(operation: string): number {
    return this.latency.filter((l) => !l.operation || l.operation === operation).reduce((s, l) => s + l.ms, 0);
  }

  pending(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  reset(): void {
    this.rules = [];
    this.latency = [];
  }
}
