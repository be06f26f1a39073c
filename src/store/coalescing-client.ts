import pg from 'pg';

/** The socket under pg's internal wire connection (`client.connection`, not in its typings). */
interface WireSocket {
  cork?(): void;
  uncork?(): void;
  destroyed?: boolean;
}

/**
 * A pg client that sends every statement issued in one turn of the event loop in one socket write.
 *
 * Why: profiled on the sync bench (docs/benchmarks.md, 2026-12-06), a quarter of the worker's busy
 * time was pg's socket writes — one write for each simple query (a transaction's opening) and one
 * for each extended statement. With pipelining (pool.ts) a transaction's opening and its first
 * statement are queued in the same turn, yet each still paid its own system call.
 *
 * How: the first statement of a turn corks the connection's socket and a `process.nextTick`
 * uncorks it, so what was queued in the meantime leaves in one `writev`. nextTick runs once the
 * current turn's synchronous code and the promise continuations it started have run, so an
 * answer is never waited for with its statement still held back: the cork lasts no longer than
 * the turn that issued it. Corks nest (pg corks around each extended statement itself), and each
 * cork here is matched by exactly one uncork.
 */
export class CoalescingClient extends pg.Client {
  private corked = false;

  // pg's overloads cannot be restated one by one in a subclass; the arguments pass through unchanged.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(...args: any[]): any {
    this.corkForThisTurn();
    return (super.query as (...a: unknown[]) => unknown)(...args);
  }

  private corkForThisTurn(): void {
    if (this.corked) return;
    const stream = (this as unknown as { connection?: { stream?: WireSocket } }).connection?.stream;
    const { cork, uncork } = stream ?? {};
    if (!stream || !cork || !uncork || stream.destroyed) return;
    this.corked = true;
    cork.call(stream);
    process.nextTick(() => {
      this.corked = false;
      uncork.call(stream);
    });
  }
}
