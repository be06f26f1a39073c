import http from 'node:http';

export interface LoadResult {
  /** Answers inside the measured window (after the warm-up). */
  requests: number;
  /** Every answer, warm-up included: what a CPU counter read around the whole run has paid for. */
  answered: number;
  errors: number;
  durationMs: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  statuses: Record<string, number>;
}

export interface LoadOptions {
  /** One URL, or one per connection (each connection then sends in order, as one EWS subscription's pushes arrive). */
  url: string | ((connection: number) => string);
  connections: number;
  durationMs: number;
  warmupMs: number;
  headers: Record<string, string>;
  /** Body per request (e.g. with a fresh event id each time). */
  body: (sequence: number, connection: number) => string;
  /** Called when the measured window opens (after the warm-up) and when it closes, e.g. to read CPU counters. */
  window?: WindowHooks;
}

export interface WindowHooks {
  opened(): void;
  closed(): void;
}

/**
 * Calls the hooks at the window's edges. The returned function ends the window when the load has
 * finished: a window that opened but whose closing timer has not fired yet (the last answers came
 * back before it — the timer started a little after the load's own clock) is closed now, so the
 * caller always gets both edges; a window that never opened stays unopened.
 */
function scheduleWindow(hooks: WindowHooks | undefined, warmupMs: number, durationMs: number): () => void {
  if (!hooks) return () => undefined;
  let state: 'waiting' | 'open' | 'closed' = 'waiting';
  const close = () => {
    if (state !== 'open') return;
    state = 'closed';
    hooks.closed();
  };
  const timers = [
    setTimeout(() => {
      state = 'open';
      hooks.opened();
    }, warmupMs),
    setTimeout(close, warmupMs + durationMs),
  ];
  return () => {
    timers.forEach(clearTimeout);
    close();
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** The figures of one run from its measured latencies (sorted here) and counters. */
function summarize(
  latencies: number[],
  counts: Pick<LoadResult, 'answered' | 'errors' | 'durationMs' | 'statuses'>,
): LoadResult {
  latencies.sort((a, b) => a - b);
  return {
    ...counts,
    requests: latencies.length,
    perSecond: Math.round(latencies.length / (counts.durationMs / 1000)),
    p50Ms: Number(percentile(latencies, 50).toFixed(2)),
    p99Ms: Number(percentile(latencies, 99).toFixed(2)),
  };
}

/**
 * A closed-loop HTTP load generator: `connections` keep-alive connections, each sending its next
 * request when the previous answer arrived. Latencies after the warm-up are measured per request.
 * Bounded in time, loopback only.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const targets = Array.from(
    { length: options.connections },
    (_, connection) => new URL(typeof options.url === 'string' ? options.url : options.url(connection)),
  );
  if (targets.some((target) => !['127.0.0.1', 'localhost', '[::1]'].includes(target.hostname)))
    throw new Error('load tests only target loopback');
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  let answered = 0;
  let sequence = 0;
  const start = performance.now();
  const measureFrom = start + options.warmupMs;
  const stopAt = measureFrom + options.durationMs;
  const cancelWindow = scheduleWindow(options.window, options.warmupMs, options.durationMs);

  const once = (target: URL, connection: number) =>
    new Promise<void>((resolve) => {
      const body = options.body(sequence++, connection);
      const sent = performance.now();
      const request = http.request(
        target,
        { method: 'POST', agent, headers: { ...options.headers, 'content-length': Buffer.byteLength(body) } },
        (response) => {
          response.resume();
          response.on('end', () => {
            const done = performance.now();
            answered++;
            if (sent >= measureFrom && done <= stopAt) {
              latencies.push(done - sent);
              statuses[response.statusCode ?? 0] = (statuses[response.statusCode ?? 0] ?? 0) + 1;
              if ((response.statusCode ?? 500) >= 400) errors++;
            }
            resolve();
          });
        },
      );
      request.on('error', () => {
        errors++;
        resolve();
      });
      request.end(body);
    });

  await Promise.all(
    targets.map(async (target, connection) => {
      while (performance.now() < stopAt) await once(target, connection);
    }),
  );
  cancelWindow();
  agent.destroy();
  return summarize(latencies, { answered, errors, durationMs: options.durationMs, statuses });
}

export interface OpenLoopOptions {
  url: string;
  /** Requests per second, sent on schedule whether or not earlier answers have arrived. */
  ratePerSecond: number;
  durationMs: number;
  warmupMs: number;
  headers: Record<string, string>;
  body: (sequence: number) => string;
  window?: WindowHooks;
}

export interface OpenLoopResult extends LoadResult {
  /** Requests that could not even be sent on time because the generator itself was behind by more than 10 ms. */
  lateSends: number;
}

/**
 * An open-loop load generator: request i is due at start + i / rate, and its latency is measured
 * from that intended send time, not from when it actually left. A closed loop waits for answers
 * before sending more, so a stalled server simply receives less and its queueing never shows
 * ("coordinated omission"); here a stall shows up in the latency of every request due during it.
 * Bounded in time, loopback only.
 */
export async function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const target = new URL(options.url);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(target.hostname))
    throw new Error('load tests only target loopback');
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const intervalMs = 1000 / options.ratePerSecond;
  const start = performance.now();
  const measureFrom = start + options.warmupMs;
  const stopAt = measureFrom + options.durationMs;
  let errors = 0;
  let answered = 0;
  let lateSends = 0;
  const inFlight = new Set<Promise<void>>();
  const cancelWindow = scheduleWindow(options.window, options.warmupMs, options.durationMs);

  const send = (sequence: number, intended: number) => {
    const body = options.body(sequence);
    const measured = intended >= measureFrom;
    const done = new Promise<void>((resolve) => {
      const request = http.request(
        target,
        { method: 'POST', agent, headers: { ...options.headers, 'content-length': Buffer.byteLength(body) } },
        (response) => {
          response.resume();
          response.on('end', () => {
            answered++;
            if (measured) {
              latencies.push(performance.now() - intended);
              statuses[response.statusCode ?? 0] = (statuses[response.statusCode ?? 0] ?? 0) + 1;
              if ((response.statusCode ?? 500) >= 400) errors++;
            }
            resolve();
          });
        },
      );
      request.on('error', () => {
        if (measured) errors++;
        resolve();
      });
      request.end(body);
    });
    inFlight.add(done);
    void done.finally(() => inFlight.delete(done));
  };

  for (let sequence = 0; ; sequence++) {
    const intended = start + sequence * intervalMs;
    if (intended >= stopAt) break;
    const wait = intended - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    else if (wait < -10 && intended >= measureFrom) lateSends++;
    send(sequence, intended);
  }
  await Promise.all(inFlight);
  cancelWindow();
  agent.destroy();
  return { ...summarize(latencies, { answered, errors, durationMs: options.durationMs, statuses }), lateSends };
}
