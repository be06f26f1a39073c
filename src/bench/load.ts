import http from 'node:http';

export interface LoadResult {
  requests: number;
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
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * A closed-loop HTTP load generator: `connections` keep-alive connections, each sending its next
 * request when the previous answer arrived. Latencies after the warm-up are measured per request.
 * Bounded in time, loopback only.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const targets = Array.from({ length: options.connections }, (_, connection) => new URL(typeof options.url === 'string' ? options.url : options.url(connection)));
  if (targets.some((target) => !['127.0.0.1', 'localhost', '[::1]'].includes(target.hostname))) throw new Error('load tests only target loopback');
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  let sequence = 0;
  const start = performance.now();
  const measureFrom = start + options.warmupMs;
  const stopAt = measureFrom + options.durationMs;

  const once = (target: URL, connection: number) => new Promise<void>((resolve) => {
    const body = options.body(sequence++, connection);
    const sent = performance.now();
    const request = http.request(target, { method: 'POST', agent, headers: { ...options.headers, 'content-length': Buffer.byteLength(body) } }, (response) => {
      response.resume();
      response.on('end', () => {
        const done = performance.now();
        if (sent >= measureFrom && done <= stopAt) {
          latencies.push(done - sent);
          statuses[response.statusCode ?? 0] = (statuses[response.statusCode ?? 0] ?? 0) + 1;
          if ((response.statusCode ?? 500) >= 400) errors++;
        }
        resolve();
      });
    });
    request.on('error', () => { errors++; resolve(); });
    request.end(body);
  });

  await Promise.all(targets.map(async (target, connection) => {
    while (performance.now() < stopAt) await once(target, connection);
  }));
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length, errors, durationMs: options.durationMs,
    perSecond: Math.round(latencies.length / (options.durationMs / 1000)),
    p50Ms: Number(percentile(latencies, 50).toFixed(2)), p99Ms: Number(percentile(latencies, 99).toFixed(2)), statuses,
  };
}
