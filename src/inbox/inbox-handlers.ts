import type { InboxRow } from './inbox-event.js';

// The contract between the inbox and the features that handle its events. It lives with the inbox,
// below both the worker (which runs handlers) and src/reconcile (which registers them), so neither
// has to import the other.

/**
 * What a handler gets: the rows it was given (the triggering row first, then coalesced ones about
 * the same subject), and the correlation id to journal under. It reads fresh state, reconciles and
 * commits its own results; it throws to ask for a retry.
 */
export interface InboxWork {
  tenantId: string;
  subject: string;
  rows: InboxRow[];
  correlationId: string;
}

/**
 * What a handler may return: `continue` when it did one chunk of a long piece of work (an initial
 * load) and saved a checkpoint; the worker then hands the rows back and the next job resumes from
 * the checkpoint, so no job holds a subject for long and a crash costs at most one chunk.
 */
export interface InboxHandlerResult {
  continue: true;
}

export type InboxHandler = (work: InboxWork) => Promise<void | InboxHandlerResult>;

/**
 * Handlers by event type prefix, longest prefix wins. Features register theirs at worker start
 * (sync engine for S/4 objects, change tracking for folder notifications).
 */
export class InboxHandlerRegistry {
  private readonly handlers: Array<{ prefix: string; handler: InboxHandler }> = [];

  register(typePrefix: string, handler: InboxHandler): this {
    this.handlers.push({ prefix: typePrefix, handler });
    this.handlers.sort((a, b) => b.prefix.length - a.prefix.length);
    return this;
  }

  resolve(type: string): InboxHandler | undefined {
    return this.handlers.find((entry) => type.startsWith(entry.prefix))?.handler;
  }
}
