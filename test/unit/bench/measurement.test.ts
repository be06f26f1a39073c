import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { processCpuMs, startCpuWindow, pidSource } from '../../../src/bench/cpu.js';
import { runOpenLoop } from '../../../src/bench/load.js';

function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    /* burn CPU on purpose */
  }
}

describe('bench CPU accounting', () => {
  it("reads a process's CPU from /proc in step with process.cpuUsage()", () => {
    const before = processCpuMs(process.pid);
    const usageBefore = process.cpuUsage();
    spin(300);
    const after = processCpuMs(process.pid);
    const usage = process.cpuUsage(usageBefore);
    expect(before).toBeTypeOf('number');
    const own = (usage.user + usage.system) / 1000;
    // Ticks are 10 ms; other threads of this process (GC, I/O) add a little.
    expect(after! - before!).toBeGreaterThanOrEqual(own - 30);
    expect(after! - before!).toBeLessThan(own + 150);
  });

  it("divides a window's CPU by the operations done in it, and leaves out a process that is gone", async () => {
    const window = await startCpuWindow([pidSource('self', process.pid), pidSource('gone', 2 ** 22 + 7)]);
    const usageBefore = process.cpuUsage();
    spin(200);
    const usage = process.cpuUsage(usageBefore);
    const figures = await window.finish(10);
    expect(figures.map((figure) => figure.name)).toEqual(['self']);
    // On a busy machine the spin gets less than its 200 ms of CPU: compare with what it really got.
    const ownPerOperation = (usage.user + usage.system) / 1000 / 10;
    expect(figures[0]!.perOperationMs).toBeGreaterThanOrEqual(ownPerOperation - 3);
    expect(figures[0]!.perOperationMs).toBeLessThan(ownPerOperation + 15);
  });
});

describe('open-loop load', () => {
  let server: http.Server | undefined;
  afterEach(
    () =>
      new Promise<void>((resolve) => {
        server?.closeAllConnections();
        server?.close(() => resolve());
      }),
  );

  it('measures from the intended send time, so a server stall shows in the latency of every request due during it', async () => {
    let stalled = false;
    const started = performance.now();
    server = http.createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        // Once, 300 ms into the run: block the event loop for 250 ms, as a GC pause or a slow commit would.
        if (!stalled && performance.now() - started > 300) {
          stalled = true;
          spin(250);
        }
        response.end('ok');
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const result = await runOpenLoop({
      url: `http://127.0.0.1:${port}/`,
      ratePerSecond: 200,
      durationMs: 1_000,
      warmupMs: 0,
      headers: {},
      body: () => 'x',
    });
    expect(result.errors).toBe(0);
    expect(result.answered).toBe(200);
    // About 50 requests were due during the stall: each waited for it, so well over 1 % saw > 100 ms.
    expect(result.p99Ms).toBeGreaterThan(100);
    // A closed loop with one connection would have sent only one request during the stall.
  });

  // A bench run printed "web CPU NaN ms per event": the last answer came back before the window's
  // closing timer fired, and the timer was cancelled with the window still open.
  it('always closes a window it opened, even when the load ends before the closing timer', async () => {
    server = http.createServer((request, response) => {
      request.resume();
      request.on('end', () => response.end('ok'));
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const edges: string[] = [];
    // The last send is due 240 ms in, its answer is back long before the closing timer at 250 ms.
    const result = await runOpenLoop({
      url: `http://127.0.0.1:${port}/`,
      ratePerSecond: 100,
      durationMs: 200,
      warmupMs: 50,
      headers: {},
      body: () => 'x',
      window: { opened: () => edges.push('opened'), closed: () => edges.push('closed') },
    });
    expect(result.errors).toBe(0);
    expect(edges).toEqual(['opened', 'closed']);
  });
});
