import { describe, expect, it } from 'vitest';
import { residentBytes, slopePerMinute, summarise, type MemorySample } from '../../../src/bench/redis-outage-bench.js';

const MIB = 2 ** 20;

describe('Redis outage bench memory figures', () => {
  it("reads a process's resident set from /proc, close to what Node reports for itself, and nothing for a process that is gone", () => {
    const own = residentBytes(process.pid);
    expect(own).toBeTypeOf('number');
    // Both count the same pages; they are read a moment apart.
    expect(Math.abs(own! - process.memoryUsage().rss)).toBeLessThan(16 * MIB);
    expect(residentBytes(2 ** 22 + 7)).toBeUndefined();
  });

  it('fits the slope per minute by least squares', () => {
    const line = Array.from({ length: 10 }, (_, i) => ({ atMs: i * 6_000, value: 100 + i * 0.5 }));
    // 0.5 per 6 s = 5 per minute.
    expect(slopePerMinute(line)).toBeCloseTo(5, 6);
    // Noise around a flat line: no slope.
    const flat = Array.from({ length: 10 }, (_, i) => ({ atMs: i * 1_000, value: i % 2 ? 101 : 99 }));
    expect(Math.abs(slopePerMinute(flat))).toBeLessThan(15);
    expect(slopePerMinute([{ atMs: 0, value: 1 }])).toBe(0);
  });

  it('summarises RSS and heap at the phase edges, their maximum and the slope during the outage alone', () => {
    const samples: MemorySample[] = [
      { atMs: 0, phase: 'before', rssBytes: 100 * MIB, heapBytes: 50 * MIB },
      { atMs: 60_000, phase: 'before', rssBytes: 110 * MIB, heapBytes: 52 * MIB },
      { atMs: 120_000, phase: 'outage', rssBytes: 110 * MIB, heapBytes: 52 * MIB },
      { atMs: 180_000, phase: 'outage', rssBytes: 112 * MIB, heapBytes: undefined },
      { atMs: 240_000, phase: 'outage', rssBytes: 114 * MIB, heapBytes: 54 * MIB },
      { atMs: 300_000, phase: 'after', rssBytes: 180 * MIB, heapBytes: 70 * MIB },
      { atMs: 360_000, phase: 'drain', rssBytes: 120 * MIB, heapBytes: 55 * MIB },
    ];
    const figures = summarise('worker', samples);
    expect(figures.rssMiB).toEqual({ beforeOutage: 110, endOfOutage: 114, end: 120, max: 180 });
    expect(figures.heapMiB).toEqual({ beforeOutage: 52, endOfOutage: 54, end: 55, max: 70 });
    // The after phase's jump does not count: 2 MiB per minute during the outage.
    expect(figures.outageRssSlopeMiBPerMinute).toBe(2);
    // A sample without heap (the process did not answer in time) is left out.
    expect(figures.outageHeapSlopeMiBPerMinute).toBe(1);
  });
});
