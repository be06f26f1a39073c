import { z } from 'zod';

/** A rule that makes the next `count` matching OData requests fail (fault injection). */
export const faultSchema = z.object({
  count: z.number().int().min(1).max(10_000).default(1),
  status: z.number().int().min(400).max(599).default(503),
  /** Gateway error code in the body, e.g. '/IWFND/CM_BEC/026'. */
  code: z.string().max(60).default('/IWFND/CM_BEC/026'),
  message: z.string().max(500).default('Injected fault'),
  /** Only requests whose path contains this (e.g. 'A_AppointmentActivity'). */
  pathContains: z.string().max(200).optional(),
  /** Only requests whose query string (percent-decoded) contains this, e.g. '$select=ActivityUUID'. */
  queryContains: z.string().max(200).optional(),
  /** Only this HTTP method (GET, POST, MERGE, …). */
  method: z.string().max(10).optional(),
  /** Sent as Retry-After (seconds) — use with 429/503. */
  retryAfterSeconds: z.number().int().min(0).max(3600).optional(),
});
export type FaultInput = z.input<typeof faultSchema>;
export type Fault = z.output<typeof faultSchema>;

export class FaultInjector {
  private faults: (Fault & { remaining: number })[] = [];
  /** Added to every OData request before it is processed. */
  latencyMs = 0;
  /**
   * "EntitySet.Property" names left out of the services' $metadata, as on a system whose service
   * version lacks them (the S/4 connection Test must name them). The data itself is unchanged.
   */
  readonly hiddenProperties = new Set<string>();

  add(input: FaultInput): Fault {
    const fault = faultSchema.parse(input);
    this.faults.push({ ...fault, remaining: fault.count });
    return fault;
  }

  /** The fault that applies to this request (consuming one of its counts), if any. */
  take(method: string, path: string, query = ''): Fault | undefined {
    // HEAD is how clients fetch CSRF tokens; a fault meant for "the next write" must hit the write
    // itself, so HEAD requests only fail when a fault names HEAD explicitly.
    const fault = this.faults.find(
      (f) =>
        f.remaining > 0 &&
        (f.pathContains === undefined || path.includes(f.pathContains)) &&
        (f.queryContains === undefined || query.includes(f.queryContains)) &&
        (f.method === undefined ? method.toUpperCase() !== 'HEAD' : f.method.toUpperCase() === method.toUpperCase()),
    );
    if (!fault) return undefined;
    fault.remaining--;
    this.faults = this.faults.filter((f) => f.remaining > 0);
    return fault;
  }

  /** The active faults with how many requests each will still fail. */
  list(): readonly (Fault & { remaining: number })[] {
    return this.faults;
  }

  clear(): void {
    this.faults = [];
    this.latencyMs = 0;
    this.hiddenProperties.clear();
  }
}
