import { z } from 'zod';
import { GraphError } from './odata.js';

/** A queued fault: the next `count` Graph calls (optionally only for one mailbox) fail like this. */
export interface Fault {
  count: number;
  status: number;
  code: string;
  message: string;
  retryAfterSeconds?: number;
  mailbox?: string;
}

/** A fault as the control API takes it (POST /_emulator/fail-next); unset fields get these defaults. */
export const faultSchema = z.object({
  count: z.number().int().positive().default(1),
  status: z.number().int().min(400).max(599).default(503),
  code: z.string().default('ServiceUnavailable'),
  message: z.string().default('Injected fault'),
  retryAfterSeconds: z.number().int().nonnegative().optional(),
  mailbox: z.string().optional(),
});

/** Fault injection: queued faults, taken in order by the Graph calls they match. */
export class FaultQueue {
  private readonly faults: Fault[] = [];

  add(fault: Fault): void {
    this.faults.push(fault);
  }

  /** The error the next call on `mailbox` fails with, consuming one count of the first matching fault. */
  take(mailbox: string | undefined): GraphError | undefined {
    const i = this.faults.findIndex((f) => !f.mailbox || f.mailbox.toLowerCase() === mailbox);
    const f = this.faults[i];
    if (!f) return undefined;
    if (--f.count <= 0) this.faults.splice(i, 1);
    return new GraphError(
      f.status,
      f.code,
      f.message,
      f.retryAfterSeconds !== undefined ? { 'retry-after': String(f.retryAfterSeconds) } : {},
    );
  }

  clear(): void {
    this.faults.length = 0;
  }
}
