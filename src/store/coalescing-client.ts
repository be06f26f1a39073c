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
 * Why: with pipelining (pool.ts) a transaction's opening and its first statement are queued in the
 * same turn, yet each paid a socket write of its own. With this and the same for Redis, the worker
 * makes 13 % fewer writes per sync operation, and statements that belong together travel in one
 * packet, which is what saves time when Postgres is on another host. On loopback its CPU did not
 * measurably change (docs/benchmarks.md, 2026-12-06 03:00–04:05).
 *
 * How: the first statement of a turn corks the connection's socket and a `process.nextTick`
 * uncorks it, so what was queued in the meantime leaves in one `writev`. The tick runs as soon as
 * the current synchronous code has finished — and, when the statement came from a promise
 * continuation (an async function, as ours are), once the continuations queued with it have run —
 * so no answer is ever awaited with its statement still held back: the cork never outlasts the
 * turn that issued it. Corks nest (pg corks around each extended statement itself), and each
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
